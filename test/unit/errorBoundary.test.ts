import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { APIUserAbortError } from 'openai';
import { BatchServiceError, OperationCancelledError, toServiceError } from '../../src/core/batch/errors';
import { classifyError, errorDetails, firstSentence, isCancellation, UserFacingError } from '../../src/features/errors';

/** The shape of `vscode.CancellationError`, which cannot be loaded outside the extension host. */
class CanceledLikeVscode extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

function abortReason(): unknown {
  const controller = new AbortController();
  controller.abort();
  return controller.signal.reason;
}

describe('the command error boundary (pure part)', () => {
  describe('cancellation is silent', () => {
    const cancellations: [string, () => unknown][] = [
      ["the core's OperationCancelledError", () => new OperationCancelledError()],
      ["the SDK's APIUserAbortError", () => new APIUserAbortError()],
      ['an AbortSignal reason (DOMException AbortError)', abortReason],
      ['an aborted stream or fetch (name AbortError)', () => Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })],
      ["VS Code's CancellationError", () => new CanceledLikeVscode()],
      ['an SDK abort converted by the core', () => toServiceError(new APIUserAbortError())],
    ];
    for (const [name, make] of cancellations) {
      it(name, () => {
        const error = make();
        assert.equal(isCancellation(error), true);
        assert.deepEqual(classifyError(error), { kind: 'cancelled' });
      });
    }

    it('but not an error that only mentions cancelling, or an error named like one with another message', () => {
      for (const error of [new Error('The operation was cancelled.'), Object.assign(new Error('Something else'), { name: 'Canceled' }), 'AbortError', undefined, null, 0]) {
        assert.equal(classifyError(error).kind, 'error', String(error));
      }
    });
  });

  describe('any other error is one sentence for the user and details for the log', () => {
    it('shows the first sentence only, without the stack, and logs the stack and causes', () => {
      const cause = new Error('socket hang up');
      const error = new BatchServiceError('The file is not valid JSONL. Line 3 is cut off. Fix it and upload again.', 400, 'invalid_request', false);
      (error as { cause?: unknown }).cause = cause;
      const report = classifyError(error);
      assert.equal(report.kind, 'error');
      if (report.kind !== 'error') {
        return;
      }
      assert.equal(report.message, 'The file is not valid JSONL.');
      assert.match(report.details, /BatchServiceError: The file is not valid JSONL\. Line 3 is cut off\./);
      assert.match(report.details, /\n\s+at /, 'the stack is in the details');
      assert.match(report.details, /Caused by: Error: socket hang up/);
      assert.deepEqual(report.actions, []);
    });

    it('keeps the actions of a UserFacingError', () => {
      let ran = 0;
      const error = new UserFacingError('No API key is stored for "x". Edit the connection to enter it.', [{ title: 'Edit Connection', run: () => ran++ }]);
      const report = classifyError(error);
      assert.equal(report.kind, 'error');
      if (report.kind !== 'error') {
        return;
      }
      assert.equal(report.message, 'No API key is stored for "x".');
      assert.deepEqual(
        report.actions.map((a) => a.title),
        ['Edit Connection'],
      );
      report.actions[0]!.run();
      assert.equal(ran, 1);
    });

    it('describes thrown values that are not errors', () => {
      assert.deepEqual(classifyError('plain text. More.'), { kind: 'error', message: 'plain text.', details: 'plain text. More.', actions: [] });
      const report = classifyError({ code: 42 });
      assert.equal(report.kind === 'error' && report.message, '{"code":42}');
      for (const nothing of [undefined, null]) {
        const silent = classifyError(nothing);
        assert.equal(silent.kind === 'error' && silent.message, '', 'the boundary supplies its own sentence');
        assert.equal(silent.kind === 'error' && silent.details, String(nothing));
      }
    });

    it('never shows or logs a secret from the message or a cause (property)', () => {
      const secret = fc.stringMatching(/^[A-Za-z0-9]{12,32}$/);
      const words = fc.array(fc.constantFrom('Upload', 'failed', 'at', 'the', 'service', 'for', 'file.jsonl', 'e.g.', 'v1.2', '(HTTP 500).', 'Try', 'again.', '\n    at x (y.js:1:1)'), { maxLength: 12 });
      fc.assert(
        fc.property(words, words, secret, secret, fc.boolean(), (before, after, key, password, inCause) => {
          const text = `${before.join(' ')} https://user:${password}@example.test/openai?api-key=${key}&x=1 ${after.join(' ')}`;
          const error = inCause ? new Error('Wrapped.', { cause: new Error(text) }) : new Error(text);
          const report = classifyError(error);
          assert.equal(report.kind, 'error');
          if (report.kind !== 'error') {
            return;
          }
          for (const shown of [report.message, report.details]) {
            assert.ok(!shown.includes(key) && !shown.includes(password), shown);
          }
          assert.ok(!report.message.includes('\n'), 'one line');
          assert.ok(report.message.length <= 301, 'short');
          assert.doesNotMatch(report.message, /^\s|\s$/);
        }),
      );
    });
  });

  describe('firstSentence', () => {
    const cases: [string, string][] = [
      ['One. Two.', 'One.'],
      ['Is it? Yes.', 'Is it?'],
      ['Use e.g. the emulator. Then go.', 'Use e.g. the emulator.'],
      ['Could not reach 127.0.0.1:8080. Retry.', 'Could not reach 127.0.0.1:8080.'],
      ['Version v1.2 is old', 'Version v1.2 is old'],
      ['{0} has 3 errors; fix them first (see the Problems view).', '{0} has 3 errors; fix them first (see the Problems view).'],
      ['The result files were deleted ("Delete Files on the Service"), so they are gone.', 'The result files were deleted ("Delete Files on the Service"), so they are gone.'],
      ['Bad input. "quoted" next.', 'Bad input. "quoted" next.'],
      ['Bad input. "Quoted" next.', 'Bad input.'],
      ['Failed: 500. 2 retries left.', 'Failed: 500.'],
      ['First line\n    at stack (file.js:1:1)', 'First line'],
      ['  padded.  ', 'padded.'],
      ['', ''],
    ];
    for (const [input, expected] of cases) {
      it(JSON.stringify(input), () => assert.equal(firstSentence(input), expected));
    }

    it('cuts a long sentence at a word, with an ellipsis', () => {
      const long = `${'word '.repeat(100)}end.`;
      const cut = firstSentence(long);
      assert.ok(cut.length <= 301, String(cut.length));
      assert.ok(cut.endsWith('word…'), cut.slice(-10));
    });
  });

  it('errorDetails follows causes and stops at a non-error cause', () => {
    const error = new Error('outer', { cause: new Error('middle', { cause: 'innermost text' }) });
    const details = errorDetails(error);
    assert.match(details, /^Error: outer/);
    assert.match(details, /Caused by: Error: middle/);
    assert.match(details, /Caused by: innermost text$/);
  });
});
