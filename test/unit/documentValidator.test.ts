import * as assert from 'node:assert/strict';
import { DocumentValidator } from '../../src/core/jsonl/documentValidator';
import { validateText } from '../../src/core/jsonl/streamValidator';
import { codes, request, requests, seeded } from './helpers';

/** A document model like the editor's: lines split on line breaks, edited by replacing line ranges. */
class FakeDocument {
  lines: string[];
  readonly validator = new DocumentValidator();
  constructor(text: string) {
    this.lines = text.split('\n');
    this.validator.reset(this.lines.length);
    this.flush();
  }
  /** Replaces lines [start, start + deleteCount) with `texts`, as an editor change would. */
  edit(start: number, deleteCount: number, texts: string[]): void {
    this.lines.splice(start, deleteCount, ...texts);
    this.validator.splice(start, deleteCount, texts.length);
  }
  flush(): void {
    assert.ok(this.validator.flush((line) => this.lines[line]!));
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

describe('DocumentValidator', () => {
  it('reports what the streaming validator reports for the same text', () => {
    const text = [request({ custom_id: 'a' }), '', request({ custom_id: 'a' }, { model: 'other' }), '{bad', request({ custom_id: 'b', url: '/v1/chat/completions' }), ''].join('\n');
    const doc = new FakeDocument(text);
    assert.deepEqual(doc.validator.diagnostics(), validateText(text).diagnostics);
    assert.equal(doc.validator.requestCount, 4);
  });

  it('stays equal to a full validation through random edits', () => {
    const random = seeded(42);
    const pool = [
      () => request({ custom_id: `id-${Math.floor(random() * 30)}` }),
      () => request({ custom_id: `id-${Math.floor(random() * 30)}` }, { model: random() < 0.5 ? 'gpt-4.1-batch' : 'YOUR_DEPLOYMENT' }),
      () => request({ custom_id: `id-${Math.floor(random() * 30)}`, url: random() < 0.5 ? '/v1/chat/completions' : '/nope' }),
      () => '',
      () => '{"custom_id": ',
      () => request({ custom_id: `x-${Math.floor(random() * 5)}`, method: 'GET' }),
    ];
    const doc = new FakeDocument(requests(40).join('\n') + '\n');
    for (let step = 0; step < 400; step++) {
      const start = Math.floor(random() * doc.lines.length);
      const deleteCount = Math.min(Math.floor(random() * 3), doc.lines.length - start);
      const inserted = Array.from({ length: Math.floor(random() * 3) }, () => pool[Math.floor(random() * pool.length)]!());
      if (deleteCount === 0 && inserted.length === 0) {
        continue;
      }
      if (doc.lines.length - deleteCount + inserted.length === 0) {
        continue;
      }
      doc.edit(start, deleteCount, inserted);
      if (step % 3 === 0) {
        doc.flush();
        assert.deepEqual(doc.validator.diagnostics(), validateText(doc.text).diagnostics, `after step ${step}`);
      }
    }
  });

  it('analyses a large document in slices when given a deadline', () => {
    const lines = requests(20_000);
    const validator = new DocumentValidator();
    validator.reset(lines.length);
    let slices = 0;
    while (!validator.flush((line) => lines[line]!, performance.now() + 1)) {
      slices++;
    }
    assert.ok(slices > 1, 'needed more than one slice');
    assert.equal(validator.requestCount, 20_000);
    assert.deepEqual(validator.diagnostics(), []);
  });

  it('reports a byte order mark kept in the text, and one removed by the editor', () => {
    const withMark = new FakeDocument('\uFEFF' + request());
    assert.deepEqual(codes(withMark.validator.diagnostics()), ['bom']);
    const hidden = new FakeDocument(request());
    hidden.validator.setBomOnDisk(true);
    assert.deepEqual(codes(hidden.validator.diagnostics()), ['bom']);
    // Moving the marked line down turns its mark into an ordinary (invalid) character.
    withMark.edit(0, 0, [request({ custom_id: 'b' })]);
    withMark.flush();
    assert.deepEqual(codes(withMark.validator.diagnostics()), ['invalid_json_line']);
  });

  it('applies limits and reports the file deployment and endpoint', () => {
    const doc = new FakeDocument(requests(5).join('\n'));
    assert.equal(doc.validator.deployment, 'gpt-4o-batch');
    assert.equal(doc.validator.endpoint, '/chat/completions');
    doc.validator.setLimits({ maxRequests: 4, maxBytes: 1e9 });
    assert.deepEqual(codes(doc.validator.diagnostics()), ['too_many_tasks']);
    doc.validator.setLimits({ maxRequests: 10, maxBytes: 10 });
    assert.deepEqual(codes(doc.validator.diagnostics()), ['file_too_large']);
  });
});
