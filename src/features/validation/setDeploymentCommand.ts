import * as vscode from 'vscode';
import { setDeploymentEdits } from '../../core/jsonl/fixes';
import type { DeploymentChoice } from '../../core/azure/deploymentChoices';
import { choiceDescription, deploymentCandidates, documentLines } from './quickFixes';
import { toWorkspaceEdit } from './toVscode';
import type { ValidationController } from './validationController';

/**
 * "Set Deployment Name": asks for a deployment (offering the connection's batch deployments, then names from
 * the file and settings, or any typed name) and writes it into `body.model` on every row as one undoable edit.
 */
export async function setDeployment(controller: ValidationController, uri?: vscode.Uri): Promise<boolean> {
  const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a batch file (.jsonl) first.'));
    return false;
  }
  const name = await pickDeployment(deploymentCandidates(controller, document));
  if (!name) {
    return false;
  }
  const edits = setDeploymentEdits(documentLines(document), name);
  if (edits.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Every row already uses the deployment "{0}".', name));
    return true;
  }
  return vscode.workspace.applyEdit(toWorkspaceEdit(document.uri, edits));
}

async function pickDeployment(choices: readonly DeploymentChoice[]): Promise<string | undefined> {
  const candidates = choices.map((choice) => choice.name);
  const valid = (value: string) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value.trim());
  if (candidates.length === 0) {
    return (
      await vscode.window.showInputBox({
        title: vscode.l10n.t('Deployment name'),
        prompt: vscode.l10n.t('The name of your Global Batch or Data Zone Batch deployment'),
        validateInput: (value) => (valid(value) ? undefined : vscode.l10n.t('Use letters, digits, "-", "_" or "." (at most 64 characters).')),
      })
    )?.trim();
  }
  return new Promise<string | undefined>((resolve) => {
    const pick = vscode.window.createQuickPick();
    pick.title = vscode.l10n.t('Set the deployment on every row');
    pick.placeholder = vscode.l10n.t('Pick a deployment or type its name');
    const fixed = choices.map((choice) => ({ label: choice.name, description: choiceDescription(choice) }));
    pick.items = fixed;
    pick.onDidChangeValue((value) => {
      const typed = value.trim();
      pick.items = typed && valid(typed) && !candidates.includes(typed) ? [{ label: typed, description: vscode.l10n.t('typed name') }, ...fixed] : fixed;
    });
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.label);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}
