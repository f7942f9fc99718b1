/**
 * The shape of `out/bench/host-results.json` and its table: what the extension host measures (index.ts) plus
 * what the runner adds from outside it (run.mjs). Plain data, no `vscode` import, so the runner can load it.
 */
import type { MemoryReading } from './memory';
import type { PhaseProfile } from './profiler';
import type { PhaseStalls } from './stallMonitor';

/** The extension's activation, timed from the bench and as VS Code's own performance marks record it. */
export interface ActivationResult {
  readonly activeAtStart: boolean;
  /** `await extension.activate()` seen from the bench; null when the extension was already active. */
  readonly activateMs: number | null;
  /** VS Code's marks: loading the bundle (`require`), and the extension's `activate()` call. */
  readonly codeLoadMs: number | null;
  readonly activateCallMs: number | null;
}

/** One open of a document, every time from just before `openTextDocument`. */
export interface OpenRun {
  readonly openDocumentMs: number;
  readonly showMs: number;
  /** Until the extension published the expected diagnostics; null on timeout. */
  readonly diagnosticsMs: number | null;
  readonly diagnosticsSeen: number;
  /** Whether the count was still the same 500 ms later (the diagnostics were final). */
  readonly diagnosticsStable: boolean;
  /** Until the estimate CodeLens showed the full request count; null on timeout. */
  readonly lensMs: number | null;
  readonly lensTitle: string;
  /** Whether the lens's input tokens equal the core estimate of the same file. */
  readonly lensTokensMatch: boolean;
  /**
   * From the editor closed to VS Code closing the document in the extension host, hurried along (see
   * releaseDocument in documents.ts); null when it stayed open.
   */
  readonly releaseMs: number | null;
}

/** One-line edits (break a row, then mend it), each timed from the edit call to the diagnostics changing. */
export interface TypingResult {
  readonly line: number;
  readonly edits: number;
  /** Edit call to published diagnostics, minus the debounce. */
  readonly latencyMs: readonly number[];
  /** The edit's (first) change event in the extension host to published diagnostics, minus the debounce. */
  readonly fromChangeEventMs: readonly number[];
  /** How long `editor.edit()` took to resolve (a round trip to the workbench). */
  readonly editCallMs: readonly number[];
  /** The first break/mend pair after opening (not in the figures above), timed like them. */
  readonly firstPairMs: readonly number[];
  /** Edits whose diagnostics did not change within 10 s. */
  readonly timeouts: number;
}

export interface DocumentResult {
  readonly label: string;
  readonly rows: number;
  readonly lines: number;
  readonly bytes: number;
  readonly plantedBadRows: number;
  /** What the core reports for the same file: the counts the editor must reach. */
  readonly expectedDiagnostics: number;
  readonly expectedRequests: number;
  readonly expectedInputTokens: number;
  /** The core validator's full pass (`validateFile`) on the file, after one warm-up. */
  readonly coreValidateMs: readonly number[];
  /** The core estimator's full pass (`estimateFile`), once. */
  readonly coreEstimateMs: number;
  /** Opening and showing the same text as plain text, which the extension ignores: VS Code alone. */
  readonly plainTextOpenMs: number | null;
  readonly opens: readonly OpenRun[];
  readonly typing: TypingResult | undefined;
}

/** One open/close cycle of the memory document. */
export interface MemoryCycle {
  /** Open, diagnostics and estimate done. */
  readonly open: MemoryReading;
  /** Editor closed: VS Code still holds the document (about 3 minutes after an API open). */
  readonly closed: MemoryReading;
  /** Once VS Code released the document (the extension saw it close). */
  readonly released: MemoryReading | undefined;
  /** The same, a few seconds later. */
  readonly releasedLater: MemoryReading | undefined;
}

export interface MemoryResult {
  readonly document: string;
  readonly lines: number;
  readonly settleMs: number;
  /** Before the document is opened, everything earlier released. */
  readonly baseline: MemoryReading;
  /** The same text opened as plain text, which the extension ignores: VS Code's own copy. */
  readonly plainTextOpen: MemoryReading | undefined;
  readonly plainTextReleased: MemoryReading | undefined;
  readonly cycles: readonly MemoryCycle[];
}

