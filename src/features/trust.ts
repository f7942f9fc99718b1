import * as vscode from 'vscode';

/**
 * In an untrusted workspace, validation runs freely but anything that sends files away or writes results
 * asks first: a repository you just opened should not be able to make you submit or download silently.
 */
export async function confirmInUntrustedWorkspace(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) {
    return true;
  }
  const proceed = vscode.l10n.t('Continue');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('This workspace is in Restricted Mode. {0}?', action),
    { modal: true, detail: vscode.l10n.t('Only continue if you trust the files in this folder.') },
    proceed,
  );
  return choice === proceed;
}
