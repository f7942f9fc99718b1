import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { RunningEmulator } from '../../emulator';

/**
 * The local emulator running inside the extension host ("Try the Local Emulator"). Its jobs and files
 * live in the extension's global storage, so they survive reloads; it listens on a free loopback port
 * chosen at each start.
 */
export class EmbeddedEmulator implements vscode.Disposable {
  private running: Promise<RunningEmulator> | undefined;

  constructor(
    private readonly storage: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Starts the emulator if needed; resolves to its URL and key. */
  async ensureRunning(apiKey: string): Promise<RunningEmulator> {
    this.running ??= this.start(apiKey).catch((error: unknown) => {
      this.running = undefined;
      throw error;
    });
    return this.running;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  dispose(): void {
    void this.running?.then((emulator) => emulator.close()).catch(() => undefined);
    this.running = undefined;
  }

  private async start(apiKey: string): Promise<RunningEmulator> {
    const { startEmulator } = await import('../../emulator');
    const dataDir = vscode.Uri.joinPath(this.storage, 'emulator');
    await vscode.workspace.fs.createDirectory(dataDir);
    // Only this random key opens it (kept in SecretStorage with its connection): no bearer token is configured,
    // so other local processes and web pages cannot use it.
    const emulator = await startEmulator({
      port: 0,
      apiKey,
      token: undefined,
      dataDir: dataDir.fsPath,
      requestDelayMs: 50,
      log: (line: string) => this.log.trace(`[emulator] ${line}`),
    });
    this.log.info(`Local emulator listening on ${emulator.url}`);
    return emulator;
  }
}

/** A fresh random key for the emulator (192 bits from the system's secure random source). */
export function newEmulatorKey(): string {
  return randomBytes(24).toString('base64url');
}
