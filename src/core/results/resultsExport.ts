import { closeSync, openSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { writeFileAtomically, type WriteOptions } from '../atomicFile';
import { readLineAt } from '../io/lineReader';
import { requestBody, requestFacts, responseFacts, rowOutcome } from './resultRow';
import { parseIfSameId, statuses, structuredStates, type ResultsModel } from './resultsModel';
import type { ResultsView } from './resultsView';
import { answerSchemaOf, checkStructuredAnswer } from './structuredOutput';

export interface ExportOptions extends WriteOptions {
  readonly signal?: AbortSignal;
}

/** Characters that make a spreadsheet read a cell as a formula (or hide it): such cells get a leading `'`. */
const formulaStart = /^[=+\-@\t\r]/;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled. Text that
 * a spreadsheet would run as a formula is neutralized with a leading `'`; numbers are written as they are.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value !== 'string') {
    return String(value);
  }
  const text = formulaStart.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Writes the view's rows as CSV (UTF-8 with a byte order mark, which spreadsheets need to read it as UTF-8; CRLF
 * line ends), atomically. Prompts, answers and structured fields are written whole, read back from the files.
 * Returns how many rows were written.
 */
export async function exportCsv(model: ResultsModel, view: ResultsView, destination: string, options: ExportOptions = {}): Promise<number> {
  const fieldNames = model.fields.map((field) => field.name);
  const header = ['custom_id', 'status', 'code', 'error', 'prompt', 'answer', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'cost_usd', 'structured', 'structured_reason', ...fieldNames];
  return withReaders(model, (reader) =>
    writeFileAtomically(
      destination,
      async (write) => {
        await write('\ufeff' + header.map(csvCell).join(',') + '\r\n');
        return eachRow(view, options.signal, async (row) => {
          const full = reader.read(row);
          const cells = [
            model.customId[row],
            statuses[model.status[row]!],
            model.code(row),
            full.error ?? model.errorMessage[row],
            full.prompt,
            full.answer,
            numberCell(model.inputTokens[row]!),
            numberCell(model.outputTokens[row]!),
            numberCell(model.reasoningTokens[row]!),
            numberCell(model.cost[row]!),
            structuredStates[model.structured[row]!],
            model.structuredReason[row],
            ...fieldNames.map((name) => fieldCell(full.fields !== undefined && Object.hasOwn(full.fields, name) ? full.fields[name] : undefined)),
          ];
          await write(cells.map(csvCell).join(',') + '\r\n');
        });
      },
      options,
    ),
  );
}

/** Writes the view's rows as JSONL: each row's line of `NAME.results.jsonl`, unchanged, in view order, atomically. */
export async function exportJsonl(model: ResultsModel, view: ResultsView, destination: string, options: ExportOptions = {}): Promise<number> {
  return withReaders(model, (reader) =>
    writeFileAtomically(
      destination,
      async (write) =>
        eachRow(view, options.signal, async (row) => {
          await write(reader.resultText(row) + '\n');
        }),
      options,
    ),
  );
}

async function eachRow(view: ResultsView, signal: AbortSignal | undefined, each: (row: number) => Promise<void>): Promise<number> {
  signal?.throwIfAborted();
  let written = 0;
  for (const row of view.rows) {
    if (++written % 500 === 0) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
    await each(row);
  }
  return written;
}

function numberCell(value: number): number | undefined {
  return Number.isNaN(value) ? undefined : value;
}

function fieldCell(value: unknown): string | number | boolean | null | undefined {
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  try {
    return JSON.stringify(value);
  } catch {
    return '[nested too deeply to write]';
  }
}

/** The results file changed since its model was built: an export would mix rows, so it stops. */
export class ResultsChangedError extends Error {
  constructor(readonly resultsPath: string) {
    super('The results file changed since it was read; the export stopped. Open the results again and export then.');
    this.name = 'ResultsChangedError';
  }
}

interface FullRow {
  readonly prompt: string;
  readonly answer: string;
  readonly error: string | undefined;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

/** Reads rows' lines back from the open results and input files, whole. */
class RowReader {
  constructor(
    private readonly model: ResultsModel,
    private readonly results: number,
    private readonly input: number | undefined,
  ) {}

  resultText(row: number): string {
    return this.result(row).text;
  }

  /** The row's line, read back by offset; throws when the file changed and the line is no longer the row's. */
  private result(row: number): { text: string; value: Record<string, unknown> } {
    const text = readLineAt(this.results, this.model.resultOffset[row]!, this.model.resultLength[row]!);
    const value = parseIfSameId(text, this.model.customId[row]!) as Record<string, unknown> | undefined;
    if (value === undefined) {
      throw new ResultsChangedError(this.model.resultsPath);
    }
    return { text, value };
  }

  read(row: number): FullRow {
    const id = this.model.customId[row]!;
    const result = this.result(row).value;
    const request = this.input !== undefined && this.model.inputLine[row]! >= 0 ? parseIfSameId(readLineAt(this.input, this.model.inputOffset[row]!, this.model.inputLength[row]!), id) : undefined;
    // A joined line or a raw output line: the same outcome the model gave the row.
    const outcome = rowOutcome(result);
    const answer = outcome.status === 'succeeded' ? responseFacts(outcome.body).answer : '';
    const schema = answerSchemaOf(requestBody(request));
    const error = typeof outcome.error?.message === 'string' ? outcome.error.message : undefined;
    return { prompt: requestFacts(request).prompt, answer, error, fields: schema && answer ? checkStructuredAnswer(answer, schema).fields : undefined };
  }
}

async function withReaders<T>(model: ResultsModel, use: (reader: RowReader) => Promise<T>): Promise<T> {
  const results = openSync(model.resultsPath, 'r');
  let input: number | undefined;
  try {
    input = model.inputPath === undefined ? undefined : openSync(model.inputPath, 'r');
    return await use(new RowReader(model, results, input));
  } finally {
    closeSync(results);
    if (input !== undefined) {
      closeSync(input);
    }
  }
}
