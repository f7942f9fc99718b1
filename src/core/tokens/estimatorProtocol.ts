// The messages between the editor's host and the token worker (estimatorWorker.ts): plain JSON, so they cross a
// worker thread's port as they are. `revision` is the host's count of what it sent for a document (opens, edits,
// settings), so a result always says which state it is for and the host drops the stale ones.
import type { LineEdit } from '../documents/lineEditRecorder';
import type { EstimateSummary, LineEstimate } from './estimate';
import type { ResolvedModel, ResolverOptions } from './models';

export type { LineEdit } from '../documents/lineEditRecorder';

/** What a model resolver is built from: the prices and deployment-models settings as they are. */
export type EstimatorSettings = Pick<ResolverOptions, 'prices' | 'deploymentModels'>;

export type ToWorker =
  /** The document afresh: its text or, for a large one, the first part of it (edits append the rest). */
  | { readonly type: 'open'; readonly id: string; readonly revision: number; readonly lines: LineEdit['lines']; readonly settings: EstimatorSettings }
  | { readonly type: 'edit'; readonly id: string; readonly revision: number; readonly edits: readonly LineEdit[] }
  | { readonly type: 'settings'; readonly id: string; readonly revision: number; readonly settings: EstimatorSettings }
  | { readonly type: 'close'; readonly id: string }
  | { readonly type: 'lineEstimate'; readonly requestId: number; readonly id: string; readonly revision: number; readonly line: number };

/** One line's estimate with the model it is priced for (none unless it is a request). */
export interface LineEstimateReply {
  readonly estimate: LineEstimate;
  readonly model: ResolvedModel | undefined;
}

export type FromWorker =
  /** The worker's code is loaded and it takes messages. */
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly id: string; readonly revision: number; readonly fraction: number }
  /** Every line of that revision is counted. */
  | { readonly type: 'summary'; readonly id: string; readonly revision: number; readonly summary: EstimateSummary }
  /**
   * Counting the document threw (a line no counter step can handle, e.g. JSON nested too deep to stringify): the
   * worker forgot it and reports nothing more for it until it is opened again. `reason` holds no document text.
   */
  | { readonly type: 'failed'; readonly id: string; readonly revision: number; readonly reason: string }
  /** Undefined when the document is not open at that revision (or the line is out of range). */
  | { readonly type: 'lineEstimate'; readonly requestId: number; readonly reply: LineEstimateReply | undefined };
