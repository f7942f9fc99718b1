// Rows of data → batch request lines, through a compiled template. One pass, streaming: a row that cannot be
// converted is reported with its line and never written in part. No `vscode` here.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AtomicFile, type WriteOptions } from '../atomicFile';
import { fillPrompt, lookup, placeholderNames } from './prompt';
import { DataFileError, readRows, type DataRow, type ReadOptions } from './readers';
import type { CompiledTemplate } from './template';

/** A row that cannot become a request. */
export interface RowProblem {
  /** 1-based line of the data file the row starts on. */
  readonly line: number;
  readonly message: string;
}

/** One request line as the batch file holds it. */
export interface BatchRequest {
  readonly custom_id: string;
  readonly method: 'POST';
  readonly url: string;
  readonly body: Record<string, unknown>;
}

export type RowResult = { readonly ok: true; readonly request: BatchRequest } | { readonly ok: false; readonly message: string };

const quoteList = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

/** What a row gives a request: its id and filled texts (shared by the request object and its serialized line). */
type RowParts = { readonly ok: true; readonly customId: string; readonly text: string; readonly system: string | undefined } | { readonly ok: false; readonly message: string };

function rowParts(compiled: CompiledTemplate, values: Readonly<Record<string, unknown>>, index: number): RowParts {
  let prompt: ReturnType<typeof fillPrompt>;
  let system: ReturnType<typeof fillPrompt> | undefined;
  try {
    prompt = fillPrompt(compiled.prompt, values);
    system = compiled.system === undefined ? undefined : fillPrompt(compiled.system, values);
  } catch (error) {
    // JSON.stringify of a value nested thousands of levels deep overflows the stack: a problem of this row only.
    if (error instanceof RangeError) {
      return { ok: false, message: 'a value of this row is nested too deeply to write as JSON' };
    }
    throw error;
  }
  let missing: string[] | undefined;
  if (!prompt.ok || (system !== undefined && !system.ok)) {
    missing = [...(prompt.ok ? [] : prompt.missing), ...(system === undefined || system.ok ? [] : system.missing)];
  }
  let customId = `row-${index}`;
  if (compiled.idColumn !== undefined) {
    const id = lookup(values, compiled.idColumn);
    if (typeof id === 'string' && id.trim().length > 0) {
      customId = id;
    } else if (typeof id === 'number' && Number.isFinite(id)) {
      customId = String(id);
    } else if (id === undefined || id === null || id === '') {
      missing ??= [];
      missing.includes(compiled.idColumn) || missing.push(compiled.idColumn);
    } else {
      return { ok: false, message: `the id column "${compiled.idColumn}" holds ${Array.isArray(id) ? 'an array' : typeof id}, not text or a number` };
    }
  }
  if (missing !== undefined && missing.length > 0) {
    return { ok: false, message: `${missing.length === 1 ? 'column' : 'columns'} ${quoteList([...new Set(missing)])} ${missing.length === 1 ? 'has' : 'have'} no value` };
  }
  const text = (prompt as { text: string }).text;
  if (text.trim().length === 0) {
    return { ok: false, message: 'the prompt is empty for this row' };
  }
  return { ok: true, customId, text, system: system === undefined ? undefined : (system as { text: string }).text };
}

/**
 * The request of one row (`index` is its 1-based position among the data rows, for `row-N` ids), or why there is
 * none: a placeholder or the id column without a value, or an empty prompt.
 */
export function buildRequest(compiled: CompiledTemplate, values: Readonly<Record<string, unknown>>, index: number): RowResult {
  const parts = rowParts(compiled, values, index);
  if (!parts.ok) {
    return parts;
  }
  const { text, system: systemText } = parts;
  const t = compiled.template;
  const body: Record<string, unknown> = { model: t.model };
  switch (compiled.kind) {
    case 'chat':
      body.messages = [...(systemText ? [{ role: 'system', content: systemText }] : []), { role: 'user', content: text }];
      break;
    case 'responses':
      if (systemText) {
        body.instructions = systemText;
      }
      body.input = text;
      break;
    case 'embeddings':
      body.input = text;
      break;
  }
  if (t.maxTokens !== undefined) {
    body[compiled.maxTokensField] = t.maxTokens;
  }
  if (t.temperature !== undefined) {
    body.temperature = t.temperature;
  }
  if (compiled.schema !== undefined) {
    const format = { name: compiled.schema.name, strict: true, schema: compiled.schema.schema };
    if (compiled.kind === 'responses') {
      body.text = { format: { type: 'json_schema', ...format } };
    } else {
      body.response_format = { type: 'json_schema', json_schema: format };
    }
  }
  return { ok: true, request: { custom_id: parts.customId, method: 'POST', url: compiled.url, body } };
}

