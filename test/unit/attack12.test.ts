import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { checkConnection, classifyCheckFailure } from '../../src/core/batch/connectionCheck';
import { quotaPercent, quotaUse, shortTokens } from '../../src/core/batch/quota';
import { accountEndpoint, ManagementClient, ManagementError, usableDataEndpoint } from '../../src/core/azure/management';
import type { DeploymentInfo } from '../../src/core/azure/deployments';
import { closestNames } from '../../src/core/closestNames';
import { DeploymentCheck } from '../../src/core/jsonl/deploymentCheck';
import { refusesField } from '../../src/core/batch/expiry';
import { BatchServiceError } from '../../src/core/batch/errors';
import { parseDeploymentList } from '../../src/cli/validateCommand';
import { UsageError } from '../../src/cli/args';

// Attacks on issue 12's work: hostile Resource Manager answers (page links to other hosts, page loops, throttling,
// endpoints a key must not go to), hostile file contents (huge and many distinct `body.model` names), service
// messages that name a field inside another one, and `--deployments` lists that contradict themselves.

type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

interface Hostile {
  readonly base: string;
  readonly requests: { url: string; authorization?: string }[];
  close(): Promise<void>;
}

async function hostile(host: '127.0.0.1' | 'localhost', handler: Handler): Promise<Hostile> {
  const requests: { url: string; authorization?: string }[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const token = 'eyJhbGciOiJIUzI1NiJ9.attack12-secret-bearer.sig';
const subscription = (n: number) => ({ subscriptionId: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`, displayName: `S${n}`, tenantId: 't' });

describe('attack 12: hostile Resource Manager answers', () => {
  const servers: Hostile[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const client = (endpoint: string, timeoutMs = 20_000) => new ManagementClient({ endpoint, getToken: async () => token, timeoutMs });

  it('never sends the token to a page link of another origin (host, port or scheme), and says so', async () => {
    const trap = await hostile('127.0.0.1', (_req, res) => json(res, { value: [subscription(9)] }));
    servers.push(trap);
    const trapPort = new URL(trap.base).port;
    const links = [
      trap.base + '/subscriptions?page=2', // another port
      `http://localhost:${trapPort}/subscriptions?page=2`, // another host name for the same machine
      `https://127.0.0.1:${trapPort}/subscriptions?page=2`, // another scheme
    ];
    for (const nextLink of links) {
      const arm = await hostile('127.0.0.1', (_req, res) => json(res, { value: [subscription(1)], nextLink }));
      servers.push(arm);
      await assert.rejects(client(arm.base).listSubscriptions(), (error: unknown) => {
        assert.ok(error instanceof ManagementError, String(error));
        assert.equal(error.reason, 'service');
        assert.match(error.message, /another host/);
        assert.ok(!error.message.includes(token));
        return true;
      });
      assert.equal(arm.requests[0]?.authorization, `Bearer ${token}`);
    }
    assert.deepEqual(trap.requests.filter((r) => r.authorization !== undefined), [], 'the token reached another origin');
  });

  it('stops a page loop (the same link again, or a cycle of links) at once, not at the timeout', async () => {
    for (const cycle of [1, 3]) {
      const arm = await hostile('127.0.0.1', (req, res, base) => {
        const page = Number(new URL(req.url ?? '/', base).searchParams.get('page') ?? '0');
        json(res, { value: [subscription(page + 1)], nextLink: `${base}/subscriptions?api-version=2022-12-01&page=${(page + 1) % cycle}` });
      });
      servers.push(arm);
      const started = Date.now();
      await assert.rejects(client(arm.base, 20_000).listSubscriptions(), (error: unknown) => {
        assert.ok(error instanceof ManagementError, String(error));
        assert.equal(error.reason, 'service');
        assert.match(error.message, /same page link twice/);
        return true;
      });
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      assert.ok(arm.requests.length <= cycle + 2, `${arm.requests.length} requests for a cycle of ${cycle}`);
    }
  });

  it('still follows many distinct pages, and retries a 429 with Retry-After (a retry is not a loop)', async () => {
    let throttled = false;
    const arm = await hostile('127.0.0.1', (req, res, base) => {
      const page = Number(new URL(req.url ?? '/', base).searchParams.get('page') ?? '0');
      if (page === 3 && !throttled) {
        throttled = true;
        json(res, { error: { code: 'TooManyRequests', message: `slow down ${token}` } }, 429, { 'retry-after': '0' });
        return;
      }
      json(res, { value: [subscription(page + 1)], ...(page < 199 ? { nextLink: `${base}/subscriptions?api-version=2022-12-01&page=${page + 1}` } : {}) });
    });
    servers.push(arm);
    const found = await client(arm.base).listSubscriptions();
    assert.equal(found.length, 200);
    assert.ok(throttled);
  });

  it('an answer that is not an object, or lacks fields, fails as a ManagementError or lists what it can (never throws raw)', async () => {
    for (const body of [[], 'text', null, 42, { value: 'not a list' }, { value: [null, 5, {}] }]) {
      const arm = await hostile('127.0.0.1', (_req, res) => json(res, body));
      servers.push(arm);
      try {
        const found = await client(arm.base).listSubscriptions();
        assert.ok(Array.isArray(found));
        found.forEach((s) => assert.equal(typeof s.subscriptionId, 'string'));
      } catch (error) {
        assert.ok(error instanceof ManagementError, `${JSON.stringify(body)}: ${String(error)}`);
        assert.ok(!error.message.includes(token));
      }
    }
  });

  it('an account endpoint a key or token must not go to becomes no endpoint', async () => {
    const unsafe = [
      'http://evil.example/',
      'https://user:pass@acct.openai.azure.com/',
      'https://acct.openai.azure.com/?x=1',
      'not a url',
      'javascript:alert(1)',
      'ftp://acct.openai.azure.com/',
      'https://acct.openai.azure.com/\nInjected: header',
    ];
    for (const endpoint of unsafe) {
      assert.equal(usableDataEndpoint(endpoint), false, endpoint);
      assert.equal(accountEndpoint({ endpoint }), '', endpoint);
      assert.equal(accountEndpoint({ endpoints: { 'OpenAI Language Model Instance API': endpoint } }), '', endpoint);
    }
    for (const endpoint of ['https://acct.openai.azure.com/', 'http://127.0.0.1:4010', 'https://acct.cognitiveservices.azure.us/']) {
      assert.equal(accountEndpoint({ endpoint }), endpoint);
    }
    // Through the client: the account is listed, its unsafe endpoint is not.
    const arm = await hostile('127.0.0.1', (_req, res) =>
      json(res, { value: [{ id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a', name: 'a', kind: 'OpenAI', properties: { endpoint: 'http://evil.example/' } }] }),
    );
    servers.push(arm);
    const [account] = await client(arm.base).listAccounts('s');
    assert.equal(account?.endpoint, '');
  });
});

const deployment = (name: string, batch = true): DeploymentInfo => ({ name, model: 'gpt-4o-mini', version: '', sku: batch ? 'GlobalBatch' : 'Standard', capacity: null, batch });

describe('attack 12: hostile names cost bounded time and message size', () => {
  const many = Array.from({ length: 100_000 }, (_, i) => `deploy-${i.toString(36)}-gpt4o`);

  it('closestNames of a name of any length against 100,000 names stays fast', () => {
    for (const name of ['x'.repeat(1_000_000), 'deploy-'.repeat(150_000), 'deploy-zz-gpt4o'.repeat(10)]) {
      const started = Date.now();
      closestNames(name, many);
      assert.ok(Date.now() - started < 3_000, `${name.length} chars took ${Date.now() - started} ms`);
    }
  });

  it('50,000 distinct unknown names against 100,000 deployments: bounded time, and every name gets its diagnostic', () => {
    const check = new DeploymentCheck(many.map((n) => deployment(n)));
    const started = Date.now();
    for (let i = 0; i < 50_000; i++) {
      const problem = check.problemFor(`unknown-${i}`);
      assert.equal(problem?.code, 'unknown_deployment');
    }
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });

  it('a huge body.model makes a message of bounded size', () => {
    const check = new DeploymentCheck([deployment('gpt-4o-batch'), deployment('gpt-4o', false)]);
    for (const model of ['m'.repeat(1_000_000), 'gpt-4o-batch' + 'x'.repeat(500_000)]) {
      const problem = check.problemFor(model);
      assert.ok(problem);
      const text = JSON.stringify(problem.message);
      assert.ok(text.length < 1_000, `message of ${text.length} chars`);
    }
  });
});

describe('attack 12: a 400 names the field only as a name of its own', () => {
  const error = (message: string, code?: string) => new BatchServiceError(message, 400, code, false);

  it('expires_after is not refused by a message about output_expires_after (and the reverse holds)', () => {
    assert.equal(refusesField(error("Unrecognized request argument supplied: output_expires_after"), 'expires_after'), false);
    assert.equal(refusesField(error("Invalid value for 'output_expires_after.seconds'"), 'expires_after'), false);
    assert.equal(refusesField(error('unknown field my_expires_after_x'), 'expires_after'), false);
    assert.equal(refusesField(error('Unrecognized request argument supplied: expires_after'), 'expires_after'), true);
    assert.equal(refusesField(error("Invalid value for 'expires_after.seconds'"), 'expires_after'), true);
    assert.equal(refusesField(error('bad', 'unknown_parameter:output_expires_after'), 'output_expires_after'), true);
    assert.equal(refusesField(new BatchServiceError('expires_after', 500, undefined, true), 'expires_after'), false);
  });
});

describe('attack 12: --deployments lists', () => {
  it('refuses empty entries and empty skus wherever they are', () => {
    for (const raw of ['a,,b', ',a', 'a,', ' , ', 'a:', 'a: ', 'a,b:', ':GlobalBatch', 'a:b:c', 'a b']) {
      assert.throws(() => parseDeploymentList(raw), UsageError, raw);
    }
  });

  it('one name given twice is one deployment; twice with different skus is refused', () => {
    assert.deepEqual(parseDeploymentList('a, a ,b:Standard,b:standard').map((d) => `${d.name}:${d.sku}`), ['a:GlobalBatch', 'b:Standard']);
    assert.throws(() => parseDeploymentList('a,a:Standard'), /given twice/);
  });

  it('10,000 names parse quickly', () => {
    const started = Date.now();
    assert.equal(parseDeploymentList(Array.from({ length: 10_000 }, (_, i) => `d${i}`).join(',')).length, 10_000);
    assert.ok(Date.now() - started < 1_000);
  });
});

describe('attack 12: connection checks and quota against odd inputs', () => {
  const codeError = (code: string, depth: number): Error => {
    let error: Error = Object.assign(new Error('socket'), { code });
    for (let i = 0; i < depth; i++) {
      error = new TypeError('fetch failed', { cause: error });
    }
    return error;
  };

  it('classifies socket timeouts at any depth as timeout, and anything without a code as other (never throws)', () => {
    for (const code of ['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']) {
      for (const depth of [1, 3]) {
        assert.equal(classifyCheckFailure(codeError(code, depth)).cause, 'timeout', `${code} at depth ${depth}`);
      }
    }
    const cyclic = new Error('loop');
    (cyclic as { cause?: unknown }).cause = cyclic;
    for (const odd of [null, undefined, 'text', 42, {}, new Error('plain'), cyclic]) {
      const failure = classifyCheckFailure(odd);
      assert.equal(failure.cause, 'other');
      assert.equal(failure.step, 'endpoint');
    }
  });

  it('a server that accepts and never answers ends as timeout within the check timeout', async () => {
    const sockets: Socket[] = [];
    const server = createNetServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const started = Date.now();
      const failure = await checkConnection({ endpoint, apiVersion: '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: 'k' } }, { timeoutMs: 500 });
      assert.equal(failure?.cause, 'timeout');
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('quota use is a finite number whatever the estimates, headers and limit setting say', () => {
    const bad = [NaN, Infinity, -Infinity, -5, undefined];
    for (const tokens of bad) {
      for (const limit of [...bad, 0, 1_000]) {
        const use = quotaUse('d', [{ deployment: 'd', tokens }, { deployment: 'd', tokens: 10, enqueued: { tokens: tokens ?? NaN, max: tokens, at: 1 } }], limit);
        assert.ok(Number.isFinite(use.used) && use.used >= 0, `used ${use.used} for tokens ${tokens}, limit ${limit}`);
        assert.ok(use.limit === undefined || (Number.isFinite(use.limit) && use.limit > 0), `limit ${use.limit}`);
        assert.ok(use.left === undefined || Number.isFinite(use.left), `left ${use.left}`);
        assert.ok(Number.isFinite(quotaPercent(use) ?? 0));
        assert.doesNotMatch(shortTokens(use.used), /NaN|Infinity/);
      }
    }
    assert.equal(quotaUse('d', [{ deployment: 'd', tokens: 10 }], 1_000).left, 990);
  });
});

describe('attack 12: names from Resource Manager or files in markdown tooltips', () => {
  it('every bold name in a feature tooltip goes through escapeMarkdown or markdownCode', () => {
    const root = join(__dirname, '..', '..', '..', 'src', 'features');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 10);
    const raw: string[] = [];
    for (const file of files) {
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const match of line.matchAll(/\*\*\$\{([^}]*)\}/g)) {
            if (!/^(escapeMarkdown|markdownCode)\(/.test(match[1]!)) {
              raw.push(`${file}:${i + 1}: ${match[0]}`);
            }
          }
        });
    }
    assert.deepEqual(raw, []);
  });
});
