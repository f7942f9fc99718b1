import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { Commands, VIEW_ID } from '../../constants';
import { writeWithDeployment } from '../../core/batch/prepare';
import { validateFile } from '../../core/jsonl/fileValidator';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobPoller } from '../jobs/poller';
import type { JobRecord, JobStore } from '../jobs/jobStore';
import { limitsFor } from '../validation/batchDocuments';
import type { ValidationController } from '../validation/validationController';
import { submitPreparedFile } from './submission';

/** Answers to the questions "Submit as Batch Job" asks, for scripted use (tests, other extensions). */
export interface SubmitOptions {
  readonly connectionId?: string;
  /** Use this deployment instead of the file's `model` (rewritten in an uploaded copy only). */
  readonly deployment?: string;
  /** Submit despite warnings without asking. */
  readonly acceptWarnings?: boolean;
  /** Save unsaved changes without asking. */
  readonly saveFirst?: boolean;
}

export interface SubmitDeps {
  readonly connections: ConnectionStore;
  readonly clients: ClientFactory;
  readonly store: JobStore;
  readonly poller: JobPoller;
  readonly validation: ValidationController;
  readonly storage: vscode.Uri;
}

/**
 * "Submit as Batch Job" from the Explorer (one or several files), the editor title or the palette:
 * saves, validates, picks the connection and deployment, uploads with progress and creates the job.
 */
export async function submitFiles(deps: SubmitDeps, clicked?: vscode.Uri, selected?: vscode.Uri[], options: SubmitOptions = {}): Promise<JobRecord[]> {
  const targets = selected && selected.length > 0 ? selected : clicked ? [clicked] : activeBatchFile();
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open or select a batch file (.jsonl) to submit.'));
    return [];
  }
  const connection = await pickConnection(deps.connections, options.connectionId);
  if (!connection) {
    return [];
  }
  const records: JobRecord[] = [];
  for (const uri of targets) {
    const record = await submitOne(deps, connection, uri, options);
    if (record) {
      records.push(record);
    }
  }
  if (records.length > 0) {
    void vscode.commands.executeCommand(`${VIEW_ID}.focus`).then(undefined, () => undefined);
    const names = records.map((r) => r.sourceName).join(', ');
    void vscode.window.showInformationMessage(vscode.l10n.t('Submitted {0} to {1}.', names, connection.name));
  }
  return records;
}

function activeBatchFile(): vscode.Uri[] {
  const document = vscode.window.activeTextEditor?.document;
  return document && document.uri.scheme === 'file' ? [document.uri] : [];
}

async function submitOne(deps: SubmitDeps, connection: Connection, uri: vscode.Uri, options: SubmitOptions): Promise<JobRecord | undefined> {
  const name = basename(uri.fsPath);
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty) {
    const save = vscode.l10n.t('Save and Submit');
    if (!options.saveFirst && (await vscode.window.showWarningMessage(vscode.l10n.t('{0} has unsaved changes.', name), { modal: true }, save)) !== save) {
      return undefined;
    }
    if (!(await open.save())) {
      return undefined;
    }
  }

  const validation = await validateFile(uri.fsPath, { limits: limitsFor(uri) });
  deps.validation.publish(uri, validation.diagnostics, validation.requests);
  const errors = validation.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = validation.diagnostics.filter((d) => d.severity === 'warning').length;
  if (errors > 0) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showErrorMessage(vscode.l10n.t('{0} has {1} errors; fix them before submitting (see the Problems view).', name, errors));
    return undefined;
  }
  if (warnings > 0 && !options.acceptWarnings) {
    const anyway = vscode.l10n.t('Submit Anyway');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} has {1} warnings.', name, warnings), { modal: true }, anyway);
    if (choice !== anyway) {
      return undefined;
    }
  }

  const fileDeployment = validation.deployment;
  const deployment = options.deployment ?? (await confirmDeployment(fileDeployment));
  if (!deployment) {
    return undefined;
  }
  let uploadPath = uri.fsPath;
  if (deployment !== fileDeployment) {
    // The source stays as it is: the new deployment goes into a copy that is uploaded instead.
    const folder = vscode.Uri.joinPath(deps.storage, 'uploads');
    await mkdir(folder.fsPath, { recursive: true });
    uploadPath = join(folder.fsPath, `${Date.now()}-${name}`);
    await writeWithDeployment(uri.fsPath, deployment, uploadPath);
  }
  return submitPreparedFile(
    { connection, uploadPath, sourceUri: uri, endpoint: validation.endpoint ?? '/chat/completions' },
    { clients: deps.clients, store: deps.store, poller: deps.poller },
  );
}

/** Confirms the file's deployment, or lets the user choose another one for this submission. */
async function confirmDeployment(fileDeployment: string | undefined): Promise<string | undefined> {
  const keep = fileDeployment ? { label: vscode.l10n.t('Submit with the deployment "{0}"', fileDeployment), name: fileDeployment } : undefined;
  const other = { label: vscode.l10n.t('Use another deployment...'), name: undefined };
  const picked = await vscode.window.showQuickPick([...(keep ? [keep] : []), other], {
    title: vscode.l10n.t('Deployment'),
    placeHolder: vscode.l10n.t('The deployment that runs these requests (the file is not changed)'),
  });
  if (!picked) {
    return undefined;
  }
  if (picked.name) {
    return picked.name;
  }
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Deployment name'),
    value: fileDeployment,
    prompt: vscode.l10n.t('A Global Batch or Data Zone Batch deployment; it replaces "model" in the uploaded copy only.'),
    validateInput: (value) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value.trim()) ? undefined : vscode.l10n.t('Use letters, digits, "-", "_" or "." (at most 64 characters).')),
  });
}

/** The connection to submit to: the given one, the workspace default, the only one, or the user's pick. */
export async function pickConnection(connections: ConnectionStore, connectionId?: string): Promise<Connection | undefined> {
  if (connectionId) {
    const connection = connections.get(connectionId);
    if (!connection) {
      throw new Error(vscode.l10n.t('There is no connection with the id {0}.', connectionId));
    }
    return connection;
  }
  const preferred = connections.defaultConnection();
  if (preferred) {
    return preferred;
  }
  const all = connections.all();
  if (all.length === 0) {
    const add = vscode.l10n.t('Add Connection');
    const emulator = vscode.l10n.t('Try the Local Emulator');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Connect to Azure OpenAI (or the local emulator) to submit batch jobs.'), add, emulator);
    if (choice === add) {
      await vscode.commands.executeCommand(Commands.addConnection);
    } else if (choice === emulator) {
      await vscode.commands.executeCommand(Commands.tryEmulator);
    }
    return connections.defaultConnection();
  }
  const picked = await vscode.window.showQuickPick(
    all.map((connection) => ({ label: connection.name, description: connection.endpoint, connection })),
    { title: vscode.l10n.t('Submit to which connection?'), placeHolder: vscode.l10n.t('It becomes the default for this workspace') },
  );
  if (picked) {
    await connections.setDefault(picked.connection.id);
  }
  return picked?.connection;
}
