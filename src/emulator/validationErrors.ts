import type { DiagnosticCode } from '../core/jsonl/codes';
import type { Deployment } from './options';
import type { ScanResult } from './scan';
import type { BatchError } from './store';

// Azure's own wording for a file that starts with a byte order mark (batch how-to, "Known issues").
export const bomMessage =
  "Validation failed: A valid model deployment name couldn't be extracted from the input file. Please ensure that each row in the input file has a valid deployment name specified in the 'model' field, and that the deployment name is consistent across all rows.";

export const emptyFileMessage = 'The input file is empty. Please ensure that the batch contains at least one request.';

/**
 * How each core validator code surfaces in Azure's `errors.data[].code`, and which request field it blames.
 * `null` code: handled elsewhere (the BOM) or not a batch failure.
 *
 * - Schema problems of a line (missing custom_id, method, url, body or model; a bad body) are `invalid_request`,
 *   Azure's code for "the schema of the input line is invalid".
 * - A placeholder deployment such as `REPLACE-WITH-MODEL-DEPLOYMENT-NAME` is, for Azure, just a deployment
 *   name it cannot find: `model_not_found`.
 * - Bytes that are not UTF-8 make the line unreadable as JSON text: `invalid_json_line`.
 * - A file over the size limit cannot normally get here (uploads over the limit are refused); `invalid_request`.
 */
const mapping: Readonly<Record<DiagnosticCode, { code: string; param: string | null; fileLevel?: boolean } | null>> = {
  invalid_json_line: { code: 'invalid_json_line', param: null },
  invalid_encoding: { code: 'invalid_json_line', param: null },
  invalid_request: { code: 'invalid_request', param: null },
  missing_custom_id: { code: 'invalid_request', param: 'custom_id' },
  duplicate_custom_id: { code: 'duplicate_custom_id', param: 'custom_id' },
  invalid_method: { code: 'invalid_request', param: 'method' },
  invalid_url: { code: 'invalid_request', param: 'url' },
  url_mismatch: { code: 'url_mismatch', param: 'url' },
  missing_body: { code: 'invalid_request', param: 'body' },
  missing_model: { code: 'invalid_request', param: 'body.model' },
  placeholder_model: { code: 'model_not_found', param: 'body.model' },
  model_mismatch: { code: 'model_mismatch', param: 'body.model' },
  // Azure answers a deployment it does not have, or one that is not a batch deployment, as a model it cannot find.
  unknown_deployment: { code: 'model_not_found', param: 'body.model' },
  not_batch_deployment: { code: 'model_not_found', param: 'body.model' },
  invalid_body: { code: 'invalid_request', param: 'body' },
  empty_file: { code: 'empty_file', param: null, fileLevel: true },
  too_many_tasks: { code: 'too_many_tasks', param: null, fileLevel: true },
  file_too_large: { code: 'invalid_request', param: null, fileLevel: true },
  bom: null,
  blank_line: null,
  unknown_field: null,
  // Azure accepts these files and fails the rows one by one when they run, not at validation.
  invalid_parameter: null,
  invalid_schema: null,
  unsupported_parameter: null,
  unknown_parameter: null,
};

/** Azure reports at most this many validation errors per batch. */
const maxErrors = 100;

/** `/v1/chat/completions` and `/chat/completions` name the same endpoint. */
function normalizeEndpoint(url: string): string {
  return url.startsWith('/v1/') ? url.slice(3) : url;
}

/**
 * Whether a batch created for `batchEndpoint` may run a file whose rows use `fileUrl`. Microsoft's own batch
 * guide creates `/chat/completions` batches for files of `/v1/responses` rows, so that pairing is accepted too.
 */
export function endpointsMatch(batchEndpoint: string, fileUrl: string): boolean {
  const a = normalizeEndpoint(batchEndpoint);
  const b = normalizeEndpoint(fileUrl);
  return a === b || (a === '/chat/completions' && b === '/responses');
}

function modelNotFound(model: string, line: number | null): BatchError {
  return {
    code: 'model_not_found',
    message: `The provided model deployment '${model}' was not found. Please ensure this name points to a valid Global Batch or Data Zone Batch deployment.`,
    param: 'body.model',
    line,
  };
}

/** The `errors.data` of a batch whose input failed validation; empty when the batch may run. */
export function validationErrors(scan: ScanResult, batchEndpoint: string, deployments: ReadonlyMap<string, Deployment>): BatchError[] {
  if (scan.hasBom) {
    // Azure fails such a file with this single, misleading message; its code is most plausibly the one of a
    // deployment it could not resolve.
    return [{ code: 'model_not_found', message: bomMessage, param: null, line: null }];
  }
  const errors: BatchError[] = [];
  const reportedModels = new Set<string>();
  for (const d of scan.errors) {
    const mapped = mapping[d.code];
    if (mapped === null) {
      continue;
    }
    const line = mapped.fileLevel ? null : d.line + 1;
    if (d.code === 'placeholder_model') {
      const model = String(d.message.args[0] ?? '');
      if (!reportedModels.has(model)) {
        reportedModels.add(model);
        errors.push(modelNotFound(model, line));
      }
      continue;
    }
    const message = d.code === 'empty_file' ? emptyFileMessage : d.message.text;
    errors.push({ code: mapped.code, message, param: mapped.param, line });
  }
  if (scan.deployment !== undefined && !deployments.has(scan.deployment)) {
    errors.push(modelNotFound(scan.deployment, scan.deploymentLine === undefined ? null : scan.deploymentLine + 1));
  }
  if (scan.endpoint !== undefined && !endpointsMatch(batchEndpoint, scan.endpoint)) {
    errors.push({
      code: 'url_mismatch',
      message: `The url '${scan.endpoint}' of the requests in the input file does not match the batch endpoint '${batchEndpoint}'.`,
      param: 'url',
      line: scan.endpointLine === undefined ? null : scan.endpointLine + 1,
    });
  }
  return errors.slice(0, maxErrors);
}
