import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { joinResults } from '../src/core/results/join';
import { buildResultsModel, pageOf, queryResults, type ResultsModel, type ResultsQuery } from '../src/core/results/viewModel';
import { ensureJobOutputs } from './join';
import { collectGarbage, floorPass, samples, type Samples } from './measure';

export interface ViewerBenchResult {
  readonly rows: number;
  readonly bytes: number;
  /** Reading and parsing the input and the results file once each. */
  readonly floor: Samples;
  readonly build: Samples;
  /** From the start of the build to the first 100 rows of the unfiltered view, from the growing model's first report. */
  readonly firstPage: Samples;
  /** The same after the whole build (what a viewer without progress reports would wait for). */
  readonly pageAfterBuild: Samples;
  /** Query timings (median over runs, after one warm-up), by name. */
  readonly queries: readonly { readonly name: string; readonly time: Samples; readonly matched: number }[];
  /** The first sort by a text column ranks the column once: its cost before the ranks are cached. */
  readonly firstTextSortMs: number;
  /** ...and by the prompt column (longer texts, in many scripts). */
  readonly firstPromptSortMs: number;
  /** Memory the model holds after a full collection: heap, and array buffers outside it. */
  readonly heapMiB: number;
}

const pageSize = 100;

/**
 * The results viewer's model over a job's joined results (the join bench's outputs joined back to its input):
 * building it against the floor of reading and parsing the same two files, the time to the first page, filters,
 * search and sorts over every row, and the heap the model keeps.
 */
export async function benchViewer(inputPath: string, dataDir: string, runs: number, log: (text: string) => void): Promise<ViewerBenchResult> {
  const { ids, output, errors } = await ensureJobOutputs(inputPath, dataDir);
  const resultsPath = join(dataDir, `viewer-${ids.length}.results.jsonl`);
  if (!existsSync(resultsPath)) {
    await joinResults(inputPath, [{ output, errors }], resultsPath);
  }
  const bytes = statSync(inputPath).size + statSync(resultsPath).size;

  const floorMs: number[] = [];
  const buildMs: number[] = [];
  const firstPageMs: number[] = [];
  const afterBuildMs: number[] = [];
  let model: ResultsModel | undefined;
  for (let run = 0; run <= runs; run++) {
    collectGarbage();
    const floorStart = performance.now();
    await floorPass(inputPath);
    await floorPass(resultsPath);
    const floor = performance.now() - floorStart;
    model = undefined;
    collectGarbage();
    const start = performance.now();
    let firstPage = NaN;
    const onProgress = (partial: ResultsModel) => {
      if (Number.isNaN(firstPage) && partial.rowCount >= pageSize && pageOf(partial, queryResults(partial), 0, pageSize).length === pageSize) {
        firstPage = performance.now() - start;
      }
    };
    model = await buildResultsModel(resultsPath, { inputPath, onProgress });
    const built = performance.now() - start;
    const first = pageOf(model, queryResults(model), 0, pageSize);
    const afterBuild = performance.now() - start;
    if (model.rowCount !== ids.length || first.length !== Math.min(pageSize, ids.length)) {
      throw new Error(`viewer bench: ${model.rowCount} rows of ${ids.length}, first page of ${first.length}`);
    }
    if (run > 0) {
      floorMs.push(floor);
      buildMs.push(built);
      firstPageMs.push(Number.isNaN(firstPage) ? afterBuild : firstPage);
      afterBuildMs.push(afterBuild);
    }
    log(`  run ${run}${run === 0 ? ' (warm-up)' : ''}: floor ${floor.toFixed(0)} ms, build ${built.toFixed(0)} ms, first page ${firstPage.toFixed(0)} ms (${afterBuild.toFixed(0)} ms after the build)`);
  }
  const built = model!;

  // The first sort by a text column pays for ranking it once.
  const coldStart = performance.now();
  queryResults(built, { sort: { column: 'custom_id' } });
  const firstTextSortMs = performance.now() - coldStart;
  const promptStart = performance.now();
  queryResults(built, { sort: { column: 'prompt' } });
  const firstPromptSortMs = performance.now() - promptStart;

  // Each run searches a different needle: the model caches the last search's hits (a new sort or filter over the
  // same search reuses them), and what is measured here is a search typed anew.
  const queries: [string, (run: number) => ResultsQuery][] = [
    ['no filter (all rows)', () => ({})],
    ['filter: status failed', () => ({ statuses: ['failed'] })],
    ['filter: error code', () => ({ codes: ['too_many_requests'] })],
    ['search: "numéro 4242" (rare)', (run) => ({ search: `numéro ${4242 + run}:` })],
    ['search: "lorem" (every row)', (run) => ({ search: run % 2 === 0 ? 'LOREM' : 'Ipsum' })],
    ['search + status + sort by output tokens desc', (run) => ({ search: `numéro ${run + 1}`, statuses: ['succeeded'], sort: { column: 'outputTokens', descending: true } })],
    ['sort all by custom_id desc (ranked)', () => ({ sort: { column: 'custom_id', descending: true } })],
    ['sort all by cost', () => ({ sort: { column: 'cost' } })],
  ];
  const results = queries.map(([name, query]) => {
    const matched = queryResults(built, query(0)).rows.length;
    const times: number[] = [];
    for (let run = 1; run <= Math.max(runs, 5); run++) {
      const started = performance.now();
      const view = queryResults(built, query(run));
      pageOf(built, view, 0, pageSize);
      times.push(performance.now() - started);
    }
    return { name, time: samples(times), matched };
  });

  model = undefined;
  collectGarbage();
  // The heap and the buffers outside it (the search index's UTF-8 chunks).
  const used = () => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const before = used();
  const held = await buildResultsModel(resultsPath, { inputPath });
  collectGarbage();
  const heapMiB = (used() - before) / (1024 * 1024);
  if (held.rowCount !== ids.length) {
    throw new Error('viewer bench: the model lost rows');
  }
  return { rows: ids.length, bytes, floor: samples(floorMs), build: samples(buildMs), firstPage: samples(firstPageMs), pageAfterBuild: samples(afterBuildMs), queries: results, firstTextSortMs, firstPromptSortMs, heapMiB };
}
