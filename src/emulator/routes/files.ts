import { randomBytes } from 'node:crypto';
import { rename, unlink } from 'node:fs/promises';
import { badRequest } from '../errors';
import { multipartBoundary, MultipartError, parseMultipart } from '../multipart';
import { ids } from '../random';
import type { FileRecord } from '../store';
import { unixNow } from '../transitions';
import { fileView } from '../views';
import { listPage } from './paging';
import { expiresAfterRange } from './params';
import { commit, recordOr404, type Handlers, type RouteDeps } from './types';

const uploadPurposes: ReadonlySet<string> = new Set(['batch', 'fine-tune', 'assistants', 'vision', 'user_data', 'evals']);
/** The file limit for files uploaded with `expires_after`. */
const largeFileLimit = 10_000;

/** The files operations: upload (multipart, streamed to disk), list, get, delete, content. */
export function fileRoutes(deps: RouteDeps): Handlers<'upload' | 'listFiles' | 'getFile' | 'deleteFile' | 'content'> {
  const { store, runner, options } = deps;

  const fileOr404 = (id: string | undefined): FileRecord => recordOr404(store.files, id);

  const sortedFiles = (order: 'asc' | 'desc'): FileRecord[] => {
    const list = [...store.files.values()].sort((a, b) => a.created_at - b.created_at || a.seq - b.seq);
    return order === 'asc' ? list : list.reverse();
  };

  /** `expires_after[anchor]` / `expires_after[seconds]` of an upload form (dotted names too), in seconds. */
  const expiresAfterOf = (fields: ReadonlyMap<string, string>): number | undefined => {
    const anchor = fields.get('expires_after[anchor]') ?? fields.get('expires_after.anchor');
    const secondsText = fields.get('expires_after[seconds]') ?? fields.get('expires_after.seconds');
    if (anchor === undefined && secondsText === undefined) {
      return undefined;
    }
    const seconds = Number(secondsText);
    if (anchor !== 'created_at') {
      throw badRequest("expires_after.anchor must be 'created_at'.", 'expires_after.anchor');
    }
    if (!Number.isInteger(seconds) || seconds < expiresAfterRange.min || seconds > expiresAfterRange.max) {
      throw badRequest(`expires_after.seconds must be between ${expiresAfterRange.min} and ${expiresAfterRange.max} (14 to 30 days).`, 'expires_after.seconds');
    }
    return seconds;
  };

  /** Files without `expires_after` count against `maxFiles`; all files against the larger limit. */
  const checkFileQuota = (expiresAfter: number | undefined): void => {
    const all = [...store.files.values()];
    const withoutExpiry = all.filter((f) => !f.expiresAfterSet).length;
    if ((expiresAfter === undefined && withoutExpiry >= options.maxFiles) || all.length >= Math.max(options.maxFiles, largeFileLimit)) {
      throw badRequest(
        `The maximum number of files (${options.maxFiles}, or ${largeFileLimit} for files uploaded with expires_after) has been reached. Delete files you no longer need.`,
        undefined,
        'quotaExceeded',
      );
    }
  };

  return {
    async upload(ctx) {
      const boundary = multipartBoundary(ctx.req.headers['content-type']);
      if (boundary === undefined) {
        throw badRequest('The request must be multipart/form-data with a boundary.');
      }
      const incoming = store.incomingPath(randomBytes(8).toString('hex'));
      try {
        let form;
        try {
          form = await parseMultipart(ctx.body(), boundary, {
            filePath: incoming,
            maxFileBytes: options.maxFileBytes,
            maxFieldBytes: options.maxFieldBytes,
            maxParts: options.maxFormParts,
          });
        } catch (error) {
          if (error instanceof MultipartError) {
            throw badRequest(`Invalid multipart body: ${error.message}.`);
          }
          throw error;
        }
        const purpose = form.fields.get('purpose');
        if (purpose === undefined) {
          throw badRequest("Missing required parameter: 'purpose'.", 'purpose');
        }
        if (!uploadPurposes.has(purpose)) {
          throw badRequest('Invalid value for purpose.', 'purpose'); // Azure's words for an unknown purpose
        }
        const file = form.file;
        if (file === undefined || file.field !== 'file') {
          throw badRequest("Missing required parameter: 'file'.", 'file');
        }
        if (file.tooLarge) {
          throw badRequest(`The file is too large: the maximum size is ${options.maxFileBytes} bytes (200 MB).`, 'file');
        }
        if (purpose === 'fine-tune' && !file.filename.toLowerCase().endsWith('.jsonl')) {
          throw badRequest('fileName contains an invalid filename: wrong suffix.', 'file');
        }
        const expiresAfter = expiresAfterOf(form.fields);
        checkFileQuota(expiresAfter);
        const id = ids.uploadedFile();
        await store.syncFile(incoming);
        await rename(incoming, store.blobPath(id));
        const now = unixNow();
        const record: FileRecord = {
          id,
          bytes: file.bytes,
          created_at: now,
          filename: file.filename,
          purpose,
          status: 'processed',
          status_details: null,
          expires_at: expiresAfter === undefined ? null : now + expiresAfter,
          seq: store.nextSeq(),
          expiresAfterSet: expiresAfter !== undefined,
        };
        store.files.set(id, record);
        await commit(store, async () => {
          store.files.delete(id);
          await store.removeBlob(id);
        });
        return { status: 201, headers: { location: `${deps.origin()}${ctx.base}/files/${id}` }, json: fileView(record, ctx.api, true) };
      } finally {
        await unlink(incoming).catch(() => undefined);
      }
    },

    async listFiles(ctx) {
      const params = ctx.url.searchParams;
      const purpose = params.get('purpose');
      const order = params.get('order') === 'asc' ? 'asc' : 'desc';
      const list = sortedFiles(order).filter((f) => purpose === null || f.purpose === purpose);
      if (ctx.api.surface !== 'v1') {
        // Classic lists have no paging fields (2024-10-21 answers {data, object}); the SDK stops paging there.
        return { status: 200, json: { object: 'list', data: list.map((f) => fileView(f, ctx.api)) } };
      }
      return { status: 200, json: listPage(list, params, { fallback: 10_000, max: 10_000 }, (f) => fileView(f, ctx.api)) };
    },

    async getFile(ctx) {
      return { status: 200, json: fileView(fileOr404(ctx.id), ctx.api) };
    },

    async deleteFile(ctx) {
      const file = fileOr404(ctx.id);
      store.files.delete(file.id);
      await commit(store, () => void store.files.set(file.id, file));
      runner.forgetFile(file.id);
      if (!runner.inUse(file.id)) {
        await store.removeBlob(file.id);
      }
      return { status: 200, json: { object: 'file', deleted: true, id: file.id } };
    },

    async content(ctx) {
      const file = fileOr404(ctx.id);
      return { status: 200, file: store.blobPath(file.id) };
    },
  };
}
