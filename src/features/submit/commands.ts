import type * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import { submitFiles, type SubmitDeps, type SubmitOptions } from './submitCommand';

/** Submit as Batch Job. */
export function registerSubmitCommands(register: RegisterCommand, deps: SubmitDeps): void {
  register(Commands.submit, (clicked?: vscode.Uri, selected?: vscode.Uri[], options?: SubmitOptions) => submitFiles(deps, clicked, selected, options));
}
