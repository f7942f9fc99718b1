import * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import { newBatchFileFromData, runBatchTemplate, type CreateDeps } from './createFlow';
import { TemplateCodeLensProvider, TemplateCompletionProvider, templateSelector } from './templateProviders';

/** "New Batch File from Data", "Run Batch Template", and the template files' CodeLens and `{{` completion. */
export function registerCreateCommands(register: RegisterCommand, deps: CreateDeps): vscode.Disposable {
  register(Commands.newBatchFileFromData, (clicked?: vscode.Uri) => newBatchFileFromData(deps, clicked));
  register(Commands.runBatchTemplate, (uri?: vscode.Uri) => runBatchTemplate(uri));
  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider(templateSelector, new TemplateCodeLensProvider()),
    vscode.languages.registerCompletionItemProvider(templateSelector, new TemplateCompletionProvider(), ...TemplateCompletionProvider.triggers),
  );
}
