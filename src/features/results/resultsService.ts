import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_SECTION, Settings } from '../../constants';
import { writeFileAtomically } from '../../core/atomicFile';
import type { Batch } from '../../core/batch/client';
import { isTerminal } from '../../core/batch/status';
import { joinResults, writeRetryFile, type Attempt, type JoinSummary } from '../../core/results/join';
import { downloadJobFiles } from '../../core/recipes/downloadJob';
import { actualCost } from '../../core/results/cost';
import { prepareJobFolder, resultPaths, resultStem, retryPath, type ResultPaths } from '../../core/results/names';
import { summaryMarkdown as buildSummary, type SummaryDetails, type SummaryLabels } from '../../core/results/summaryMarkdown';
import { ModelResolver } from '../../core/tokens/models';
import { estimatorSettings } from '../estimates/estimateSettings';
import type { Connection } from '../connections/connectionStore';
import type { ClientFactory } from '../connections/credentials';
import type { JobRecord, JobStore } from '../jobs/jobStore';
import type { JobPoller } from '../jobs/poller';
import { withCancellableProgress } from '../progress';
import { confirmInUntrustedWorkspace } from '../trust';
import { submitPreparedFile } from '../submit/submission';
import { confirmReplace, describeWriteError } from './safeWrites';

export interface DownloadOutcome {
  readonly output?: string;
  readonly errors?: string;
  readonly results?: string;
  readonly summaryFile?: string;
  readonly summary?: JoinSummary;
  /** The user chose not to replace files that already exist: nothing was written. */
  readonly declined?: boolean;
}

/** Answers for scripted use: replace existing files without asking. */
export interface ResultOptions {
  readonly overwrite?: boolean;
}

/** Downloads results, joins them to the input, and retries what failed. */
export class ResultsService {
  constructor(
    private readonly clients: ClientFactory,
    private readonly store: JobStore,
    private readonly poller: JobPoller,
  ) {}

  /**
   * Downloads a job's output and error files (atomically, never replacing a file without asking), then
   * writes `NAME.results.jsonl`: every input request in input order, merged across retries. One question
   * covers every file it writes; a symbolic link among them is refused before anything is written.
   */
  async download(connection: Connection, batchId: string, options: ResultOptions = {}): Promise<DownloadOutcome> {
    try {
      return await this.downloadAndJoin(connection, batchId, options);
    } catch (error) {
      throw describeWriteError(error);
    }
  }

