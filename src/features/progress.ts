import * as vscode from 'vscode';
import { isCancellation } from './errors';

/** Reports a step of cancellable work: a short message and/or how much of 100 was done since the last report. */
export type ReportProgress = (update: { readonly message?: string; readonly increment?: number }) => void;

/**
 * Runs `work` under a cancellable progress notification titled `title`. Cancelling aborts the `signal` handed
 * to `work`; whatever cancellation that causes (the core's, the SDK's, a stream's) comes out as VS Code's
 * `CancellationError`, which the command boundary keeps silent. Other errors pass through unchanged.
 */
export function withCancellableProgress<T>(title: string, work: (report: ReportProgress, signal: AbortSignal) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const listener = token.onCancellationRequested(() => abort.abort());
      if (token.isCancellationRequested) {
        abort.abort();
      }
      try {
        return await work((update) => progress.report(update), abort.signal);
      } catch (error) {
        if (error instanceof vscode.CancellationError) {
          throw error;
        }
        if (isCancellation(error) || (abort.signal.aborted && error === abort.signal.reason)) {
          throw new vscode.CancellationError();
        }
        throw error;
      } finally {
        listener.dispose();
      }
    }),
  );
}