/** A row serialized as its request line (with the `\n`), or why there is none. */
export type LineResult = { readonly ok: true; readonly customId: string; readonly line: string } | { readonly ok: false; readonly message: string };

/**
 * A function from rows to request lines, byte for byte `JSON.stringify(buildRequest(...).request) + "\n"`, made
 * once per template: the constant parts (model, parameters, schema) are serialized here, and a row only costs
 * `JSON.stringify` of its id and texts. A million rows convert without building a million request objects.
 */
export function lineWriter(compiled: CompiledTemplate): (values: Readonly<Record<string, unknown>>, index: number) => LineResult {
  const t = compiled.template;
  const json = JSON.stringify;
  const head = `,"method":"POST","url":${json(compiled.url)},"body":{"model":${json(t.model)},`;
  let tail = '';
  if (t.maxTokens !== undefined) {
    tail += `,${json(compiled.maxTokensField)}:${json(t.maxTokens)}`;
  }
  if (t.temperature !== undefined) {
    tail += `,"temperature":${json(t.temperature)}`;
  }
  if (compiled.schema !== undefined) {
    const format = { name: compiled.schema.name, strict: true, schema: compiled.schema.schema };
    tail += compiled.kind === 'responses' ? `,"text":${json({ format: { type: 'json_schema', ...format } })}` : `,"response_format":${json({ type: 'json_schema', json_schema: format })}`;
  }
  tail += '}}\n';
  const kind = compiled.kind;
  return (values, index) => {
    const parts = rowParts(compiled, values, index);
    if (!parts.ok) {
      return parts;
    }
    const id = `{"custom_id":${json(parts.customId)}`;
    let body: string;
    if (kind === 'chat') {
      body = `"messages":[${parts.system ? `{"role":"system","content":${json(parts.system)}},` : ''}{"role":"user","content":${json(parts.text)}}]`;
    } else if (kind === 'responses' && parts.system) {
      body = `"instructions":${json(parts.system)},"input":${json(parts.text)}`;
    } else {
      body = `"input":${json(parts.text)}`;
    }
    return { ok: true, customId: parts.customId, line: id + head + body + tail };
  };
}

export interface ConvertOptions {
  /** Most problems kept (default 20); the rest are counted. */
  readonly maxProblems?: number;
  /** Called with every request made, in order (an estimate, a preview). Awaited only when it returns a promise. */
  readonly onRequest?: (request: BatchRequest, line: number) => void | Promise<void>;
  /** Called instead of `onRequest` with every request as its serialized line (a writer: no request objects are built). */
  readonly onLine?: (line: string) => void | Promise<void>;
  /** Stop after this many rows (a preview). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
  /** Called after each batch of rows with the rows read so far. */
  readonly onProgress?: (rows: number) => void;
}

/** What a conversion found. */
export interface ConvertSummary {
  /** Data rows read (good and bad). */
  readonly rows: number;
  /** Requests made. */
  readonly requests: number;
  /** The first problems, in data order. */
  readonly problems: readonly RowProblem[];
  /** All problems, including those not kept. */
  readonly problemCount: number;
}

/**
 * Converts rows to requests. A `custom_id` taken from a column must be unique: a repeated one is a problem on the
 * later line naming the earlier (the ids seen are kept, so memory grows with them; generated ids keep nothing).
 */
export async function convertRows(rows: AsyncIterable<readonly DataRow[]>, compiled: CompiledTemplate, options: ConvertOptions = {}): Promise<ConvertSummary> {
  const maxProblems = options.maxProblems ?? 20;
  const problems: RowProblem[] = [];
  let problemCount = 0;
  let index = 0;
  let requests = 0;
  const ids = compiled.idColumn === undefined ? undefined : new Map<string, number>();
  const toLine = options.onLine === undefined ? undefined : lineWriter(compiled);
  const problem = (line: number, message: string) => {
    problemCount++;
    if (problems.length < maxProblems) {
      problems.push({ line, message });
    }
  };
  outer: for await (const batch of rows) {
    options.signal?.throwIfAborted();
    for (const row of batch) {
      if (options.limit !== undefined && index >= options.limit) {
        break outer;
      }
      index++;
      if (row.error !== undefined) {
        problem(row.line, `the row ${row.error}`);
        continue;
      }
      let customId: string;
      let request: BatchRequest | undefined;
      let line: string | undefined;
      if (toLine !== undefined) {
        const result = toLine(row.values, index);
        if (!result.ok) {
          problem(row.line, result.message);
          continue;
        }
        customId = result.customId;
        line = result.line;
      } else {
        const result = buildRequest(compiled, row.values, index);
        if (!result.ok) {
          problem(row.line, result.message);
          continue;
        }
        request = result.request;
        customId = request.custom_id;
      }
      if (ids !== undefined) {
        const first = ids.get(customId);
        if (first !== undefined) {
          problem(row.line, `custom_id "${customId}" (column "${compiled.idColumn}") is also on line ${first}`);
          continue;
        }
        ids.set(customId, row.line);
      }
      requests++;
      // Awaited only when the callback is asynchronous: a microtask per row is a large part of a million rows.
      const pending = line !== undefined ? options.onLine!(line) : options.onRequest?.(request!, row.line);
      if (pending !== undefined) {
        await pending;
      }
    }
    options.onProgress?.(index);
  }
  return { rows: index, requests, problems, problemCount };
}

