import { stat } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { readLineFrom, readLocatedLines, type LocatedLine } from '../io/lineReader';
import { costUsd, ModelResolver } from '../tokens/models';
import type { JoinedLine, RequestOutcome } from './join';
import { failureCode, notJsonReason } from './outputLine';
import { isObject, requestBody, requestFacts, responseFacts, rowOutcome } from './resultRow';
import { SearchIndex } from './searchIndex';
import { answerSchemaOf, checkStructuredAnswer, type AnswerSchema, type StructuredState } from './structuredOutput';

/** Statuses in the order of their numbers in {@link ResultsModel.status}. */
export const statuses: readonly RequestOutcome[] = ['succeeded', 'failed', 'missing'];
/** Structured-output states in the order of their numbers in {@link ResultsModel.structured} (0: not structured). */
export const structuredStates: readonly (StructuredState | undefined)[] = [undefined, 'ok', 'invalid', 'missingFields'];

/** Characters of a text value the grid gets; the detail pane reads the whole value back from the files. */
export const gridChars = 500;
/** Characters of each prompt and answer kept for search by default (the rest is not searched, to bound memory). */
export const defaultSearchChars = 8192;
/** How many unreadable lines a model names (all are counted). */
const maxReported = 1000;
/**
 * Field columns the model makes at most: a schema's properties first, then fields met in answers. Answers keyed by
 * their data (`{"apple": 3}`) would otherwise add a column per row, which no grid or spreadsheet can show.
 */
export const maxFieldColumns = 64;
/** Of {@link maxFieldColumns}, how many may be fields that no schema names. */
const maxExtraFields = 16;
/** Rows the typed columns start with (doubled as needed). */
const initialRows = 1024;

/** A top-level field value of a structured answer as the grid holds it: long text cut, objects as JSON text. */
export type FieldValue = string | number | boolean | null;

export interface BuildOptions {
  /** The batch input file: rows get their prompt, deployment and structured-output schema from it, by custom_id. */
  readonly inputPath?: string;
  /** Prices (from the estimates settings); the built-in batch prices when not given. */
  readonly resolver?: ModelResolver;
  readonly signal?: AbortSignal;
  /** Characters of each prompt and answer searched (default {@link defaultSearchChars}). */
  readonly searchChars?: number;
  /**
   * Called with the growing model while it is built (rows below `rowCount` are complete and can be queried and
   * paged), at most every `progressMs` (default 200 ms), the first time within milliseconds: show the first page
   * of a big file at once, and a progress bar from `bytesRead` / `totalBytes`.
   */
  readonly onProgress?: (model: ResultsModel) => void;
  readonly progressMs?: number;
}

/** An unreadable line of the results file: reported, not shown as a row. */
export interface MalformedLine {
  /** 1-based. */
  readonly line: number;
  readonly reason: string;
}

/** What the files hold beyond the rows: for the header and for warnings. */
export interface BuildReport {
  readonly malformed: readonly MalformedLine[];
  readonly malformedCount: number;
  /** Rows whose custom_id is not in the input (0 without an input file). */
  readonly notInInput: number;
  /** Input requests that have no row in the results. */
  readonly inputWithoutRow: number;
  /** Rows whose custom_id an earlier row already had (each is still a row of its own). */
  readonly duplicateIds: number;
  /** Input lines that are not JSON objects with a custom_id (skipped, as the service skips them). */
  readonly unreadableInputLines: number;
}

/** The whole request and response of one row, read back from the files for the detail pane. */
export interface RowDetail {
  readonly index: number;
  readonly customId: string;
  /** The parsed line of `NAME.results.jsonl`; undefined when the file changed since the model was built. */
  readonly result: JoinedLine | undefined;
  /** The parsed input line (`{custom_id, method, url, body}`); undefined without one. */
  readonly request: unknown;
  /** 1-based line numbers, to jump to the line in its file. */
  readonly resultLine: number;
  readonly inputLine: number | undefined;
  /** A file changed since the model was built: its line no longer holds this row's custom_id. */
  readonly changed: boolean;
}

/** A column of a structured answer's top-level field. */
export interface FieldColumn {
  readonly name: string;
  /** The value of each row; undefined where the row's answer has no such field. */
  readonly values: (FieldValue | undefined)[];
}

interface InputEntry {
  readonly line: number;
  readonly offset: number;
  readonly length: number;
  readonly prompt: string;
  readonly deployment: string | undefined;
  /** Index in the model's schema list, or -1. */
  readonly schema: number;
  joined: boolean;
}

