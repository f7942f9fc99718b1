import * as assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import type { RunningEmulator } from '../../src/emulator/index';
import { hostAllowed } from '../../src/emulator/server';
import { call, GA, v1 } from './emulatorHelpers';
import { useEmulator } from './emulatorFixture';

/** A raw request with exactly these headers (fetch would not let a test set `Host`). */
function raw(emulator: RunningEmulator, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: emulator.port, method, path, headers, setHost: false, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const dataRoutes = [
  ['GET', `/openai/batches?api-version=${GA}`],
  ['GET', '/openai/v1/files'],
  ['POST', '/openai/v1/batches'],
] as const;
const controlRoutes = [
  ['GET', '/_emulator/faults'],
  ['GET', '/_emulator/stats'],
  ['DELETE', '/_emulator/faults'],
] as const;

describe('emulator: authentication and the Host header', function () {
  let emulator: RunningEmulator;
  let withToken: RunningEmulator;
  useEmulator({ apiKey: 'the-key' }, { onStart: (started) => (emulator = started) });
  useEmulator({ apiKey: 'the-key', token: 'the-token' }, { onStart: (started) => (withToken = started) });

  it('never accepts a bearer token without a configured token (random Authorization headers)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string().map((t) => `Bearer ${t}`), fc.constantFrom('Bearer x', 'bearer anything', 'Bearer emulator-key', 'Basic dGhlLWtleQ==')),
        fc.constantFrom(...dataRoutes, ...controlRoutes),
        async (authorization, [method, path]) => {
          fc.pre(authorization.trim() !== 'Bearer the-key' && !/^bearer\s+the-key\s*$/i.test(authorization.trim()));
          const headers: Record<string, string> = { 'api-key': '' };
          if (/^[\t\x20-\x7e]*$/.test(authorization) && authorization.length > 0) {
            headers.authorization = authorization;
          }
          const answer = await call(emulator, method, path, { headers });
          assert.equal(answer.status, 401, `${method} ${path} with ${JSON.stringify(authorization)}`);
          assert.equal(answer.json.error.code, '401');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('accepts only the configured token (or the key) as a bearer token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }).filter((t) => /^[\x21-\x7e]+$/.test(t) && t !== 'the-token' && t !== 'the-key'), async (token) => {
        const answer = await call(withToken, 'GET', '/openai/v1/batches', { headers: { 'api-key': '', authorization: `Bearer ${token}` } });
        assert.equal(answer.status, 401, token);
      }),
      { numRuns: 40 },
    );
    for (const [method, path] of [...controlRoutes, ['GET', '/openai/v1/batches'] as const]) {
      assert.equal((await call(withToken, method, path, { headers: { 'api-key': '', authorization: 'Bearer the-token' } })).status, 200, `${method} ${path}`);
      assert.equal((await call(withToken, method, path, { headers: { 'api-key': '', authorization: 'Bearer the-key' } })).status, 200, `${method} ${path}`);
    }
    assert.ok(Array.isArray((await v1(withToken).batches.list()).data), 'the OpenAI client (key as a bearer token) still works');
  });

  it('needs the key on the control routes too', async () => {
    for (const [method, path] of controlRoutes) {
      assert.equal((await call(emulator, method, path, { headers: { 'api-key': '' } })).status, 401, `${method} ${path} without a key`);
      assert.equal((await call(emulator, method, path, { headers: { 'api-key': 'wrong' } })).status, 401, `${method} ${path} with a wrong key`);
      assert.equal((await call(emulator, method, path, { headers: { 'api-key': '', authorization: 'Bearer anything' } })).status, 401, `${method} ${path} with a bearer`);
      assert.equal((await call(emulator, method, path)).status, 200, `${method} ${path} with the key`);
    }
    const added = await call(emulator, 'POST', '/_emulator/faults', { headers: { 'api-key': '' }, body: { kind: 'status', status: 500 } });
    assert.equal(added.status, 401);
    assert.equal(emulator.faults.list().length, 0, 'nothing was added without the key');
  });

  it('answers only requests that name a loopback host (DNS rebinding)', async () => {
    for (const host of ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]', `127.0.0.1:${emulator.port}`, `localhost:${emulator.port}`, '[::1]:1']) {
      const answer = await raw(emulator, 'GET', `/openai/batches?api-version=${GA}`, { host, 'api-key': 'the-key' });
      assert.equal(answer.status, 200, host);
    }
    for (const host of ['evil.example', `evil.example:${emulator.port}`, 'localhost.evil.example', '127.0.0.2', '10.0.0.1', '[::2]', '0.0.0.0', 'localhost:abc', '127.0.0.1:80:80', '']) {
      for (const [method, path] of [...dataRoutes, ...controlRoutes]) {
        const answer = await raw(emulator, method, path, { host, 'api-key': 'the-key' });
        assert.equal(answer.status, 421, `${host} ${method} ${path}`);
        assert.equal(answer.json.error.code, 'MisdirectedRequest');
        assert.match(answer.json.error.message, /Host header/);
      }
    }
  });

  it('refuses random Host headers that are not a loopback name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.domain(), fc.ipV4(), fc.webAuthority(), fc.string()), fc.option(fc.integer({ min: 0, max: 65535 })), (name, port) => {
        const host = port === null ? name : `${name}:${port}`;
        const bare = name.toLowerCase();
        const loopback = bare === 'localhost' || bare === '127.0.0.1';
        assert.equal(hostAllowed(host, '127.0.0.1'), loopback && !/[\s]/.test(host), host);
      }),
      { numRuns: 500 },
    );
    assert.equal(hostAllowed(undefined, '127.0.0.1'), true, 'HTTP/1.0 without Host: no browser sends that');
    assert.equal(hostAllowed('[::1]:8080', '127.0.0.1'), true);
    assert.equal(hostAllowed('[fe80::1]:8080', 'fe80::1'), true, 'the address it listens on');
    assert.equal(hostAllowed('[fe80::1]', '127.0.0.1'), false);
  });

  it('does not count refused hosts in the stats and keeps serving', async () => {
    emulator.resetStats();
    await raw(emulator, 'GET', `/openai/batches?api-version=${GA}`, { host: 'evil.example', 'api-key': 'the-key' });
    assert.equal(emulator.stats.listBatches, 0);
    assert.equal((await call(emulator, 'GET', `/openai/batches?api-version=${GA}`)).status, 200);
    assert.equal(emulator.stats.listBatches, 1);
  });
});
