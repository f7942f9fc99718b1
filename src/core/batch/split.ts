import { basename, join } from 'node:path';
import { AtomicFile } from '../atomicFile';
import { readLocatedLines } from '../io/lineReader';
import { throwIfAborted } from './retry';

/** What one part may hold at most. */
export interface PartLimits {
  readonly maxRequests: number;
  readonly maxBytes: number;
  /** Estimated tokens (input + output bound), e.g. the deployment's enqueued-token quota. */
  readonly maxTokens?: number;
}

/** Estimated tokens of one request line (input tokens plus the requested output bound). */
export type LineTokenEstimator = (line: string) => number;

export interface PartFile {
  /** 1-based. */
  readonly index: number;
  readonly path: string;
  readonly requests: number;
  readonly bytes: number;
  readonly tokens: number;
  /** 0-based line of the input where the part starts. */
  readonly firstLine: number;
  /** The deployment its requests name (`body.model` of its first request; a batch file names one), when it has one. */
  readonly deployment?: string;
}

/** `body.model` of a request line, or undefined when the line is not JSON or names none. */
function deploymentOf(line: string): string | undefined {
  try {
    const model = (JSON.parse(line) as { body?: { model?: unknown } } | null)?.body?.model;
    return typeof model === 'string' && model !== '' ? model : undefined;
  } catch {
    return undefined;
  }
}

/** A rough estimate for when no tokenizer is at hand: four bytes a token plus the output bound. */
export const roughTokenEstimate: LineTokenEstimator = (line) => {
  const bound = /"max(?:_completion|_output)?_tokens"\s*:\s*(\d+)/.exec(line);
  return Math.ceil(Buffer.byteLength(line) / 4) + (bound ? Number(bound[1]) : 0);
};

/** A whole file's rough enqueued-token estimate ({@link roughTokenEstimate} of each request line), streamed. */
export async function fileTokenEstimate(path: string): Promise<number> {
  let tokens = 0;
  for await (const { text } of readLocatedLines(path)) {
    tokens += text.trim() ? roughTokenEstimate(text) : 0;
  }
  return tokens;
}

/**
 * Splits a batch file on line boundaries into parts that each fit the limits, never splitting a
 * request; ids stay unique because every request goes to exactly one part. Streams the input and
 * writes `STEM.part-001.jsonl`, ... into `directory` (each part written atomically). Blank lines are
 * dropped. A single request larger than a limit gets a part of its own. An aborted `signal` stops it with
 * `OperationCancelledError`, leaving no partly written part behind.
 */
export async function splitFile(
  inputPath: string,
  directory: string,
  limits: PartLimits,
  estimate: LineTokenEstimator = roughTokenEstimate,
  options: { readonly signal?: AbortSignal } = {},
): Promise<PartFile[]> {
  const stem = basename(inputPath).replace(/\.jsonl$/i, '');
  const parts: PartFile[] = [];
  let current: { out: AtomicFile; path: string; requests: number; bytes: number; tokens: number; firstLine: number; deployment: string | undefined } | undefined;
  const close = async () => {
    if (!current) {
      return;
    }
    const part = current;
    current = undefined;
    await part.out.commit();
    parts.push({ index: parts.length + 1, path: part.path, requests: part.requests, bytes: part.bytes, tokens: part.tokens, firstLine: part.firstLine, ...(part.deployment === undefined ? {} : { deployment: part.deployment }) });
  };
  const opened: AtomicFile[] = [];
  try {
    for await (const { text, line } of readLocatedLines(inputPath)) {
      throwIfAborted(options.signal);
      if (text.trim().length === 0) {
        continue;
      }
      const bytes = Buffer.byteLength(text) + 1;
      const tokens = estimate(text);
      if (
        current &&
        (current.requests + 1 > limits.maxRequests ||
          current.bytes + bytes > limits.maxBytes ||
          (limits.maxTokens !== undefined && current.tokens + tokens > limits.maxTokens))
      ) {
        await close();
      }
      if (!current) {
        const index = parts.length + 1;
        const path = join(directory, `${stem}.part-${String(index).padStart(3, '0')}.jsonl`);
        // The parts go into a working folder the caller made for them: a part left by an earlier split is replaced.
        const out = await AtomicFile.create(path, { overwrite: true });
        opened.push(out);
        // Parsed once a part, not once a line: the file's requests all name the same deployment.
        current = { out, path, requests: 0, bytes: 0, tokens: 0, firstLine: line, deployment: deploymentOf(text) };
      }
      await current.out.write(text + '\n');
      current.requests++;
      current.bytes += bytes;
      current.tokens += tokens;
    }
    await close();
    return parts;
  } finally {
    await Promise.all(opened.map((file) => file.discard()));
  }
}
