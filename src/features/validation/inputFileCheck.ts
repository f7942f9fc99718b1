import * as vscode from 'vscode';
import { checkInputPath } from '../../core/jsonl/inputFile';

/**
 * The check the CLI makes on an input file, for the editor's commands that read one from disk (Validate
 * Batch File, Submit): undefined for a regular file, else a sentence saying what the path is. Only `stat`
 * is called, so a FIFO or a device is never opened.
 */
export async function inputFileProblem(uri: vscode.Uri): Promise<string | undefined> {
  const name = vscode.workspace.asRelativePath(uri);
  const check = await checkInputPath(uri.fsPath);
  if (check.ok) {
    return undefined;
  }
  const problem = check.problem;
  switch (problem.kind) {
    case 'missing':
      return vscode.l10n.t('{0} does not exist.', name);
    case 'directory':
      return vscode.l10n.t('{0} is a folder, not a batch file.', name);
    case 'special':
      return vscode.l10n.t('{0} is not a regular file ({1}), so it was not read.', name, problem.what);
    case 'unreadable':
      return vscode.l10n.t('Cannot read {0} ({1}).', name, problem.code);
  }
}
