import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_SECTION, Commands, Settings, VIEW_ID } from '../../constants';
import { newGroup } from '../../core/batch/groupRunner';
import { fileTokenEstimate, splitFile, type PartFile, type PartLimits } from '../../core/batch/split';
import { DiagnosticCodes } from '../../core/jsonl/codes';
import { describeDeployment } from '../../core/azure/deploymentChoices';
import type { DeploymentInfo } from '../../core/azure/deployments';
import type { GroupScheduler } from '../groups/groupScheduler';
import type { GroupRecord, GroupStore } from '../groups/groupStore';
import { resolveInside } from '../../core/atomicFile';
import { FileChangedError, sameSnapshot, snapshotFile } from '../../core/batch/client';
import { writeWithDeployment } from '../../core/batch/prepare';
import { validateFile } from '../../core/jsonl/fileValidator';
import { countBySeverity, errorCount, type BatchDiagnostic } from '../../core/jsonl/types';
import { pickWorkspaceConnection } from '../connections/connectionCommands';
import type { Connection, ConnectionStore } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobPoller } from '../jobs/poller';
import type { JobRecord, JobStore } from '../jobs/jobStore';
import { withCancellableProgress } from '../progress';
import { confirmInUntrustedWorkspace } from '../trust';
import { limitsFor, maxDiagnosticsFor } from '../validation/batchDocuments';
import { inputFileProblem } from '../validation/inputFileCheck';
import { localize } from '../validation/toVscode';
import type { ValidationController } from '../validation/validationController';
import type { EstimatesController } from '../estimates/estimatesController';
import { submitPreparedFile } from './submission';
import { estimateOfSubmittedFile, keepEstimate } from './submitEstimate';
import { checkDeploymentQuota, type OverQuotaAnswer } from './quotaCheck';

/** Answers to the questions "Submit as Batch Job" asks, for scripted use (tests, other extensions). */
export interface SubmitOptions {
  readonly connectionId?: string;
  /** Use this deployment instead of the file's `model` (rewritten in an uploaded copy only). */
  readonly deployment?: string;
  /** Submit despite warnings without asking. */
  readonly acceptWarnings?: boolean;
  /** Save unsaved changes without asking. */
  readonly saveFirst?: boolean;
  /** Split a file over the limits into a job group without asking. */
  readonly split?: boolean;
  /** Most parts running at once (default: the `split.maxParallel` setting). */
  readonly maxParallel?: number;
  /** Over the deployment's free enqueued-token quota: split and queue, or submit anyway, without asking. */
  readonly overQuota?: OverQuotaAnswer;
}

export interface SubmitDeps {
  readonly connections: ConnectionStore;
  readonly clients: ClientFactory;
  readonly store: JobStore;
  readonly poller: JobPoller;
  readonly validation: ValidationController;
  /** The editor's estimates: a job keeps the estimate of its file, for the results summary. */
  readonly estimates?: EstimatesController;
  readonly storage: vscode.Uri;
  readonly groups: GroupStore;
  readonly scheduler: GroupScheduler;
}

/** What one submission produced: a job, or a group of parts. */
export type Submitted = JobRecord | GroupRecord;

/**
 * "Submit as Batch Job" from the Explorer (one or several files), the editor title or the palette:
 * saves, validates, picks the connection and deployment, uploads with progress and creates the job.
 */
