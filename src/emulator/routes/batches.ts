import { batchEndpoints } from '../../core/jsonl/endpoints';
import { azureError, badRequest, HttpError } from '../errors';
import { ids } from '../random';
import { tokenLimitError } from '../runner';
import { firstModel } from '../scan';
import type { BatchRecord, FileRecord } from '../store';
import { newBatchRecord } from '../transitions';
import { batchView } from '../views';
import { listPage } from './paging';
import { ascendingOrder, batchFilter, checkMetadata, checkOutputExpiresAfter, isObject, readJson } from './params';
import { commit, recordOr404, type Handlers, type RouteDeps } from './types';

/** The batches operations: create, list (`$filter`, `$orderby`, paged), get, cancel. */
export function batchRoutes(deps: RouteDeps): Handlers<'create' | 'listBatches' | 'getBatch' | 'cancel'> {
  const { store, runner, options } = deps;

  const batchOr404 = (id: string | undefined): BatchRecord => recordOr404(store.batches, id);

  /** The input file of a create: given, a known file, with purpose `batch`. */
  const inputFileOf = (body: Record<string, unknown>): FileRecord => {
    const inputFileId = body.input_file_id;
    if (inputFileId === undefined || inputFileId === null) {
      if (body.input_blob !== undefined) {
        throw badRequest('Blob storage input (input_blob) is not supported by the emulator; upload the file and pass input_file_id.', 'input_blob');
      }
      throw badRequest("Missing required parameter: 'input_file_id'.", 'input_file_id');
    }
    if (typeof inputFileId !== 'string') {
      throw badRequest("Invalid type for 'input_file_id': expected a string.", 'input_file_id');
    }
    const file = store.files.get(inputFileId);
    if (file === undefined) {
      throw badRequest(`The input file '${inputFileId}' was not found.`, 'input_file_id');
    }
    if (file.purpose !== 'batch') {
      throw badRequest(`The input file '${inputFileId}' has purpose '${file.purpose}'; a batch input file must have purpose 'batch'.`, 'input_file_id');
    }
    return file;
  };

  const endpointOf = (body: Record<string, unknown>): string => {
    const endpoint = body.endpoint;
    if (typeof endpoint !== 'string' || !batchEndpoints.includes(endpoint)) {
      throw badRequest(
        endpoint === undefined ? "Missing required parameter: 'endpoint'." : `Invalid value for 'endpoint': ${JSON.stringify(endpoint)}. Supported values are: ${batchEndpoints.join(', ')}.`,
        'endpoint',
      );
    }
    return endpoint;
  };

  const checkWindow = (body: Record<string, unknown>): void => {
    const window = body.completion_window;
    if (window !== '24h') {
      throw badRequest(
        window === undefined ? "Missing required parameter: 'completion_window'." : `Invalid value for 'completion_window': ${JSON.stringify(window)}. Supported values are: '24h'.`,
        'completion_window',
      );
    }
  };

  /**
   * The deployment a new batch runs on. "Fail fast" regions compare the job's approximate token count with the
   * free quota at once (a 400 over it); elsewhere the quota is checked while validating.
   */
  const deploymentOf = async (batch: BatchRecord, file: FileRecord): Promise<string | undefined> => {
    if (!options.failFast) {
      return firstModel(store.blobPath(file.id)).catch(() => undefined);
    }
    const scan = await runner.scan(file.id).catch(() => undefined);
    const deployment = scan?.deployment;
    if (scan !== undefined && deployment !== undefined) {
      const enqueued = runner.enqueuedTokens(deployment);
      if (enqueued + scan.estimatedTokens > options.maxEnqueuedTokens) {
        const error = tokenLimitError(deployment, enqueued, scan.estimatedTokens, options.maxEnqueuedTokens);
        throw new HttpError(400, { error: { code: error.code, message: error.message, type: 'invalid_request_error' } });
      }
      batch.internal.deployment = deployment;
      batch.internal.estimatedTokens = scan.estimatedTokens;
    }
    return deployment;
  };

  return {
    async create(ctx) {
      const body = await readJson(ctx.body());
      if (!isObject(body)) {
        throw badRequest('The request body must be a JSON object.');
      }
      const file = inputFileOf(body);
      const endpoint = endpointOf(body);
      checkWindow(body);
      const metadata = checkMetadata(body.metadata);
      const outputExpiresAfter = checkOutputExpiresAfter(body.output_expires_after);
      const batch = newBatchRecord({ id: ids.batch(), endpoint, inputFileId: file.id, metadata, seq: store.nextSeq(), outputExpiresAfter, nowMs: Date.now() });
      const deployment = await deploymentOf(batch, file);
      store.batches.set(batch.id, batch);
      await commit(store, () => void store.batches.delete(batch.id));
      runner.start(batch.id);
      if (!ctx.api.modern) {
        return { status: 200, json: batchView(batch) };
      }
      const enqueued = deployment === undefined ? 0 : runner.enqueuedTokens(deployment);
      return {
        status: 201,
        headers: { 'deployment-enqueued-tokens': String(enqueued), 'deployment-maximum-enqueued-tokens': String(options.maxEnqueuedTokens) },
        json: batchView(batch),
      };
    },

    async listBatches(ctx) {
      const params = ctx.url.searchParams;
      let list = [...store.batches.values()];
      const filter = params.get('$filter');
      if (filter !== null) {
        list = list.filter(batchFilter(filter));
      }
      const ascending = ascendingOrder(params.get('$orderby'));
      list.sort((a, b) => a.created_at - b.created_at || a.internal.seq - b.internal.seq);
      if (!ascending) {
        list.reverse();
      }
      // The spec example puts first_id/last_id inside the batch objects; the service and docs put them at the top.
      return { status: 200, json: listPage(list, params, { fallback: 20, max: 100 }, batchView) };
    },

    async getBatch(ctx) {
      return { status: 200, json: batchView(batchOr404(ctx.id)) };
    },

    async cancel(ctx) {
      const batch = batchOr404(ctx.id);
      if (!runner.cancel(batch)) {
        throw new HttpError(409, azureError('409', `The batch cannot be cancelled because its status is '${batch.status}'.`));
      }
      // Not undone on failure: cancelling is idempotent, so a retry answers the same.
      await store.commit();
      return { status: 200, json: batchView(batch) };
    },
  };
}
