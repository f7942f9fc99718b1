import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { readLineFrom, readLocatedLines } from '../io/lineReader';
import { costUsd, ModelResolver } from '../tokens/models';
import type { JoinedLine, RequestOutcome } from './join';
import { isObject, requestBody, requestFacts, responseFacts } from './resultRow';
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
 * arrays (numbers) and short strings (grid text, lowercase search text), so that 100,000 rows filter and sort in
 * milliseconds. Whole requests and responses are not held: {@link detail} reads them back by byte offset.
 * Built by {@link buildResultsModel}; read by the view, page and export functions.
 */
export class ResultsModel {
  readonly customId: string[] = [];
  /** Index in {@link statuses}. */
  status!: Uint8Array;
  /** The HTTP status code, -1 for none. */
  statusCode!: Int32Array;
  /** Index in {@link codes} of the row's code: the error code of a failure, else the status code, '' for missing. */
  codeId!: Uint32Array;
  readonly codes: string[] = [];
  /** Grid text (at most {@link gridChars}). */
  readonly prompt: string[] = [];
  readonly answer: string[] = [];
  /** The error message of a failed row (grid text), else undefined. */
  readonly errorMessage: (string | undefined)[] = [];
  /** custom_id, prompt and answer in lowercase, for search. */
  readonly searchText: string[] = [];
  /** NaN where unknown. */
  inputTokens!: Float64Array;
  outputTokens!: Float64Array;
  reasoningTokens!: Float64Array;
  /** USD, NaN where the model has no known price or the row has no usage. */
  cost!: Float64Array;
  /** Index in {@link structuredStates}. */
  structured!: Uint8Array;
  readonly structuredReason: (string | undefined)[] = [];
  /** Structured answers' top-level fields, schema properties first. */
  fields: FieldColumn[] = [];
  /** Where each row is: its line in the results file and, when joined, in the input file (-1 when not). */
  resultOffset!: Float64Array;
  resultLength!: Float64Array;
  resultLine!: Uint32Array;
  inputOffset!: Float64Array;
  inputLength!: Float64Array;
  inputLine!: Int32Array;
  report!: BuildReport;

  constructor(
    readonly resultsPath: string,
    readonly inputPath: string | undefined,
  ) {}

  get rowCount(): number {
    return this.customId.length;
  }

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
    const result = parseIfSameId(await readLineFrom(this.resultsPath, this.resultOffset[row]!, this.resultLength[row]!), customId) as JoinedLine | undefined;
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

/** Yields to the event loop every few milliseconds, and stops when the signal aborts. */
class Pacer {
  private last = performance.now();
  constructor(private readonly signal: AbortSignal | undefined) {}

  async pause(): Promise<void> {
    if (performance.now() - this.last < 8) {
      return;
    }
    await yieldToEventLoop();
    this.signal?.throwIfAborted();
    this.last = performance.now();
  }
}

/**
 * Builds the model of `resultsPath` (`NAME.results.jsonl`, as the join writes it), streaming it and the input
 * file once each. Yields to the event loop as it goes; throws the signal's reason when it aborts.
 */
export async function buildResultsModel(resultsPath: string, options: BuildOptions = {}): Promise<ResultsModel> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const pacer = new Pacer(signal);
  const searchChars = options.searchChars ?? defaultSearchChars;
  const resolver = options.resolver ?? new ModelResolver();
  const model = new ResultsModel(resultsPath, options.inputPath);
  const schemas: AnswerSchema[] = [];
  const inputs = options.inputPath === undefined ? undefined : await readInputs(options.inputPath, schemas, searchChars, pacer);

  const statusCodes: number[] = [];
  const codeIds: number[] = [];
  const status: number[] = [];
  const numbers = { inputTokens: [] as number[], outputTokens: [] as number[], reasoningTokens: [] as number[], cost: [] as number[] };
  const structured: number[] = [];
  const location = { resultOffset: [] as number[], resultLength: [] as number[], resultLine: [] as number[], inputOffset: [] as number[], inputLength: [] as number[], inputLine: [] as number[] };
  const codeIndex = new Map<string, number>();
  const fieldIndex = new Map<string, FieldColumn>();
  const seen = new Set<string>();
  const malformed: MalformedLine[] = [];
  let malformedCount = 0;
  let notInInput = 0;
  let duplicateIds = 0;
  const bad = (line: number, reason: string) => {
    malformedCount++;
    if (malformed.length < maxReported) {
      malformed.push({ line: line + 1, reason });
    }
  };

