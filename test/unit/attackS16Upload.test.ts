import * as assert from 'node:assert/strict';
import { appendFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { FileChangedError, snapshotFile } from '../../src/core/batch/client';
import { submitBatchFile } from '../../src/core/batch/submitFile';
import { emulatorClient, useEmulator } from './emulatorFixture';
import { scratch } from './emulatorHelpers';
import { requests } from './helpers';

// A file written to after it was validated, or while it is sent (an editor saving, a script appending, a
// truncation): what went out would not be what was checked. No job is created from it, and the upload is not
// left on the service.

/** About `mb` MiB of valid requests, so an upload takes several chunks of the 1 MiB read buffer. */
function bigRequests(mb: number): string {
  const line = requests(1)[0]!;
  const count = Math.ceil((mb * 1024 * 1024) / (line.length + 1));
  return requests(count).join('\n') + '\n';
}

describe('attack s16: the file changes around its upload', function () {
  this.timeout(60_000);
  const fixture = useEmulator({}, { each: true });
  const tmp = scratch();
  after(() => tmp.cleanup());

  const changes: Record<string, (path: string) => void> = {
    'appended to': (path) => appendFileSync(path, requests(1)[0]! + '\n'),
    'truncated': (path) => truncateSync(path, 10),
    'rewritten with the same size': (path) => utimesSync(path, new Date(), new Date(Date.now() + 5_000)),
  };

  for (const [what, change] of Object.entries(changes)) {
    it(`${what} while it is sent: the upload fails saying so, is deleted on the service, and no job is created`, async () => {
      const path = tmp.write(`during-${what.replace(/\W+/g, '-')}.jsonl`, bigRequests(3));
      const client = emulatorClient(fixture.emulator);
      let changed = false;
      let created = false;
      await assert.rejects(
        submitBatchFile(client, {
          path,
          endpoint: '/chat/completions',
          unchangedSince: await snapshotFile(path),
          onUploadProgress: () => {
            if (!changed) {
              changed = true;
              change(path);
            }
          },
          beforeCreate: () => void (created = true),
        }),
        (error: unknown) => error instanceof FileChangedError && /changed on disk while it was being uploaded/.test(error.message) && !error.retryable,
      );
      assert.ok(changed);
      assert.equal(created, false, 'no create');
      assert.deepEqual((await client.listFiles()).map((f) => f.filename), [], 'the mixed upload is not left on the service');
      assert.deepEqual((await client.listBatches()).data, []);
    });

    it(`${what} after it was validated: nothing is sent`, async () => {
      const path = tmp.write(`before-${what.replace(/\W+/g, '-')}.jsonl`, bigRequests(0.01));
      const client = emulatorClient(fixture.emulator);
      const checked = await snapshotFile(path);
      change(path);
      let progressed = false;
      await assert.rejects(
        submitBatchFile(client, { path, endpoint: '/chat/completions', unchangedSince: checked, onUploadProgress: () => (progressed = true) }),
        (error: unknown) => error instanceof FileChangedError && /changed on disk after it was checked/.test(error.message),
      );
      assert.equal(progressed, false, 'not a byte sent');
      assert.deepEqual(await client.listFiles(), []);
    });
  }

  it('a file left alone goes out, with or without a snapshot', async () => {
    const path = tmp.write('calm.jsonl', bigRequests(2));
    const client = emulatorClient(fixture.emulator);
    const first = await submitBatchFile(client, { path, endpoint: '/chat/completions', unchangedSince: await snapshotFile(path) });
    const second = await submitBatchFile(client, { path, endpoint: '/chat/completions' });
    assert.ok(first.batch.id && second.batch.id && first.batch.id !== second.batch.id);
    writeFileSync(path, requests(1)[0]! + '\n');
    assert.ok((await submitBatchFile(client, { path, endpoint: '/chat/completions' })).batch.id, 'a later version, checked anew, goes out too');
  });
});