/** Checks the placeholders and id column against the columns a data file has, before any row is read. */
export function unknownColumns(compiled: CompiledTemplate, columns: readonly string[]): string[] {
  const known = new Set(columns);
  const names = [...placeholderNames(compiled.prompt), ...(compiled.system ? placeholderNames(compiled.system) : []), ...(compiled.idColumn ? [compiled.idColumn] : [])];
  return [...new Set(names)].filter((name) => !known.has(name) && !columns.some((c) => name.startsWith(`${c}.`)));
}

/** The text gathered before one write of the batch file (about 1 MB). */
const writeChars = 1024 * 1024;

/** What {@link createBatchFile} did. */
export interface CreateResult extends ConvertSummary {
  /** Whether the batch file was written (false when a row had a problem and invalid rows are not skipped, or no request was made). */
  readonly written: boolean;
}

export interface CreateOptions extends Omit<ConvertOptions, 'onRequest' | 'onLine' | 'limit'>, WriteOptions {
  readonly read?: ReadOptions;
  /** Write the good rows even when others have problems (they are reported all the same). */
  readonly skipInvalidRows?: boolean;
}

/**
 * Writes the batch file of a data file atomically: the lines go to a hidden file beside `out`, moved into place only
 * when every row converted (or `skipInvalidRows`) and at least one request was made; otherwise nothing is written.
 */
export async function createBatchFile(dataPath: string, compiled: CompiledTemplate, out: string, options: CreateOptions = {}): Promise<CreateResult> {
  if (await sameFile(dataPath, out)) {
    // With overwrite the batch file would replace the data it is made from.
    throw new DataFileError(`the batch file ${out} is the data file itself: write it to another file`);
  }
  const file = await AtomicFile.create(out, options);
  try {
    // Lines are gathered into about a megabyte of text and written with one call, not one call per row.
    let chunk = '';
    const summary = await convertRows(readRows(dataPath, options.read), compiled, {
      ...options,
      onLine: (line) => {
        chunk += line;
        if (chunk.length >= writeChars) {
          const full = chunk;
          chunk = '';
          return file.write(full);
        }
      },
    });
    if (chunk.length > 0) {
      await file.write(chunk);
    }
    const written = summary.requests > 0 && (summary.problemCount === 0 || options.skipInvalidRows === true);
    if (written) {
      await file.commit();
    }
    return { ...summary, written };
  } finally {
    await file.discard();
  }
}

/** Whether two paths name one file (the same path, a hard link, or a path through a symbolic link). */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) {
    return true;
  }
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** The first `count` requests of a data file (and the problems among those rows), for a preview. */
export async function previewRequests(dataPath: string, compiled: CompiledTemplate, count: number, read?: ReadOptions): Promise<{ requests: BatchRequest[]; summary: ConvertSummary }> {
  const requests: BatchRequest[] = [];
  const summary = await convertRows(readRows(dataPath, read), compiled, { limit: count, onRequest: (r) => void requests.push(r) });
  return { requests, summary };
}

/** One sentence for the problems of a conversion: how many, and the first lines with their reasons. */
export function describeProblems(summary: ConvertSummary, shown = 5): string {
  const first = summary.problems.slice(0, shown).map((p) => `line ${p.line}: ${p.message}`);
  const more = summary.problemCount - first.length;
  const count = `${summary.problemCount.toLocaleString('en-US')} ${summary.problemCount === 1 ? 'row' : 'rows'} of ${summary.rows.toLocaleString('en-US')}`;
  return `${count} cannot be converted: ${first.join('; ')}${more > 0 ? `; and ${more.toLocaleString('en-US')} more` : ''}`;
}
