import { constants as bufferConstants } from 'node:buffer';
import type { DeploymentInfo } from '../azure/deployments';
import { open } from 'node:fs/promises';
import { LineSplitter, readLines } from '../io/lineReader';
import { checkInputPath, InputFileError } from './inputFile';
import { StreamValidator, type StreamValidatorOptions } from './streamValidator';
import { defaultLimits, type BatchDiagnostic, type ValidationLimits, type ValidationResult } from './types';

export interface FileValidationOptions {
  readonly limits?: ValidationLimits;
  /** Most diagnostics kept in the result (default 1,000); the rest are counted. */
  readonly maxDiagnostics?: number;
  /** Every diagnostic as it is found (see {@link StreamValidatorOptions.onDiagnostic}). */
  readonly onDiagnostic?: (diagnostic: BatchDiagnostic) => void;
  /**
   * Asked between small slices of the file when `onDiagnostic` is set: a promise pauses reading until it
   * settles, so a slow consumer of the streamed diagnostics (a pipe) bounds what waits in memory.
   */
  readonly backpressure?: () => Promise<void> | undefined;
  /** Called now and then with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  readonly signal?: AbortSignal;
  /** The resource's deployments, to check `body.model` against (see {@link StreamValidatorOptions.deployments}). */
  readonly deployments?: readonly DeploymentInfo[];
}

const chunkSize = 1024 * 1024;
// With streamed diagnostics a slice of `{}` rows yields about 70 times its size in messages: keep slices small.
const streamSliceSize = 16 * 1024;

/**
 * The longest line that is read as text: longer than the file may be it cannot be a request, and longer than
 * the runtime's longest string it cannot be decoded at all. Longer lines are counted, never accumulated.
 */
export function lineLimit(limits: ValidationLimits): number {
  return Math.max(1, Math.min(limits.maxBytes, bufferConstants.MAX_STRING_LENGTH - 16));
}

/**
 * Validates a file on disk without loading it whole: checks it is a regular file (a FIFO or a device is never
 * opened), reads 1 MB chunks, checks UTF-8 on line-aligned segments (a line break byte never sits inside a
 * multi-byte character), and feeds lines to a {@link StreamValidator}. Memory stays bounded by the line limit,
 * the id index and the diagnostics cap, whatever the number of problems. Throws {@link InputFileError} for a
 * path that is not a readable regular file.
 */
export async function validateFile(path: string, options: FileValidationOptions = {}): Promise<ValidationResult> {
  const check = await checkInputPath(path);
  if (!check.ok) {
    throw new InputFileError(path, check.problem);
  }
  const limits = options.limits ?? defaultLimits;
  const validatorOptions: StreamValidatorOptions = { maxDiagnostics: options.maxDiagnostics, onDiagnostic: options.onDiagnostic, deployments: options.deployments };
  const validator = new StreamValidator(limits, validatorOptions);
  const maxLine = lineLimit(limits);
  const lines = new LineSplitter(validator, maxLine);
  // With streamed diagnostics the file is fed in small slices, so the consumer's backpressure bounds what waits.
  const sliced = options.onDiagnostic !== undefined;
  const bytes = await readLines(path, lines, {
    chunkSize,
    sliceSize: sliced ? streamSliceSize : undefined,
    backpressure: options.backpressure,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  // Rare: the lines that first used a kept duplicate's id, read alone by the offsets the splitter gave, so
  // the duplicates point at the exact value without a second pass over the file.
  const texts = await readLinesAt(path, validator.firstUseLocations());
  return validator.finish(bytes, texts);
}

/** The text of each located line (`offset` and `length` in bytes, as a `LineSplitter` gives them), by line. */
async function readLinesAt(path: string, locations: ReadonlyMap<number, { readonly offset: number; readonly length: number }>): Promise<Map<number, string>> {
  const texts = new Map<number, string>();
  if (locations.size === 0) {
    return texts;
  }
  const handle = await open(path, 'r');
  try {
    for (const [line, { offset, length }] of locations) {
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      texts.set(line, buffer.toString('utf8', 0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return texts;
}
