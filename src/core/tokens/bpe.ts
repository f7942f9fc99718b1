// Byte-pair encoding counts in time linear in the text, whatever the text.
//
// gpt-tokenizer splits a text into pre-tokens with its encoding's regular expression, then merges the bytes of each
// pre-token with a loop that rescans the whole pre-token after every merge: quadratic in the pre-token's length,
// so a 200 KB run of one character (a single pre-token) takes about a minute. Its merge cache is an LRU Map that
// evicts with `keys().next()`, which turns into a scan of deleted slots once the cache is full: random base64 (all
// short pre-tokens, all different) gets slower the longer it runs. Counting here keeps the same pre-tokens and the
// same merge order (lowest rank first, leftmost on ties: the same tokens), with:
// - merges driven by a binary heap over a linked list of parts: O(n log n) per pre-token;
// - pair ranks looked up in an integer hash table keyed by the two parts' ranks, and on a miss found by a rolling
//   hash of the joined bytes (no byte string is built);
// - a bounded cache of pre-token counts that is cleared when full instead of evicting entry by entry, and left
//   alone while it does not pay (random text);
// - pre-tokens longer than `maxPieceLength` (not ordinary text: a run with no break the encoding's expression
//   knows, such as one repeated character or a long CJK run) counted in pieces of at most that length, cut at
//   code point boundaries. Each cut can make the count differ from the exact one by about one token (tested
//   bound: at most one token per cut, measured across character classes at well under one on average); with
//   pieces of 4,096 units that is at most one token in 4,096 characters. Text without such a run is counted
//   exactly as gpt-tokenizer counts it.

/** An encoding's tokens by rank, as gpt-tokenizer publishes them: the token's text, or its bytes when they are not UTF-8. */
export type RankTable = readonly (string | readonly number[] | undefined)[];

/** The longest pre-token counted in one piece, in UTF-16 units. */
export const defaultMaxPieceLength = 4096;

/** UTF-16 units counted between two yields of {@link BpeCounter.countSteps}. */
export const defaultStepLength = 8 * 1024;

export interface BpeCounterOptions {
  /** Pre-tokens longer than this (UTF-16 units) are counted in pieces of at most this length. */
  readonly maxPieceLength?: number;
}

// Part positions are byte offsets inside one piece; heap keys are `rank * positionLimit + position`.
const positionLimit = 1 << 21;
const maxPieceLengthLimit = Math.floor(positionLimit / 3) - 1;

// Pre-tokens this short (most of ordinary text) have their counts remembered.
const cachedLength = 64;
const cacheLimit = 50_000;
// The cache pays for itself on text that repeats its words (prose: most lookups hit) and costs a quarter of the
// time on text that does not (random base64: almost none hit). When fewer than 1 in 16 of a window's lookups hit,
// it is left alone for a few windows.
const cacheWindow = 4096;
const cacheMinHits = cacheWindow / 16;
const cacheRest = 8 * cacheWindow;
const pieceCacheLimit = 16;
const hashBase = 0x01000193;
// Below this many bytes a rescan is cheaper than the heap.
const smallMerge = 24;

/** Where a resumable count stands. */
interface Cursor {
  /** Next regex search position in the text. */
  index: number;
  total: number;
  /** A pre-token being counted in pieces, and the start of its next piece. */
  run: string | undefined;
  runIndex: number;
}

/** A byte string: one UTF-16 unit (0-255) per byte, so any byte sequence is a valid Map key. */
function byteString(bytes: Uint8Array | readonly number[], start = 0, end = bytes.length): string {
  let text = '';
  for (let i = start; i < end; i += 4096) {
    const chunk = bytes instanceof Uint8Array ? bytes.subarray(i, Math.min(end, i + 4096)) : bytes.slice(i, Math.min(end, i + 4096));
    text += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return text;
}

/**
 * Every token as a byte string. The UTF-8 of the non-ASCII tokens is made in one conversion of all of them (one
 * native call instead of 70,000), which halves the encoding's load time.
 */
function byteStrings(table: RankTable): (string | undefined)[] {
  const keys = new Array<string | undefined>(table.length);
  const nonAscii: number[] = [];
  for (let rank = 0; rank < table.length; rank++) {
    const token = table[rank];
    if (token === undefined) {
      continue;
    }
    if (typeof token !== 'string') {
      keys[rank] = byteString(token);
    } else if (isAscii(token)) {
      keys[rank] = token;
    } else if (token.includes('\u0000')) {
      keys[rank] = byteString(new TextEncoder().encode(token));
    } else {
      nonAscii.push(rank);
    }
  }
  const joined = Buffer.from(nonAscii.map((rank) => table[rank] as string).join('\u0000'), 'utf8').toString('latin1').split('\u0000');
  for (let i = 0; i < nonAscii.length; i++) {
    keys[nonAscii[i]!] = joined[i];
  }
  return keys;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      return false;
    }
  }
  return true;
}

