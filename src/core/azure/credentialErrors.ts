// DefaultAzureCredential fails with a chain of ~1,000 characters (one paragraph per credential it tried). Users
// need one sentence: what to do with the credential that should have worked on this machine. The raw chain is for
// the log (the extension's output channel, the CLI's --verbose). No `vscode` here.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What is known of the machine: its environment, and which sign-in tools are on PATH. */
export interface CredentialContext {
  readonly env: NodeJS.ProcessEnv;
  /** Whether the Azure CLI (`az`) is on PATH. Default: looked up in `env.PATH`. */
  readonly azOnPath?: boolean;
  /** Whether the Azure Developer CLI (`azd`) is on PATH. Default: looked up in `env.PATH`. */
  readonly azdOnPath?: boolean;
}

/** One credential's failure, as the chain reports it. */
interface Attempt {
  readonly name: string;
  readonly message: string;
}

/** Whether an executable of this name is in one of the PATH directories (with the Windows extensions on Windows). */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter((d) => d.length > 0);
  const names = platform === 'win32' ? ['.exe', '.cmd', '.bat', ''].map((ext) => `${command}${ext}`) : [command];
  for (const dir of dirs) {
    for (const name of names) {
      try {
        accessSync(join(dir, name), platform === 'win32' ? constants.F_OK : constants.X_OK);
        return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}

/** The credentials a DefaultAzureCredential error reports, each with its message (an aggregate lists them all). */
function attemptsOf(error: unknown): Attempt[] {
  if (typeof error !== 'object' || error === null) {
    return [{ name: 'Error', message: String(error) }];
  }
  const e = error as { name?: unknown; message?: unknown; errors?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    return e.errors.flatMap(attemptsOf);
  }
  const message = typeof e.message === 'string' ? e.message : String(error);
  // Each paragraph of an aggregate's message starts with the credential's name: "EnvironmentCredential is unavailable...".
  const named = [...message.matchAll(/\b([A-Z][A-Za-z]+Credential)\b:?\s*([^\n]*)/g)].map((m) => ({ name: m[1]!, message: m[2]! }));
  return named.length > 0 ? named : [{ name: typeof e.name === 'string' ? e.name : 'Error', message }];
}

/** The first line of a message, without trailing punctuation, at most `max` characters, with no token-like text. */
function brief(message: string, max = 160): string {
  const line = (message.split('\n').find((l) => l.trim() !== '') ?? '').trim().replace(/[.\s]+$/, '');
  const scrubbed = line.replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, '<token>').replace(/\b[A-Za-z0-9+/_-]{40,}={0,2}/g, '<secret>');
  return scrubbed.length > max ? `${scrubbed.slice(0, max - 1)}…` : scrubbed;
}

const find = (attempts: readonly Attempt[], name: string): Attempt | undefined => attempts.find((a) => a.name === name);

/** Whether the chain failed for lack of any credential, rather than because one was refused. */
function unavailable(attempt: Attempt | undefined): boolean {
  return attempt === undefined || /unavailable|not available|not (be )?found|not installed|not set|not configured/i.test(attempt.message);
}

/**
 * One sentence for a DefaultAzureCredential (or any Azure Identity) failure, naming the credential that should have
 * worked on this machine: the service principal of the environment variables when they are set, workload identity
 * when its token file is, the Azure CLI when `az` is on PATH, the Azure Developer CLI when `azd` is, else how to
 * get any of them. Never includes a token; the raw chain is {@link rawCredentialChain}.
 */
export function summarizeCredentialError(error: unknown, context: CredentialContext = { env: process.env }): string {
  const attempts = attemptsOf(error);
  const { env } = context;
  if (env.AZURE_CLIENT_ID && env.AZURE_TENANT_ID && (env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH)) {
    const reason = find(attempts, 'EnvironmentCredential') ?? find(attempts, 'ClientSecretCredential') ?? find(attempts, 'ClientCertificateCredential') ?? attempts[0];
    const secret = env.AZURE_CLIENT_SECRET ? 'AZURE_CLIENT_SECRET' : 'AZURE_CLIENT_CERTIFICATE_PATH';
    return `Check AZURE_TENANT_ID, AZURE_CLIENT_ID and ${secret}: the service principal they name could not sign in (${brief(reason?.message ?? '')}).`;
  }
  if (env.AZURE_FEDERATED_TOKEN_FILE && env.AZURE_CLIENT_ID) {
    const reason = find(attempts, 'WorkloadIdentityCredential') ?? attempts[0];
    return `Check the workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID): it could not sign in (${brief(reason?.message ?? '')}).`;
  }
  const azOnPath = context.azOnPath ?? onPath('az', env);
  if (azOnPath) {
    const cli = find(attempts, 'AzureCliCredential');
    if (cli === undefined || /az login|not logged in|please run/i.test(cli.message)) {
      return "Run 'az login' (then 'az account set --subscription ID' if needed): the Azure CLI is installed but not signed in.";
    }
    if (/tenant|AADSTS/i.test(cli.message)) {
      return `Run 'az login --tenant TENANT' for the tenant of the resource: the Azure CLI sign-in was refused (${brief(cli.message)}).`;
    }
    return `Run 'az login' again: the Azure CLI could not get a token (${brief(cli.message)}).`;
  }
  const azdOnPath = context.azdOnPath ?? onPath('azd', env);
  if (azdOnPath) {
    const azd = find(attempts, 'AzureDeveloperCliCredential');
    return unavailable(azd) || /auth login|not logged in/i.test(azd!.message)
      ? "Run 'azd auth login': the Azure Developer CLI is installed but not signed in."
      : `Run 'azd auth login' again: the Azure Developer CLI could not get a token (${brief(azd!.message)}).`;
  }
  const managed = find(attempts, 'ManagedIdentityCredential');
  if (managed !== undefined && !unavailable(managed) && !/no managed identity endpoint|network|ENETUNREACH|EHOSTUNREACH|timed? ?out/i.test(managed.message)) {
    return `Check the managed identity of this machine and its role on the resource: it could not get a token (${brief(managed.message)}).`;
  }
  return 'Install the Azure CLI and run \'az login\', or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET: no Azure credential is available on this machine.';
}

/** The whole chain, one credential a line, for the log or `--verbose` (no tokens: credential errors hold none). */
export function rawCredentialChain(error: unknown): string {
  const attempts = attemptsOf(error);
  return attempts.map((a) => `${a.name}: ${a.message.replace(/\s+/g, ' ').trim()}`).join('\n');
}

/** Whether an error comes from Azure Identity (a credential failed), rather than from the request that needed it. */
export function isCredentialError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AggregateAuthenticationError' || name === 'CredentialUnavailableError' || name === 'AuthenticationRequiredError' || name === 'AuthenticationError';
}