/**
 * The rows of a job's `NAME.results.jsonl`, joined with their input requests, held column by column in typed
 * arrays (numbers) and short strings (grid text), with a search index, so that 100,000 rows filter and sort in
 * milliseconds. Whole requests and responses are not held: {@link detail} reads them back by byte offset.
 * Built by {@link buildResultsModel}, which hands it out while it grows (typed arrays are longer than
 * {@link rowCount}: read rows below it only); read by the view, page and export functions.
 */
export class ResultsModel {
  rowCount = 0;
  /** False while the build is still adding rows. */
  complete = false;
  /** Bytes of the results file read so far, and its size when the build began: for a progress bar. */
  bytesRead = 0;
  totalBytes = 0;
  readonly customId: string[] = [];
  /** Index in {@link statuses}. */
  status = new Uint8Array(initialRows);
  /** The HTTP status code, -1 for none. */
  statusCode = new Int32Array(initialRows);
  /** Index in {@link codes} of the row's code: the error code of a failure, else the status code, '' for missing. */
  codeId = new Uint32Array(initialRows);
  readonly codes: string[] = [];
  /** Grid text (at most {@link gridChars}). */
  readonly prompt: string[] = [];
  readonly answer: string[] = [];
  /** The error message of a failed row (grid text), else undefined. */
  readonly errorMessage: (string | undefined)[] = [];
  /** custom_id, prompt and answer, searched case-insensitively. */
  readonly search = new SearchIndex();
  /** NaN where unknown. */
  inputTokens = new Float64Array(initialRows);
  outputTokens = new Float64Array(initialRows);
  reasoningTokens = new Float64Array(initialRows);
  /** USD, NaN where the model has no known price or the row has no usage. */
  cost = new Float64Array(initialRows);
  /** Index in {@link structuredStates}. */
  structured = new Uint8Array(initialRows);
  readonly structuredReason: (string | undefined)[] = [];
  /** Structured answers' top-level fields, schema properties first. */
  fields: FieldColumn[] = [];
  /** Where each row is: its line (0-based) in the results file and, when joined, in the input file (-1 when not). */
  resultOffset = new Float64Array(initialRows);
  resultLength = new Float64Array(initialRows);
  resultLine = new Uint32Array(initialRows);
  inputOffset = new Float64Array(initialRows);
  inputLength = new Float64Array(initialRows);
  inputLine = new Int32Array(initialRows);
  report: BuildReport = { malformed: [], malformedCount: 0, notInInput: 0, inputWithoutRow: 0, duplicateIds: 0, unreadableInputLines: 0 };

  constructor(
    readonly resultsPath: string,
    readonly inputPath: string | undefined,
  ) {}

  /** The row's code text. */
  code(row: number): string {
    return this.codes[this.codeId[row]!]!;
  }

  /** Reads the row's whole result line and input request back from the files. */
  async detail(row: number): Promise<RowDetail> {
    if (!Number.isInteger(row) || row < 0 || row >= this.rowCount) {
      throw new RangeError(`no row ${row}`);
    }
    const customId = this.customId[row]!;
    const line = parseIfSameId(await readLineFrom(this.resultsPath, this.resultOffset[row]!, this.resultLength[row]!), customId);
    const result = line === undefined ? undefined : asJoinedLine(line as Record<string, unknown>);
    const joined = this.inputPath !== undefined && this.inputLine[row]! >= 0;
    const request = joined ? parseIfSameId(await readLineFrom(this.inputPath!, this.inputOffset[row]!, this.inputLength[row]!), customId) : undefined;
    return {
      index: row,
      customId,
      result,
      request,
      resultLine: this.resultLine[row]! + 1,
      inputLine: joined ? this.inputLine[row]! + 1 : undefined,
      changed: result === undefined || (joined && request === undefined),
    };
  }

  /** Makes room for one more row in every typed column (doubling them when full). */
  grow(): void {
    if (this.rowCount < this.status.length) {
      return;
    }
    const size = this.status.length * 2;
    const grown = <T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(array: T): T => {
      const next = new (array.constructor as new (length: number) => T)(size);
      next.set(array);
      return next;
    };
    this.status = grown(this.status);
    this.statusCode = grown(this.statusCode);
    this.codeId = grown(this.codeId);
    this.inputTokens = grown(this.inputTokens);
    this.outputTokens = grown(this.outputTokens);
    this.reasoningTokens = grown(this.reasoningTokens);
    this.cost = grown(this.cost);
    this.structured = grown(this.structured);
    this.resultOffset = grown(this.resultOffset);
    this.resultLength = grown(this.resultLength);
    this.resultLine = grown(this.resultLine);
    this.inputOffset = grown(this.inputOffset);
    this.inputLength = grown(this.inputLength);
    this.inputLine = grown(this.inputLine);
  }
}

