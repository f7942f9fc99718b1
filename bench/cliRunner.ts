import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CliRun {
  readonly ms: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size of the child in bytes, when it ran with the preload. */
  readonly maxRssBytes?: number;
}

/**
 * Runs `node <args>` and resolves once it has exited and both pipes are drained. Timing is wall clock from
 * spawn to close, Node start-up included.
 */
export function runNode(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      const ms = performance.now() - started;
      resolve({ ms, exitCode, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * A preload that records the process's own peak RSS when it exits. Node's child_process does not report a
 * child's rusage, and `/usr/bin/time` is not everywhere; `process.resourceUsage().maxRSS` (KiB) read in
 * the child's 'exit' handler covers the whole life of the process.
 */
const preloadSource = `'use strict';
// Written by bench/cliRunner.ts: records peak RSS at exit for the benchmark.
const out = process.env.BENCH_MAXRSS_FILE;
if (out) {
  process.on('exit', () => {
    require('node:fs').writeFileSync(out, JSON.stringify({ maxRSSKiB: process.resourceUsage().maxRSS }));
  });
}
`;

export function writeRssPreload(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'maxrss-preload.js');
  if (!existsSync(path) || readFileSync(path, 'utf8') !== preloadSource) {
    writeFileSync(path, preloadSource);
  }
  return path;
}

/** Runs `node --require <preload> <args>` and adds the child's peak RSS to the result. */
export async function runNodeWithRss(args: readonly string[], options: { cwd: string; preload: string; dataDir: string }): Promise<CliRun> {
  const report = join(options.dataDir, `maxrss-${process.pid}.json`);
  rmSync(report, { force: true });
  const run = await runNode(['--require', options.preload, ...args], { cwd: options.cwd, env: { ...process.env, BENCH_MAXRSS_FILE: report } });
  if (!existsSync(report)) {
    return run;
  }
  const { maxRSSKiB } = JSON.parse(readFileSync(report, 'utf8')) as { maxRSSKiB: number };
  rmSync(report, { force: true });
  return { ...run, maxRssBytes: maxRSSKiB * 1024 };
}