/** Token counts of one encoding, in time linear in the text (see the comment at the top of this file). */
export class BpeCounter {
  private readonly ranks = new Map<string, number>();
  private readonly tokenBytes: readonly (string | undefined)[];
  private readonly byteRanks = new Int32Array(256);
  private readonly longestToken: number;
  private readonly splitter: RegExp;
  private readonly maxPieceLength: number;
  private readonly encoder = new TextEncoder();
  private utf8 = new Uint8Array(1024);
  private readonly cache = new Map<string, number>();
  private cacheLookups = 0;
  private cacheHits = 0;
  /** Pre-tokens still to count without the cache. */
  private cacheResting = 0;
  private readonly pieceCache = new Map<string, number>();

  // Tokens by a polynomial hash of their bytes, so the token made of two others is found from their hashes
  // (H(a + b) = H(a) * P^|b| + H(b)) without building the joined string.
  private readonly tokenHash: Int32Array;
  private readonly tokenLength: Int32Array;
  private readonly powers: Int32Array;
  private readonly joinSlots: Int32Array;
  private readonly joinShift: number;

  // Pair table: open addressing, (left rank, right rank) → merged rank or -1.
  private readonly pairBits = 18;
  private readonly pairLeft = new Int32Array(1 << this.pairBits).fill(-1);
  private readonly pairRight = new Int32Array(1 << this.pairBits);
  private readonly pairMerged = new Int32Array(1 << this.pairBits);
  private pairCount = 0;

  // Scratch space of the merges, grown on demand.
  private capacity = 0;
  private tok = new Int32Array(0);
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private pair = new Int32Array(0);
  private heap = new Float64Array(0);

  constructor(table: RankTable, splitRegex: RegExp, options: BpeCounterOptions = {}) {
    if (!splitRegex.global) {
      throw new Error('the pre-token expression must be global');
    }
    this.splitter = new RegExp(splitRegex.source, splitRegex.flags);
    this.maxPieceLength = Math.max(16, Math.min(options.maxPieceLength ?? defaultMaxPieceLength, maxPieceLengthLimit));
    const keys = byteStrings(table);
    let longest = 1;
    for (let rank = 0; rank < keys.length; rank++) {
      const key = keys[rank];
      if (key !== undefined) {
        this.ranks.set(key, rank);
        longest = Math.max(longest, key.length);
      }
    }
    this.tokenBytes = keys;
    this.longestToken = longest;
    this.tokenHash = new Int32Array(keys.length);
    this.tokenLength = new Int32Array(keys.length);
    this.powers = new Int32Array(2 * longest + 1);
    this.powers[0] = 1;
    for (let i = 1; i < this.powers.length; i++) {
      this.powers[i] = Math.imul(this.powers[i - 1]!, hashBase);
    }
    const joinBits = Math.max(10, Math.ceil(Math.log2(keys.length * 2.5)));
    this.joinSlots = new Int32Array(1 << joinBits);
    this.joinShift = 32 - joinBits;
    for (let rank = 0; rank < keys.length; rank++) {
      const key = keys[rank];
      if (key === undefined) {
        continue;
      }
      let hash = 0;
      for (let i = 0; i < key.length; i++) {
        hash = (Math.imul(hash, hashBase) + key.charCodeAt(i)) | 0;
      }
      this.tokenHash[rank] = hash;
      this.tokenLength[rank] = key.length;
      let slot = Math.imul(hash, 0x9e3779b1) >>> this.joinShift;
      while (this.joinSlots[slot] !== 0) {
        slot = (slot + 1) & (this.joinSlots.length - 1);
      }
      this.joinSlots[slot] = rank + 1;
    }
    for (let byte = 0; byte < 256; byte++) {
      const rank = this.ranks.get(String.fromCharCode(byte));
      if (rank === undefined) {
        throw new Error(`the encoding has no token for byte ${byte}`);
      }
      this.byteRanks[byte] = rank;
    }
    this.grow(256);
  }

  /** Tokens of `text`, special-token text counted as ordinary text. */
  count(text: string): number {
    const cursor: Cursor = { index: 0, total: 0, run: undefined, runIndex: 0 };
    this.advance(text, cursor, Infinity);
    return cursor.total;
  }

  /**
   * The same count in steps: yields after every `stepLength` UTF-16 units or so, so a caller can stop at a deadline
   * and resume. Every step is bounded by `stepLength` plus one piece, whatever the text.
   */
  *countSteps(text: string, stepLength = defaultStepLength): Generator<void, number, void> {
    const cursor: Cursor = { index: 0, total: 0, run: undefined, runIndex: 0 };
    while (!this.advance(text, cursor, stepLength)) {
      yield;
    }
    return cursor.total;
  }

