import * as vscode from 'vscode';

/**
 * Registers a command behind one error boundary: cancellation is silent, any other error is logged and
 * shown once, so no command fails without telling the user why.
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
        if (error instanceof vscode.CancellationError) {
          return undefined;
        }
        const detail = error instanceof Error ? error.message : String(error);
        log.error(`${id} failed:`, error instanceof Error ? error : detail);
        const showLog = vscode.l10n.t('Show Log');
        void vscode.window.showErrorMessage(vscode.l10n.t('Azure OpenAI Batch: {0}', detail), showLog).then((choice) => {
          if (choice === showLog) {
            log.show();
          }
        });
        return undefined;
      }
    }),
  );
}
