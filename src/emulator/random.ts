import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A 32-bit hash of the parts, stable across runs and platforms. */
export function hash32(...parts: readonly (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0);
}

/** `length` hex digits derived from the parts. */
export function hashHex(length: number, ...parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, length);
}

/** A number in [0, 1) derived from the parts. */
export function hashUnit(...parts: readonly (string | number)[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

/** A small seeded generator (mulberry32) returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
  }
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function base62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) {
    out += alphabet[b % alphabet.length];
  }
  return out;
}

// Id shapes follow what Azure returns: uploads `file-<32 hex>`, generated files `file-<uuid>`, batches `batch_<uuid>`.
export const ids = {
  uploadedFile: (): string => `file-${randomBytes(16).toString('hex')}`,
  generatedFile: (): string => `file-${randomUUID()}`,
  batch: (): string => `batch_${randomUUID()}`,
  batchRequest: (): string => `batch_req_${randomBytes(16).toString('hex')}`,
  chatCompletion: (): string => `chatcmpl-${base62(29)}`,
  response: (): string => `resp_${randomBytes(24).toString('hex')}`,
  message: (): string => `msg_${randomBytes(24).toString('hex')}`,
  request: (): string => randomUUID(),
};
