import * as vscode from 'vscode';
import { cloudFrom, type AzureCloud } from '../../core/azure/cloud';
import { CONFIG_SECTION } from '../../constants';

/** The setting that points resource discovery at another Resource Manager (tests: the emulator). */
export const MANAGEMENT_ENDPOINT_SETTING = 'azure.managementEndpoint';

/** The cloud the user's settings select now (read where used: they may change at any time). */
export function currentCloud(): AzureCloud {
  const sovereign = vscode.workspace.getConfiguration('microsoft-sovereign-cloud');
  return cloudFrom({
    environment: sovereign.get('environment'),
    customEnvironment: sovereign.get('customEnvironment'),
    managementEndpoint: vscode.workspace.getConfiguration(CONFIG_SECTION).get(MANAGEMENT_ENDPOINT_SETTING),
  });
}

/** Whether a settings change moves discovery to another cloud. */
export function affectsCloud(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration('microsoft-sovereign-cloud') || event.affectsConfiguration(`${CONFIG_SECTION}.${MANAGEMENT_ENDPOINT_SETTING}`);
}

/**
 * A sign-in the user declined (the consent dialog's Cancel, an Escaped account pick): VS Code rejects `getSession`
 * with an error, which is a cancellation to us, not something to report.
 */
export function isDeclinedSignIn(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return error instanceof vscode.CancellationError || /did not consent|cancel+ed|user (?:closed|aborted)/i.test(message);
}