  private async downloadAndJoin(connection: Connection, batchId: string, options: ResultOptions): Promise<DownloadOutcome> {
    if (!(await confirmInUntrustedWorkspace(vscode.l10n.t('Download the results of {0} into this workspace', batchId)))) {
      return {};
    }
    const client = await this.clients.clientFor(connection, { interactive: true });
    const batch = await client.getBatch(batchId);
    const record = this.store.find(connection.id, batchId) ?? (await this.adopt(connection, batch));
    if (!batch.output_file_id && !batch.error_file_id) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no results yet (status: {1}).', record.sourceName, batch.status));
      return {};
    }
    const rootId = record.parentBatchId ?? batchId;
    // A retry's files go into the folder of the job it retries: one folder per job, whatever its retries.
    const folder = await jobResultsFolder(this.store.find(connection.id, rootId) ?? record);
    const paths = await resultPaths(folder, resultStem(record.sourceName, batch.id));
    const joined = await this.joinTarget(connection.id, rootId);
    const planned = [batch.output_file_id ? paths.output : undefined, batch.error_file_id ? paths.errors : undefined, joined?.paths.results, joined?.paths.summary];
    const overwrite = await confirmReplace(
      planned.filter((path): path is string => path !== undefined),
      options.overwrite,
    );
    if (overwrite === undefined) {
      return { declined: true };
    }
    const downloaded = await withCancellableProgress(vscode.l10n.t('Downloading results of {0}', record.sourceName), (report, signal) =>
      downloadJobFiles(client, batch, paths, {
        overwrite,
        signal,
        onFile: (which) => report({ message: which === 'output' ? vscode.l10n.t('output file') : vscode.l10n.t('error file') }),
      }),
    );
    await this.store.update(connection.id, batchId, (r) => ({ ...r, snapshot: batch, downloaded: { ...r.downloaded, ...downloaded } }));
    const merged = await this.joinFamily(connection, rootId, overwrite);
    return { ...downloaded, ...merged };
  }

  /** Opens a job's downloaded output or error file, downloading the results first when needed. */
  async open(connection: Connection, batchId: string, which: 'output' | 'errors'): Promise<vscode.TextDocument | undefined> {
    let path = this.store.find(connection.id, batchId)?.downloaded?.[which];
    if (!path || !existsSync(path)) {
      path = (await this.download(connection, batchId))[which];
    }
    if (!path) {
      return undefined;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    await vscode.window.showTextDocument(document, { preview: true });
    return document;
  }

  /**
   * Writes `NAME.results/NAME.retry-N.jsonl` with exactly the failed and missing requests of a job (and its earlier
   * retries) and submits it as a follow-up job linked to the original.
   */
  async retryFailed(connection: Connection, batchId: string, options: ResultOptions = {}): Promise<JobRecord | undefined> {
    try {
      return await this.writeAndSubmitRetry(connection, batchId, options);
    } catch (error) {
      throw describeWriteError(error);
    }
  }

  private async writeAndSubmitRetry(connection: Connection, batchId: string, options: ResultOptions): Promise<JobRecord | undefined> {
    const record = this.store.find(connection.id, batchId);
    const rootId = record?.parentBatchId ?? batchId;
    const root = this.store.find(connection.id, rootId);
    const input = root ? inputOf(root) : undefined;
    if (!root || !input) {
      void vscode.window.showWarningMessage(vscode.l10n.t('The input file of this job is not available here, so its failed and missing rows cannot be picked out.'));
      return undefined;
    }
    // Make sure every finished attempt is downloaded (and joined), so the retry holds exactly what is still unfinished.
    for (const attempt of this.family(connection.id, rootId)) {
      if (!attempt.downloaded && attempt.snapshot && isTerminal(attempt.snapshot.status) && (attempt.snapshot.output_file_id || attempt.snapshot.error_file_id)) {
        if ((await this.downloadAndJoin(connection, attempt.batchId, options)).declined) {
          return undefined;
        }
      }
    }
    // Counted only: the downloads above already wrote the joined results.
    const unfinished = (await joinResults(input, this.attempts(connection.id, rootId), undefined)).unfinishedIds;
    if (unfinished.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Every request of {0} succeeded: nothing to retry.', root.sourceName));
      return undefined;
    }
    const number = Math.max(0, ...this.family(connection.id, rootId).map((job) => job.retryNumber)) + 1;
    // In the job's results folder (NAME.results/), not beside the source: the workspace does not fill with retries.
    const retryFile = await retryPath(await jobResultsFolder(root), resultStem(root.sourceName, root.batchId), number);
    const overwrite = await confirmReplace([retryFile], options.overwrite);
    if (overwrite === undefined) {
      return undefined;
    }
    await writeRetryFile(input, new Set(unfinished), retryFile, { overwrite });
    return submitPreparedFile(
      { connection, uploadPath: retryFile, sourceUri: vscode.Uri.file(retryFile), endpoint: root.snapshot?.endpoint ?? '/chat/completions', parentBatchId: rootId, retryNumber: number },
      { clients: this.clients, store: this.store, poller: this.poller },
    );
  }

  /** The job and its retries, oldest first. */
  private family(connectionId: string, rootId: string): JobRecord[] {
    return this.store
      .forConnection(connectionId)
      .filter((job) => job.batchId === rootId || job.parentBatchId === rootId)
      .sort((a, b) => a.retryNumber - b.retryNumber);
  }

  /** The downloaded result files of a job and its retries, oldest first. */
  private attempts(connectionId: string, rootId: string): Attempt[] {
    return this.family(connectionId, rootId)
      .filter((job) => job.downloaded)
      .map((job) => ({ output: job.downloaded!.output, errors: job.downloaded!.errors }));
  }

  /** Where the joined results of a job family go, when its input is at hand to join them to. */
  private async joinTarget(connectionId: string, rootId: string): Promise<{ root: JobRecord; input: string; paths: ResultPaths } | undefined> {
    const root = this.store.find(connectionId, rootId);
    const input = root ? inputOf(root) : undefined;
    if (!root || !input) {
      return undefined;
    }
    const folder = await jobResultsFolder(root);
    return { root, input, paths: await resultPaths(folder, resultStem(root.sourceName, root.batchId)) };
  }

  /** Writes `NAME.results.jsonl` and `NAME.summary.md` of a job family; existing ones only with `overwrite`. */
  private async joinFamily(connection: Connection, rootId: string, overwrite: boolean): Promise<{ results?: string; summaryFile?: string; summary?: JoinSummary }> {
    const target = await this.joinTarget(connection.id, rootId);
    if (!target) {
      return {};
    }
    const { root, input, paths } = target;
    const summary = await joinResults(input, this.attempts(connection.id, rootId), paths.results, { overwrite });
    const details = summaryDetails(root, connection, summary);
    await writeFileAtomically(paths.summary, (write) => write(summaryMarkdown(root, summary, details)), { overwrite });
    await this.store.update(connection.id, rootId, (r) => ({ ...r, downloaded: { ...r.downloaded, results: paths.results } }));
    return { results: paths.results, summaryFile: paths.summary, summary };
  }

  // A job created elsewhere (portal, script): remember it so its results have a home.
  private async adopt(connection: Connection, batch: Batch): Promise<JobRecord> {
    const record: JobRecord = {
      connectionId: connection.id,
      batchId: batch.id,
      submissionId: batch.metadata?.submission_id ?? batch.id,
      sourceName: batch.metadata?.source_file || `${batch.id}.jsonl`,
      createdAt: batch.created_at,
      retryNumber: 0,
      snapshot: batch,
    };
    await this.store.upsert(record);
    return record;
  }
}

