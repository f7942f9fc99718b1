import type { EmulatorOptions } from './options';

/** How a flag's value is read: a number kind, free text, or no value at all (`flag`). */
export type FlagKind = 'port' | 'count' | 'integer' | 'positive' | 'probability' | 'text' | 'list' | 'flag';

/** One option of `aoai-batch emulator`. */
export interface EmulatorFlag {
  /** The name without `--`. */
  readonly name: string;
  readonly kind: FlagKind;
  /** The placeholder shown in the usage (`N`, `DIR`...); none for a `flag`. */
  readonly placeholder?: string;
  /** The {@link EmulatorOptions} field it sets; none when the CLI uses it itself (`--api-key-stdin`). */
  readonly option?: keyof EmulatorOptions;
  /** For a `flag`: the value it gives its option (default `true`). */
  readonly flagValue?: boolean;
  /** For a number: what the value is multiplied by for its option (seconds given, milliseconds kept). */
  readonly scale?: number;
  readonly help: string;
}

/** Where the emulator CLI looks for its key and token when no flag gives them. */
export const emulatorKeyEnv = 'AOAI_BATCH_EMULATOR_KEY';
export const emulatorTokenEnv = 'AOAI_BATCH_EMULATOR_TOKEN';

/**
 * Every option `aoai-batch emulator` accepts, in usage order. The parser, the usage line and `--help` are all
 * derived from this table, so they cannot drift apart.
 */
export const emulatorFlags: readonly EmulatorFlag[] = [
  { name: 'port', kind: 'port', placeholder: 'P', option: 'port', help: 'TCP port on 127.0.0.1 (default 0: a free port).' },
  {
    name: 'api-key',
    kind: 'text',
    placeholder: 'K',
    option: 'apiKey',
    help: `The key clients must send in the api-key header (default emulator-key, or $${emulatorKeyEnv}). Other users of this machine can read it in ps: prefer $${emulatorKeyEnv} or --api-key-stdin.`,
  },
  { name: 'api-key-stdin', kind: 'flag', help: 'Read the key from the first line of standard input.' },
  {
    name: 'token',
    kind: 'text',
    placeholder: 'T',
    option: 'token',
    help: `Also accept "Authorization: Bearer T" (a stand-in for an Entra ID token; or $${emulatorTokenEnv}). Without it, the only bearer token accepted is the key itself.`,
  },
  { name: 'deployments', kind: 'list', placeholder: 'a,b=model', option: 'deployments', help: 'The batch deployments, each NAME or NAME=MODEL (default gpt-4o-batch,gpt-4o-mini-batch,gpt-4.1-batch).' },
  { name: 'request-delay-ms', kind: 'count', placeholder: 'N', option: 'requestDelayMs', help: 'Processing time per request while a batch runs (default 20).' },
  { name: 'validating-delay-ms', kind: 'count', placeholder: 'N', option: 'validatingDelayMs', help: 'Least time a batch stays validating (default 200).' },
  { name: 'finalizing-delay-ms', kind: 'count', placeholder: 'N', option: 'finalizingDelayMs', help: 'Time a batch stays finalizing (default 200).' },
  { name: 'cancelling-delay-ms', kind: 'count', placeholder: 'N', option: 'cancellingDelayMs', help: 'Time a batch stays cancelling (default 200).' },
  { name: 'expire-after-ms', kind: 'count', placeholder: 'N', option: 'expireAfterMs', help: 'Expire batches still running this long after creation (default: never, as Azure).' },
  {
    name: 'completion-window-s',
    kind: 'count',
    placeholder: 'N',
    option: 'expireAfterMs',
    scale: 1000,
    help: 'The completion window in seconds: batches still running this long after creation expire, keeping the output of the rows that finished (the same as --expire-after-ms N*1000).',
  },
  { name: 'max-enqueued-tokens', kind: 'positive', placeholder: 'N', option: 'maxEnqueuedTokens', help: 'Enqueued-token quota per deployment (default 1,000,000,000).' },
  { name: 'fail-fast', kind: 'flag', option: 'failFast', help: 'Answer a create over the quota with 400 token_limit_exceeded at once.' },
  {
    name: 'failure-rate',
    kind: 'probability',
    placeholder: 'R',
    option: 'failureRate',
    help: 'Share of rows (0..1) that fail with a transient 500, drawn afresh on every attempt: a retry can succeed (default 0).',
  },
  {
    name: 'failure-marker',
    kind: 'text',
    placeholder: 'S',
    option: 'failureMarker',
    help: 'Rows whose prompt contains S fail on every attempt; [[fail:429]] picks the status (default [[fail]]).',
  },
  { name: 'data-dir', kind: 'text', placeholder: 'DIR', option: 'dataDir', help: 'Keep files and jobs here across restarts; a change is answered once it is on disk (default: in memory).' },
  { name: 'seed', kind: 'integer', placeholder: 'N', option: 'seed', help: 'Seed of replies, failures, fault rates and output order (default 1).' },
  { name: 'max-requests-per-file', kind: 'positive', placeholder: 'N', option: 'maxRequestsPerFile', help: 'Most requests in one input file (default 100,000).' },
  { name: 'max-file-bytes', kind: 'positive', placeholder: 'N', option: 'maxFileBytes', help: 'Largest upload in bytes (default 209,715,200: 200 MB).' },
  { name: 'max-files', kind: 'positive', placeholder: 'N', option: 'maxFiles', help: 'Files the resource may hold (default 500).' },
  { name: 'keep-order', kind: 'flag', option: 'shuffleOutput', flagValue: false, help: 'Write output rows in input order (Azure does not; by default they are shuffled).' },
  { name: 'max-form-parts', kind: 'positive', placeholder: 'N', option: 'maxFormParts', help: 'Most parts in one multipart upload (default 100).' },
  { name: 'max-field-bytes', kind: 'positive', placeholder: 'N', option: 'maxFieldBytes', help: 'Largest text field of a multipart upload in bytes (default 65,536).' },
  { name: 'headers-timeout-ms', kind: 'positive', placeholder: 'N', option: 'headersTimeoutMs', help: 'Time to send the request headers, then 408 (default 30,000).' },
  { name: 'body-idle-timeout-ms', kind: 'count', placeholder: 'N', option: 'bodyIdleTimeoutMs', help: 'Time a request body may stall, then 408 and the connection closed; 0: no limit (default 30,000).' },
  {
    name: 'arm',
    kind: 'text',
    placeholder: 'FILE',
    option: 'arm',
    help: 'A JSON file with the Azure Resource Manager resources to serve: {"subscriptions", "accounts", "pageSize", "tokenLifetimeSeconds"} (default: one subscription, see the emulator README).',
  },
  { name: 'verbose', kind: 'flag', option: 'log', help: 'Log one line per request on stderr (never keys or tokens).' },
];

/** `emulator [--port P] ...`: the usage line, every flag of {@link emulatorFlags}. */
export const emulatorUsage = `emulator ${emulatorFlags.map((f) => (f.placeholder === undefined ? `[--${f.name}]` : `[--${f.name} ${f.placeholder}]`)).join(' ')}`;

/** One line per flag with what it does, for `aoai-batch emulator --help`. */
export function emulatorFlagHelp(): string[] {
  const labels = emulatorFlags.map((f) => (f.placeholder === undefined ? `--${f.name}` : `--${f.name} ${f.placeholder}`));
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  return emulatorFlags.map((f, i) => `  ${labels[i]!.padEnd(width)}${f.help}`);
}