/** What run() in the extension host writes. */
export interface HostResult {
  readonly vscodeVersion: string;
  readonly hostNode: string;
  readonly gcForced: boolean;
  readonly debounceMs: number;
  readonly activation: ActivationResult;
  readonly documents: readonly DocumentResult[];
  readonly memory: MemoryResult | undefined;
  readonly phases: readonly PhaseStalls[];
  /** With --cpu-profile: the first run's phases, by self time. */
  readonly profiles: readonly PhaseProfile[];
  readonly notes: readonly string[];
}

/** Loading the bundle in a plain Node process (no extension host), fresh process per sample. */
export interface PlainNodeLoad {
  readonly node: string;
  readonly bundle: string;
  readonly bundleBytes: number;
  readonly minified: boolean;
  /** `require()` of the bundle with a stub `vscode` module. */
  readonly requireMs: readonly number[];
  /** Compiling the bundle's source (`new vm.Script`), V8's lazy parse. */
  readonly compileMs: readonly number[];
}

/** The whole of `out/bench/host-results.json`. */
export interface HostBenchReport {
  readonly date: string;
  readonly commit: string | undefined;
  readonly machine: string;
  /** os.loadavg() when the run ended. */
  readonly loadAverage: readonly number[];
  readonly totalSeconds: number;
  /** How the run was asked for (bench/host/run.mjs's options). */
  readonly options: {
    readonly runs: number;
    readonly documents: readonly string[];
    readonly edits: number;
    readonly cpuProfile: boolean;
    /** False with --no-merge-conflict: the built-in merge-conflict extension's scans turned off. */
    readonly mergeConflict: boolean;
  };
  readonly plainNode: PlainNodeLoad | undefined;
  readonly host: HostResult;
}

// --- formatting -------------------------------------------------------------------------------------

const stallTarget = 50;

function median(values: readonly number[]): number {
  if (values.length === 0) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return 'n/a';
  }
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 10 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

