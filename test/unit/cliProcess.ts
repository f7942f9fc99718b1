import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLI. */
export const cliPath = resolve(__dirname, '../../../dist/cli.js');

/**
 * Runs the built CLI asynchronously (a service under test may live in this process, so not spawnSync), with the
 * environment's connection variables emptied and `stdin`, when given, piped in.
 */
export function runCli(args: readonly string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, AZURE_OPENAI_API_KEY: '', AZURE_OPENAI_ENDPOINT: '', OPENAI_API_VERSION: '', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
    if (options.stdin !== undefined) {
      child.stdin.end(options.stdin);
    }
  });
}
