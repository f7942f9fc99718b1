/** Bytes gathered into one searched chunk: big enough that a search is a few long scans, not 100,000 short ones. */
const chunkBytes = 1 << 20;
/** Between rows in a chunk: never in a needle (a needle holding it matches nothing). */
const separator = '\u0000';

/**
 * Case-insensitive substring search over one text per row. Rows' lowercase texts are joined into large UTF-8
 * buffers, so a search is a handful of `indexOf` scans (far faster than calling `includes` per row), each hit mapped
 * back to its row by binary search. UTF-8 holds most text in half the memory of the two-byte strings V8 keeps for
 * any text outside Latin-1, and a UTF-8 needle can only match at character boundaries. The last answer is cached:
 * a changed sort or filter reuses it.
 */
export class SearchIndex {
  private readonly chunks: Buffer[] = [];
  /** The first row of each chunk (and of the pending one at the end). */
  private readonly chunkFirstRow: number[] = [0];
  /** Each row's byte offset in its chunk. */
  private rowStart = new Uint32Array(1024);
  private pending: string[] = [];
  private pendingBytes = 0;
  private rows = 0;
  private cached: { needle: string; rows: number; mask: Uint8Array; hits: number } | undefined;

  get size(): number {
    return this.rows;
  }

  add(text: string): void {
    // Lowercased one row at a time: lowercasing can change a text's length (İ → i̇), so offsets are taken after it.
    const lower = text.toLowerCase();
    if (this.rows === this.rowStart.length) {
      const grown = new Uint32Array(this.rowStart.length * 2);
      grown.set(this.rowStart);
      this.rowStart = grown;
    }
    this.rowStart[this.rows++] = this.pendingBytes;
    this.pending.push(lower);
    this.pendingBytes += Buffer.byteLength(lower, 'utf8') + 1;
    if (this.pendingBytes >= chunkBytes) {
      this.seal();
    }
  }

  /** A mask over the rows: 1 where the row's text holds `needle` (already lowercase and not empty). */
  matches(needle: string): Uint8Array {
    if (this.cached?.needle === needle && this.cached.rows === this.rows) {
      return this.cached.mask;
    }
    this.seal();
    const previous = this.cached;
    let mask: Uint8Array;
    if (needle.includes(separator)) {
      mask = new Uint8Array(this.rows);
    } else if (previous !== undefined && previous.rows === this.rows && needle.includes(previous.needle) && previous.hits * 8 < this.rows) {
      // The needle grew (someone is typing): only rows that held the shorter one can hold it.
      mask = this.refine(previous.mask, Buffer.from(needle, 'utf8'));
    } else {
      mask = new Uint8Array(this.rows);
      const bytes = Buffer.from(needle, 'utf8');
      for (let chunk = 0; chunk < this.chunks.length; chunk++) {
        this.scan(chunk, bytes, mask);
      }
    }
    let hits = 0;
    for (let row = 0; row < mask.length; row++) {
      hits += mask[row]!;
    }
    this.cached = { needle, rows: this.rows, mask, hits };
    return mask;
  }

  private refine(candidates: Uint8Array, needle: Buffer): Uint8Array {
    const mask = new Uint8Array(this.rows);
    let chunk = 0;
    for (let row = 0; row < this.rows; row++) {
      if (candidates[row] === 0) {
        continue;
      }
      while (this.chunkFirstRow[chunk + 1]! <= row) {
        chunk++;
      }
      const text = this.chunks[chunk]!;
      const end = row + 1 < this.chunkFirstRow[chunk + 1]! ? this.rowStart[row + 1]! - 1 : text.length;
      mask[row] = text.subarray(this.rowStart[row]!, end).indexOf(needle) >= 0 ? 1 : 0;
    }
    return mask;
  }

  private scan(chunk: number, needle: Buffer, mask: Uint8Array): void {
    const text = this.chunks[chunk]!;
    const first = this.chunkFirstRow[chunk]!;
    const end = this.chunkFirstRow[chunk + 1]!;
    let at = text.indexOf(needle);
    while (at >= 0) {
      // The last row of the chunk starting at or before the hit.
      let low = first;
      let high = end - 1;
      while (low < high) {
        const middle = (low + high + 1) >>> 1;
        if (this.rowStart[middle]! <= at) {
          low = middle;
        } else {
          high = middle - 1;
        }
      }
      mask[low] = 1;
      if (low + 1 >= end) {
        return;
      }
      at = text.indexOf(needle, this.rowStart[low + 1]!);
    }
  }

  private seal(): void {
    if (this.pending.length === 0) {
      return;
    }
    this.chunks.push(Buffer.from(this.pending.join(separator), 'utf8'));
    this.chunkFirstRow.push(this.rows);
    this.pending = [];
    this.pendingBytes = 0;
  }
}