export async function submitFiles(deps: SubmitDeps, clicked?: vscode.Uri, selected?: vscode.Uri[], options: SubmitOptions = {}): Promise<Submitted[]> {
  const targets = selected && selected.length > 0 ? selected : clicked ? [clicked] : activeBatchFile();
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open or select a batch file (.jsonl) to submit.'));
    return [];
  }
  if (!(await confirmInUntrustedWorkspace(vscode.l10n.t('Submit {0} as a batch job', targets.map((uri) => basename(uri.fsPath)).join(', '))))) {
    return [];
  }
  const connection = await pickConnection(deps.connections, options.connectionId);
  if (!connection) {
    return [];
  }
  // The user may switch connections at the deployment step; the files after go there too.
  const target = { connection };
  const records: Submitted[] = [];
  for (const uri of targets) {
    const record = await submitOne(deps, target, uri, options);
    if (record) {
      records.push(record);
    }
  }
  if (records.length > 0) {
    void vscode.commands.executeCommand(`${VIEW_ID}.focus`).then(undefined, () => undefined);
    // A submission that may exist was announced with its own warning.
    const names = records.filter((r) => 'state' in r || !r.mayExist).map((r) => ('state' in r ? r.state.name : r.sourceName)).join(', ');
    if (names) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Submitted {0} to {1}.', names, target.connection.name));
    }
  }
  return records;
}

function activeBatchFile(): vscode.Uri[] {
  const document = vscode.window.activeTextEditor?.document;
  return document && document.uri.scheme === 'file' ? [document.uri] : [];
}

