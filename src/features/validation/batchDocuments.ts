// The validation limits from settings. Which documents are batch input: ../documents/isBatchDocument.ts.
import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { defaultMaxDiagnostics, serviceLimits, type BatchService, type ValidationLimits } from '../../core/jsonl/types';

/**
 * The per-file limits: the service's (Azure's or OpenAI's), or the settings where the user set them. The file's
 * service is that of the workspace's connection.
 */
export function limitsFor(uri: vscode.Uri | undefined, service: BatchService = 'azure'): ValidationLimits {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, uri);
  const defaults = serviceLimits[service];
  const maxRequests = explicitSetting(config, Settings.maxRequests) ?? defaults.maxRequests;
  const maxMb = explicitSetting(config, Settings.maxFileSizeMB) ?? defaults.maxBytes / (1024 * 1024);
  return {
    maxRequests: maxRequests > 0 ? maxRequests : defaults.maxRequests,
    maxBytes: maxMb > 0 ? Math.round(maxMb * 1024 * 1024) : defaults.maxBytes,
  };
}

// A value the user (or the workspace) set, not the manifest's default, which is Azure's.
function explicitSetting(config: vscode.WorkspaceConfiguration, key: string): number | undefined {
  const inspected = config.inspect<number>(key);
  return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
}

/** Most diagnostics published per document (the `validation.maxDiagnostics` setting, at least 1). */
export function maxDiagnosticsFor(uri: vscode.Uri | undefined): number {
  const value = vscode.workspace.getConfiguration(CONFIG_SECTION, uri).get<number>(Settings.maxDiagnostics, defaultMaxDiagnostics);
  return Number.isFinite(value) && value >= 1 ? Math.floor(value) : defaultMaxDiagnostics;
}
