/**
 * The token estimator benchmark: tokens per second of the estimator on a realistic ~100,000-row batch file,
 * against the tokenizer's own raw speed on the same texts.
 *
 * - estimator, from disk: `estimateFile()` as the CLI's `estimate` runs it (stream, split, JSON.parse, resolve the
 *   deployment, count every message with its framing, sum per deployment);
 * - estimator, in memory: `DocumentEstimator.flush()` over the lines as the editor holds them (no I/O);
 * - raw tokenizer: gpt-tokenizer's `encode(text).length` on exactly the message contents of the file, extracted
 *   beforehand (no JSON, no framing, no bookkeeping), and its `countTokens(text)` for reference.
 * The ratio is the estimator's tokens/s over the raw `encode` tokens/s. Timings are medians of `runs` runs after
 * one warm-up (which also loads the encoding).
 *
 * Then the worst cases for the tokenizer, each against prose of the same bytes (`benchWorstCases`): one request row
 * whose content is a 300 KB run of one character, a 300 KB run of random letters (no piece repeats, so no cache
 * helps), 300 KB of random base64 as text, and a 3 MB base64 image data URL; the time is `estimateLine()` on the
 * row (JSON.parse included), the ratio is that time over the prose row's.
 *
 * Standalone: `node out/bench/tokens.js [FILE] [--runs N]` (default: bench/.data/chat-100k.jsonl, generated if
 * missing). From the runner: `benchTokens(path, runs)` and `tokenBenchRows(label, result)`, `benchWorstCases(path,
 * runs)` and `worstCaseRows(results)`.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DocumentEstimator } from '../src/core/tokens/documentEstimator';
import { estimateLine, type RequestEstimate } from '../src/core/tokens/estimate';
import { estimateFile } from '../src/core/tokens/fileEstimate';
import { ModelResolver } from '../src/core/tokens/models';
import { countText, encodeText } from '../src/core/tokens/tokenizer';

// gpt-tokenizer's own count, for reference (the estimator counts with src/core/tokens/bpe.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gptTokenizer = require('gpt-tokenizer/encoding/o200k_base') as { countTokens(text: string, options: { disallowedSpecial: Set<string> }): number };
const asText = { disallowedSpecial: new Set<string>() };
import { ensureDataFile, type DataSpec } from './generate';
import { collectGarbage, mbPerSecond, samples, type Samples } from './measure';

export interface TokenBenchResult {
  readonly path: string;
  readonly bytes: number;
  readonly requests: number;
  /** Input tokens the estimator reports (message contents plus framing). */
  readonly estimatedTokens: number;
  /** Tokens of the message contents alone, as the raw tokenizer counts them. */
  readonly rawTokens: number;
  readonly texts: number;
  readonly estimatorFile: Samples;
  readonly estimatorMemory: Samples;
  readonly rawEncode: Samples;
  readonly rawCount: Samples;
}

/** Tokens per second. */
export function tokensPerSecond(tokens: number, ms: number): number {
  return tokens / (ms / 1000);
}

/** The `content` strings of every message (and string parts), in file order: what the raw tokenizer encodes. */
function messageTexts(lines: readonly string[]): string[] {
  const texts: string[] = [];
  for (const line of lines) {
    if (line.length === 0) {
      continue;
    }
    let row: { body?: { messages?: { content?: unknown }[] } };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      continue;
    }
    for (const message of row.body?.messages ?? []) {
      if (typeof message.content === 'string') {
        texts.push(message.content);
      } else if (Array.isArray(message.content)) {
        for (const part of message.content as { text?: unknown }[]) {
          if (typeof part?.text === 'string') {
            texts.push(part.text);
          }
        }
      }
    }
  }
  return texts;
}