  /** Counts from the cursor until about `budget` units are done; true when the text is done. */
  private advance(text: string, cursor: Cursor, budget: number): boolean {
    const splitter = this.splitter;
    while (budget > 0) {
      if (cursor.run !== undefined) {
        const run = cursor.run;
        let end = Math.min(run.length, cursor.runIndex + this.maxPieceLength);
        const last = run.charCodeAt(end - 1);
        if (end < run.length && last >= 0xd800 && last <= 0xdbff) {
          end--; // never split a surrogate pair
        }
        cursor.total += this.countPiece(run.slice(cursor.runIndex, end));
        budget -= end - cursor.runIndex;
        cursor.runIndex = end;
        if (end >= run.length) {
          cursor.run = undefined;
        }
        continue;
      }
      // The expression is shared: its position is set for every search, so interleaved counts do not interfere.
      splitter.lastIndex = cursor.index;
      const match = splitter.exec(text);
      if (match === null) {
        cursor.index = text.length;
        return true;
      }
      cursor.index = splitter.lastIndex;
      const pretoken = match[0];
      if (pretoken.length > this.maxPieceLength) {
        cursor.run = pretoken;
        cursor.runIndex = 0;
        continue;
      }
      cursor.total += this.countPretoken(pretoken);
      budget -= pretoken.length + 8;
    }
    return cursor.index >= text.length && cursor.run === undefined;
  }

  /** One piece of a long pre-token: repeated runs repeat their pieces, so the last few are remembered. */
  private countPiece(piece: string): number {
    let count = this.pieceCache.get(piece);
    if (count === undefined) {
      count = this.countPretoken(piece);
      if (this.pieceCache.size >= pieceCacheLimit) {
        this.pieceCache.clear();
      }
      this.pieceCache.set(piece, count);
    }
    return count;
  }

  private countPretoken(pretoken: string): number {
    const ascii = isAscii(pretoken);
    if (ascii && this.ranks.has(pretoken)) {
      return 1;
    }
    const cacheable = pretoken.length <= cachedLength && this.useCache();
    if (cacheable) {
      const cached = this.cache.get(pretoken);
      if (cached !== undefined) {
        this.cacheHits++;
        return cached;
      }
    }
    let count: number;
    if (ascii) {
      const n = pretoken.length;
      this.grow(n);
      for (let i = 0; i < n; i++) {
        this.tok[i] = this.byteRanks[pretoken.charCodeAt(i)]!;
      }
      count = this.merge(n);
    } else {
      if (this.utf8.length < 3 * pretoken.length) {
        this.utf8 = new Uint8Array(3 * pretoken.length + 64);
      }
      const bytes = this.utf8;
      const n = this.encoder.encodeInto(pretoken, bytes).written;
      if (n <= this.longestToken && this.ranks.has(byteString(bytes, 0, n))) {
        count = 1;
      } else {
        this.grow(n);
        for (let i = 0; i < n; i++) {
          this.tok[i] = this.byteRanks[bytes[i]!]!;
        }
        count = this.merge(n);
      }
    }
    if (cacheable) {
      if (this.cache.size >= cacheLimit) {
        this.cache.clear();
      }
      this.cache.set(pretoken, count);
    }
    return count;
  }

  /** Whether to look this pre-token up in the cache (see `cacheWindow`). */
  private useCache(): boolean {
    if (this.cacheResting > 0) {
      this.cacheResting--;
      return false;
    }
    if (++this.cacheLookups >= cacheWindow) {
      if (this.cacheHits < cacheMinHits) {
        this.cacheResting = cacheRest;
      }
      this.cacheLookups = 0;
      this.cacheHits = 0;
    }
    return true;
  }

  private grow(n: number): void {
    if (this.capacity >= n) {
      return;
    }
    const capacity = Math.max(n, 2 * this.capacity);
    this.capacity = capacity;
    this.tok = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.pair = new Int32Array(capacity);
    this.heap = new Float64Array(2 * capacity + 4);
  }