/** The local input of a job: its source file if it still exists, else the copy that was uploaded. */
function inputOf(record: JobRecord): string | undefined {
  const source = record.sourceUri ? vscode.Uri.parse(record.sourceUri) : undefined;
  if (source?.scheme === 'file' && existsSync(source.fsPath)) {
    return source.fsPath;
  }
  return record.inputPath && existsSync(record.inputPath) ? record.inputPath : undefined;
}

/**
 * The folder a job's results go in, created when needed: `NAME.results/` in {@link resultsFolder}, refused when
 * it is a symbolic link or not a folder.
 */
export function jobResultsFolder(record: Pick<JobRecord, 'sourceUri' | 'sourceName' | 'batchId'>): Promise<string> {
  return prepareJobFolder(resultsFolder(record), resultStem(record.sourceName, record.batchId));
}

/** Where the results folders of jobs go: the `results.folder` setting, else next to its source file. */
export function resultsFolder(record: Pick<JobRecord, 'sourceUri'>): string {
  const source = record.sourceUri ? vscode.Uri.parse(record.sourceUri) : undefined;
  const configured = vscode.workspace.getConfiguration(CONFIG_SECTION, source).get<string>(Settings.resultsFolder, '').trim();
  const workspace = (source && vscode.workspace.getWorkspaceFolder(source)) ?? vscode.workspace.workspaceFolders?.[0];
  if (configured) {
    return isAbsolute(configured) ? configured : join(workspace?.uri.fsPath ?? process.cwd(), configured);
  }
  if (source?.scheme === 'file') {
    return dirname(source.fsPath);
  }
  return workspace?.uri.fsPath ?? process.cwd();
}