function time(fn: () => void): number {
  collectGarbage();
  const started = performance.now();
  fn();
  return performance.now() - started;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  collectGarbage();
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function benchTokens(path: string, runs = 3, log: (text: string) => void = () => {}): Promise<TokenBenchResult> {
  const resolver = new ModelResolver();
  const text = readFileSync(path, 'utf8');
  const bytes = Buffer.byteLength(text, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  const texts = messageTexts(lines);

  // Warm-up: loads the encoding, fills the caches, JITs every path.
  const warm = await estimateFile(path, resolver);
  let rawTokens = 0;
  for (const t of texts) {
    rawTokens += encodeText(t).length;
  }
  let counted = 0;
  let referenceCounted = 0;
  for (const t of texts) {
    counted += countText(t);
    referenceCounted += gptTokenizer.countTokens(t, asText);
  }
  if (counted !== rawTokens || referenceCounted !== rawTokens) {
    throw new Error(`the counts disagree: countText ${counted}, gpt-tokenizer countTokens ${referenceCounted}, encode ${rawTokens}`);
  }

  const fileMs: number[] = [];
  const memoryMs: number[] = [];
  const encodeMs: number[] = [];
  const countMs: number[] = [];
  const measurements: Record<'file' | 'memory' | 'encode' | 'count', () => Promise<number>> = {
    file: () => timeAsync(() => estimateFile(path, resolver)),
    memory: async () =>
      time(() => {
        const estimator = new DocumentEstimator(resolver);
        estimator.reset(lines.length);
        estimator.flush((line) => lines[line]!);
        if (estimator.summary().inputTokens !== warm.inputTokens) {
          throw new Error('the in-memory estimate differs from the file estimate');
        }
      }),
    encode: async () =>
      time(() => {
        let total = 0;
        for (const t of texts) {
          total += encodeText(t).length;
        }
        if (total !== rawTokens) {
          throw new Error('raw encode total changed between runs');
        }
      }),
    count: async () =>
      time(() => {
        let total = 0;
        for (const t of texts) {
          total += gptTokenizer.countTokens(t, asText);
        }
        if (total !== rawTokens) {
          throw new Error('raw count total changed between runs');
        }
      }),
  };
  const results = { file: fileMs, memory: memoryMs, encode: encodeMs, count: countMs };
  for (let run = 0; run < runs; run++) {
    // Alternate the order, so drift on a busy machine hits every measurement alike.
    const order = (['file', 'memory', 'encode', 'count'] as const).slice();
    if (run % 2 === 1) {
      order.reverse();
    }
    for (const which of order) {
      results[which].push(await measurements[which]());
    }
    log(`  run ${run + 1}/${runs}: estimateFile ${fileMs[run]!.toFixed(0)} ms, in memory ${memoryMs[run]!.toFixed(0)} ms, raw encode ${encodeMs[run]!.toFixed(0)} ms, raw countTokens ${countMs[run]!.toFixed(0)} ms`);
  }
  return {
    path,
    bytes,
    requests: warm.requests,
    estimatedTokens: warm.inputTokens,
    rawTokens,
    texts: texts.length,
    estimatorFile: samples(fileMs),
    estimatorMemory: samples(memoryMs),
    rawEncode: samples(encodeMs),
    rawCount: samples(countMs),
  };
}

/** A row in the shape of bench/run.ts's table. */
export interface TokenBenchRow {
  readonly file: string;
  readonly measurement: string;
  readonly time: string;
  readonly spread: string;
  readonly throughput: string;
  readonly ratio: string;
  readonly target: string;
  readonly status: '';
  readonly note?: string;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function spread(s: Samples): string {
  return s.runs.length > 1 ? `${ms(s.min)}–${ms(s.max)}` : '';
}

function rate(tokens: number, s: Samples): string {
  return `${(tokensPerSecond(tokens, s.median) / 1e6).toFixed(2)}M tokens/s`;
}

/**
 * The rows to print. Throughput is MB/s of the file (of the message texts for the raw tokenizer); "vs floor" is
 * tokens/s relative to the raw `encode`.
 */
export function tokenBenchRows(label: string, r: TokenBenchResult): TokenBenchRow[] {
  const textBytes = r.bytes; // the raw rows are measured against the file too, to keep the column comparable
  const rawRate = tokensPerSecond(r.rawTokens, r.rawEncode.median);
  const ratio = (tokens: number, s: Samples) => `${(tokensPerSecond(tokens, s.median) / rawRate).toFixed(2)}x`;
  return [
    {
      file: label,
      measurement: 'tokens: raw gpt-tokenizer encode() on the message texts',
      time: ms(r.rawEncode.median),
      spread: spread(r.rawEncode),
      throughput: mbPerSecond(textBytes, r.rawEncode.median).toFixed(0),
      ratio: '1.00x',
      target: '',
      status: '',
      note: `${rate(r.rawTokens, r.rawEncode)}; ${r.rawTokens.toLocaleString('en-US')} tokens in ${r.texts.toLocaleString('en-US')} texts`,
    },
    {
      file: label,
      measurement: '   raw gpt-tokenizer countTokens() (reference)',
      time: ms(r.rawCount.median),
      spread: spread(r.rawCount),
      throughput: mbPerSecond(textBytes, r.rawCount.median).toFixed(0),
      ratio: ratio(r.rawTokens, r.rawCount),
      target: '',
      status: '',
      note: rate(r.rawTokens, r.rawCount),
    },
    {
      file: label,
      measurement: '7. estimateFile() (the CLI estimate)',
      time: ms(r.estimatorFile.median),
      spread: spread(r.estimatorFile),
      throughput: mbPerSecond(r.bytes, r.estimatorFile.median).toFixed(0),
      ratio: ratio(r.estimatedTokens, r.estimatorFile),
      target: '',
      status: '',
      note: `${rate(r.estimatedTokens, r.estimatorFile)}; ${r.estimatedTokens.toLocaleString('en-US')} input tokens (framing included) in ${r.requests.toLocaleString('en-US')} requests`,
    },
    {
      file: label,
      measurement: '7. DocumentEstimator.flush() in memory (the editor)',
      time: ms(r.estimatorMemory.median),
      spread: spread(r.estimatorMemory),
      throughput: mbPerSecond(r.bytes, r.estimatorMemory.median).toFixed(0),
      ratio: ratio(r.estimatedTokens, r.estimatorMemory),
      target: '',
      status: '',
      note: rate(r.estimatedTokens, r.estimatorMemory),
    },
  ];
}

// --- worst cases against prose ---------------------------------------------------------------------------

export interface WorstCaseResult {
  readonly label: string;
  /** UTF-8 bytes of one row (the prose row has the same, to within a few bytes). */
  readonly bytes: number;
  readonly tokens: number;
  readonly proseTokens: number;
  readonly worst: Samples;
  readonly prose: Samples;
}

/** Message texts from the start of a data file, joined: real prose in the file's languages. */
function prosePool(path: string, minChars: number): string {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(Math.min(64 * 1024 * 1024, 4 * minChars + 1024 * 1024));
  const read = readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  const lines = buffer.subarray(0, read).toString('utf8').split('\n');
  lines.pop(); // maybe cut short
  const texts = messageTexts(lines);
  let pool = texts.join(' ');
  while (pool.length < minChars) {
    pool += ` ${pool}`;
  }
  return pool;
}

/** `bytes` bytes of deterministic random data as base64. */
function randomBase64(bytes: number, seed: number): string {
  const buffer = Buffer.alloc(bytes);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    buffer[i] = state >>> 24;
  }
  return buffer.toString('base64');
}

function randomLetters(length: number, seed: number): string {
  let state = seed >>> 0 || 1;
  const codes = new Array<number>(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    codes[i] = 0x61 + (state >>> 16) % 26;
  }
  let text = '';
  for (let i = 0; i < length; i += 8192) {
    text += String.fromCharCode(...codes.slice(i, i + 8192));
  }
  return text;
}

/** A PNG data URL of a 1920 x 1080 image with `bytes` bytes of (random) image data after the header. */
function pngDataUrl(bytes: number, seed: number): string {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(1920, 16);
  header.writeUInt32BE(1080, 20);
  header[24] = 8;
  header[25] = 6;
  return `data:image/png;base64,${header.toString('base64')}${randomBase64(bytes - (bytes % 3), seed)}`;
}

function chatRow(content: unknown): string {
  return JSON.stringify({ custom_id: 'worst-case', method: 'POST', url: '/chat/completions', body: { model: 'gpt-4o-batch', messages: [{ role: 'user', content }], max_tokens: 100 } });
}

interface WorstCase {
  readonly label: string;
  /** The row for one run (a different seed per run where the content is random, so no cache carries over). */
  readonly row: (seed: number) => string;
}

const worstCases: readonly WorstCase[] = [
  { label: '300 KB run of one character', row: () => chatRow('a'.repeat(300_000)) },
  { label: '300 KB run of random letters', row: (seed) => chatRow(randomLetters(300_000, seed)) },
  { label: '300 KB of base64 text, no image part', row: (seed) => chatRow(randomBase64(225_000, seed)) },
  {
    label: '3 MB base64 image data URL',
    row: (seed) => chatRow([{ type: 'text', text: 'Describe the image.' }, { type: 'image_url', image_url: { url: pngDataUrl(2_250_000, seed), detail: 'high' } }]),
  },
];

/** A prose row of `bytes` UTF-8 bytes (to within a character), from `offset` in the pool. */
function proseRow(pool: string, bytes: number, offset: number): string {
  const skeleton = Buffer.byteLength(chatRow(''), 'utf8');
  let end = offset + Math.max(0, bytes - skeleton);
  let row = chatRow(pool.slice(offset, end));
  // JSON escapes and multi-byte characters make the row longer than its character count: trim to size.
  for (let excess = Buffer.byteLength(row, 'utf8') - bytes; excess > 0 && end > offset; excess = Buffer.byteLength(row, 'utf8') - bytes) {
    end -= Math.max(1, Math.floor(excess / 4));
    row = chatRow(pool.slice(offset, end));
  }
  return row;
}

/** Times `estimateLine()` on each worst case and on prose rows of the same bytes: medians of `runs` after a warm-up. */
export function benchWorstCases(dataPath: string, runs = 3, log: (text: string) => void = () => {}): WorstCaseResult[] {
  const resolver = new ModelResolver();
  const largest = Math.max(...worstCases.map((c) => Buffer.byteLength(c.row(1), 'utf8')));
  const pool = prosePool(dataPath, largest + (runs + 1) * 1000);
  const tokensOf = (row: string) => (estimateLine(row, resolver) as RequestEstimate).inputTokens;
  const results: WorstCaseResult[] = [];
  for (const worstCase of worstCases) {
    const rows = Array.from({ length: runs + 1 }, (_, run) => worstCase.row(run + 1));
    const bytes = Buffer.byteLength(rows[0]!, 'utf8');
    const proseRows = Array.from({ length: runs + 1 }, (_, run) => proseRow(pool, bytes, run * 1000));
    const tokens = tokensOf(rows[0]!); // the warm-up
    const proseTokens = tokensOf(proseRows[0]!);
    const worstMs: number[] = [];
    const proseMs: number[] = [];
    for (let run = 1; run <= runs; run++) {
      // Alternate the order, so drift on a busy machine hits both alike.
      const pair = run % 2 === 1 ? ([[rows, worstMs], [proseRows, proseMs]] as const) : ([[proseRows, proseMs], [rows, worstMs]] as const);
      for (const [inputs, times] of pair) {
        const row = inputs[run]!;
        times.push(time(() => estimateLine(row, resolver)));
      }
    }
    log(`  ${worstCase.label}: ${worstMs.map((t) => t.toFixed(0)).join('/')} ms, prose of the same bytes ${proseMs.map((t) => t.toFixed(0)).join('/')} ms`);
    results.push({ label: worstCase.label, bytes, tokens, proseTokens, worst: samples(worstMs), prose: samples(proseMs) });
  }
  return results;
}

/** The runner's rows: each worst case, and its ratio to prose of the same bytes. */
export function worstCaseRows(results: readonly WorstCaseResult[]): TokenBenchRow[] {
  const rows: TokenBenchRow[] = [];
  for (const r of results) {
    const label = `tokens, worst case`;
    rows.push({
      file: label,
      measurement: `8. estimateLine(): ${r.label}`,
      time: ms(r.worst.median),
      spread: spread(r.worst),
      throughput: mbPerSecond(r.bytes, r.worst.median).toFixed(0),
      ratio: `${(r.worst.median / r.prose.median).toFixed(2)}x`,
      target: '',
      status: '',
      note: `vs prose of the same ${(r.bytes / 1024).toFixed(0)} KB: ${ms(r.prose.median)}; ${r.tokens.toLocaleString('en-US')} tokens (prose ${r.proseTokens.toLocaleString('en-US')})`,
    });
  }
  return rows;
}

// The runner's 100k-row file (bench/run.ts `mediumFile`), so a cached copy is reused.
const chat100k: DataSpec = { name: 'chat-100k', rows: 100_000, seed: 100_001, medianRowBytes: 800 };

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let runs = 3;
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--runs' || arg.startsWith('--runs=')) {
      runs = Number(arg.includes('=') ? arg.slice('--runs='.length) : argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) {
        throw new Error('--runs takes a positive integer');
      }
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown argument ${arg}\nusage: node out/bench/tokens.js [FILE] [--runs N]`);
    } else {
      path = resolve(arg);
    }
  }
  const log = (text: string) => process.stderr.write(`${text}\n`);
  if (path === undefined) {
    const root = resolve(__dirname, '..', '..');
    path = ensureDataFile(join(root, 'bench', '.data'), chat100k, false, log).path;
  }
  log(`token estimator on ${path}, ${runs} run(s) after a warm-up`);
  const result = await benchTokens(path, runs, log);
  const rows = tokenBenchRows(`${result.requests.toLocaleString('en-US')} requests (${(result.bytes / (1024 * 1024)).toFixed(1)} MiB)`, result);
  const headers = ['measurement', 'time (median)', 'spread', 'MB/s', 'vs raw encode', 'note'];
  const cells = rows.map((r) => [r.measurement, r.time, r.spread, r.throughput, r.ratio, r.note ?? '']);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((cell, i) => (i >= 1 && i <= 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  process.stdout.write([`\n${rows[0]!.file}`, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n');
  const estimatorRate = tokensPerSecond(result.estimatedTokens, result.estimatorFile.median);
  const rawRate = tokensPerSecond(result.rawTokens, result.rawEncode.median);
  process.stdout.write(
    `\nestimator (file): ${(estimatorRate / 1e6).toFixed(2)}M tokens/s; raw encode: ${(rawRate / 1e6).toFixed(2)}M tokens/s; ratio ${(estimatorRate / rawRate).toFixed(2)}\n`,
  );
  log('\nworst cases for the tokenizer, against prose of the same bytes');
  const worst = worstCaseRows(benchWorstCases(path, runs, log));
  const worstHeaders = ['measurement', 'time (median)', 'spread', 'MB/s', 'vs prose', 'note'];
  const worstCells = worst.map((r) => [r.measurement, r.time, r.spread, r.throughput, r.ratio, r.note ?? '']);
  const worstWidths = worstHeaders.map((h, i) => Math.max(h.length, ...worstCells.map((c) => c[i]!.length)));
  const worstLine = (c: readonly string[]) => c.map((cell, i) => (i >= 1 && i <= 4 ? cell.padStart(worstWidths[i]!) : cell.padEnd(worstWidths[i]!))).join('  ').trimEnd();
  process.stdout.write(['\nworst cases', worstLine(worstHeaders), worstWidths.map((w) => '-'.repeat(w)).join('  '), ...worstCells.map(worstLine)].join('\n') + '\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  });
}
