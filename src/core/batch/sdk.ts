// The official SDK, loaded on first use rather than with the module graph: evaluating `openai` costs the extension
// host tens of milliseconds at activation, and most sessions only validate or estimate. The bundles keep it in a
// file of its own (dist/openai.js, see esbuild.mjs), so not even parsing it happens before a request is made.
import type * as OpenAIModule from 'openai';
import { loadBundled } from '../bundles';

export type OpenAISdk = typeof OpenAIModule;

let sdk: OpenAISdk | undefined;

/** The `openai` module, loaded now if it was not yet. */
export function openaiSdk(): OpenAISdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose
  sdk ??= loadBundled('openai.js', () => require('openai') as OpenAISdk);
  return sdk;
}

/**
 * The `openai` module when an error may have come from it, else undefined, so that classifying a plain error never
 * loads the SDK: an SDK error exists only once the SDK is loaded (here, or by a caller such as a test), and every
 * SDK error derives from its `OpenAIError`.
 */
export function sdkFor(error: unknown): OpenAISdk | undefined {
  if (sdk !== undefined) {
    return sdk;
  }
  return derivesFrom(error, 'OpenAIError') ? openaiSdk() : undefined;
}

function derivesFrom(value: unknown, className: string): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  for (let proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null; proto !== null; proto = Object.getPrototypeOf(proto) as typeof proto) {
    if (proto.constructor?.name === className) {
      return true;
    }
  }
  return false;
}