/** The results path is a folder, a FIFO or a device (perhaps through a symbolic link): nothing to read rows from. */
export class NotAResultsFileError extends Error {
  constructor(readonly resultsPath: string) {
    super(`${resultsPath} is not a regular file`);
    this.name = 'NotAResultsFileError';
  }
}

/** A line's JSON value when it parses and holds `customId`: a line re-read by offset is still the row's line. */
export function parseIfSameId(text: string, customId: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    return isObject(value) && value.custom_id === customId ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Yields to the event loop every few milliseconds, stops when the signal aborts, and reports progress. */
class Pacer {
  private lastYield = performance.now();
  private lastProgress = -Infinity;
  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly progress: (() => void) | undefined,
    private readonly progressMs: number,
  ) {}

  async pause(): Promise<void> {
    const now = performance.now();
    if (now - this.lastYield < 8) {
      return;
    }
    if (this.progress !== undefined && now - this.lastProgress >= this.progressMs) {
      this.lastProgress = now;
      this.progress();
    }
    await yieldToEventLoop();
    this.signal?.throwIfAborted();
    this.lastYield = performance.now();
  }
}

/**
 * Builds the model of `resultsPath` (`NAME.results.jsonl`, as the join writes it), streaming it and the input
 * file once each. The join writes rows in input order, so the input is read in step with the results and the
 * first rows are complete at once (ids out of order are found further on, or in what was read before). Yields to
 * the event loop as it goes, calling `onProgress` with the growing model; throws the signal's reason on abort.
 */
