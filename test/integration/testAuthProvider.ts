// A stand-in for VS Code's built-in Microsoft sign-in, registered in the test extension host under the provider id
// the extension asks for ('microsoft'): the built-in provider cannot reach Microsoft here. Its sessions carry real
// bearer tokens of the emulator's local issuer (`POST /_emulator/token`), one per scope set, as MSAL hands out a token
// per resource for one signed-in account. Registered once per run (VS Code keeps the first provider of an id).
import * as vscode from 'vscode';

export interface TestSignIn {
  /** Where tokens come from: the emulator's URL and the key that opens its control routes. */
  issuer: { url: string; apiKey: string } | undefined;
  /** What `createSession` does next: sign in, or fail as a user who closes the browser tab does. */
  mode: 'signIn' | 'decline';
  /** The scopes of every `createSession`, in order. */
  readonly created: string[][];
  /** Signs the account out (fires the change, as the Accounts menu's Sign Out does). */
  signOut(): void;
}

const account = { id: 'emulator-user', label: 'tester@emulator.example' };
let state: (TestSignIn & { sessions: Map<string, vscode.AuthenticationSession> }) | undefined;

/** The test provider (registering it on first use). */
export function testSignIn(providerId = 'microsoft'): TestSignIn {
  if (state) {
    return state;
  }
  const changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  const sessions = new Map<string, vscode.AuthenticationSession>();
  let signedIn = false;
  const created: string[][] = [];
  const key = (scopes: readonly string[]) => [...scopes].sort().join(' ');
  const mint = async (scopes: readonly string[]): Promise<vscode.AuthenticationSession> => {
    const issuer = state?.issuer;
    if (!issuer) {
      throw new Error('the test sign-in has no token issuer');
    }
    const scope = scopes.find((s) => !s.startsWith('VSCODE_')) ?? 'https://management.azure.com/.default';
    const response = await fetch(`${issuer.url}/_emulator/token`, { method: 'POST', headers: { 'api-key': issuer.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ scope }) });
    if (!response.ok) {
      throw new Error(`the emulator issued no token for ${scope}: ${response.status}`);
    }
    const token = (await response.json()) as { access_token: string };
    const session: vscode.AuthenticationSession = { id: `session-${sessions.size + 1}`, accessToken: token.access_token, account, scopes: [...scopes] };
    sessions.set(key(scopes), session);
    return session;
  };
  const provider: vscode.AuthenticationProvider = {
    onDidChangeSessions: changed.event,
    async getSessions(scopes) {
      if (!signedIn) {
        return [];
      }
      if (!scopes) {
        return [...sessions.values()];
      }
      // Signed in once, any resource's token comes silently (as MSAL's acquireTokenSilent does).
      return [sessions.get(key(scopes)) ?? (await mint(scopes))];
    },
    async createSession(scopes) {
      created.push([...scopes]);
      if (state?.mode === 'decline') {
        throw new vscode.CancellationError();
      }
      const session = await mint(scopes);
      signedIn = true;
      changed.fire({ added: [session], removed: [], changed: [] });
      return session;
    },
    async removeSession(id) {
      const removed = [...sessions.values()].filter((s) => s.id === id);
      state?.signOut();
      changed.fire({ added: [], removed, changed: [] });
    },
  };
  vscode.authentication.registerAuthenticationProvider(providerId, 'Microsoft (test)', provider);
  state = {
    issuer: undefined,
    mode: 'signIn',
    created,
    sessions,
    signOut() {
      const removed = [...sessions.values()];
      sessions.clear();
      signedIn = false;
      if (removed.length > 0) {
        changed.fire({ added: [], removed, changed: [] });
      }
    },
  };
  return state;
}
