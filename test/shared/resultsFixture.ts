// A job with failures for the results viewer's tests (extension host and UI): product reviews classified with a
// structured output (`json_schema`), joined back to their input by the real join. Row shapes follow the batch
// documentation (chat completions with Azure's content filter results; errors as the error file has them).
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { joinResults } from '../../src/core/results/join';

export interface ResultsFixture {
  readonly inputPath: string;
  readonly resultsPath: string;
  readonly rows: number;
  readonly failed: number;
  readonly missing: number;
  /** The custom_id of a failed row and a word only its prompt holds, for search. */
  readonly searchWord: string;
  readonly searchId: string;
}

const products = ['kettle', 'headphones', 'backpack', 'desk lamp', 'running shoes', 'blender', 'keyboard', 'tent'];
const opinions = [
  ['Works perfectly and looks great on the counter.', 'positive', 0.94],
  ['Stopped working after two weeks, very disappointed.', 'negative', 0.12],
  ['Does the job, nothing special.', 'neutral', 0.55],
  ['Absolutely love it, would buy again!', 'positive', 0.98],
  ['The strap broke on the first trip.', 'negative', 0.08],
  ['Arrived late but works as described.', 'neutral', 0.6],
] as const;
const schema = {
  type: 'json_schema',
  json_schema: {
    name: 'review',
    strict: true,
    schema: {
      type: 'object',
      properties: { sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative'] }, score: { type: 'number' }, summary: { type: 'string' } },
      required: ['sentiment', 'score', 'summary'],
      additionalProperties: false,
    },
  },
};
const safe = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };

/** Writes `NAME.jsonl`, its output and error files and the joined `NAME.results.jsonl` into `folder`. */
export async function writeResultsFixture(folder: string, name = 'reviews', rows = 48): Promise<ResultsFixture> {
  const input: string[] = [];
  const output: string[] = [];
  const errors: string[] = [];
  let failed = 0;
  let missing = 0;
  const searchId = `review-${String(17).padStart(3, '0')}`;
  for (let n = 1; n <= rows; n++) {
    const id = `review-${String(n).padStart(3, '0')}`;
    const product = products[n % products.length]!;
    const [text, sentiment, score] = opinions[n % opinions.length]!;
    const review = n === 17 ? 'The zeppelin-shaped lid leaks when it is full.' : text;
    input.push(
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/chat/completions',
        body: {
          model: 'gpt-4o-mini-batch',
          messages: [
            { role: 'system', content: 'Classify the sentiment of the product review. Answer in JSON.' },
            { role: 'user', content: `Product: ${product}\nReview: ${review}` },
          ],
          response_format: schema,
          max_tokens: 200,
        },
      }),
    );
    if (n % 11 === 0 || n === 17) {
      failed++;
      const [status, code, message] = n % 2 === 0 ? [500, 'server_error', 'The server had an error while processing your request.'] : [429, 'too_many_requests', 'Rate limit reached for the deployment. Please retry after 12 seconds.'];
      errors.push(JSON.stringify({ id: `batch_req_${n}`, custom_id: id, response: { status_code: status, request_id: `req-${n}`, body: { error: { code, message } } }, error: null }));
    } else if (n % 19 === 0) {
      missing++;
    } else {
      // Two answers break the schema: one is not JSON, one misses a required field.
      const answer = n === 5 ? 'Sentiment: positive' : n === 8 ? JSON.stringify({ sentiment, summary: `${product}: ${text}` }) : JSON.stringify({ sentiment, score, summary: `${product}: ${text.toLowerCase().replace(/[.!]$/, '')}` });
      output.push(
        JSON.stringify({
          id: `batch_req_${n}`,
          custom_id: id,
          response: {
            status_code: 200,
            request_id: `req-${n}`,
            body: {
              id: `chatcmpl-${n}`,
              object: 'chat.completion',
              created: 1767225600,
              model: 'gpt-4o-mini-2024-07-18',
              choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: answer, refusal: null }, content_filter_results: safe }],
              usage: { prompt_tokens: 48 + (n % 7), completion_tokens: 20 + (n % 5), total_tokens: 68 + (n % 7) + (n % 5) },
              prompt_filter_results: [{ prompt_index: 0, content_filter_results: safe }],
            },
          },
          error: null,
        }),
      );
    }
  }
  const inputPath = path.join(folder, `${name}.jsonl`);
  const outputPath = path.join(folder, `${name}.output.jsonl`);
  const errorsPath = path.join(folder, `${name}.errors.jsonl`);
  const resultsPath = path.join(folder, `${name}.results.jsonl`);
  writeFileSync(inputPath, input.join('\n') + '\n');
  writeFileSync(outputPath, output.join('\n') + '\n');
  writeFileSync(errorsPath, errors.join('\n') + '\n');
  await joinResults(inputPath, [{ output: outputPath, errors: errorsPath }], resultsPath, { overwrite: true });
  return { inputPath, resultsPath, rows, failed, missing, searchWord: 'zeppelin', searchId };
}
