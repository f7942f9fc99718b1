import type * as vscode from 'vscode';
import { Commands } from '../../constants';
import type { RegisterCommand } from '../commands';
import { removeBom } from './removeBomCommand';
import { setDeployment } from './setDeploymentCommand';
import { validateFiles } from './validateFileCommand';
import type { ValidationController } from './validationController';

/** The validation feature's commands. */
export function registerValidationCommands(register: RegisterCommand, validation: ValidationController): void {
  register(Commands.validateFile, (clicked?: vscode.Uri, selected?: vscode.Uri[]) => validateFiles(validation, clicked, selected));
  register(Commands.setDeployment, (uri?: vscode.Uri) => setDeployment(validation, uri));
  register(Commands.removeBom, (uri?: vscode.Uri) => removeBom(uri));
}
