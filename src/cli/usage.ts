// Usage lines, kept apart from the commands so `--help` does not load the service SDKs.
const connection = '--endpoint URL (--api-key K | --entra [--tenant T]) [--api-version V]';

export const usages = {
  validate: 'validate FILE [--json] [--max-diagnostics N] [--max-requests N] [--max-size-mb N]',
  estimate: 'estimate FILE [--json] [--model MODEL] [--deployment-models NAME=MODEL,...] [--prices FILE]',
  submit: `submit FILE ${connection} [--wait] [--out DIR] [--poll-ms N] [--force] [--split [--max-parallel N] [--max-requests N] [--max-size-mb N] [--max-tokens N]]`,
  status: `status [BATCH_ID] ${connection} [--json] [--limit N]`,
  download: `download BATCH_ID --out DIR ${connection} [--force]`,
  cancel: `cancel BATCH_ID ${connection}`,
  emulator: 'emulator [--port P] [--api-key K] [--deployments a,b] [--request-delay-ms N] [--max-enqueued-tokens N] [--fail-fast] [--failure-rate R] [--data-dir DIR] [--seed N]',
  demo: 'demo [--examples DIR] [--out DIR]',
} as const;

export const connectionUsage = connection;
