// The module the extension host loads as `extensionTestsPath` for `npm run bench:host` (bench/host/run.mjs):
// its run() measures, inside the real extension host, what a user of the extension feels — activation, opening
// large batch files to their diagnostics and estimate, typing, event-loop stalls, memory — and writes the
// figures to a JSON file for the runner to print.
//
// Environment (set by the runner): AOAI_BATCH_BENCH_CONFIG, the path of a JSON {@link BenchConfig}.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { CONFIG_SECTION, EXTENSION_ID, Settings } from '../../src/constants';
import { validateFile } from '../../src/core/jsonl/fileValidator';
import { estimateFile } from '../../src/core/tokens/fileEstimate';
import { ModelResolver } from '../../src/core/tokens/models';
import { closeActiveEditor, ourDiagnostics, releaseDocument, sleep, waitForDiagnostics, waitForEstimateLens } from './documents';
import { readMemory, type MemoryReading } from './memory';
import { PhaseProfiler } from './profiler';
import type { ActivationResult, DocumentResult, HostResult, MemoryCycle, MemoryResult, OpenRun, TypingResult } from './results';
import { StallMonitor } from './stallMonitor';

/** What the runner asks for. */
export interface BenchConfig {
  readonly documents: readonly BenchDocument[];
  /** Opens of each document (each closed and released before the next). */
  readonly runs: number;
  /** One-line edits timed on each document during its first open. */
  readonly typingEdits: number;
  /** The label of the document whose memory is followed across its open/close cycles. */
  readonly memoryDocument: string;
  /** How long the workbench is given to finish starting before the first measurement. */
  readonly startDelayMs: number;
  /** How long after a release the second memory reading waits. */
  readonly settleMs: number;
  /** Where tiny filler documents go (see releaseDocument). */
  readonly scratchDir: string;
  /** When set, CPU profiles of the first run's phases go here. */
  readonly profileDir?: string;
  readonly logFile: string;
  readonly resultFile: string;
}

export interface BenchDocument {
  readonly label: string;
  readonly rows: number;
  readonly lines: number;
  readonly bytes: number;
  readonly plantedBadRows: number;
  readonly path: string;
  /** The same text in a `.txt` file, which the extension ignores: VS Code's own cost of the document. */
  readonly plainTextPath?: string;
}

const diagnosticsTimeoutMs = 120_000;
const lensTimeoutMs = 180_000;
const between = 'between measurements';

