import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { DownloadOutcome } from './resultsService';

/**
 * Tells the user where a download went: without it "Download Results" writes its files silently and
 * looks like it did nothing. Offers to open the summary (or the output file when there is no summary).
 * Resolves once the message is shown or dismissed; callers do not wait for it.
 */
export async function announceDownload(sourceName: string, outcome: DownloadOutcome): Promise<void> {
  const written = [outcome.output, outcome.errors, outcome.results, outcome.summaryFile].filter((file): file is string => file !== undefined);
  if (outcome.declined || written.length === 0) {
    return; // nothing written: "declined" or "no results yet" already said so
  }
  const toOpen = outcome.summaryFile ?? outcome.results ?? outcome.output ?? outcome.errors!;
  const open = vscode.l10n.t('Open {0}', basename(toOpen));
  const choice = await vscode.window.showInformationMessage(
    vscode.l10n.t('Downloaded the results of {0}: {1}.', sourceName, written.map((file) => basename(file)).join(', ')),
    open,
  );
  if (choice === open) {
    await vscode.window.showTextDocument(vscode.Uri.file(toOpen), { preview: true });
  }
}
