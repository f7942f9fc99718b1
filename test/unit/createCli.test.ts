import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateFile } from '../../src/core/jsonl/fileValidator';
import { runCli } from './cliProcess';
import { useTempFolder } from './createFixture';

describe('CLI create', function () {
  this.timeout(60_000);
  const folder = useTempFolder('aoai-create-cli-');
  const write = folder.write;

  it('creates from flags, with the exact flag names, a file that validates clean', async () => {
    const data = write('reviews.csv', 'id,text\nr1,"Good, ""really"""\nr2,"Two\nlines"\n');
    const out = join(folder.dir(), 'flags.jsonl');
    const run = await runCli(['create', data, '--prompt', 'Review: {{text}}', '--system', 'Classify.', '--model', 'gpt-4o-mini-batch', '--url', '/chat/completions', '--id-column', 'id', '--max-tokens', '40', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${out}: 2 requests from 2 rows\n`);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[1], {
      custom_id: 'r2',
      method: 'POST',
      url: '/chat/completions',
      body: { model: 'gpt-4o-mini-batch', messages: [{ role: 'system', content: 'Classify.' }, { role: 'user', content: 'Review: Two\nlines' }], max_tokens: 40 },
    });
    assert.equal((await validateFile(out)).total, 0);
  });

  it('creates from a template file, its data and schema relative to it, into NAME.jsonl beside the data', async () => {
    write('schema.json', JSON.stringify({ type: 'object', properties: { label: { type: 'string' } }, required: ['label'], additionalProperties: false }));
    write('items.json', '[{"item": {"name": "Lamp"}}, {"item": {"name": "Desk"}}]');
    const template = write('items.batch-template.json', JSON.stringify({ data: 'items.json', endpoint: '/v1/responses', model: 'gpt-4.1-batch', prompt: 'Describe {{item.name}} as {{item|json}}', responseFormat: 'schema.json' }));
    const run = await runCli(['create', '--template', template]);
    assert.equal(run.code, 0, run.stderr);
    const out = join(folder.dir(), 'items.jsonl');
    const first = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!);
    assert.equal(first.body.input, 'Describe Lamp as {"name":"Lamp"}');
    assert.equal(first.body.text.format.name, 'schema');
    assert.equal((await validateFile(out)).total, 0);
    // Run again: the file exists and is replaced only with --force.
    const again = await runCli(['create', '--template', template]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists\. Use --force to replace it\.\n$/);
    assert.equal((await runCli(['create', '--template', template, '--force', '--model', 'other-batch'])).code, 0);
    assert.equal(JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!).body.model, 'other-batch');
  });

  it('reports rows without a column in one sentence with their lines, writes nothing, exits 1', async () => {
    const data = write('short.tsv', 'id\ttext\n1\tok\n2\n3\tfine\n');
    const out = join(folder.dir(), 'short.jsonl');
    const run = await runCli(['create', data, '--prompt', '{{text}}', '--model', 'gpt-4o-batch', '--out', out]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `error: ${data}: 1 row of 3 cannot be converted: line 3: column "text" has no value. Nothing was written (--skip-invalid-rows writes the other rows).\n`);
    assert.equal(existsSync(out), false);
    const skipped = await runCli(['create', data, '--prompt', '{{text}}', '--model', 'gpt-4o-batch', '--out', out, '--skip-invalid-rows']);
    assert.equal(skipped.code, 0);
    assert.match(skipped.stderr, /^warning: .*line 3: column "text" has no value\. Those rows were skipped\.\n$/);
    assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 2);
  });

  it('names a placeholder the CSV header lacks, and the header\'s columns', async () => {
    const data = write('h.csv', 'a;b\n1;2\n');
    const run = await runCli(['create', data, '--prompt', '{{c}}', '--model', 'gpt-4o-batch']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `error: ${data}: the header has no column "c" (its columns: a, b)\n`);
  });

  it('reports a duplicate id column value with both lines', async () => {
    const data = write('dup.jsonl', '{"id":"x","t":"a"}\n{"id":"x","t":"b"}\n');
    const run = await runCli(['create', data, '--prompt', '{{t}}', '--model', 'gpt-4o-batch', '--id-column', 'id']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /line 2: custom_id "x" \(column "id"\) is also on line 1\. Nothing was written/);
    // JSONL data: the batch file goes to NAME.batch.jsonl, never over the data.
    const fixed = write('dup2.jsonl', '{"id":"x","t":"a"}\n{"id":"y","t":"b"}\n');
    const ok = await runCli(['create', fixed, '--prompt', '{{t}}', '--model', 'gpt-4o-batch', '--id-column', 'id']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `${join(folder.dir(), 'dup2.batch.jsonl')}: 2 requests from 2 rows\n`);
  });

  it('exits 2 for wrong arguments and a broken template', async () => {
    const data = write('d.csv', 'a\n1\n');
    const cases: [string[], RegExp][] = [
      [['create', data], /give --template FILE, or --prompt TEXT and --model NAME/],
      [['create', data, '--prompt', 'x', '--model', 'm', '--max-tokens', 'lots'], /--max-tokens takes a number, not "lots"/],
      [['create', data, '--prompt', 'x', '--model', 'm', '--url', '/completions'], /"endpoint" must be a batch endpoint/],
      [['create', '--template', write('bad.batch-template.json', '{"endpoint": 1}')], /bad\.batch-template\.json: "endpoint" must be a non-empty string/],
      [['create', join(folder.dir(), 'nope.csv'), '--prompt', 'x', '--model', 'm'], /cannot read .*nope\.csv: ENOENT/],
      [['create', '--prompt', 'x', '--model', 'm'], /name the data file/],
      [['create', data, '--prompt', 'Review: {{a', '--model', 'm'], /error: "prompt": "\{\{" at column 9 is not closed/],
      [['create', data, '--template', write('open.batch-template.json', JSON.stringify({ endpoint: '/chat/completions', model: 'm', prompt: '{{a}}', system: 'As {{role' }))], /open\.batch-template\.json: "system": "\{\{" at column 4 is not closed/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });

  it('prints its help', async () => {
    const run = await runCli(['create', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^usage: aoai-batch create \[DATA\] \(--template FILE\.batch-template\.json \| --prompt TEXT --model NAME\)/);
    assert.match(run.stdout, /\{\{column\|json\}\}/);
  });
});
