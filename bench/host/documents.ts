import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../../src/constants';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The extension's diagnostics on a document now. */
export function ourDiagnostics(uri: vscode.Uri): number {
  let count = 0;
  for (const diagnostic of vscode.languages.getDiagnostics(uri)) {
    if (diagnostic.source === DIAGNOSTIC_SOURCE) {
      count++;
    }
  }
  return count;
}

/**
 * Resolves with the time (performance.now()) the extension's diagnostic count on `uri` first satisfied
 * `done`, or null after `timeoutMs`. Polls every 2 ms instead of listening to `onDidChangeDiagnostics`,
 * which VS Code delivers up to 50 ms late (it debounces the event).
 */
export async function waitForDiagnostics(uri: vscode.Uri, done: (count: number) => boolean, timeoutMs: number): Promise<{ at: number | null; count: number }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const count = ourDiagnostics(uri);
    const now = performance.now();
    if (done(count)) {
      return { at: now, count };
    }
    if (now > deadline) {
      return { at: null, count };
    }
    await sleep(2);
  }
}

const lensPattern = /^(\d[\d,.\s\u00a0\u202f]*) requests? · ~(\d[\d,.\s\u00a0\u202f]*) input tokens · est\. /;
const digits = (text: string) => Number(text.replace(/\D/g, ''));

/**
 * Polls the CodeLens providers of `uri` every `intervalMs` until the estimate lens shows `requests`
 * requests (the estimate is complete: while counting it shows a progress title instead). Resolves with
 * the time it first did, or null after `timeoutMs`, and the last estimate title seen.
 */
export async function waitForEstimateLens(
  uri: vscode.Uri,
  expected: { readonly requests: number; readonly inputTokens: number },
  timeoutMs: number,
  intervalMs = 50,
): Promise<{ at: number | null; title: string; tokensMatch: boolean }> {
  const deadline = performance.now() + timeoutMs;
  let title = '';
  for (;;) {
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const now = performance.now();
    for (const lens of lenses) {
      const text = lens.command?.title ?? '';
      if (!/input tokens|Estimating tokens/.test(text)) {
        continue;
      }
      title = text;
      const match = lensPattern.exec(text);
      if (match && digits(match[1]!) === expected.requests) {
        return { at: now, title, tokensMatch: digits(match[2]!) === expected.inputTokens };
      }
    }
    if (now > deadline) {
      return { at: null, title, tokensMatch: false };
    }
    await sleep(intervalMs);
  }
}

/** Closes the active editor, dropping its edits (a dirty editor would ask to save). */
export async function closeActiveEditor(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

let fillerCount = 0;

/**
 * Makes VS Code release a document whose editors are closed, instead of waiting the ~3 minutes it keeps
 * documents opened through the API: its list of those documents drops the oldest ten once it holds 60, so
 * tiny plain-text documents are opened until the extension host sees `uri` close. Resolves with the time
 * that took, or null when the document stayed open.
 */
export async function releaseDocument(uri: vscode.Uri, scratchDir: string, timeoutMs = 20_000): Promise<number | null> {
  const key = uri.toString();
  const isOpen = () => vscode.workspace.textDocuments.some((d) => d.uri.toString() === key);
  const started = performance.now();
  if (!isOpen()) {
    return 0;
  }
  let closedAt: number | undefined;
  const listener = vscode.workspace.onDidCloseTextDocument((document) => {
    if (document.uri.toString() === key) {
      closedAt = performance.now();
    }
  });
  try {
    mkdirSync(scratchDir, { recursive: true });
    const deadline = started + timeoutMs;
    let opened = 0;
    while (closedAt === undefined && performance.now() < deadline) {
      if (opened < 400) {
        const batch: vscode.Uri[] = [];
        for (let i = 0; i < 10; i++) {
          const file = join(scratchDir, `filler-${++fillerCount}.txt`);
          writeFileSync(file, 'x\n');
          batch.push(vscode.Uri.file(file));
        }
        await Promise.all(batch.map((u) => vscode.workspace.openTextDocument(u)));
        opened += batch.length;
      }
      await sleep(20);
    }
    return closedAt === undefined ? null : closedAt - started;
  } finally {
    listener.dispose();
  }
}
