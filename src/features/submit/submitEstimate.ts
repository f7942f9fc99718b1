import * as vscode from 'vscode';
import type { SubmitEstimate } from '../../core/results/summaryMarkdown';
import type { EstimatesController } from '../estimates/estimatesController';
import type { JobStore } from '../jobs/jobStore';

/** How long a submission's estimate may take to finish counting before the job goes without one. */
const estimateWaitMs = 60_000;

/**
 * The estimate of a file being submitted, from the estimates the editor keeps for it (counted off the extension
 * host, in the token worker): only for a file open in the editor, which is how files are usually submitted. A
 * file that is not open, or whose count does not finish in time, has none.
 */
export async function estimateOfSubmittedFile(estimates: EstimatesController, uri: vscode.Uri): Promise<SubmitEstimate | undefined> {
  const document = vscode.workspace.textDocuments.find((open) => open.uri.toString() === uri.toString());
  if (!document || !estimates.appliesTo(document)) {
    return undefined;
  }
  estimates.stateFor(document); // starts counting if it has not yet
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), estimateWaitMs)));
  try {
    if ((await Promise.race([estimates.whenIdle(uri), timedOut])) === 'timeout') {
      return undefined;
    }
  } finally {
    clearTimeout(timer);
  }
  const state = estimates.stateFor(document);
  return state?.kind === 'done' ? { inputTokens: state.summary.inputTokens, outputTokens: state.summary.outputTokens, costUsd: state.summary.costUsd } : undefined;
}

/** Keeps the estimate on the job's record once it is ready (the submission does not wait for it). Never fails. */
export async function keepEstimate(estimating: Promise<SubmitEstimate | undefined>, store: JobStore, connectionId: string, batchId: string): Promise<void> {
  const estimate = await estimating.catch(() => undefined);
  if (estimate !== undefined && batchId) {
    await store.update(connectionId, batchId, (record) => ({ ...record, estimate }));
  }
}
