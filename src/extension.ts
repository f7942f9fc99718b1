import * as vscode from 'vscode';
import { registerCommand } from './commandRegistry';
import { Commands } from './constants';
import { BatchQuickFixProvider } from './features/validation/quickFixes';
import { removeBom } from './features/validation/removeBomCommand';
import { setDeployment } from './features/validation/setDeploymentCommand';
import { ValidationStatusItem } from './features/validation/statusItem';
import { validateFiles } from './features/validation/validateFileCommand';
import { ValidationController } from './features/validation/validationController';

/** What the extension hands to other extensions and to its integration tests. */
export interface ExtensionApi {
  readonly validation: ValidationController;
}

/** Wires the features together; each owns its own listeners and disposes them. */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel('Azure OpenAI Batch', { log: true });
  context.subscriptions.push(log);

  const validation = new ValidationController();
  context.subscriptions.push(
    validation,
    new ValidationStatusItem(validation),
    vscode.languages.registerCodeActionsProvider({ scheme: '*' }, new BatchQuickFixProvider(validation), BatchQuickFixProvider.metadata),
  );

  registerCommand(context, log, Commands.validateFile, (clicked?: vscode.Uri, selected?: vscode.Uri[]) => validateFiles(validation, clicked, selected));
  registerCommand(context, log, Commands.setDeployment, (uri?: vscode.Uri) => setDeployment(validation, uri));
  registerCommand(context, log, Commands.removeBom, (uri?: vscode.Uri) => removeBom(uri));

  log.info('Azure OpenAI Batch activated');
  return { validation };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
