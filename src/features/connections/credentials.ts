import * as vscode from 'vscode';
import { CONFIG_SECTION, Commands, Settings } from '../../constants';
import { EXPIRY_DAYS, expirySeconds } from '../../core/batch/expiry';
import { BatchClient } from '../../core/batch/client';
import { cachingTokenProvider, defaultAzureCredentialProvider, entraScopeFor, type ConnectionConfig } from '../../core/batch/connection';
import { currentCloud, isDeclinedSignIn } from '../azure/azureCloud';
import type { Authentication } from '../azure/azureSession';
import { normalizeEndpoint, type Connection, type ConnectionStore } from './connectionStore';
import { newEmulatorKey, type EmbeddedEmulator } from './embeddedEmulator';
import { UserFacingError, type ErrorAction } from '../errors';
import { isCredentialError, summarizeCredentialError } from '../../core/azure/credentialErrors';

/** The user has to act (sign in, enter a key, confirm a host) before this connection can be used. */
export class CredentialRequiredError extends UserFacingError {
  constructor(
    message: string,
    readonly connectionId: string,
    actions: readonly ErrorAction[] = [],
    /** What is missing: `apiKey` when no key is stored (the Batch Jobs view then offers "Enter API Key"). */
    readonly missing?: 'apiKey',
  ) {
    super(message, actions);
    this.name = 'CredentialRequiredError';
  }
}

export interface ClientOptions {
  /** From a user command: may prompt (sign-in, confirmations). Background work never prompts. */
  readonly interactive: boolean;
}

/** Builds clients for connections, with credentials from SecretStorage or the user's Microsoft sign-in. */
export class ClientFactory {
  constructor(
    private readonly connections: ConnectionStore,
    private readonly emulator: EmbeddedEmulator,
    private readonly auth: Authentication = vscode.authentication,
  ) {}

  async clientFor(connection: Connection, options: ClientOptions): Promise<BatchClient> {
    // Read at each client: a changed expiry setting applies to the next upload.
    return new BatchClient(await this.configFor(connection, options), undefined, { expireAfterSeconds: expireAfterSetting() });
  }

  async configFor(connection: Connection, options: ClientOptions): Promise<ConnectionConfig> {
    switch (connection.auth) {
      case 'apiKey':
        return this.apiKeyConfig(connection, options);
      case 'entra':
        return { endpoint: connection.endpoint, apiVersion: connection.apiVersion, credential: { kind: 'token', getToken: await this.microsoftSignIn(connection, options) } };
      case 'azureCli':
        return { endpoint: connection.endpoint, apiVersion: connection.apiVersion, credential: { kind: 'token', getToken: summarizingFailures(await defaultAzureCredentialProvider(connection.tenant, entraScopeFor(connection.apiVersion, connection.endpoint))) } };
    }
  }

  private async apiKeyConfig(connection: Connection, options: ClientOptions): Promise<ConnectionConfig> {
    let target = connection;
    const stored = await this.connections.readKey(connection);
    if (connection.emulator) {
      // The embedded emulator's key is ours, not the user's: when SecretStorage lost it (a browser-hosted
      // workbench keeps secrets in memory only), the emulator starts with a fresh one, and its data survives.
      const running = await this.emulator.ensureRunning(stored?.key || newEmulatorKey());
      if (!stored || normalizeEndpoint(running.url) !== normalizeEndpoint(connection.endpoint) || running.apiKey !== stored.key) {
        // The embedded emulator picks a new loopback port at each start; its key follows it.
        target = { ...connection, endpoint: running.url };
        await this.connections.update(target, running.apiKey);
      }
      return { endpoint: target.endpoint, apiVersion: target.apiVersion, service: target.service, credential: { kind: 'apiKey', apiKey: running.apiKey } };
    }
    if (!stored) {
      const enter: ErrorAction = { title: vscode.l10n.t('Enter API Key'), run: () => vscode.commands.executeCommand(Commands.enterApiKey, connection.id) };
      throw new CredentialRequiredError(vscode.l10n.t('No API key is stored for "{0}".', connection.name), connection.id, [enter], 'apiKey');
    }
    if (stored.endpoint !== normalizeEndpoint(connection.endpoint)) {
      // The endpoint changed since the key was saved (an edited connection, a setting from a workspace):
      // a key is never sent to a new host without the user saying so.
      const host = hostOf(connection.endpoint);
      if (!options.interactive) {
        throw new CredentialRequiredError(vscode.l10n.t('The API key of "{0}" was saved for {1}; confirm before it is sent to {2}.', connection.name, hostOf(stored.endpoint), host), connection.id);
      }
      const send = vscode.l10n.t('Send Key to {0}', host);
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('The API key of "{0}" was saved for {1}. Send it to {2}?', connection.name, hostOf(stored.endpoint), host),
        { modal: true },
        send,
      );
      if (choice !== send) {
        throw new vscode.CancellationError();
      }
      await this.connections.rebindKey(connection, stored.key);
    }
    return { endpoint: connection.endpoint, apiVersion: connection.apiVersion, service: connection.service, credential: { kind: 'apiKey', apiKey: stored.key } };
  }

  /**
   * A token provider over VS Code's Microsoft sign-in (the sovereign-cloud provider when the settings name one), with
   * the scope the endpoint's paths want; silent unless `interactive`. A declined sign-in is a cancellation.
   */
  private async microsoftSignIn(connection: Connection, options: ClientOptions): Promise<() => Promise<string>> {
    const provider = currentCloud().authProviderId;
    const scopes = [entraScopeFor(connection.apiVersion, connection.endpoint), ...(connection.tenant ? [`VSCODE_TENANT:${connection.tenant}`] : [])];
    const first = await this.auth.getSession(provider, scopes, options.interactive ? { createIfNone: true } : { silent: true }).then(undefined, (error: unknown) => {
      throw isDeclinedSignIn(error) ? new vscode.CancellationError() : error;
    });
    if (!first) {
      throw new CredentialRequiredError(vscode.l10n.t('Sign in with Microsoft to use "{0}".', connection.name), connection.id);
    }
    // Later calls stay silent: VS Code refreshes the session's token when it nears expiry.
    return cachingTokenProvider(async () => {
      const session = (await this.auth.getSession(provider, scopes, { silent: true })) ?? first;
      return { token: session.accessToken, expiresOnTimestamp: Date.now() + 10 * 60_000 };
    });
  }
}

/**
 * A DefaultAzureCredential token source whose failures say, in one sentence, what to do with the credential that
 * should have worked here (the raw chain of every credential tried stays in the error's cause, for the log).
 */
function summarizingFailures(getToken: () => Promise<string>): () => Promise<string> {
  return async () => {
    try {
      return await getToken();
    } catch (error) {
      throw isCredentialError(error) ? new UserFacingError(summarizeCredentialError(error), [], { cause: error }) : error;
    }
  };
}

export function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}

/** `azureOpenAIBatch.files.expireAfterDays` in seconds (clamped to 14–30 days), or undefined when it is 0 or null. */
export function expireAfterSetting(): number | undefined {
  return expirySeconds(vscode.workspace.getConfiguration(CONFIG_SECTION).get<number | null>(Settings.filesExpireAfterDays, EXPIRY_DAYS.default));
}
