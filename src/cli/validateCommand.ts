import { isBatchSku, type DeploymentInfo } from '../core/azure/deployments';
import { validateFile } from '../core/jsonl/fileValidator';
import { InputFileError } from '../core/jsonl/inputFile';
import { countBySeverity, countCodes, defaultMaxDiagnostics, serviceLimits, type BatchDiagnostic, type DiagnosticCounts, type ValidationResult } from '../core/jsonl/types';
import { checkInputFile, countOption, numberOption, parseArgs, UsageError } from './args';

import { usages } from './usage';

export const validateUsage = usages.validate;

/** The `--json` output shape: lines and columns are 1-based, `endColumn` is one past the last character. */
export interface JsonDiagnostic {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}

export function toJsonDiagnostic(d: BatchDiagnostic): JsonDiagnostic {
  return {
    line: d.line + 1,
    column: d.start + 1,
    endLine: d.line + 1,
    endColumn: d.end + 1,
    severity: d.severity,
    code: d.code,
    message: d.message.text,
  };
}

/** The `--json` output: at most `--max-diagnostics` diagnostics; `truncated` and `counts` only when some were left out. */
export interface JsonValidation {
  file: string;
  requests: number;
  diagnostics: JsonDiagnostic[];
  truncated?: true;
  /** Every problem found, per code. */
  counts?: DiagnosticCounts;
}

/** `validate`: exit 0 without errors, 1 with errors, 2 when the file cannot be read. */
export async function runValidate(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['max-requests', 'max-size-mb', 'max-diagnostics', 'deployments', 'service'], ['json']);
  if (args.positionals.length !== 1) {
    throw new UsageError(`usage: ${validateUsage}`);
  }
  const file = args.positionals[0]!;
  const service = args.options.get('service') ?? 'azure';
  if (service !== 'azure' && service !== 'openai') {
    throw new UsageError(`--service must be azure or openai, not ${String(service)}`);
  }
  // The service's limits (OpenAI takes 50,000 requests per file, Azure 100,000), unless given.
  const defaults = serviceLimits[service];
  const limits = {
    maxRequests: numberOption(args, 'max-requests', defaults.maxRequests),
    maxBytes: numberOption(args, 'max-size-mb', defaults.maxBytes / (1024 * 1024)) * 1024 * 1024,
  };
  // --json holds at most this many; the listing prints every problem unless the flag is given.
  const maxDiagnostics = args.options.has('max-diagnostics') ? countOption(args, 'max-diagnostics', defaultMaxDiagnostics) : undefined;
  const deploymentsOption = args.options.get('deployments');
  const deployments = deploymentsOption === undefined ? undefined : parseDeploymentList(deploymentsOption);
  if (!(await checkInputFile(file, err))) {
    return 2;
  }
  const json = args.options.has('json');
  const listing = json ? undefined : new ListingWriter(out, file, maxDiagnostics ?? Infinity);
  let result: ValidationResult;
  try {
    result = await validateFile(file, {
      limits,
      maxDiagnostics: json ? (maxDiagnostics ?? defaultMaxDiagnostics) : 0,
      onDiagnostic: listing && ((d) => listing.add(d)),
      backpressure: listing && (() => listing.whenDrained()),
      deployments,
    });
  } catch (error) {
    listing?.flush();
    err.write(`error: ${error instanceof InputFileError ? error.message : `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return 2;
  }
  if (result.startsWithOutputLine) {
    err.write(`note: ${file} reads like a results file: its first line is an output line (custom_id with response or error), not a request\n`);
  }
  if (listing) {
    listing.end(result);
  } else {
    out.write(JSON.stringify(toJsonValidation(file, result)) + '\n');
  }
  return countBySeverity(result.counts).error > 0 ? 1 : 0;
}

const deploymentName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * `--deployments a,b:Standard`: the resource's deployments, each `NAME` (a batch deployment) or `NAME:SKU`
 * (`GlobalBatch`, `DataZoneBatch`, `Standard`, ...). Names cannot hold `:` or `,`, so the split is unambiguous.
 */
