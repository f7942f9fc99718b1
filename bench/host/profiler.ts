import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, join } from 'node:path';

/** Where a phase's CPU time went: the functions with the most self time. */
export interface PhaseProfile {
  readonly phase: string;
  readonly file: string;
  readonly top: readonly { readonly fn: string; readonly selfMs: number }[];
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/**
 * CPU profiles of the extension host, one per phase, through the in-process inspector (no debugger port).
 * Each profile is written as a `.cpuprofile` (open it in Chrome DevTools or VS Code) and summed up by self
 * time per function. Profiling slows the host: figures of a profiled run are not comparable to others.
 */
export class PhaseProfiler {
  private readonly session = new Session();
  private readonly profiles: PhaseProfile[] = [];
  private current: string | undefined;
  private count = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.session.connect();
  }

  async start(phase: string): Promise<void> {
    if (this.current === undefined) {
      await this.post('Profiler.enable');
      await this.post('Profiler.setSamplingInterval', { interval: 500 });
    }
    await this.post('Profiler.start');
    this.current = phase;
  }

  /** Stops the running profile, if any, and writes it. */
  async stop(): Promise<void> {
    const phase = this.current;
    if (phase === undefined) {
      return;
    }
    this.current = undefined;
    const { profile } = (await this.post('Profiler.stop')) as { profile: Profile };
    const file = join(this.dir, `${String(++this.count).padStart(2, '0')}-${phase.replace(/[^\w.-]+/g, '-')}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    this.profiles.push({ phase, file, top: topSelfTime(profile, 8) });
  }

  async finish(): Promise<PhaseProfile[]> {
    await this.stop();
    this.session.disconnect();
    return this.profiles;
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }
}

/** The functions with the most self time (samples attributed to the function itself, not its callees). */
function topSelfTime(profile: Profile, count: number): { fn: string; selfMs: number }[] {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byNode.get(samples[i]!);
    if (!node) {
      continue;
    }
    const { functionName, url, lineNumber } = node.callFrame;
    const name = url ? `${functionName || '(anonymous)'} ${basename(url)}:${lineNumber + 1}` : functionName || '(anonymous)';
    // A sample's time is the gap to the next one.
    selfUs.set(name, (selfUs.get(name) ?? 0) + (deltas[i + 1] ?? 0));
  }
  return [...selfUs]
    .filter(([name]) => name !== '(idle)' && name !== '(program)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000 }));
}
