import * as vscode from 'vscode';
import { classifyError, errorDetails, isCancellation, type ErrorAction } from './features/errors';

/**
 * Registers a command behind the one error boundary: a cancellation (VS Code's or the core's) is silent;
 * any other error is logged with its details and shown once, in one sentence, with its actions and "Show Log".
 */
export function registerCommand<A extends unknown[]>(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  id: string,
  handler: (...args: A) => unknown,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...(args as A));
      } catch (error) {
        showCommandError(log, id, error);
        return undefined;
      }
    }),
  );
}

/** What the boundary does with an error thrown by command `id` (exported for work started outside a command). */
export function showCommandError(log: vscode.LogOutputChannel, id: string, error: unknown): void {
  if (error instanceof vscode.CancellationError) {
    return;
  }
  const report = classifyError(error);
  if (report.kind === 'cancelled') {
    return;
  }
  log.error(`${id} failed: ${report.details}`);
  const message = report.message || vscode.l10n.t('The command failed without saying why.');
  const showLog: ErrorAction = { title: vscode.l10n.t('Show Log'), run: () => log.show() };
  const actions = [...report.actions, showLog];
  void vscode.window.showErrorMessage(vscode.l10n.t('Azure OpenAI Batch: {0}', message), ...actions.map((a) => a.title)).then(async (choice) => {
    try {
      await actions.find((a) => a.title === choice)?.run();
    } catch (actionError) {
      // Shown nowhere else: the notification it came from is gone.
      if (!(actionError instanceof vscode.CancellationError) && !isCancellation(actionError)) {
        log.error(`${id}: "${String(choice)}" failed: ${errorDetails(actionError)}`);
      }
    }
  });
}