export async function buildResultsModel(resultsPath: string, options: BuildOptions = {}): Promise<ResultsModel> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const model = new ResultsModel(resultsPath, options.inputPath);
  const stats = await stat(resultsPath);
  // A FIFO would block a thread of the host's file pool until something writes to it, a device never ends.
  if (!stats.isFile()) {
    throw new NotAResultsFileError(resultsPath);
  }
  model.totalBytes = stats.size;
  const searchChars = options.searchChars ?? defaultSearchChars;
  const resolver = options.resolver ?? new ModelResolver();
  const schemas: AnswerSchema[] = [];
  const fieldIndex = new Map<string, FieldColumn>();
  let extraFields = 0;
  const codeIndex = new Map<string, number>();
  const seen = new Set<string>();
  const report = { malformed: [] as MalformedLine[], malformedCount: 0, notInInput: 0, inputWithoutRow: 0, duplicateIds: 0, unreadableInputLines: 0 };
  const publish = () => {
    model.fields = orderFields(schemas, fieldIndex, model.rowCount);
    model.report = { ...report, malformed: [...report.malformed] };
  };
  const onProgress = options.onProgress;
  const pacer = new Pacer(signal, onProgress && (() => (publish(), onProgress(model))), options.progressMs ?? 200);
  const inputs = options.inputPath === undefined ? undefined : new InputReader(options.inputPath, schemas, searchChars);
  const bad = (line: number, reason: string) => {
    report.malformedCount++;
    if (report.malformed.length < maxReported) {
      report.malformed.push({ line: line + 1, reason });
    }
  };

  try {
    for await (const line of readLocatedLines(resultsPath, { reportOversized: true })) {
      await pacer.pause();
      model.bytesRead = line.offset + line.length;
      if (line.oversized) {
        bad(line.line, `the line is ${line.length.toLocaleString('en-US')} bytes long, too long to read`);
        continue;
      }
      if (line.text.trim().length === 0) {
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch (error) {
        bad(line.line, notJsonReason(error));
        continue;
      }
      if (!isObject(value) || typeof value.custom_id !== 'string' || value.custom_id.length === 0) {
        bad(line.line, isObject(value) ? 'no custom_id' : 'not a JSON object');
        continue;
      }
      const id = value.custom_id;
      if (seen.has(id)) {
        report.duplicateIds++;
      } else {
        seen.add(id);
      }
      // Already indexed (a duplicate, or read ahead): no await.
      const input = inputs === undefined ? undefined : (inputs.entries.get(id) ?? (await inputs.find(id, pacer)));
      if (inputs !== undefined && input === undefined) {
        report.notInInput++;
      }
      if (input) {
        input.joined = true;
      }
      const row = model.rowCount;
      model.grow();
      // A joined line, or a raw line of an output or error file (one downloaded from the portal).
      const lineOutcome = rowOutcome(value);
      const outcome = statuses.indexOf(lineOutcome.status);
      const code = lineOutcome.statusCode ?? -1;
      const error = lineOutcome.error;
      const codeText = outcome === 2 ? '' : outcome === 1 ? failureCode(lineOutcome.statusCode, textOf(error?.code)) : code >= 0 ? String(code) : '';
      let codeId = codeIndex.get(codeText);
      if (codeId === undefined) {
        codeId = model.codes.length;
        model.codes.push(codeText);
        codeIndex.set(codeText, codeId);
      }
      const facts = responseFacts(outcome === 0 ? lineOutcome.body : undefined);
      const prompt = input?.prompt ?? '';
      model.customId.push(id);
      model.status[row] = outcome;
      model.statusCode[row] = code;
      model.codeId[row] = codeId;
      model.prompt.push(cut(prompt, gridChars));
      model.answer.push(cut(facts.answer, gridChars));
      const message = outcome === 1 ? textOf(error?.message) : undefined;
      model.errorMessage.push(message === undefined ? undefined : cut(message, gridChars));
      model.search.add(`${id}\n${prompt}\n${cut(facts.answer, searchChars)}`);
      model.inputTokens[row] = facts.inputTokens ?? NaN;
      model.outputTokens[row] = facts.outputTokens ?? NaN;
      model.reasoningTokens[row] = facts.reasoningTokens ?? NaN;
      model.cost[row] = costOf(resolver, facts.model, input?.deployment, facts.inputTokens, facts.outputTokens);
      const schema = input !== undefined && input.schema >= 0 && outcome === 0 ? schemas[input.schema]! : undefined;
      if (schema === undefined) {
        model.structured[row] = 0;
        model.structuredReason.push(undefined);
      } else {
        const check = checkStructuredAnswer(facts.answer, schema);
        model.structured[row] = structuredStates.indexOf(check.state);
        model.structuredReason.push(check.reason);
        for (const [name, field] of Object.entries(check.fields ?? {})) {
          let column = fieldIndex.get(name);
          if (column === undefined) {
            if (fieldIndex.size >= maxFieldColumns) {
              continue;
            }
            const named = schema.properties.includes(name);
            if (!named && extraFields >= maxExtraFields) {
              continue;
            }
            extraFields += named ? 0 : 1;
            column = { name, values: [] };
            fieldIndex.set(name, column);
          }
          column.values[row] = fieldValue(field);
        }
      }
      model.resultOffset[row] = line.offset;
      model.resultLength[row] = line.length;
      model.resultLine[row] = line.line;
      model.inputOffset[row] = input?.offset ?? -1;
      model.inputLength[row] = input?.length ?? 0;
      model.inputLine[row] = input?.line ?? -1;
      model.rowCount++;
    }
    if (inputs !== undefined) {
      // The rest of the input: requests that have no row, and unreadable lines, are counted.
      await inputs.drain(pacer);
      for (const entry of inputs.entries.values()) {
        report.inputWithoutRow += entry.joined ? 0 : 1;
      }
      report.unreadableInputLines = inputs.unreadable;
    }
  } finally {
    await inputs?.close();
  }
  publish();
  model.complete = true;
  return model;
}

/**
 * Reads the input file as far as the results need it: what rows take from each request, by custom_id (the first
 * request with an id wins). Results in input order find their request in the next line or two.
 */
class InputReader {
  readonly entries = new Map<string, InputEntry>();
  unreadable = 0;
  private readonly lines: AsyncGenerator<LocatedLine>;
  private readonly schemaIndex = new Map<string, number>();
  private done = false;

  constructor(
    path: string,
    private readonly schemas: AnswerSchema[],
    private readonly searchChars: number,
  ) {
    this.lines = readLocatedLines(path, { reportOversized: true });
  }

  async find(id: string, pacer: Pacer): Promise<InputEntry | undefined> {
    let entry = this.entries.get(id);
    while (entry === undefined && !this.done) {
      const next = await this.lines.next();
      if (next.done) {
        this.done = true;
        break;
      }
      if (this.add(next.value) === id) {
        entry = this.entries.get(id);
      }
      await pacer.pause();
    }
    return entry;
  }

