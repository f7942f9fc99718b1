import * as vscode from 'vscode';
import type { SubmitEstimate } from '../../core/results/summaryMarkdown';
import { estimateFile } from '../../core/tokens/fileEstimate';
import { resolverFor } from '../estimates/estimateSettings';
import type { JobStore } from '../jobs/jobStore';

/**
 * Estimates the file being submitted (tokens and cost at the batch prices of the settings that apply to its
 * source), so that the results summary can set what the job cost next to what was expected. Never fails: a file
 * that cannot be read has no estimate.
 */
export function estimateSubmission(uploadPath: string, sourceUri: vscode.Uri): Promise<SubmitEstimate | undefined> {
  return estimateFile(uploadPath, resolverFor(sourceUri)).then(
    (estimate) => ({ inputTokens: estimate.inputTokens, outputTokens: estimate.outputTokens, costUsd: estimate.costUsd }),
    () => undefined,
  );
}

/** Keeps the estimate on the job's record once it is ready (the submission does not wait for it). */
export async function keepEstimate(estimating: Promise<SubmitEstimate | undefined>, store: JobStore, connectionId: string, batchId: string): Promise<void> {
  const estimate = await estimating;
  if (estimate !== undefined) {
    await store.update(connectionId, batchId, (record) => ({ ...record, estimate }));
  }
}