  for await (const line of readLocatedLines(resultsPath, { reportOversized: true })) {
    await pacer.pause();
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
      bad(line.line, `not JSON (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    if (!isObject(value) || typeof value.custom_id !== 'string' || value.custom_id.length === 0) {
      bad(line.line, isObject(value) ? 'no custom_id' : 'not a JSON object');
      continue;
    }
    const id = value.custom_id;
    const row = model.customId.length;
    if (seen.has(id)) {
      duplicateIds++;
    } else {
      seen.add(id);
    }
    const code = typeof value.status_code === 'number' && Number.isInteger(value.status_code) ? value.status_code : -1;
    const outcome = outcomeOf(value.status, code);
    const error = isObject(value.error) ? value.error : isObject(value.response) && isObject(value.response.error) ? value.response.error : undefined;
    const codeText = outcome === 2 ? '' : outcome === 1 ? (textOf(error?.code) ?? (code >= 0 ? String(code) : 'unknown')) : code >= 0 ? String(code) : '';
    let codeId = codeIndex.get(codeText);
    if (codeId === undefined) {
      codeId = model.codes.length;
      model.codes.push(codeText);
      codeIndex.set(codeText, codeId);
    }
    const input = inputs?.get(id);
    if (inputs !== undefined && input === undefined) {
      notInInput++;
    }
    if (input) {
      input.joined = true;
    }
    const facts = responseFacts(outcome === 0 ? value.response : undefined);
    const prompt = input?.prompt ?? '';
    model.customId.push(id);
    status.push(outcome);
    statusCodes.push(code);
    codeIds.push(codeId);
    model.prompt.push(cut(prompt, gridChars));
    model.answer.push(cut(facts.answer, gridChars));
    const message = outcome === 1 ? textOf(error?.message) : undefined;
    model.errorMessage.push(message === undefined ? undefined : cut(message, gridChars));
    model.searchText.push(`${id}\n${prompt}\n${cut(facts.answer, searchChars)}`.toLowerCase());
    numbers.inputTokens.push(facts.inputTokens ?? NaN);
    numbers.outputTokens.push(facts.outputTokens ?? NaN);
    numbers.reasoningTokens.push(facts.reasoningTokens ?? NaN);
    numbers.cost.push(costOf(resolver, facts.model, input?.deployment, facts.inputTokens, facts.outputTokens));
    const schema = input !== undefined && input.schema >= 0 && outcome === 0 ? schemas[input.schema]! : undefined;
    if (schema === undefined) {
      structured.push(0);
      model.structuredReason.push(undefined);
    } else {
      const check = checkStructuredAnswer(facts.answer, schema);
      structured.push(structuredStates.indexOf(check.state));
      model.structuredReason.push(check.reason);
      for (const [name, field] of Object.entries(check.fields ?? {})) {
        let column = fieldIndex.get(name);
        if (column === undefined) {
          column = { name, values: [] };
          fieldIndex.set(name, column);
        }
        column.values[row] = fieldValue(field);
      }
    }
    location.resultOffset.push(line.offset);
    location.resultLength.push(line.length);
    location.resultLine.push(line.line);
    location.inputOffset.push(input?.offset ?? -1);
    location.inputLength.push(input?.length ?? 0);
    location.inputLine.push(input?.line ?? -1);
  }

  model.status = Uint8Array.from(status);
  model.statusCode = Int32Array.from(statusCodes);
  model.codeId = Uint32Array.from(codeIds);
  model.inputTokens = Float64Array.from(numbers.inputTokens);
  model.outputTokens = Float64Array.from(numbers.outputTokens);
  model.reasoningTokens = Float64Array.from(numbers.reasoningTokens);
  model.cost = Float64Array.from(numbers.cost);
  model.structured = Uint8Array.from(structured);
  model.resultOffset = Float64Array.from(location.resultOffset);
  model.resultLength = Float64Array.from(location.resultLength);
  model.resultLine = Uint32Array.from(location.resultLine);
  model.inputOffset = Float64Array.from(location.inputOffset);
  model.inputLength = Float64Array.from(location.inputLength);
  model.inputLine = Int32Array.from(location.inputLine);
  model.fields = orderFields(schemas, fieldIndex, model.rowCount);
  let inputWithoutRow = 0;
  for (const entry of inputs?.entries.values() ?? []) {
    inputWithoutRow += entry.joined ? 0 : 1;
  }
  model.report = { malformed, malformedCount, notInInput, inputWithoutRow, duplicateIds, unreadableInputLines: inputs?.unreadable ?? 0 };
  return model;
}

interface Inputs {
  readonly entries: Map<string, InputEntry>;
  readonly unreadable: number;
  get(id: string): InputEntry | undefined;
}

/** What rows need of the input file, by custom_id: the first request with an id wins. */
async function readInputs(path: string, schemas: AnswerSchema[], searchChars: number, pacer: Pacer): Promise<Inputs> {
  const entries = new Map<string, InputEntry>();
  const schemaIndex = new Map<string, number>();
  let unreadable = 0;
  for await (const line of readLocatedLines(path, { reportOversized: true })) {
    await pacer.pause();
    if (line.oversized || line.text.trim().length === 0) {
      unreadable += line.oversized ? 1 : 0;
      continue;
    }
    let request: unknown;
    try {
      request = JSON.parse(line.text);
    } catch {
      unreadable++;
      continue;
    }
    const id = isObject(request) ? request.custom_id : undefined;
    if (typeof id !== 'string' || id.length === 0) {
      unreadable++;
      continue;
    }
    if (entries.has(id)) {
      continue;
    }
    const facts = requestFacts(request);
    const schema = answerSchemaOf(requestBody(request));
    let schemaId = -1;
    if (schema !== undefined) {
      const key = JSON.stringify([schema.properties, schema.required]);
      schemaId = schemaIndex.get(key) ?? -1;
      if (schemaId < 0) {
        schemaId = schemas.length;
        schemas.push(schema);
        schemaIndex.set(key, schemaId);
      }
    }
    entries.set(id, { line: line.line, offset: line.offset, length: line.length, prompt: cut(facts.prompt, searchChars), deployment: facts.deployment, schema: schemaId, joined: false });
  }
  return { entries, unreadable, get: (id) => entries.get(id) };
}

/** 0 succeeded, 1 failed, 2 missing: the line's status, or what its status code says when that is unknown. */
function outcomeOf(status: unknown, code: number): number {
  const known = statuses.indexOf(status as RequestOutcome);
  if (known >= 0) {
    return known;
  }
  return code < 0 ? 2 : code >= 200 && code < 300 ? 0 : 1;
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
  return `${text.slice(0, end)}…`;
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
  for (const column of ordered) {
    // Sparse arrays as long as the rows, so every index reads as a value or undefined.
    column.values.length = rows;
  }
  return ordered;
}
