import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, RESULTS_VIEW_TYPE } from '../../constants';
import { isResultFileName } from '../../core/jsonl/resultShape';
import { resultFileSuffixes } from '../../core/results/names';

/** Whether this build contributes the results viewer (it is built separately; until then results open as text). */
function hasResultsViewer(): boolean {
  const editors = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes?: { customEditors?: { viewType?: string }[] } } | undefined)?.contributes?.customEditors;
  return editors?.some((editor) => editor.viewType === RESULTS_VIEW_TYPE) ?? false;
}

/**
 * Opens a results file in the results viewer; as text when the viewer is not there or cannot open it, so that
 * "Open Results" always shows the results.
 */
export async function openResultsFile(uri: vscode.Uri): Promise<'viewer' | 'text'> {
  if (opensInViewer(uri.path) && hasResultsViewer()) {
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, RESULTS_VIEW_TYPE);
      return 'viewer';
    } catch {
      // Fall through to the text editor.
    }
  }
  await vscode.window.showTextDocument(uri, { preview: true });
  return 'text';
}

/**
 * Files the viewer shows: joined results, and the service's own output and error files (ours, `NAME.output.jsonl`,
 * or as the portal names them, `..._output.jsonl`), whose rows it reads by their responses.
 */
function opensInViewer(path: string): boolean {
  const name = path.toLowerCase();
  return [`.${resultFileSuffixes.results}`, `.${resultFileSuffixes.output}`, `.${resultFileSuffixes.errors}`, '_output.jsonl', '_error.jsonl', '_errors.jsonl'].some((suffix) => name.endsWith(suffix));
}

/** Shows a results folder (or an exported file) in the Explorer when it is in the workspace, else in the system's file manager. */
export async function revealResultsFolder(folder: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand(vscode.workspace.getWorkspaceFolder(folder) ? 'revealInExplorer' : 'revealFileInOS', folder);
}

/** The `*.results.jsonl` file a palette "Open Results" means: the active tab's, else one the user picks. */
export async function pickResultsFile(): Promise<vscode.Uri | undefined> {
  // The active tab, whether the results show in the viewer (a custom editor) or as text.
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const active = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && active.path.endsWith(`.${resultFileSuffixes.results}`) && existsSync(active.fsPath)) {
    return active;
  }
  const found = await vscode.workspace.findFiles(`**/*.${resultFileSuffixes.results}`, '**/node_modules/**', 500);
  if (found.length === 0) {
    const browse = vscode.l10n.t('Browse...');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('No results file (*.results.jsonl) in this workspace. Download the results of a job first, or choose a file.'), browse);
    return choice === browse ? browseForResults() : undefined;
  }
  const items = found
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri, false), uri }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('Choose the results to open') });
  return picked?.uri;
}

async function browseForResults(): Promise<vscode.Uri | undefined> {
  const [uri] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Batch results')]: ['jsonl'] }, openLabel: vscode.l10n.t('Open Results') })) ?? [];
  return uri;
}

/** Whether a command argument is a results file to open as it is (rather than a job's source file). */
export function isResultsUri(arg: unknown): arg is vscode.Uri {
  return arg instanceof vscode.Uri && isResultFileName(arg.path);
}
