import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { openResultsFile, revealResultsFolder } from './openResults';

/** The files a download wrote (any may be missing), or that the user declined to replace existing ones. */
export interface WrittenResults {
  readonly output?: string;
  readonly errors?: string;
  readonly results?: string;
  readonly summaryFile?: string;
  readonly declined?: boolean;
}

/**
 * Tells the user where a download went: without it "Download Results" writes its files silently and looks like
 * it did nothing. Offers "Open Results" (the joined results, else the output or error file) and "Reveal in
 * Explorer" (the job's results folder). Resolves once the message is shown or dismissed; callers do not wait.
 */
export async function announceDownload(sourceName: string, written: WrittenResults): Promise<void> {
  const toOpen = written.results ?? written.output ?? written.errors;
  if (written.declined || toOpen === undefined) {
    return; // nothing written: "declined" or "no results yet" already said so
  }
  const folder = dirname(toOpen);
  const open = vscode.l10n.t('Open Results');
  const reveal = vscode.l10n.t('Reveal in Explorer');
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Downloaded the results of {0} into {1}.', sourceName, vscode.workspace.asRelativePath(folder, false)),
    open,
    reveal,
  );
  if (choice === open) {
    await openResultsFile(vscode.Uri.file(toOpen));
  } else if (choice === reveal) {
    await revealResultsFolder(vscode.Uri.file(folder));
  }
}

/**
 * Tells the user an export is done, with "Open" (the exported file, in its default editor) and "Reveal in
 * Explorer", as a download does. Resolves once the message is shown or dismissed; callers do not wait.
 */
export async function announceExport(file: string, rows: number): Promise<void> {
  const open = vscode.l10n.t('Open');
  const reveal = vscode.l10n.t('Reveal in Explorer');
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} rows to {1}.', rows.toLocaleString(), basename(file)), open, reveal);
  if (choice === open) {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
  } else if (choice === reveal) {
    await revealResultsFolder(vscode.Uri.file(file));
  }
}
