import * as vscode from 'vscode';
import { Commands } from '../../constants';
import { BatchServiceError } from '../../core/batch/errors';
import { fileIdsOf } from '../../core/batch/jobVisibility';
import type { JobPhase } from '../../core/batch/status';
import { isTerminal, jobState } from '../../core/batch/status';
import type { Connection } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import { submitAnew } from '../submit/submission';
import { resolveArgument } from './jobArguments';
import type { JobsModel } from './jobsModel';
import type { JobRecord } from './jobStore';
import type { JobsNode } from './jobsTree';
import type { JobPoller } from './poller';

/** A job named by a tree node or, for scripted use, by `{ connectionId, batchId }`. */
export type JobArgument = JobsNode | { readonly connectionId: string; readonly batchId: string };

export interface ResolvedJob {
  readonly connection: Connection;
  readonly batchId: string;
}

/** The job an argument names (see {@link resolveArgument}); the newest one for a source file's URI. */
export function resolveJob(model: JobsModel, arg: unknown): ResolvedJob {
  const target = resolveArgument(arg, model);
  const job = target.jobs[0];
  const connection = job && model.connection(job.connectionId);
  if (!job || !connection) {
    throw new Error(vscode.l10n.t('Choose a job in the Batch Jobs view.'));
  }
  return { connection, batchId: job.batchId };
}

/** A job, or a submission whose job is not known (`batchId` empty then), as the job commands shared by both see it. */
export interface ResolvedEntry extends ResolvedJob {
  readonly submissionId?: string;
}

/** The job or, failing that, the submission an argument names (a "submitting" or "may exist" node). */
export function resolveJobOrSubmission(model: JobsModel, arg: unknown): ResolvedEntry {
  const target = resolveArgument(arg, model);
  const connection = target.connectionId === undefined ? undefined : model.connection(target.connectionId);
  if (target.jobs.length === 0 && connection && target.submissionId !== undefined) {
    return { connection, batchId: '', submissionId: target.submissionId };
  }
  return resolveJob(model, arg);
}

/** The connection an argument names (see {@link resolveArgument}). */
export function resolveConnection(model: JobsModel, arg: unknown): Connection | undefined {
  const id = resolveArgument(arg, model).connectionId;
  return id === undefined ? undefined : model.connection(id);
}

/** The job group an argument names (see {@link resolveArgument}). */
export function resolveGroupId(model: JobsModel, arg: unknown): string {
  const id = resolveArgument(arg, model).groupId;
  if (id === undefined) {
    throw new Error(vscode.l10n.t('Choose a job group in the Batch Jobs view.'));
  }
  return id;
}

/** Job actions of the tree: cancel, copy id, reveal the source, delete remote files, remove from the list. */
export class JobCommands {
  constructor(
    private readonly model: JobsModel,
    private readonly clients: ClientFactory,
    private readonly poller: JobPoller,
  ) {}

  async refreshAll(): Promise<void> {
    await Promise.all(this.model.connections.all().map((connection) => this.model.refresh(connection, true)));
  }

  async refresh(arg?: unknown): Promise<void> {
    const connection = resolveConnection(this.model, arg);
    if (connection) {
      await this.model.refresh(connection, true);
    } else {
      await this.refreshAll();
    }
  }

  async loadMore(arg?: unknown): Promise<void> {
    const connection = resolveConnection(this.model, arg);
    if (connection) {
      await this.model.loadMore(connection);
    }
  }

  async filter(phases?: JobPhase[]): Promise<void> {
    if (phases) {
      this.model.setFilter(phases.length > 0 ? new Set(phases) : undefined);
      return;
    }
    const all: { label: string; phase: JobPhase }[] = [
      { label: vscode.l10n.t('Running'), phase: 'active' },
      { label: vscode.l10n.t('Completed'), phase: 'succeeded' },
      { label: vscode.l10n.t('Completed with failures'), phase: 'partial' },
      { label: vscode.l10n.t('Failed'), phase: 'failed' },
      { label: vscode.l10n.t('Cancelled'), phase: 'cancelled' },
      { label: vscode.l10n.t('Expired'), phase: 'expired' },
    ];
    const current = this.model.filter;
    const picked = await vscode.window.showQuickPick(
      all.map((item) => ({ ...item, picked: !current || current.has(item.phase) })),
      { canPickMany: true, title: vscode.l10n.t('Show jobs that are...') },
    );
    if (picked) {
      this.model.setFilter(picked.length === all.length || picked.length === 0 ? undefined : new Set(picked.map((p) => p.phase)));
    }
  }

