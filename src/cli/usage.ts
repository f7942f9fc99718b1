// Usage lines, kept apart from the commands so `--help` does not load the service SDKs.
import { emulatorFlagHelp, emulatorKeyEnv, emulatorUsage } from '../emulator/cliOptions';

const connection = '--endpoint URL (--api-key K | --api-key-stdin | --entra [--tenant T]) [--api-version V] [--timeout-s N]';

export const usages = {
  validate: 'validate FILE [--json] [--max-diagnostics N] [--max-requests N] [--max-size-mb N]',
  estimate: 'estimate FILE [--json] [--model MODEL] [--deployment-models NAME=MODEL,...] [--prices FILE]',
  submit: `submit FILE ${connection} [--wait] [--out DIR] [--poll-ms N] [--force] [--split [--max-parallel N] [--max-requests N] [--max-size-mb N] [--max-tokens N]]`,
  status: `status [BATCH_ID | --submission-id ID] ${connection} [--json] [--limit N]`,
  download: `download BATCH_ID --out DIR ${connection} [--input FILE] [--force]`,
  cancel: `cancel BATCH_ID ${connection}`,
  emulator: emulatorUsage,
  demo: 'demo [--examples DIR] [--out DIR]',
  resources: 'resources (--entra [--tenant T] | --token T) [--subscription ID] [--management-endpoint URL] [--json] [--timeout-s N] [--verbose]',
} as const;

/** What `--help` of the commands that talk to a service adds: where the key may come from. */
const connectionNotes = [
  'The key: --api-key K, $AZURE_OPENAI_API_KEY, or --api-key-stdin (the first line of standard input).',
  'A key given with --api-key is visible to other users of this machine (ps): prefer the environment or standard input.',
  '--endpoint and --api-version fall back to $AZURE_OPENAI_ENDPOINT and $OPENAI_API_VERSION; --entra signs in with DefaultAzureCredential.',
  '--timeout-s N: how long a request waits for an answer, and an upload or download for the next byte (default 120);',
  'a request that fails for a reason that may pass is tried again, and each retry is reported on standard error.',
];

const notes: Partial<Record<keyof typeof usages, () => string[]>> = {
  submit: () => connectionNotes,
  status: () => connectionNotes,
  download: () => [
    'Writes NAME.output.jsonl and NAME.errors.jsonl (as the service returned them), NAME.results.jsonl (every input',
    'request in input order with its answer) and NAME.summary.md into DIR. NAME is a safe form of the job\'s source_file',
    "or id. The input is --input FILE (the file that was submitted), else the job's input file read from the service.",
    'An existing file is replaced only with --force.',
    '',
    ...connectionNotes,
  ],
  cancel: () => connectionNotes,
  resources: () => [
    'Lists the Azure OpenAI and AI Services resources (kind OpenAI or AIServices) of every subscription, or of',
    '--subscription ID, with their deployments; "batch" marks the GlobalBatch and DataZoneBatch ones.',
    '--entra signs in with DefaultAzureCredential for the scope of the management endpoint (default',
    'https://management.azure.com); --token T (or $AOAI_BATCH_ARM_TOKEN) gives an ARM bearer token. From the emulator:',
    "  curl -s -X POST -H 'api-key: emulator-key' http://127.0.0.1:P/_emulator/token   (then --management-endpoint http://127.0.0.1:P)",
    '--json prints {"resources":[{"subscriptionId","resourceGroup","name","kind","location","endpoint","deployments":[...]}]}.',
    '--verbose adds the whole credential chain when --entra fails.',
  ],
  emulator: () => [
    'options:',
    ...emulatorFlagHelp(),
    '',
    `The key: --api-key K, --api-key-stdin or $${emulatorKeyEnv} (default emulator-key). A key given with --api-key is`,
    'visible to other users of this machine (ps): prefer the environment or standard input.',
  ],
};

/** `aoai-batch <command> --help`: the usage line and, for some commands, notes on their options. */
export function commandHelp(command: keyof typeof usages): string {
  const extra = notes[command]?.() ?? [];
  return [`usage: aoai-batch ${usages[command]}`, ...(extra.length > 0 ? ['', ...extra] : [])].join('\n') + '\n';
}