  /** The rank of the token made of tokens `left` and `right`, or -1 when there is none. */
  private merged(left: number, right: number): number {
    const shift = 32 - this.pairBits;
    const mask = (1 << this.pairBits) - 1;
    let slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) >>> shift;
    for (;;) {
      const stored = this.pairLeft[slot]!;
      if (stored === -1) {
        break;
      }
      if (stored === left && this.pairRight[slot] === right) {
        return this.pairMerged[slot]!;
      }
      slot = (slot + 1) & mask;
    }
    const merged = this.joined(left, right);
    if (this.pairCount * 2 > mask) {
      // Half full: start over rather than probe long chains.
      this.pairLeft.fill(-1);
      this.pairCount = 0;
      slot = (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) >>> shift;
    }
    this.pairLeft[slot] = left;
    this.pairRight[slot] = right;
    this.pairMerged[slot] = merged;
    this.pairCount++;
    return merged;
  }

  /** The token whose bytes are those of `left` then `right` (found by hash, checked by bytes), or -1. */
  private joined(left: number, right: number): number {
    const length = this.tokenLength[left]! + this.tokenLength[right]!;
    if (length > this.longestToken) {
      return -1;
    }
    const hash = (Math.imul(this.tokenHash[left]!, this.powers[this.tokenLength[right]!]!) + this.tokenHash[right]!) | 0;
    const mask = this.joinSlots.length - 1;
    for (let slot = Math.imul(hash, 0x9e3779b1) >>> this.joinShift; ; slot = (slot + 1) & mask) {
      const entry = this.joinSlots[slot]!;
      if (entry === 0) {
        return -1;
      }
      const rank = entry - 1;
      if (this.tokenHash[rank] === hash && this.tokenLength[rank] === length) {
        const bytes = this.tokenBytes[rank]!;
        if (bytes.startsWith(this.tokenBytes[left]!) && bytes.endsWith(this.tokenBytes[right]!)) {
          return rank;
        }
      }
    }
  }

  /** Merges the `n` byte tokens in `tok` and returns how many tokens are left. */
  private merge(n: number): number {
    return n <= smallMerge ? this.mergeByScan(n) : this.mergeByHeap(n);
  }

  /** gpt-tokenizer's loop on typed arrays: find the lowest-ranked pair (leftmost on ties), merge it, repeat. */
  private mergeByScan(n: number): number {
    const tok = this.tok;
    const pair = this.pair;
    let parts = n;
    for (let i = 0; i < parts - 1; i++) {
      pair[i] = this.merged(tok[i]!, tok[i + 1]!);
    }
    while (parts > 1) {
      let lowest = 0x7fffffff;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        const rank = pair[i]!;
        if (rank >= 0 && rank < lowest) {
          lowest = rank;
          at = i;
        }
      }
      if (at < 0) {
        break;
      }
      tok[at] = lowest;
      tok.copyWithin(at + 1, at + 2, parts);
      pair.copyWithin(at, at + 1, parts - 1);
      parts--;
      if (at + 1 < parts) {
        pair[at] = this.merged(tok[at]!, tok[at + 1]!);
      }
      if (at > 0) {
        pair[at - 1] = this.merged(tok[at - 1]!, tok[at]!);
      }
    }
    return parts;
  }

  /**
   * The same merges in O(n log n): parts are a linked list by byte offset, candidate pairs sit in a min-heap keyed
   * by (rank, offset), and a popped pair is used only if it is still the current pair at its offset.
   */
  private mergeByHeap(n: number): number {
    const { tok, next, prev, pair, heap } = this;
    let size = 0;
    const push = (key: number): void => {
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent]! <= key) {
          break;
        }
        heap[i] = heap[parent]!;
        i = parent;
      }
      heap[i] = key;
    };
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    const siftDown = (start: number, value: number): void => {
      let hole = start;
      for (;;) {
        let child = 2 * hole + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && heap[child + 1]! < heap[child]!) {
          child++;
        }
        if (heap[child]! >= value) {
          break;
        }
        heap[hole] = heap[child]!;
        hole = child;
      }
      heap[hole] = value;
    };
    for (let i = 0; i < n - 1; i++) {
      const rank = this.merged(tok[i]!, tok[i + 1]!);
      pair[i] = rank;
      if (rank >= 0) {
        heap[size++] = rank * positionLimit + i;
      }
    }
    pair[n - 1] = -1;
    // Floyd's heap construction: O(n) for the initial pairs.
    for (let i = (size >> 1) - 1; i >= 0; i--) {
      siftDown(i, heap[i]!);
    }
    let parts = n;
    while (size > 0) {
      const key = heap[0]!;
      const last = heap[--size]!;
      siftDown(0, last);

      const rank = Math.floor(key / positionLimit);
      const at = key - rank * positionLimit;
      if (pair[at] !== rank) {
        continue; // stale: the part at `at` changed, or is gone
      }
      const right = next[at]!;
      const after = next[right]!;
      tok[at] = rank;
      next[at] = after;
      if (after < n) {
        prev[after] = at;
      }
      pair[right] = -2;
      parts--;
      const following = after < n ? this.merged(rank, tok[after]!) : -1;
      pair[at] = following;
      if (following >= 0) {
        push(following * positionLimit + at);
      }
      const before = prev[at]!;
      if (before >= 0) {
        const preceding = this.merged(tok[before]!, rank);
        pair[before] = preceding;
        if (preceding >= 0) {
          push(preceding * positionLimit + before);
        }
      }
    }
    return parts;
  }
}
