import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How late the event loop ran timers during one phase of the benchmark. */
export interface PhaseStalls {
  readonly phase: string;
  /** Wall-clock length of the phase. */
  readonly ms: number;
  /** CPU time of the extension host's main thread during the phase (null where Node cannot tell). */
  readonly cpuMs: number | null;
  /** The longest gap between two ticks of a {@link tickMs} interval timer, minus the interval. */
  readonly longestStallMs: number;
  /**
   * The longest stall counted in main-thread CPU time: for each late tick, the lesser of its delay and the CPU
   * time the thread used meanwhile. Unlike the wall-clock figure, it leaves out time the machine did not run
   * the host at all (a loaded machine), so it is the extension's own blocking.
   */
  readonly longestCpuStallMs: number | null;
  /** Ticks that came more than 50 ms late. */
  readonly stallsOver50ms: number;
  /** `perf_hooks.monitorEventLoopDelay` over the phase: its maximum and 99th percentile (ms), less its resolution. */
  readonly histogramMaxMs: number;
  readonly histogramP99Ms: number;
  /** The bench's own work (forced GC, reference passes): not the extension's, left out of the summary. */
  readonly excluded: boolean;
}

/** The interval of the stall timer. */
export const tickMs = 5;
/** The sampling interval of the delay histogram, which records whole intervals: subtracted from its figures. */
const histogramResolutionMs = 2;

type ThreadCpuUsage = () => { user: number; system: number };
// Node 23.9 and later: the calling thread's CPU time (process.cpuUsage() would add every other thread's).
const threadCpuUsage = (process as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage?.bind(process);

/** The main thread's CPU time so far, in ms, or NaN. */
function threadCpuMs(): number {
  if (!threadCpuUsage) {
    return NaN;
  }
  const usage = threadCpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Watches the extension host's event loop for the whole run, split into named phases: an interval timer
 * that notes how late each tick comes, and Node's event-loop delay histogram. A tick delayed past a phase
 * switch is billed to the phase it started in, up to the switch.
 */
export class StallMonitor {
  private readonly finished: PhaseStalls[] = [];
  private timer: NodeJS.Timeout | undefined;
  private histogram: IntervalHistogram | undefined;
  private lastTick = 0;
  private lastCpu = NaN;
  private phase = '';
  private phaseStart = 0;
  private phaseCpuStart = NaN;
  private excluded = false;
  private longest = 0;
  private longestCpu = 0;
  private over50 = 0;

  start(phase: string): void {
    this.lastTick = performance.now();
    this.lastCpu = threadCpuMs();
    this.begin(phase, false);
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  /** Ends the current phase and starts `phase`. */
  enter(phase: string, options: { excluded?: boolean } = {}): void {
    this.end();
    this.begin(phase, options.excluded ?? false);
  }

  /** Ends the current phase and stops watching; returns every phase in order. */
  stop(): PhaseStalls[] {
    this.end();
    clearInterval(this.timer);
    this.timer = undefined;
    return this.finished;
  }

  private tick(): void {
    const now = performance.now();
    const cpu = threadCpuMs();
    this.note(now - this.lastTick - tickMs, cpu - this.lastCpu);
    this.lastTick = now;
    this.lastCpu = cpu;
  }

  private note(stall: number, cpu: number): void {
    if (stall > this.longest) {
      this.longest = stall;
    }
    const cpuStall = Math.min(stall, cpu);
    if (cpuStall > this.longestCpu) {
      this.longestCpu = cpuStall;
    }
    if (stall > 50) {
      this.over50++;
    }
  }

  private begin(phase: string, excluded: boolean): void {
    this.phase = phase;
    this.excluded = excluded;
    this.phaseStart = performance.now();
    this.phaseCpuStart = threadCpuMs();
    this.longest = 0;
    this.longestCpu = 0;
    this.over50 = 0;
    this.histogram = monitorEventLoopDelay({ resolution: histogramResolutionMs });
    this.histogram.enable();
  }

  private end(): void {
    const now = performance.now();
    const cpu = threadCpuMs();
    // The part of a pending tick's delay that happened before the switch.
    this.note(now - this.lastTick - tickMs, cpu - this.lastCpu);
    this.lastTick = now;
    this.lastCpu = cpu;
    const known = Number.isFinite(cpu);
    const histogram = this.histogram;
    histogram?.disable();
    const toMs = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - histogramResolutionMs) : 0);
    this.finished.push({
      phase: this.phase,
      ms: now - this.phaseStart,
      cpuMs: known ? cpu - this.phaseCpuStart : null,
      longestStallMs: Math.max(0, this.longest),
      longestCpuStallMs: known ? Math.max(0, this.longestCpu) : null,
      stallsOver50ms: this.over50,
      histogramMaxMs: histogram && histogram.count > 0 ? toMs(histogram.max) : 0,
      histogramP99Ms: histogram && histogram.count > 0 ? toMs(histogram.percentile(99)) : 0,
      excluded: this.excluded,
    });
  }
}
