import * as vscode from 'vscode';

/**
 * Removes a UTF-8 byte order mark that the editor hides from the text (the file was opened as
 * "UTF-8 with BOM"): saves pending changes, then rewrites the file without its first three bytes.
 */
export async function removeBom(uri?: vscode.Uri): Promise<boolean> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    return false;
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
  if (open?.isDirty && !(await open.save())) {
    return false;
  }
  const bytes = await vscode.workspace.fs.readFile(target);
  if (!(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) {
    return false;
  }
  await vscode.workspace.fs.writeFile(target, bytes.subarray(3));
  if (open) {
    // Reopen as UTF-8 so the editor stops writing the mark back on the next save.
    await vscode.workspace.openTextDocument(target, { encoding: 'utf8' });
  }
  return true;
}
