import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { existingFiles, FileExistsError, UnsafePathError } from '../../core/atomicFile';

/** How many file names the replace question lists before "and N more". */
const namedFiles = 3;

/**
 * Asks once, in a modal, before any of `paths` that exists is replaced. Resolves to the overwrite consent
 * to write with (`false` when nothing exists, `true` when the user chose Replace or `overwrite` was given),
 * or `undefined` when the user declined. Throws a localized error when a path is a symbolic link or not a
 * file, which no answer makes writable.
 */
export async function confirmReplace(paths: readonly string[], overwrite: boolean | undefined): Promise<boolean | undefined> {
  let existing: string[];
  try {
    existing = await existingFiles(paths);
  } catch (error) {
    throw describeWriteError(error);
  }
  if (existing.length === 0 || overwrite === true) {
    return existing.length > 0;
  }
  const names = existing.slice(0, namedFiles).map((path) => basename(path));
  const listed = existing.length > namedFiles ? vscode.l10n.t('{0} and {1} more', names.join(', '), existing.length - namedFiles) : names.join(', ');
  const replace = vscode.l10n.t('Replace');
  const question =
    existing.length === 1
      ? vscode.l10n.t('{0} already exists in {1}. Replace it?', listed, dirname(existing[0]!))
      : vscode.l10n.t('{0} already exist in {1}. Replace them?', listed, dirname(existing[0]!));
  const choice = await vscode.window.showWarningMessage(question, { modal: true }, replace);
  return choice === replace ? true : undefined;
}

/** The error to show for a failed write: the writer's refusals in the user's language, anything else unchanged. */
export function describeWriteError(error: unknown): unknown {
  if (error instanceof FileExistsError) {
    return new Error(vscode.l10n.t('{0} appeared while the results were written; it was not replaced.', error.path));
  }
  if (!(error instanceof UnsafePathError)) {
    return error;
  }
  switch (error.reason) {
    case 'symlink':
      return new Error(vscode.l10n.t('{0} is a symbolic link, and results are never written through one: remove it or choose another results folder.', error.path));
    case 'not-a-file':
      return new Error(vscode.l10n.t('{0} exists and is not a file, so results cannot be written there.', error.path));
    case 'not-a-folder':
      return new Error(vscode.l10n.t('{0} exists and is not a folder, so results cannot be written into it.', error.path));
    case 'outside':
      return new Error(vscode.l10n.t('{0} would be outside its folder, so it was not written.', error.path));
    case 'folder-changed':
      return new Error(vscode.l10n.t('The folder of {0} was moved or replaced while it was written, so it was not written.', error.path));
  }
}
