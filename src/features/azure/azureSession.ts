import * as vscode from 'vscode';
import type { AzureCloud } from '../../core/azure/cloud';
import { ManagementClient, ManagementError } from '../../core/azure/management';
import { cachingTokenProvider } from '../../core/batch/connection';
import { withCancellableProgress } from '../progress';
import { UserFacingError } from '../errors';
import { isDeclinedSignIn } from './azureCloud';

/** The slice of `vscode.authentication` sign-in needs. */
export type Authentication = Pick<typeof vscode.authentication, 'getSession'>;

/**
 * The authentication every Microsoft sign-in of the extension goes through (data plane and Resource Manager):
 * VS Code's. Integration tests replace it: in a test extension host the workbench refuses to show the sign-in
 * consent dialog, so VS Code's own `getSession(..., { createIfNone })` cannot succeed there (the UI test signs in
 * through the real dialog).
 */
export class MicrosoftAuthentication implements Authentication {
  private replacement: Authentication | undefined;

  readonly getSession = ((providerId: string, scopes: readonly string[], options?: vscode.AuthenticationGetSessionOptions) =>
    (this.replacement ?? vscode.authentication).getSession(providerId, scopes, options ?? {})) as Authentication['getSession'];

  /** Tests only: sessions come from `auth` until the returned disposable is disposed. */
  replaceForTests(auth: Authentication): vscode.Disposable {
    this.replacement = auth;
    return new vscode.Disposable(() => {
      if (this.replacement === auth) {
        this.replacement = undefined;
      }
    });
  }
}

/** The scopes of a management session: the cloud's ARM scope, and the tenant when one was chosen. */
export function managementScopes(cloud: AzureCloud, tenant: string | undefined): string[] {
  return [cloud.managementScope, ...(tenant ? [`VSCODE_TENANT:${tenant}`] : [])];
}

/**
 * Signs in for Resource Manager calls through the cloud's VS Code provider, under a cancellable notification: the
 * provider's own UI (a browser tab, an account pick) can take long or never answer offline, and Cancel must end
 * the wait. Declining is a cancellation (no message); any other failure is one sentence with what to do.
 */
export async function signInInteractively(auth: Authentication, cloud: AzureCloud, tenant: string | undefined): Promise<vscode.AuthenticationSession> {
  return withCancellableProgress(vscode.l10n.t('Signing in with Microsoft...'), async (_report, signal) => {
    const cancelled = new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new vscode.CancellationError()), { once: true }));
    try {
      return await Promise.race([Promise.resolve(auth.getSession(cloud.authProviderId, managementScopes(cloud, tenant), { createIfNone: true })), cancelled]);
    } catch (error) {
      if (error instanceof vscode.CancellationError || isDeclinedSignIn(error)) {
        throw new vscode.CancellationError();
      }
      throw new UserFacingError(vscode.l10n.t('Sign-in with Microsoft did not succeed: check your network connection and try again.'), [], { cause: error });
    }
  });
}

/** A management session that exists already, without any prompt (background work); undefined when signed out. */
export async function silentSession(auth: Authentication, cloud: AzureCloud, tenant: string | undefined): Promise<vscode.AuthenticationSession | undefined> {
  try {
    return await auth.getSession(cloud.authProviderId, managementScopes(cloud, tenant), { silent: true });
  } catch {
    return undefined;
  }
}

/**
 * A Resource Manager client whose tokens come from the session (renewed silently by VS Code as it nears expiry),
 * cancelled by `signal`.
 */
export function managementClient(auth: Authentication, cloud: AzureCloud, tenant: string | undefined, first: vscode.AuthenticationSession, signal?: AbortSignal): ManagementClient {
  const getToken = cachingTokenProvider(async () => {
    const session = (await silentSession(auth, cloud, tenant)) ?? first;
    return { token: session.accessToken, expiresOnTimestamp: Date.now() + 10 * 60_000 };
  });
  return new ManagementClient({ endpoint: cloud.managementEndpoint, getToken, signal });
}

/**
 * A failed Resource Manager call as the user reads it: one sentence that says what to do (the core's English
 * detail goes to the log as the cause). A cancelled call stays a cancellation.
 */
export function explainManagementError(error: unknown, cloud: AzureCloud): unknown {
  if (!(error instanceof ManagementError)) {
    return error;
  }
  switch (error.reason) {
    case 'canceled':
      return new vscode.CancellationError();
    case 'network':
      return new UserFacingError(vscode.l10n.t('Could not reach Azure at {0}: check your network connection and try again.', cloud.managementEndpoint), [], { cause: error });
    case 'timeout':
      return new UserFacingError(vscode.l10n.t('Azure at {0} did not answer in time: try again in a moment.', cloud.managementEndpoint), [], { cause: error });
    case 'unauthorized':
      return new UserFacingError(vscode.l10n.t('Azure did not accept the sign-in: sign out of your Microsoft account (Accounts menu) and sign in again.'), [], { cause: error });
    case 'forbidden':
      return new UserFacingError(vscode.l10n.t('Your account may not list these Azure resources: ask for at least the Reader role on the subscription.'), [], { cause: error });
    case 'not_found':
      return new UserFacingError(vscode.l10n.t('Azure did not find the subscription or resource: check that it still exists and that you signed in to its directory.'), [], { cause: error });
    case 'service':
      return new UserFacingError(vscode.l10n.t('Azure Resource Manager failed to answer: try again later.'), [], { cause: error });
  }
}