async function submitOne(deps: SubmitDeps, target: { connection: Connection }, uri: vscode.Uri, options: SubmitOptions): Promise<Submitted | undefined> {
  const connection = target.connection;
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

  const problem = await inputFileProblem(uri);
  if (problem) {
    void vscode.window.showErrorMessage(problem);
    return undefined;
  }
  // The connection's deployments as last listed (none for OpenAI or before the first listing), and its service's
  // limits (OpenAI takes fewer requests per file than Azure).
  const known = deps.validation.deployments?.forConnection(connection);
  // The file as validated: the questions below may take minutes, and what is uploaded must be what was checked.
  const checked = await snapshotFile(uri.fsPath);
  const validation = await validateFile(uri.fsPath, { limits: limitsFor(uri, connection.service), maxDiagnostics: maxDiagnosticsFor(uri), deployments: known });
  deps.validation.publish(uri, validation);
  // Over the per-file limits (or the configured token quota) the file goes out in parts, as one job group.
  const overLimits = validation.diagnostics.filter((d) => splitCodes.has(d.code));
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION, uri);
  const quota = config.get<number>(Settings.splitMaxEnqueuedTokens, 0);
  // A file whose one deployment is not a batch deployment of the resource can still go out with another one (the
  // deployment pick below says why); a split file keeps its names, so there they stay errors.
  const deploymentErrors = (validation.counts.unknown_deployment ?? 0) + (validation.counts.not_batch_deployment ?? 0);
  const allErrors = errorCount(validation.counts, splitCodes);
  const errors = overLimits.length > 0 ? allErrors : allErrors - deploymentErrors;
  const warnings = countBySeverity(validation.counts).warning;
  if (errors === 0 && (overLimits.length > 0 || (quota > 0 && (await fileTokenEstimate(uri.fsPath)) > quota))) {
    if (!options.split) {
      const split = vscode.l10n.t('Split and Submit');
      const reason = overLimits.length > 0 ? overLimits.map((d) => d.message.text).join(' ') : vscode.l10n.t('Its estimated tokens exceed the enqueued-token quota ({0}).', quota.toLocaleString());
      if ((await vscode.window.showWarningMessage(vscode.l10n.t('{0} is too large for one batch job. {1} Split it into parts and submit them as one job group?', name, reason), { modal: true }, split)) !== split) {
        return undefined;
      }
    }
    const limits = limitsFor(uri, connection.service);
    return submitGroup(deps, connection, uri, validation.endpoint ?? '/chat/completions', { ...limits, maxTokens: quota > 0 ? quota : undefined }, options.maxParallel ?? config.get<number>(Settings.splitMaxParallel, 4));
  }
  if (errors > 0) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showErrorMessage(errors === 1 ? vscode.l10n.t('{0} has an error; fix it before submitting (see the Problems view).', name) : vscode.l10n.t('{0} has {1} errors; fix them before submitting (see the Problems view).', name, errors));
    return undefined;
  }
  if (warnings > 0 && !options.acceptWarnings) {
    const anyway = vscode.l10n.t('Submit Anyway');
    const choice = await vscode.window.showWarningMessage(warnings === 1 ? vscode.l10n.t('{0} has a warning.', name) : vscode.l10n.t('{0} has {1} warnings.', name, warnings), { modal: true }, anyway);
    if (choice !== anyway) {
      return undefined;
    }
  }

  const fileDeployment = validation.deployment;
  const fileProblem =
    deploymentErrors > 0
      ? (localizedMessage(validation.diagnostics.find((d) => d.code === DiagnosticCodes.unknownDeployment || d.code === DiagnosticCodes.notBatchDeployment)) ??
        vscode.l10n.t('"{0}" is not a batch deployment of {1}: choose another one.', fileDeployment ?? '', connection.name))
      : undefined;
  const deployment =
    options.deployment ?? (await confirmDeployment(fileDeployment, connection.name, known?.filter((d) => d.batch) ?? [], deps.connections.all().length > 1, fileProblem));
  if (typeof deployment === 'object') {
    const next = await pickWorkspaceConnection(deps.connections, vscode.l10n.t('Submit {0} to which connection?', name));
    if (!next) {
      return undefined;
    }
    target.connection = next;
    // Checked again: the limits depend on the service. The questions answered already are not asked again.
    return submitOne(deps, target, uri, { ...options, acceptWarnings: options.acceptWarnings || warnings > 0 });
  }
  if (!deployment) {
    return undefined;
  }
  let uploadPath = uri.fsPath;
  if (!sameSnapshot(checked, await snapshotFile(uri.fsPath))) {
    throw new FileChangedError(name, 'before');
  }
  if (deployment !== fileDeployment) {
    // The source stays as it is: the new deployment goes into a copy that is uploaded instead.
    const folder = vscode.Uri.joinPath(deps.storage, 'uploads');
    await mkdir(folder.fsPath, { recursive: true });
    uploadPath = await resolveInside(folder.fsPath, `${Date.now()}-${name}`);
    await writeWithDeployment(uri.fsPath, deployment, uploadPath);
  }
  const quotaCheck = await checkDeploymentQuota(deps.store, { connectionId: connection.id, deployment, path: uploadPath, scope: uri }, options.overQuota, deps.groups);
  if (quotaCheck.choice === 'cancel') {
    return undefined;
  }
  if (quotaCheck.choice === 'split') {
    const maxParallel = options.maxParallel ?? config.get<number>(Settings.splitMaxParallel, 4);
    return submitGroup(deps, connection, uri, validation.endpoint ?? '/chat/completions', { ...limitsFor(uri), maxTokens: quotaCheck.limit }, maxParallel, uploadPath);
  }
  const record = await submitPreparedFile(
    { connection, uploadPath, sourceUri: uri, endpoint: validation.endpoint ?? '/chat/completions', deployment, tokens: quotaCheck.tokens, unchangedSince: uploadPath === uri.fsPath ? checked : undefined },
    { clients: deps.clients, store: deps.store, poller: deps.poller },
  );
  if (deps.estimates) {
    void keepEstimate(estimateOfSubmittedFile(deps.estimates, uri), deps.store, connection.id, record.batchId);
  }
  return record;
}

