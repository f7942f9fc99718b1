// The one polling helper of every suite (unit, integration in the extension host, UI in the workbench): tests wait
// on state that changes asynchronously, and a timeout must say what was awaited and what was last seen.

export interface WaitOptions {
  /** Give up after this long (default 20 s). */
  readonly timeoutMs?: number;
  /** Time between checks (default 50 ms). */
  readonly intervalMs?: number;
  /** What to add to the timeout message: the state seen last, a view's text... */
  readonly describe?: () => string | Promise<string>;
  /** Called before every check; throw from it to stop waiting at once (the host under test is gone). */
  readonly abortIf?: () => void;
}

/**
 * Polls `check` until it returns a value other than undefined, null or false, and returns that value. A check that
 * throws counts as "not yet"; its last error goes into the timeout message.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.abortIf?.();
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) {
        return value;
      }
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = options.describe ? await Promise.resolve().then(options.describe).catch((error: unknown) => `(could not describe: ${messageOf(error)})`) : '';
      const last = lastError === undefined ? '' : ` (last error: ${messageOf(lastError).split('\n')[0]})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}${detail ? `\n${detail}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
