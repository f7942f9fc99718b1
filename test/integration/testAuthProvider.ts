// A stand-in for VS Code's Microsoft sign-in in the test extension host, where the workbench refuses the sign-in
// consent dialog ("DialogService: refused to show dialog in tests") so `vscode.authentication.getSession(...,
// { createIfNone })` can never succeed. It answers `getSession` as VS Code does for one signed-in account (silent:
// the session or nothing; createIfNone: the session, signing in first), and its sessions carry real bearer tokens of
// the emulator's local issuer (`POST /_emulator/token`), one per scope set, as MSAL hands out a token per resource
// (and per directory: `VSCODE_TENANT:` scopes get a token of that directory).
// The extension uses it through ExtensionApi.replaceAuthentication; the UI test signs in through the real dialog.
import type * as vscode from 'vscode';

export interface TestSignIn {
  /** Where tokens come from: the emulator's URL and the key that opens its control routes. */
  issuer: { url: string; apiKey: string } | undefined;
  /** What signing in does: succeed, or fail as a user who closes the sign-in page does (VS Code: "Canceled"). */
  mode: 'signIn' | 'decline';
  /** Every `getSession` call: provider id, scopes and whether it could prompt. */
  readonly calls: { providerId: string; scopes: string[]; interactive: boolean }[];
  readonly getSession: Pick<typeof vscode.authentication, 'getSession'>['getSession'];
  signOut(): void;
}

// As VS Code's Microsoft provider names accounts: MSAL's homeAccountId, `{objectId}.{home tenantId}` (the emulator's
// default home directory).
const account = { id: '00000000-0000-0000-0000-0000000000e1.00000000-0000-0000-0000-0000000000aa', label: 'tester@emulator.example' };

export function testSignIn(): TestSignIn {
  const sessions = new Map<string, vscode.AuthenticationSession>();
  let signedIn = false;
  const key = (scopes: readonly string[]) => [...scopes].sort().join(' ');
  const mint = async (scopes: readonly string[]): Promise<vscode.AuthenticationSession> => {
    const issuer = state.issuer;
    if (!issuer) {
      throw new Error('the test sign-in has no token issuer');
    }
    const asked = scopes.find((s) => !s.startsWith('VSCODE_')) ?? 'https://management.azure.com/.default';
    // `VSCODE_TENANT:<id or domain>` asks for a token of that directory, as VS Code's Microsoft provider does.
    const tenant = scopes.find((s) => s.startsWith('VSCODE_TENANT:'))?.slice('VSCODE_TENANT:'.length);
    const issue = (scope: string) =>
      fetch(`${issuer.url}/_emulator/token`, { method: 'POST', headers: { 'api-key': issuer.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(tenant === undefined ? { scope } : { scope, tenant }) });
    let response = await issue(asked);
    if (response.status === 400) {
      // A resource the emulator is not (another test endpoint): Entra would still sign in; an ARM token stands in.
      response = await issue('https://management.azure.com/.default');
    }
    const scope = asked;
    if (!response.ok) {
      throw new Error(`the emulator issued no token for ${scope}: ${response.status}`);
    }
    const token = (await response.json()) as { access_token: string };
    const session: vscode.AuthenticationSession = { id: `session-${sessions.size + 1}`, accessToken: token.access_token, account, scopes: [...scopes] };
    sessions.set(key(scopes), session);
    return session;
  };
  const getSession = async (providerId: string, scopes: readonly string[], options: vscode.AuthenticationGetSessionOptions = {}): Promise<vscode.AuthenticationSession | undefined> => {
    const interactive = Boolean(options.createIfNone || options.forceNewSession);
    state.calls.push({ providerId, scopes: [...scopes], interactive });
    if (!signedIn) {
      if (!interactive) {
        return undefined;
      }
      if (state.mode === 'decline') {
        // What VS Code's getSession rejects with when the user cancels the sign-in.
        throw Object.assign(new Error('Canceled'), { name: 'Canceled' });
      }
      signedIn = true;
    }
    // Signed in once, any resource's token comes without a prompt (as MSAL's acquireTokenSilent does).
    return sessions.get(key(scopes)) ?? mint(scopes);
  };
  const state: TestSignIn = {
    issuer: undefined,
    mode: 'signIn',
    calls: [],
    getSession: getSession as TestSignIn['getSession'],
    signOut() {
      sessions.clear();
      signedIn = false;
    },
  };
  return state;
}