/** `median (min–max)` of the present values, or n/a. */
function spread(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) {
    return 'n/a';
  }
  const missing = values.length - present.length;
  const base = present.length === 1 ? ms(present[0]) : `${ms(median(present))} (${ms(Math.min(...present))}–${ms(Math.max(...present))})`;
  return missing > 0 ? `${base}, ${missing} timed out` : base;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function signedMib(bytes: number): string {
  return `${bytes >= 0 ? '+' : '−'}${mib(Math.abs(bytes))}`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Phases of the same name across runs (`validate 10k` of every run): the worst of each figure. */
function stallRows(phases: readonly PhaseStalls[]): string[][] {
  const byName = new Map<string, PhaseStalls[]>();
  for (const phase of phases) {
    if (phase.excluded || phase.ms < 1) {
      continue;
    }
    byName.set(phase.phase, [...(byName.get(phase.phase) ?? []), phase]);
  }
  return [...byName].map(([name, list]) => {
    const longest = Math.max(...list.map((p) => p.longestStallMs));
    const cpuKnown = list.every((p) => p.longestCpuStallMs !== null && p.cpuMs !== null);
    const longestCpu = cpuKnown ? Math.max(...list.map((p) => p.longestCpuStallMs!)) : null;
    const p99 = Math.max(...list.map((p) => p.histogramP99Ms));
    const over = list.reduce((sum, p) => sum + p.stallsOver50ms, 0);
    // VS Code's own work (before activation, plain-text documents) is shown for reference, not judged.
    const reference = name === 'start-up' || name.includes('VS Code only');
    const judged = longestCpu ?? longest;
    const verdict = reference ? '' : judged > stallTarget ? 'MISS' : 'PASS';
    return [
      name,
      String(list.length),
      ms(median(list.map((p) => p.ms))),
      cpuKnown ? ms(median(list.map((p) => p.cpuMs!))) : 'n/a',
      ms(longest),
      ms(longestCpu),
      ms(p99),
      String(over),
      verdict,
    ];
  });
}

/** The readable summary printed after a run. */
export function formatReport(report: HostBenchReport): string {
  const host = report.host;
  const out: string[] = [];
  out.push(`Extension host benchmark: VS Code ${host.vscodeVersion}, extension host Node ${host.hostNode}, ${report.machine}`);
  const commit = report.commit ? `, commit ${report.commit.slice(0, 10)}${report.commit.includes(' ') ? ' with uncommitted changes' : ''}` : '';
  out.push(`(${report.date}${commit}; ${report.totalSeconds.toFixed(0)} s in all; load average ${report.loadAverage.join(' ')})`);
  if (!report.options.mergeConflict) {
    out.push('(--no-merge-conflict: the built-in merge-conflict extension does not scan documents in this run)');
  }
  if (report.options.cpuProfile) {
    out.push('(--cpu-profile: the host ran under the profiler, so its timings are not comparable with other runs)');
  }
  out.push('');

  const a = host.activation;
  out.push('Activation');
  const activation: string[][] = [
    ['await extension.activate()', a.activeAtStart ? 'n/a (already active when the bench started)' : ms(a.activateMs)],
    ['  VS Code: loading the bundle', ms(a.codeLoadMs)],
    ['  VS Code: the activate() call', ms(a.activateCallMs)],
  ];
  const plain = report.plainNode;
  if (plain) {
    const kind = `${mib(plain.bundleBytes)}${plain.minified ? ', minified' : ', not minified'}`;
    activation.push([`plain Node ${plain.node}: require() of ${plain.bundle} (${kind})`, spread(plain.requireMs)]);
    activation.push(['  of which compiling its source (vm.Script)', spread(plain.compileMs)]);
  }
  out.push(table(['measurement', 'time'], activation, new Set([1])));
  out.push('');

  const opens = Math.max(0, ...host.documents.map((d) => d.opens.length));
  out.push(`Opening a document: times from just before openTextDocument (median (min–max) of ${opens} opens)`);
  out.push(
    table(
      ['document', 'rows', 'size', 'VS Code alone (as plain text)', 'openTextDocument', 'open → final diagnostics', 'open → complete estimate lens'],
      host.documents.map((d) => [
        d.label,
        d.rows.toLocaleString('en-US'),
        mib(d.bytes),
        ms(d.plainTextOpenMs),
        spread(d.opens.map((o) => o.openDocumentMs)),
        spread(d.opens.map((o) => o.diagnosticsMs)),
        spread(d.opens.map((o) => o.lensMs)),
      ]),
      new Set([1, 2, 3, 4, 5, 6]),
    ),
  );
  out.push('');
  out.push("The extension's share: from openTextDocument resolving, against the core's full pass on the same file in the same host");
  const after = (value: number | null, o: OpenRun) => (value === null ? null : value - o.openDocumentMs);
  const ratio = (values: readonly (number | null)[], core: number) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length > 0 && core > 0 ? `${(median(present) / core).toFixed(1)}x` : 'n/a';
  };
  out.push(
    table(
      ['document', 'diagnostics', '→ diagnostics', 'core validateFile', 'ratio', '→ estimate lens', 'core estimateFile', 'ratio'],
      host.documents.map((d) => {
        const diagnostics = d.opens.map((o) => after(o.diagnosticsMs, o));
        const lens = d.opens.map((o) => after(o.lensMs, o));
        const core = median(d.coreValidateMs);
        return [
          d.label,
          `${d.expectedDiagnostics} (${d.plantedBadRows} bad rows)`,
          spread(diagnostics),
          spread(d.coreValidateMs),
          ratio(diagnostics, core),
          spread(lens),
          ms(d.coreEstimateMs),
          ratio(lens, d.coreEstimateMs),
        ];
      }),
      new Set([2, 3, 4, 5, 6, 7]),
    ),
  );
  const problems = host.documents.flatMap((d) =>
    d.opens.flatMap((o, i) => [
      ...(o.diagnosticsMs === null ? [`${d.label} open ${i + 1}: ${o.diagnosticsSeen} diagnostics seen, ${d.expectedDiagnostics} expected`] : []),
      ...(o.diagnosticsMs !== null && !o.diagnosticsStable ? [`${d.label} open ${i + 1}: the diagnostics changed after reaching the expected count`] : []),
      ...(o.lensMs === null ? [`${d.label} open ${i + 1}: no complete estimate lens (last title: "${o.lensTitle}")`] : []),
      ...(o.lensMs !== null && !o.lensTokensMatch ? [`${d.label} open ${i + 1}: lens tokens differ from the core estimate`] : []),
    ]),
  );
  for (const problem of problems) {
    out.push(`  ! ${problem}`);
  }
  out.push('');

  const typed = host.documents.filter((d) => d.typing !== undefined);
  if (typed.length > 0) {
    out.push(`Keystroke to diagnostics, minus the ${host.debounceMs} ms debounce (one-line edits: break a row, then mend it)`);
    out.push(
      table(
        ['document', 'edits', 'from the edit call', 'from the change event', 'editor.edit() round trip', 'first pair after opening', 'timeouts'],
        typed.map((d) => [
          d.label,
          String(d.typing!.edits),
          spread(d.typing!.latencyMs),
          spread(d.typing!.fromChangeEventMs),
          spread(d.typing!.editCallMs),
          d.typing!.firstPairMs.map(ms).join(', '),
          String(d.typing!.timeouts),
        ]),
        new Set([1, 2, 3, 4, 5, 6]),
      ),
    );
    out.push('');
  }

  out.push(`Event-loop stalls in the extension host (interval timer every 5 ms; target: never over ${stallTarget} ms)`);
  out.push('  "on CPU": the part of a stall the main thread spent running, without the time a loaded machine did not run the host; the target is judged on it');
  out.push(
    table(
      ['phase', 'times', 'length (median)', 'main-thread CPU (median)', 'longest stall', 'on CPU', 'delay p99', 'stalls > 50 ms', 'target'],
      stallRows(host.phases),
      new Set([1, 2, 3, 4, 5, 6, 7]),
    ),
  );
  out.push('');

  const m = host.memory;
  if (m) {
    const base = m.baseline.heapUsed;
    const gc = m.baseline.afterGc ? 'after a forced GC' : 'no forced GC: median of readings';
    out.push(`Extension host memory with the ${m.document} document (${m.lines.toLocaleString('en-US')} lines): heapUsed ${gc}`);
    const rows: string[][] = [['baseline (nothing open)', mib(base), '', mib(m.baseline.rss)]];
    if (m.plainTextOpen) {
      rows.push(['same text as plain text, open (VS Code\'s own copy)', mib(m.plainTextOpen.heapUsed), signedMib(m.plainTextOpen.heapUsed - base), mib(m.plainTextOpen.rss)]);
    }
    if (m.plainTextReleased) {
      rows.push(['  released', mib(m.plainTextReleased.heapUsed), signedMib(m.plainTextReleased.heapUsed - base), mib(m.plainTextReleased.rss)]);
    }
    m.cycles.forEach((c, i) => {
      rows.push([`cycle ${i + 1}: open, diagnostics and estimate done`, mib(c.open.heapUsed), signedMib(c.open.heapUsed - base), mib(c.open.rss)]);
      rows.push(['  editor closed (VS Code still holds the document)', mib(c.closed.heapUsed), signedMib(c.closed.heapUsed - base), mib(c.closed.rss)]);
      rows.push(['  document released', c.released ? mib(c.released.heapUsed) : 'not released', c.released ? signedMib(c.released.heapUsed - base) : '', c.released ? mib(c.released.rss) : '']);
      if (c.releasedLater) {
        rows.push([`  released + ${(m.settleMs / 1000).toFixed(0)} s`, mib(c.releasedLater.heapUsed), signedMib(c.releasedLater.heapUsed - base), mib(c.releasedLater.rss)]);
      }
    });
    out.push(table(['state', 'heapUsed', 'vs baseline', 'rss'], rows, new Set([1, 2, 3])));
    const first = m.cycles[0];
    if (first && m.plainTextOpen) {
      const vscodeCopy = m.plainTextOpen.heapUsed - base;
      const extension = first.open.heapUsed - base - vscodeCopy;
      out.push(`  the extension's own state with the document open: about ${signedMib(extension)} (${(extension / m.lines).toFixed(0)} B per line)`);
    }
    const released = m.cycles.map((c) => c.releasedLater ?? c.released).filter((r): r is MemoryReading => r !== undefined);
    if (released.length >= 2) {
      out.push(`  growth across ${released.length} open/close cycles (released, first to last): ${signedMib(released.at(-1)!.heapUsed - released[0]!.heapUsed)}`);
    }
  }
  if (host.profiles.length > 0) {
    out.push('');
    out.push('Where the extension host spent its CPU (first run, self time; profiling slows the host, so the figures above are not comparable)');
    for (const profile of host.profiles) {
      const top = profile.top.slice(0, 5).map((t) => `${t.fn} ${ms(t.selfMs)}`);
      out.push(`  ${profile.phase}: ${top.join('; ') || '(idle)'}`);
    }
  }
  for (const note of host.notes) {
    out.push(`note: ${note}`);
  }
  return out.join('\n') + '\n';
}
