import { BatchClient, type BatchClientOptions } from '../../src/core/batch/client';
import type { RunningEmulator, EmulatorOptions } from '../../src/emulator/index';
import { startFast } from './emulatorHelpers';

// The one way unit tests run an emulator: started on 127.0.0.1, port 0 (unless `port` says otherwise), with the
// fast lifecycle of `startFast`, closed by the fixture's own hook, whatever the test did to it.

export interface EmulatorFixture {
  /** The running emulator; throws outside the hooks. */
  readonly emulator: RunningEmulator;
  /** Closes the emulator and starts another with the fixture's options and these on top. */
  restart(overrides?: EmulatorOptions): Promise<RunningEmulator>;
}

export interface FixtureSettings {
  /** A fresh emulator for every test (`beforeEach`/`afterEach`) instead of one for the whole `describe`. */
  readonly each?: boolean;
  /** Told of every emulator the fixture starts (to keep a `let emulator` of the test file current). */
  readonly onStart?: (emulator: RunningEmulator) => void;
}

/** Registers the hooks that start an emulator for the enclosing `describe` and close it after. */
export function useEmulator(options: EmulatorOptions = {}, settings: FixtureSettings = {}): EmulatorFixture {
  let current: RunningEmulator | undefined;
  const start = async (overrides: EmulatorOptions = {}): Promise<RunningEmulator> => {
    current = await startFast({ ...options, ...overrides });
    settings.onStart?.(current);
    return current;
  };
  const stop = async (): Promise<void> => {
    const running = current;
    current = undefined;
    await running?.close();
  };
  (settings.each ? beforeEach : before)(async () => void (await start()));
  (settings.each ? afterEach : after)(stop);
  return {
    get emulator() {
      if (current === undefined) {
        throw new Error('the emulator runs only between the fixture hooks');
      }
      return current;
    },
    restart: async (overrides = {}) => {
      await stop();
      return start(overrides);
    },
  };
}

/** A core `BatchClient` on an emulator, with its key. */
export function emulatorClient(
  emulator: RunningEmulator,
  options: { apiVersion?: string; timeoutMs?: number; retry?: ConstructorParameters<typeof BatchClient>[1]; client?: BatchClientOptions } = {},
): BatchClient {
  return new BatchClient(
    { endpoint: emulator.url, apiVersion: options.apiVersion ?? '2025-04-01-preview', credential: { kind: 'apiKey', apiKey: emulator.apiKey }, timeoutMs: options.timeoutMs },
    options.retry,
    options.client,
  );
}