/** Splits the file into parts that fit and hands them to the quota-aware queue as one job group. */
async function submitGroup(deps: SubmitDeps, connection: Connection, uri: vscode.Uri, endpoint: string, limits: PartLimits, maxParallel: number, inputPath = uri.fsPath): Promise<GroupRecord> {
  const name = basename(uri.fsPath);
  const folder = join(deps.storage.fsPath, 'groups');
  await mkdir(folder, { recursive: true });
  const directory = await mkdtemp(join(folder, 'group-'));
  let parts: PartFile[];
  try {
    parts = await withCancellableProgress(vscode.l10n.t('Splitting {0}', name), (_report, signal) => splitFile(inputPath, directory, limits, undefined, { signal }));
  } catch (error) {
    // Cancelled or failed: the parts written so far belong to no group.
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const state = newGroup({ name, sourcePath: uri.fsPath, endpoint, maxParallel, tokenLimit: limits.maxTokens }, parts);
  const record: GroupRecord = { connectionId: connection.id, sourceUri: uri.toString(), state, finished: false };
  await deps.groups.save(record);
  deps.scheduler.start(state.id);
  return record;
}

const splitCodes = new Set<string>([DiagnosticCodes.tooManyTasks, DiagnosticCodes.fileTooLarge]);

/** What {@link confirmDeployment} answers when the user wants another connection. */
const switchConnection = { switchConnection: true } as const;

interface DeploymentChoice extends vscode.QuickPickItem {
  readonly name?: string;
  readonly switchConnection?: boolean;
}

/**
 * Confirms the file's deployment, or lets the user choose another one for this submission, or (with several
 * connections) another connection. The title names the connection: with several, the workspace's one is used
 * without asking, and this is the last look before upload. When the file's deployment is not a batch deployment
 * of the resource (`problem`), it is not offered.
 */
async function confirmDeployment(
  fileDeployment: string | undefined,
  connectionName: string,
  batchDeployments: readonly DeploymentInfo[],
  canSwitch: boolean,
  problem?: string,
): Promise<string | typeof switchConnection | undefined> {
  const keep: DeploymentChoice | undefined =
    fileDeployment && problem === undefined ? { label: vscode.l10n.t('Submit with the deployment "{0}"', fileDeployment), name: fileDeployment } : undefined;
  const other: DeploymentChoice = { label: vscode.l10n.t('Use another deployment...') };
  const change: DeploymentChoice = { label: `$(arrow-swap) ${vscode.l10n.t('Submit to another connection...')}`, description: vscode.l10n.t('now: {0}', connectionName), switchConnection: true };
  const picked = await vscode.window.showQuickPick<DeploymentChoice>([...(keep ? [keep] : []), other, ...(canSwitch ? [change] : [])], {
    title: vscode.l10n.t('Submit to {0}: deployment', connectionName),
    placeHolder: problem ?? vscode.l10n.t('The deployment that runs these requests (the file is not changed)'),
  });
  if (!picked) {
    return undefined;
  }
  if (picked.switchConnection) {
    return switchConnection;
  }
  if (picked.name) {
    return picked.name;
  }
  if (batchDeployments.length > 0) {
    const chosen = await pickBatchDeployment(batchDeployments, fileDeployment, connectionName);
    if (chosen === undefined || chosen.name !== undefined) {
      return chosen?.name;
    }
  }
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Submit to {0}: deployment name', connectionName),
    value: fileDeployment,
    prompt: vscode.l10n.t('A Global Batch or Data Zone Batch deployment; it replaces "model" in the uploaded copy only.'),
    validateInput: (value) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value.trim()) ? undefined : vscode.l10n.t('Use letters, digits, "-", "_" or "." (at most 64 characters).')),
  });
}

function localizedMessage(diagnostic: BatchDiagnostic | undefined): string | undefined {
  return diagnostic && localize(diagnostic.message);
}

/** The connection's batch deployments (with model, version and sku), and a last item to type a name instead. */
async function pickBatchDeployment(deployments: readonly DeploymentInfo[], fileDeployment: string | undefined, connectionName: string): Promise<{ name?: string } | undefined> {
  const items: (vscode.QuickPickItem & { name?: string })[] = deployments
    .filter((d) => d.name !== fileDeployment)
    .map((d) => ({ label: d.name, description: describeDeployment(d), name: d.name }));
  items.push({ label: vscode.l10n.t('Type a deployment name...'), name: undefined });
  return vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Submit to {0}: batch deployment', connectionName),
    placeHolder: vscode.l10n.t('A batch deployment of the resource; it replaces "model" in the uploaded copy only'),
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