  async cancel(arg?: JobArgument, confirmed = false): Promise<void> {
    const { connection, batchId } = resolveJob(this.model, arg);
    if (!confirmed) {
      // Named as the tree shows it (the file), and no "Cancel" button next to "Cancel Job": the dialog's own
      // dismiss button is relabelled so the two cannot be confused.
      const cancel: vscode.MessageItem = { title: vscode.l10n.t('Cancel Job') };
      const keep: vscode.MessageItem = { title: vscode.l10n.t('Keep Running'), isCloseAffordance: true };
      const name = this.model.store.find(connection.id, batchId)?.sourceName;
      const question = name
        ? vscode.l10n.t('Cancel the batch job of {0} ({1})? Requests that already finished are kept (and billed).', name, batchId)
        : vscode.l10n.t('Cancel the batch job {0}? Requests that already finished are kept (and billed).', batchId);
      const choice = await vscode.window.showWarningMessage(question, { modal: true }, cancel, keep);
      if (choice?.title !== cancel.title) {
        return;
      }
    }
    const client = await this.clients.clientFor(connection, { interactive: true });
    let batch;
    try {
      batch = await client.cancelBatch(batchId);
    } catch (error) {
      // The job may have finished while the question was open: say so instead of showing the refusal.
      const now = await client.getBatch(batchId).catch(() => undefined);
      if (!now || !isTerminal(now.status)) {
        throw error;
      }
      await this.model.store.applySnapshots(connection.id, [now]);
      const name = this.model.store.find(connection.id, batchId)?.sourceName ?? batchId;
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} was not cancelled: it had already ended ({1}).', name, jobState(now.status, now.request_counts).label));
      return;
    }
    await this.model.store.applySnapshots(connection.id, [batch]);
    this.poller.kick(connection.id);
  }

  async copyId(arg?: JobArgument): Promise<string> {
    const entry = resolveJobOrSubmission(this.model, arg);
    // A submission without a job yet goes by its submission id (what `status --submission-id` looks for).
    const batchId = entry.batchId || (entry.submissionId ?? '');
    await vscode.env.clipboard.writeText(batchId);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', batchId), 3000);
    return batchId;
  }

  async revealSource(arg?: JobArgument): Promise<void> {
    const { connection, batchId, submissionId } = resolveJobOrSubmission(this.model, arg);
    const record = submissionId !== undefined && batchId === '' ? this.model.store.findSubmission(connection.id, submissionId) : this.model.store.find(connection.id, batchId);
    const source = record?.sourceUri;
    if (!source) {
      void vscode.window.showInformationMessage(vscode.l10n.t('This job was not submitted from this machine, so its source file is unknown.'));
      return;
    }
    const uri = vscode.Uri.parse(source);
    await vscode.window.showTextDocument(uri, { preview: false });
    await vscode.commands.executeCommand('revealInExplorer', uri);
  }

  /**
   * Deletes the job's input, output and error files on the service. The job itself stays listed, without
   * those files: the service keeps naming them, so they are remembered as deleted.
   */
  async deleteRemoteFiles(arg?: JobArgument, confirmed = false): Promise<number> {
    const { connection, batchId } = resolveJob(this.model, arg);
    const client = await this.clients.clientFor(connection, { interactive: true });
    const batch = await client.getBatch(batchId);
    const deleted = this.model.marks.deletedFiles(connection.id);
    const ids = fileIdsOf(batch)
      .map((file) => file.id)
      .filter((id) => !deleted.has(id));
    if (ids.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The files of {0} are already deleted from the service.', batchId));
      return 0;
    }
    if (!jobState(batch.status, batch.request_counts).done) {
      throw new Error(vscode.l10n.t('The job is still running; cancel it or wait before deleting its files.'));
    }
    if (!confirmed) {
      const remove = vscode.l10n.t('Delete Files');
      const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the {0} files of {1} from the service? Download the results first if you need them.', ids.length, batchId), { modal: true }, remove);
      if (choice !== remove) {
        return 0;
      }
    }
    const gone: string[] = [];
    try {
      for (const id of ids) {
        await client.deleteFile(id);
        gone.push(id);
      }
    } finally {
      // Remembered even when a later delete fails: these are gone whatever happens next.
      await this.model.marks.markDeleted(connection.id, gone);
    }
    return gone.length;
  }

  /** "Remove from List": the job leaves the list for good (the service keeps it). */
  async remove(arg?: JobArgument): Promise<void> {
    const { connection, batchId, submissionId } = resolveJobOrSubmission(this.model, arg);
    if (batchId === '' && submissionId !== undefined) {
      await this.model.forgetSubmission(connection.id, submissionId);
      return;
    }
    await this.model.hide(connection.id, batchId);
  }

  /**
   * Runs an action that reads a job's result files, saying plainly when they are gone from the service
   * (deleted here, deleted elsewhere, or expired) instead of passing on a bare 404.
   */
  async withResultFiles<T>(job: ResolvedJob, action: () => Promise<T>, needsService = true): Promise<T> {
    const deleted = this.model.deletedFilesOf(job.connection.id, job.batchId).filter((role) => role !== 'input');
    if (needsService && deleted.length > 0) {
      throw new Error(vscode.l10n.t('The result files of {0} were deleted from the service ("Delete Files on the Service"), so they can no longer be downloaded.', job.batchId));
    }
    try {
      return await action();
    } catch (error) {
      if (error instanceof BatchServiceError && error.status === 404) {
        throw new Error(vscode.l10n.t('The files of {0} are no longer on the service (deleted or expired): {1}', job.batchId, error.message));
      }
      throw error;
    }
  }

  /**
   * "Look Again" on a submission that may exist: reads the jobs created since its attempt for its
   * submission id and adopts the job when found. Returns the record, with its batch id when found.
   */
  async lookAgain(arg?: SubmissionArgument): Promise<JobRecord | undefined> {
    const { connection, record } = this.resolveSubmission(arg);
    const client = await this.clients.clientFor(connection, { interactive: true });
    const found = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Looking for the job of {0}...', record.sourceName) },
      () => client.findBySubmissionId(record.submissionId, { since: record.attemptedAt ?? record.createdAt * 1000 }),
    );
    if (found) {
      const adopted: JobRecord = { ...record, batchId: found.id, snapshot: found, mayExist: undefined };
      await this.model.store.upsert(adopted);
      this.poller.kick(connection.id, true);
      void vscode.window.showInformationMessage(vscode.l10n.t('Found the job {0} of {1}; it was created once.', found.id, record.sourceName));
      return adopted;
    }
    const marked: JobRecord = { ...record, mayExist: true };
    await this.model.store.upsert(marked);
    const anew = vscode.l10n.t('Submit Anew');
    void vscode.window
      .showInformationMessage(vscode.l10n.t('No job with the submission id {0} was found on {1} yet. Look again later, or submit {2} anew.', record.submissionId, connection.name, record.sourceName), anew)
      .then((choice) => {
        if (choice === anew) {
          // Through the command, so its errors meet the same boundary as a click in the view.
          void vscode.commands.executeCommand(Commands.submitAnew, { connectionId: connection.id, submissionId: record.submissionId });
        }
      });
    return marked;
  }

  /** "Submit Anew" on a submission that may exist: after confirming, a new job with a new submission id. */
  async submitAnew(arg?: SubmissionArgument, confirmed = false): Promise<JobRecord | undefined> {
    const { connection, record } = this.resolveSubmission(arg);
    if (!confirmed) {
      const anew = vscode.l10n.t('Submit Anew');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Submit {0} anew as a new job? If the first submission did create a job, there will be two, and both are billed. "Look Again" checks first.', record.sourceName),
        { modal: true },
        anew,
      );
      if (choice !== anew) {
        return undefined;
      }
    }
    return submitAnew(record, connection, { clients: this.clients, store: this.model.store, poller: this.poller });
  }

  private resolveSubmission(arg: SubmissionArgument | undefined): { connection: Connection; record: JobRecord } {
    const { connectionId, submissionId } = resolveArgument(arg, this.model);
    const connection = connectionId ? this.model.connections.get(connectionId) : undefined;
    const record = connection && submissionId ? this.model.store.findSubmission(connection.id, submissionId) : undefined;
    if (!connection || !record) {
      throw new Error(vscode.l10n.t('Choose a job that may exist in the Batch Jobs view.'));
    }
    if (record.batchId !== '') {
      throw new Error(vscode.l10n.t('The job {0} exists already.', record.batchId));
    }
    return { connection, record };
  }
}

/** A submission named by a tree node or, for scripted use, by `{ connectionId, submissionId }`. */
export type SubmissionArgument = JobsNode | { readonly connectionId: string; readonly submissionId: string };
