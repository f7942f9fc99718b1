/** Characters gathered into one searched string: big enough that a search is a few long scans, not 100,000 short ones. */
const chunkChars = 1 << 20;
/** Between rows in a chunk: never in a needle (a needle holding it matches nothing). */
const separator = '\u0000';

/**
 * Case-insensitive substring search over one text per row. Rows' lowercase texts are joined into large strings, so a
 * search is a handful of `indexOf` scans (V8 scans long strings far faster than it calls `includes` per row), each
 * hit mapped back to its row by binary search. The last answer is cached: a changed sort or filter reuses it.
 */
export class SearchIndex {
  private readonly chunks: string[] = [];
  /** The first row of each chunk (and of the pending one at the end). */
  private readonly chunkFirstRow: number[] = [0];
  /** Each row's offset in its chunk. */
  private rowStart = new Uint32Array(1024);
  private pending: string[] = [];
  private pendingChars = 0;
  private rows = 0;
  private cached: { needle: string; rows: number; mask: Uint8Array } | undefined;

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
    this.rowStart[this.rows++] = this.pendingChars;
    this.pending.push(lower);
    this.pendingChars += lower.length + 1;
    if (this.pendingChars >= chunkChars) {
      this.seal();
    }
  }

  /** A mask over the rows: 1 where the row's text holds `needle` (already lowercase and not empty). */
  matches(needle: string): Uint8Array {
    if (this.cached?.needle === needle && this.cached.rows === this.rows) {
      return this.cached.mask;
    }
    this.seal();
    const mask = new Uint8Array(this.rows);
    if (!needle.includes(separator)) {
      for (let chunk = 0; chunk < this.chunks.length; chunk++) {
        this.scan(chunk, needle, mask);
      }
    }
    this.cached = { needle, rows: this.rows, mask };
    return mask;
  }

  private scan(chunk: number, needle: string, mask: Uint8Array): void {
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
    this.chunks.push(this.pending.join(separator));
    this.chunkFirstRow.push(this.rows);
    this.pending = [];
    this.pendingChars = 0;
  }
}
