import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient } from '../../src/core/batch/client';
import type { ConnectionConfig } from '../../src/core/batch/connection';
import { checkConnection, classifyCheckFailure } from '../../src/core/batch/connectionCheck';
import { BatchServiceError } from '../../src/core/batch/errors';
import type { RunningEmulator } from '../../src/emulator/index';
import { useEmulator } from './emulatorFixture';
import { PREVIEW, scratch } from './emulatorHelpers';
import { requests } from './helpers';
import { deadPort } from '../shared/ports';


/** A self-signed certificate made by openssl, or undefined where there is no openssl. */
function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'aoai-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const config = (endpoint: string, apiKey: string, extra: Partial<ConnectionConfig> = {}): ConnectionConfig => ({ endpoint, apiVersion: PREVIEW, credential: { kind: 'apiKey', apiKey }, timeoutMs: 5_000, ...extra });

describe('the connection check', function () {
  this.timeout(30_000);
  let emulator: RunningEmulator;
  useEmulator({}, { onStart: (started) => (emulator = started) });

  it('passes against a working service', async () => {
    assert.equal(await checkConnection(config(emulator.url, emulator.apiKey)), undefined);
  });

  it('names a wrong key as 401 and returns to the credential step', async () => {
    const failure = await checkConnection(config(emulator.url, 'not-the-key'));
    assert.equal(failure?.cause, 'unauthorized');
    assert.equal(failure?.step, 'credential');
    assert.equal(failure?.status, 401);
    assert.doesNotMatch(failure?.detail ?? '', /not-the-key/);
  });

  it('names an address that is not an Azure OpenAI endpoint as 404 and returns to the endpoint step', async () => {
    const failure = await checkConnection(config(`${emulator.url}/some/proxy`, emulator.apiKey));
    assert.equal(failure?.cause, 'notFound');
    assert.equal(failure?.step, 'endpoint');
    assert.equal(failure?.status, 404);
  });

  it('names an api-version the service does not serve as 404', async () => {
    const failure = await checkConnection(config(emulator.url, emulator.apiKey, { apiVersion: '2023-01-01' }));
    assert.equal(failure?.cause, 'notFound');
  });

  it('names a refused connection', async () => {
    const failure = await checkConnection(config(`http://127.0.0.1:${await deadPort()}`, 'k'));
    assert.equal(failure?.cause, 'refused');
    assert.equal(failure?.step, 'endpoint');
  });

  it('names a port that fetch blocks (no request is made) instead of "bad port"', async () => {
    const failure = await checkConnection(config('http://127.0.0.1:9', 'k'));
    assert.equal(failure?.cause, 'blockedPort');
    assert.equal(failure?.step, 'endpoint');
  });

  it('names a host that does not resolve', async () => {
    const failure = await checkConnection(config('https://no-such-resource.invalid', 'k'));
    assert.equal(failure?.cause, 'hostNotFound');
    assert.equal(failure?.step, 'endpoint');
  });

  it('names a failed TLS handshake (a self-signed certificate)', async function () {
    const credentials = selfSignedCertificate();
    if (!credentials) {
      this.skip();
    }
    const server = https.createServer(credentials!, (_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const failure = await checkConnection(config(`https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, 'k'));
      assert.equal(failure?.cause, 'tls');
      assert.equal(failure?.step, 'endpoint');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('classifies errors by their cause codes when there is no status', () => {
    const network = (codes: string[]) => new BatchServiceError('Could not reach the service.', undefined, 'network', true, undefined, { causeCodes: codes });
    const table: [BatchServiceError, string][] = [
      [network(['ENOTFOUND']), 'hostNotFound'],
      [network(['EAI_AGAIN']), 'hostNotFound'],
      [network(['ECONNREFUSED']), 'refused'],
      [network(['UNABLE_TO_VERIFY_LEAF_SIGNATURE']), 'tls'],
      [network(['CERT_HAS_EXPIRED']), 'tls'],
      [network(['ERR_TLS_CERT_ALTNAME_INVALID']), 'tls'],
      [new BatchServiceError('The service did not answer in time.', undefined, 'timeout', true), 'timeout'],
      [new BatchServiceError('Forbidden (HTTP 403)', 403, '403', false), 'unauthorized'],
      [new BatchServiceError('Server error (HTTP 500)', 500, '500', true), 'other'],
    ];
    for (const [error, cause] of table) {
      assert.equal(classifyCheckFailure(error).cause, cause, error.message);
    }
  });

  it('an OpenAI connection talks to /v1 with a bearer key and no api-version', async () => {
    const openai = config(emulator.url, emulator.apiKey, { service: 'openai', apiVersion: '' });
    assert.equal(await checkConnection(openai), undefined);
    const wrong = await checkConnection({ ...openai, credential: { kind: 'apiKey', apiKey: 'wrong' } });
    assert.equal(wrong?.cause, 'unauthorized');
    const files = scratch();
    try {
      const client = new BatchClient(openai);
      const uploaded = await client.uploadFile(files.write('in.jsonl', requests(2).join('\n') + '\n'));
      await client.waitForFileProcessed(uploaded.id, { pollMs: 20 });
      const { batch } = await client.createBatch({ inputFileId: uploaded.id, endpoint: '/chat/completions' });
      assert.equal((await client.getBatch(batch.id)).id, batch.id);
      assert.ok((await client.listBatches()).data.some((b) => b.id === batch.id));
    } finally {
      files.cleanup();
    }
  });
});