  async drain(pacer: Pacer): Promise<void> {
    while (!this.done) {
      const next = await this.lines.next();
      if (next.done) {
        this.done = true;
      } else {
        this.add(next.value);
        await pacer.pause();
      }
    }
  }

  async close(): Promise<void> {
    await this.lines.return(undefined);
  }

  /** Indexes one input line; returns its custom_id when it is a new, readable request. */
  private add(line: LocatedLine): string | undefined {
    if (line.oversized || line.text.trim().length === 0) {
      this.unreadable += line.oversized ? 1 : 0;
      return undefined;
    }
    let request: unknown;
    try {
      request = JSON.parse(line.text);
    } catch {
      this.unreadable++;
      return undefined;
    }
    const id = isObject(request) ? request.custom_id : undefined;
    if (typeof id !== 'string' || id.length === 0) {
      this.unreadable++;
      return undefined;
    }
    if (this.entries.has(id)) {
      return undefined;
    }
    const facts = requestFacts(request);
    this.entries.set(id, { line: line.line, offset: line.offset, length: line.length, prompt: cut(facts.prompt, this.searchChars), deployment: facts.deployment, schema: this.schemaOf(request), joined: false });
    return id;
  }

  private schemaOf(request: unknown): number {
    const schema = answerSchemaOf(requestBody(request));
    if (schema === undefined) {
      return -1;
    }
    const key = JSON.stringify([schema.properties, schema.required]);
    let index = this.schemaIndex.get(key);
    if (index === undefined) {
      index = this.schemas.length;
      this.schemas.push(schema);
      this.schemaIndex.set(key, index);
    }
    return index;
  }
}

/** The cost of a row by the model that answered, else the deployment's; NaN when neither has a known price. */
function costOf(resolver: ModelResolver, model: string | undefined, deployment: string | undefined, inputTokens: number | undefined, outputTokens: number | undefined): number {
  if (inputTokens === undefined && outputTokens === undefined) {
    return NaN;
  }
  for (const name of [model, deployment]) {
    if (name !== undefined) {
      const resolved = resolver.resolve(name);
      if (resolved.source !== 'default') {
        return costUsd(inputTokens ?? 0, outputTokens ?? 0, resolved.price);
      }
    }
  }
  return NaN;
}

/**
 * A line as a line of `NAME.results.jsonl`: a raw output or error line gets the status and status code its
 * response says (its `response` stays as it is: the detail pane shows its body and the whole of it).
 */
function asJoinedLine(line: Record<string, unknown>): JoinedLine {
  const outcome = rowOutcome(line);
  return { ...(line as unknown as JoinedLine), status: outcome.status, status_code: outcome.statusCode ?? null, error: (outcome.error as JoinedLine['error']) ?? null };
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Text cut to `limit` characters (an ellipsis marks the cut), never splitting a surrogate pair. */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) {
    return text;
  }
  let end = limit - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    end--;
  }
  return detached(`${text.slice(0, end)}…`);
}

/**
 * A copy of `text` that does not point into a larger string: V8 makes a slice of a long string a view of it, which
 * would keep a 50 MB answer alive for its 500 grid characters. Flattening the concatenation copies the characters.
 */
function detached(text: string): string {
  const copy = `${text} `;
  // Reading a character flattens the concatenation into a new string of its own.
  copy.charCodeAt(0);
  return copy.slice(0, -1);
}

function fieldValue(value: unknown): FieldValue {
  if (typeof value === 'string') {
    return cut(value, gridChars);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return value;
  }
  try {
    return cut(JSON.stringify(value) ?? '', gridChars);
  } catch {
    return '[nested too deeply to show]';
  }
}

/** Field columns: every schema's properties in schema order, then other fields in the order they were met. */
function orderFields(schemas: readonly AnswerSchema[], found: Map<string, FieldColumn>, rows: number): FieldColumn[] {
  const ordered: FieldColumn[] = [];
  const placed = new Set<string>();
  for (const name of schemas.flatMap((schema) => schema.properties)) {
    if (!placed.has(name)) {
      placed.add(name);
      ordered.push(found.get(name) ?? { name, values: [] });
    }
  }
  for (const [name, column] of found) {
    if (!placed.has(name)) {
      placed.add(name);
      ordered.push(column);
    }
  }
  // A schema of thousands of properties still makes a grid one can scroll.
  ordered.length = Math.min(ordered.length, maxFieldColumns);
  for (const column of ordered) {
    // Sparse arrays as long as the rows, so every index reads as a value or undefined.
    column.values.length = rows;
  }
  return ordered;
}