/** The summary as markdown, in the user's language: the job, cost, outcome counts, timing, failures by code, tokens. */
export function summaryMarkdown(record: Pick<JobRecord, 'sourceName'>, summary: JoinSummary, details: SummaryDetails = {}): string {
  return buildSummary(record.sourceName, summary, localizedSummaryLabels(), details);
}

/**
 * What the summary says about a job: its id, connection and times, what its reported usage cost at the batch
 * prices of the settings that apply to its source, and the estimate made when it was submitted.
 */
export function summaryDetails(record: Pick<JobRecord, 'batchId' | 'sourceUri' | 'snapshot' | 'estimate'>, connection: Pick<Connection, 'name'>, summary: JoinSummary): SummaryDetails {
  const resolver = new ModelResolver(estimatorSettings(record.sourceUri ? vscode.Uri.parse(record.sourceUri) : undefined));
  return {
    batchId: record.batchId,
    connection: connection.name,
    times: record.snapshot,
    cost: actualCost(summary.usageByModel, resolver, summary.deployments[0]),
    estimate: record.estimate,
    status: record.snapshot?.status,
  };
}

function localizedSummaryLabels(): SummaryLabels {
  return {
    title: (name) => vscode.l10n.t('Results of {0}', name),
    failedVerdict: vscode.l10n.t('Failed: no request succeeded.'),
    failuresVerdict: vscode.l10n.t('Completed with failures.'),
    endedEarlyVerdict: (status, missing) => vscode.l10n.t('The job ended early ({0}): {1} requests never ran. Resubmit Remaining sends them.', status, missing),
    completedVerdict: vscode.l10n.t('Completed.'),
    requests: vscode.l10n.t('requests'),
    succeeded: vscode.l10n.t('succeeded'),
    failed: vscode.l10n.t('failed'),
    missing: vscode.l10n.t('missing'),
    tokens: vscode.l10n.t('Tokens'),
    prompt: vscode.l10n.t('prompt'),
    completion: vscode.l10n.t('completion'),
    failuresByCode: vscode.l10n.t('Failures by code'),
    code: vscode.l10n.t('code'),
    repeatedHeading: vscode.l10n.t('Requests answered more than once'),
    repeatedNote: (count, ids) => vscode.l10n.t('{0} custom_ids appear more than once in the results of one job; the latest success is kept: {1}', count, ids),
    duplicateInputHeading: vscode.l10n.t('Requests on more than one input line'),
    duplicateInputNote: (count, ids) =>
      vscode.l10n.t('{0} custom_ids appear on more than one line of the input; every line has its row (with the same answer), and the counts above count each custom_id once: {1}', count, ids),
    unusableHeading: vscode.l10n.t('Lines that could not be used'),
    unknownId: vscode.l10n.t('unknown custom_id'),
    batchId: vscode.l10n.t('Batch id'),
    connection: vscode.l10n.t('Connection'),
    deployment: vscode.l10n.t('Deployment'),
    cost: vscode.l10n.t('Cost'),
    unknownPrice: vscode.l10n.t('unknown price'),
    atPrices: (models) => vscode.l10n.t('at the batch prices of {0}', models),
    unpriced: (tokens) => vscode.l10n.t('{0} tokens of unknown price not included', tokens),
    estimate: vscode.l10n.t('Estimated before submission'),
    estimateText: (cost, input, output) => vscode.l10n.t('up to {0} ({1} input tokens, up to {2} output tokens)', cost, input, output),
    timing: vscode.l10n.t('Timing'),
    phase: vscode.l10n.t('phase'),
    duration: vscode.l10n.t('duration'),
    phases: { validating: vscode.l10n.t('validating'), in_progress: vscode.l10n.t('in progress'), finalizing: vscode.l10n.t('finalizing'), total: vscode.l10n.t('total') },
    moreUnusable: (count) => vscode.l10n.t('and {0} more', count),
  };
}