export async function run(): Promise<void> {
  const configPath = process.env.AOAI_BATCH_BENCH_CONFIG;
  if (!configPath) {
    throw new Error('AOAI_BATCH_BENCH_CONFIG is not set: start the benchmark with `npm run bench:host`');
  }
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as BenchConfig;
  const log = (text: string): void => {
    process.stdout.write(`${text}\n`);
    appendFileSync(config.logFile, `${text}\n`);
  };
  try {
    const result = await new HostBench(config, log).run();
    writeFileSync(config.resultFile, JSON.stringify(result, null, 2));
  } catch (error) {
    log(`host bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    throw error;
  }
}

/** The measurements, in the order they run. */
class HostBench {
  private readonly debounceMs = vscode.workspace.getConfiguration(CONFIG_SECTION).get<number>(Settings.debounceMs, 150);
  private readonly monitor = new StallMonitor();
  private readonly profiler: PhaseProfiler | undefined;
  private readonly notes: string[] = [];

  constructor(
    private readonly config: BenchConfig,
    private readonly log: (text: string) => void,
  ) {
    this.profiler = config.profileDir ? new PhaseProfiler(config.profileDir) : undefined;
  }

  async run(): Promise<HostResult> {
    this.monitor.start('start-up');
    this.log(`host bench: VS Code ${vscode.version}, extension host Node ${process.version}, debounce ${this.debounceMs} ms`);
    await sleep(this.config.startDelayMs);
    const activation = await this.activate();
    const documents: DocumentResult[] = [];
    let memory: MemoryResult | undefined;

    // Reference passes of the core on every file first, so their garbage and JIT warm-up are behind us.
    await this.phase('core reference passes', { excluded: true });
    const references = new Map<string, Reference>();
    for (const doc of this.config.documents) {
      references.set(doc.label, await this.reference(doc));
    }

    for (const doc of this.config.documents) {
      const reference = references.get(doc.label)!;
      const followMemory = doc.label === this.config.memoryDocument;
      const baseline = followMemory ? await this.memory('baseline') : undefined;
      let plainText: { openMs: number; open: MemoryReading | undefined; released: MemoryReading | undefined } | undefined;
      if (doc.plainTextPath) {
        const uri = vscode.Uri.file(doc.plainTextPath);
        const openMs = await this.showPlainText(doc.label, uri);
        const open = followMemory ? await this.memory(`${doc.label} as plain text, open`) : undefined;
        const released = await this.close(`${doc.label} as plain text (VS Code only)`, uri, true);
        plainText = { openMs, open, released: followMemory && released !== null ? await this.memory(`${doc.label} as plain text, released`) : undefined };
      }
      const opens: OpenRun[] = [];
      const cycles: MemoryCycle[] = [];
      let typing: TypingResult | undefined;
      for (let run = 0; run < this.config.runs; run++) {
        const uri = vscode.Uri.file(doc.path);
        const profile = run === 0;
        const open = await this.open(doc, reference, run);
        if (run === 0 && this.config.typingEdits > 0 && open.diagnosticsMs !== null) {
          await this.phase(`typing ${doc.label}`, { profile });
          typing = await this.type(uri, reference.diagnostics);
        }
        const opened = followMemory ? await this.memory(`${doc.label} open`) : undefined;
        await this.phase(`close ${doc.label}`, { profile });
        await closeActiveEditor();
        const closed = followMemory ? await this.memory(`${doc.label} closed`) : undefined;
        const releaseMs = await this.close(doc.label, uri, profile);
        opens.push({ ...open, releaseMs });
        this.log(
          `  ${doc.label} run ${run + 1}: diagnostics ${fmt(open.diagnosticsMs)}, estimate lens ${fmt(open.lensMs)}` +
            `, released ${releaseMs === null ? 'no' : `after ${fmt(releaseMs)}`}`,
        );
        if (followMemory) {
          const released = releaseMs === null ? undefined : await this.memory(`${doc.label} released`);
          let releasedLater: MemoryReading | undefined;
          if (released) {
            await sleep(this.config.settleMs);
            releasedLater = await this.memory(`${doc.label} released + ${this.config.settleMs} ms`);
          }
          cycles.push({ open: opened!, closed: closed!, released, releasedLater });
        }
        await sleep(300);
      }
      documents.push({
        label: doc.label,
        rows: doc.rows,
        lines: doc.lines,
        bytes: doc.bytes,
        plantedBadRows: doc.plantedBadRows,
        expectedDiagnostics: reference.diagnostics,
        expectedRequests: reference.requests,
        expectedInputTokens: reference.inputTokens,
        coreValidateMs: reference.validateMs,
        coreEstimateMs: reference.estimateMs,
        plainTextOpenMs: plainText?.openMs ?? null,
        opens,
        typing,
      });
      if (followMemory && baseline) {
        memory = {
          document: doc.label,
          lines: doc.lines,
          settleMs: this.config.settleMs,
          baseline,
          plainTextOpen: plainText?.open,
          plainTextReleased: plainText?.released,
          cycles,
        };
      }
    }
    const phases = this.monitor.stop();
    const profiles = (await this.profiler?.finish()) ?? [];
    return {
      vscodeVersion: vscode.version,
      hostNode: process.version,
      gcForced: memory?.baseline.afterGc ?? false,
      debounceMs: this.debounceMs,
      activation,
      documents,
      memory,
      phases,
      profiles,
      notes: this.notes,
    };
  }

  /**
   * Ends the current phase and starts `name` (stall figures, and a CPU profile when asked for). Time between
   * phases that measure something is `between measurements`.
   */
  private async phase(name: string, options: { excluded?: boolean; profile?: boolean } = {}): Promise<void> {
    if (this.profiler) {
      // Stopping a profile (and writing it) stalls the loop: that is the bench's doing.
      this.monitor.enter('profiler', { excluded: true });
      await this.profiler.stop();
      if (options.profile) {
        await this.profiler.start(name);
      }
    }
    this.monitor.enter(name, { excluded: options.excluded });
  }

  /** Activates the extension (the bench's folder has nothing that activates it) and reads VS Code's marks. */
  private async activate(): Promise<ActivationResult> {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    if (!extension) {
      throw new Error(`${EXTENSION_ID} is not installed in this extension host`);
    }
    const activeAtStart = extension.isActive;
    await this.phase('activation', { profile: true });
    const started = performance.now();
    await extension.activate();
    const activateMs = activeAtStart ? null : performance.now() - started;
    await this.phase(between);
    if (activeAtStart) {
      this.notes.push('the extension was already active when the bench started: activate() was not timed');
    }
    // VS Code records these marks around loading and activating each extension (vs/base/common/performance).
    const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }).MonacoPerformanceMarks?.getMarks() ?? [];
    const at = (name: string) => marks.find((m) => m.name === `code/extHost/${name}/${EXTENSION_ID}`)?.startTime;
    const span = (from: string, to: string) => {
      const start = at(from);
      const end = at(to);
      return start !== undefined && end !== undefined ? end - start : null;
    };
    const codeLoadMs = span('willLoadExtensionCode', 'didLoadExtensionCode');
    const activateCallMs = span('willActivateExtension', 'didActivateExtension');
    if (codeLoadMs === null) {
      this.notes.push("VS Code's activation marks were not found: code load and activate() call times are missing");
    }
    this.log(`activation: ${fmt(activateMs)} (code load ${fmt(codeLoadMs)}, activate() call ${fmt(activateCallMs)})`);
    await sleep(500);
    return { activeAtStart, activateMs, codeLoadMs, activateCallMs };
  }

  /** The core's figures for a file: its diagnostics and requests (what the editor must reach), and their times. */
  private async reference(doc: BenchDocument): Promise<Reference> {
    await validateFile(doc.path); // warm-up
    const validateMs: number[] = [];
    let diagnostics = 0;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const result = await validateFile(doc.path);
      validateMs.push(performance.now() - started);
      diagnostics = result.diagnostics.length;
    }
    const started = performance.now();
    const estimate = await estimateFile(doc.path, new ModelResolver());
    const estimateMs = performance.now() - started;
    this.log(
      `core on ${doc.label}: validateFile ${validateMs.map(fmt).join(', ')} (${diagnostics} diagnostics), ` +
        `estimateFile ${fmt(estimateMs)} (${estimate.requests} requests)`,
    );
    return { diagnostics, requests: estimate.requests, inputTokens: estimate.inputTokens, validateMs, estimateMs };
  }

  /**
   * Opens and shows a document, then waits for its final diagnostics and its complete estimate lens. Phases:
   * `load` until `openTextDocument` resolves (mostly VS Code moving the text into the extension host),
   * `validate` until the diagnostics are final, `estimate` until the lens is complete (when that is later).
   */
  private async open(doc: BenchDocument, reference: Reference, run: number): Promise<Omit<OpenRun, 'releaseMs'>> {
    const uri = vscode.Uri.file(doc.path);
    const profile = run === 0;
    await this.phase(`load ${doc.label}`, { profile });
    const started = performance.now();
    const document = await vscode.workspace.openTextDocument(uri);
    const openDocumentMs = performance.now() - started;
    await this.phase(`validate ${doc.label}`, { profile });
    const lens = waitForEstimateLens(uri, reference, lensTimeoutMs);
    await vscode.window.showTextDocument(document, { preview: false });
    const showMs = performance.now() - started;
    const diagnostics = await waitForDiagnostics(uri, (count) => count === reference.diagnostics, diagnosticsTimeoutMs);
    await this.phase(`estimate ${doc.label}`, { profile });
    const estimate = await lens;
    await this.phase(between);
    let diagnosticsStable = false;
    if (diagnostics.at !== null) {
      await sleep(500);
      diagnosticsStable = ourDiagnostics(uri) === reference.diagnostics;
    } else {
      this.notes.push(`${doc.label} run ${run + 1}: ${diagnostics.count} diagnostics after ${diagnosticsTimeoutMs / 1000} s, the core finds ${reference.diagnostics}`);
    }
    if (estimate.at === null) {
      this.notes.push(`${doc.label} run ${run + 1}: no complete estimate lens within ${lensTimeoutMs / 1000} s (last title "${estimate.title}")`);
    }
    return {
      openDocumentMs,
      showMs,
      diagnosticsMs: diagnostics.at === null ? null : diagnostics.at - started,
      diagnosticsSeen: diagnostics.count,
      diagnosticsStable,
      lensMs: estimate.at === null ? null : estimate.at - started,
      lensTitle: estimate.title,
      lensTokensMatch: estimate.tokensMatch,
    };
  }

  /**
   * One-line edits on the middle row of the active editor, alternately breaking it (its closing brace
   * deleted: one more diagnostic) and mending it, each timed until the diagnostics show it. The first pair
   * is reported apart: the first edit also makes the document dirty, which VS Code announces with a change
   * event of its own.
   */
  private async type(uri: vscode.Uri, base: number): Promise<TypingResult> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.toString() !== uri.toString()) {
      throw new Error(`the editor of ${uri.fsPath} is not active`);
    }
    const document = editor.document;
    let line = Math.floor(document.lineCount / 2);
    while (line < document.lineCount - 1 && !document.lineAt(line).text.endsWith('}')) {
      line++;
    }
    let changedAt = 0;
    const listener = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === document && event.contentChanges.length > 0 && changedAt === 0) {
        changedAt = performance.now();
      }
    });
    const latencyMs: number[] = [];
    const fromChangeEventMs: number[] = [];
    const editCallMs: number[] = [];
    const firstPairMs: number[] = [];
    let timeouts = 0;
    const warmUp = 2;
    try {
      for (let i = 0; i < warmUp + this.config.typingEdits; i++) {
        const breaking = i % 2 === 0;
        const length = document.lineAt(line).text.length;
        changedAt = 0;
        const started = performance.now();
        const applied = await editor.edit(
          (edit) => (breaking ? edit.delete(new vscode.Range(line, length - 1, line, length)) : edit.insert(new vscode.Position(line, length), '}')),
          { undoStopBefore: false, undoStopAfter: false },
        );
        const editMs = performance.now() - started;
        if (!applied) {
          throw new Error(`edit ${i + 1} on line ${line + 1} was not applied`);
        }
        const shown = await waitForDiagnostics(uri, (count) => (breaking ? count > base : count === base), 10_000);
        if (i < warmUp) {
          if (shown.at !== null) {
            firstPairMs.push(shown.at - started - this.debounceMs);
          }
        } else if (shown.at === null) {
          timeouts++;
        } else {
          editCallMs.push(editMs);
          latencyMs.push(shown.at - started - this.debounceMs);
          if (changedAt > 0) {
            fromChangeEventMs.push(shown.at - changedAt - this.debounceMs);
          }
        }
        await sleep(300); // the estimate recounts the line after the same debounce
      }
    } finally {
      listener.dispose();
    }
    this.log(`  typing: ${latencyMs.map(fmt).join(', ')} after the debounce`);
    return { line, edits: this.config.typingEdits, latencyMs, fromChangeEventMs, editCallMs, firstPairMs, timeouts };
  }

  /**
   * Opens and shows the same text as plain text, which the extension leaves alone: what VS Code alone takes.
   * Keeps no reference to the document, so that its memory can be read once VS Code lets it go.
   */
  private async showPlainText(label: string, uri: vscode.Uri): Promise<number> {
    await this.phase(`load ${label} as plain text (VS Code only)`);
    const started = performance.now();
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    const openMs = performance.now() - started;
    await this.phase(between);
    this.log(`  ${label} as plain text: opened and shown in ${fmt(openMs)}`);
    await sleep(1000);
    return openMs;
  }

  /** Closes the active editor (unless done already) and makes VS Code release the document. */
  private async close(label: string, uri: vscode.Uri, profile: boolean): Promise<number | null> {
    if (vscode.window.activeTextEditor?.document.uri.toString() === uri.toString()) {
      await this.phase(`close ${label}`, { profile });
      await closeActiveEditor();
    }
    await this.phase(`release ${label}`, { profile });
    const releaseMs = await releaseDocument(uri, this.config.scratchDir);
    await this.phase(between);
    if (releaseMs === null) {
      this.notes.push(`${label}: VS Code did not release the document after its editor closed`);
    }
    return releaseMs;
  }

  /** A memory reading, in a phase of its own (forced GC stalls the loop, and that is the bench's doing). */
  private async memory(label: string): Promise<MemoryReading> {
    await this.phase('memory reading', { excluded: true });
    const reading = await readMemory(label);
    await this.phase(between);
    this.log(`  memory ${label}: heapUsed ${(reading.heapUsed / 1048576).toFixed(1)} MiB, rss ${(reading.rss / 1048576).toFixed(1)} MiB`);
    return reading;
  }
}

interface Reference {
  readonly diagnostics: number;
  readonly requests: number;
  readonly inputTokens: number;
  readonly validateMs: number[];
  readonly estimateMs: number;
}

function fmt(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(0)} ms`;
}