export function parseDeploymentList(raw: string | true): DeploymentInfo[] {
  if (raw === true || raw.trim().length === 0) {
    throw new UsageError('--deployments takes a comma-separated list of deployment names (NAME or NAME:SKU)');
  }
  const byName = new Map<string, DeploymentInfo>();
  for (const entry of raw.split(',')) {
    const [name = '', sku = 'GlobalBatch', ...rest] = entry.trim().split(':');
    if (!deploymentName.test(name) || rest.length > 0 || sku.trim().length === 0) {
      throw new UsageError(`--deployments: "${entry.trim()}" is not NAME or NAME:SKU (a name has letters, digits, "-", "_" or ".")`);
    }
    const deployment: DeploymentInfo = { name, model: '', version: '', sku: sku.trim(), capacity: null, batch: isBatchSku(sku.trim()) };
    const before = byName.get(name);
    // The same name twice is one deployment; twice with different skus is a contradiction, not a silent last-wins.
    if (before !== undefined && before.sku.toLowerCase() !== deployment.sku.toLowerCase()) {
      throw new UsageError(`--deployments: "${name}" is given twice, as ${before.sku} and as ${deployment.sku}`);
    }
    byName.set(name, before ?? deployment);
  }
  return [...byName.values()];
}

/** The `--json` object of a validation. */
export function toJsonValidation(file: string, result: ValidationResult): JsonValidation {
  const report: JsonValidation = { file, requests: result.requests, diagnostics: result.diagnostics.map(toJsonDiagnostic) };
  if (result.truncated) {
    report.truncated = true;
    report.counts = result.counts;
  }
  return report;
}

/** One listing line: `FILE:LINE:COL: severity code: message`. */
function listingLine(file: string, d: BatchDiagnostic): string {
  return `${file}:${d.line + 1}:${d.start + 1}: ${d.severity} ${d.code}: ${d.message.text}`;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** The listing's last lines: how many problems were not shown (when some were not), then the summary. */
function listingTail(file: string, requests: number, hidden: number, counts: DiagnosticCounts): string[] {
  const lines: string[] = [];
  if (hidden > 0) {
    const byCode = Object.entries(counts)
      .map(([code, n]) => `${code} ${n.toLocaleString('en-US')}`)
      .join(', ');
    lines.push(`${file}: ${plural(hidden, 'more problem')} not shown (all problems by code: ${byCode})`);
  }
  const severities = countBySeverity(counts);
  lines.push(`${file}: ${plural(requests, 'request')}, ${plural(severities.error, 'error')}, ${plural(severities.warning, 'warning')}`);
  return lines;
}

/**
 * Writes the compiler-style listing as problems are found, in blocks, and tells the validator to wait while
 * the stream is full: the listing of a file with millions of problems never sits in memory.
 */
class ListingWriter {
  private buffer: string[] = [];
  private buffered = 0;
  private shown = 0;
  private drain: Promise<void> | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly file: string,
    private readonly max: number,
  ) {}

  add(d: BatchDiagnostic): void {
    if (this.shown >= this.max) {
      return;
    }
    this.shown++;
    const line = listingLine(this.file, d);
    this.buffer.push(line);
    this.buffered += line.length;
    if (this.buffered >= 64 * 1024) {
      this.flush();
    }
  }

  /** A promise while the output stream asks writers to wait. */
  whenDrained(): Promise<void> | undefined {
    return this.drain;
  }

  flush(): void {
    if (this.buffer.length === 0) {
      return;
    }
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.buffered = 0;
    if (!this.out.write(text) && this.drain === undefined) {
      this.drain = new Promise<void>((resolve) => this.out.once('drain', resolve)).then(() => {
        this.drain = undefined;
      });
    }
  }

  end(result: ValidationResult): void {
    this.buffer.push(...listingTail(this.file, result.requests, result.total - this.shown, result.counts));
    this.flush();
  }
}

/**
 * A compiler-style listing of a result's diagnostics, `FILE:LINE:COL: error code: message`, a line saying how
 * many were not shown (when the result was capped), and the summary line.
 */
export function formatListing(file: string, result: ValidationResult): string {
  const lines = result.diagnostics.map((d) => listingLine(file, d));
  // A complete list (perhaps filtered by the caller) is summed up as it is; a capped one by its counts.
  const counts = result.truncated ? result.counts : countCodes(result.diagnostics);
  const hidden = result.truncated ? result.total - result.diagnostics.length : 0;
  lines.push(...listingTail(file, result.requests, hidden, counts));
  return lines.join('\n') + '\n';
}
