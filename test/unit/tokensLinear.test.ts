import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { BpeCounter, type RankTable } from '../../src/core/tokens/bpe';
import { DocumentEstimator } from '../../src/core/tokens/documentEstimator';
import { estimateLine, estimateLineWithin, type RequestEstimate } from '../../src/core/tokens/estimate';
import { ModelResolver } from '../../src/core/tokens/models';
import { countChatPrompt, countResponsesInput, runSteps } from '../../src/core/tokens/requestTokens';
import { countText, countTextSteps, type EncodingName } from '../../src/core/tokens/tokenizer';
import * as emulatorTokens from '../../src/emulator/tokens';
import { request } from './helpers';

// Token counting is linear in the text, whatever the text: long unbroken runs of every character class (one
// pre-token for gpt-tokenizer's quadratic merge), random base64 (which defeats its merge cache), and one line of
// megabytes in the editor. Counts of ordinary text stay exactly gpt-tokenizer's. A failure prints fast-check's
// seed; replay with FC_SEED=<seed> FC_PATH=<path>.

function settings(runs: number): fc.Parameters<unknown> {
  const numRuns = Math.max(1, Math.round(runs * Number(process.env.FC_RUNS_FACTOR ?? 1)));
  const seed = process.env.FC_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed), path: process.env.FC_PATH };
}

// gpt-tokenizer itself, the reference (special-token text counted as text, as the counter does).
interface Reference {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}
const reference: Record<EncodingName, Reference> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  o200k_base: require('gpt-tokenizer/encoding/o200k_base') as Reference,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cl100k_base: require('gpt-tokenizer/encoding/cl100k_base') as Reference,
};
const asText = { disallowedSpecial: new Set<string>() };
const referenceCount = (text: string, encoding: EncodingName) => reference[encoding].countTokens(text, asText);

/** A counter of o200k_base with another piece length (the exact count: pieces longer than any test input). */
function o200kCounter(maxPieceLength: number): BpeCounter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const table = (require('gpt-tokenizer/bpeRanks/o200k_base') as { default: RankTable }).default;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { O200K_TOKEN_SPLIT_REGEX } = require('gpt-tokenizer/encodingParams/constants') as { O200K_TOKEN_SPLIT_REGEX: RegExp };
  return new BpeCounter(table, O200K_TOKEN_SPLIT_REGEX, { maxPieceLength });
}

// --- generated runs ----------------------------------------------------------------------------------------

function codePoints(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));
}
const lower = codePoints(0x61, 0x7a);
const upper = codePoints(0x41, 0x5a);
const digits = codePoints(0x30, 0x39);
const base64Alphabet = [...upper, ...lower, ...digits, '+', '/'];

/** Character classes of unbroken runs: what a run is drawn from. */
const classes: Readonly<Record<string, readonly string[]>> = {
  'lowercase letters': lower,
  'uppercase letters': upper,
  digits,
  'one repeated letter': ['a'],
  'one repeated punctuation mark': ['='],
  'one repeated space': [' '],
  'one repeated CJK character': ['中'],
  'one repeated emoji': ['😀'],
  punctuation: [...'!"#$%&()*+,-.:;<=>?@[\\]^_`{|}~'],
  CJK: codePoints(0x4e00, 0x9fff),
  'emoji and other astral symbols': codePoints(0x1f300, 0x1faff),
  'accented and Cyrillic letters': [...codePoints(0xc0, 0xff), ...codePoints(0x430, 0x44f)],
  whitespace: [' ', '\t', '\n', '\r', '\u00a0', '\u3000'],
  'whitespace-free mix': [...lower, ...upper, ...digits, ...'!?.,;:-_/\\\'"', 'é', 'ß', '中', '😀', '\u0301'],
  'base64 alphabet': base64Alphabet,
};
const classNames = Object.keys(classes);

/** A deterministic run of at least `length` UTF-16 units drawn from `chars`. */
function run(chars: readonly string[], length: number, seed: number): string {
  let state = seed >>> 0 || 1;
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const char = chars[(state >>> 0) % chars.length]!;
    parts.push(char);
    size += char.length;
  }
  return parts.join('');
}

const runArbitrary = (minLength: number, maxLength: number) =>
  fc.record({ name: fc.constantFrom(...classNames), length: fc.integer({ min: minLength, max: maxLength }), seed: fc.integer({ min: 1, max: 0x7fffffff }) });

/** Random base64 of `bytes` bytes (deterministic). */
function base64Of(bytes: number, seed: number): string {
  const buffer = Buffer.alloc(bytes);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    buffer[i] = state >>> 24;
  }
  return buffer.toString('base64');
}

// Timings are CPU time of this process, not wall time: on a shared machine a process can wait hundreds of ms for a
// core, which says nothing about the work a step does.
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function cpuTime(fn: () => void): number {
  const started = cpuNow();
  fn();
  return cpuNow() - started;
}

// Ordinary text: words, numbers, punctuation, whitespace and emoji of several scripts, as prompts are written.
const word = fc.oneof(
  fc.constantFrom('the', 'The', 'refund', 'ticket', 'résumé', 'Größe', 'привет', 'μήνυμα', 'مرحبا', 'नमस्ते', '你好', '東京', 'can\'t', 'I\'ll', 'JSON'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
);
const separator = fc.constantFrom(' ', '  ', '\n', '\n\n', '\t', ', ', '. ', '! ', ' - ', '\r\n', ' 😀 ', '：', '。', '<|endoftext|>', '"', ' (#12345): ');
const prose = fc.array(fc.oneof(word, separator, fc.integer({ min: 0, max: 10_000_000 }).map(String)), { maxLength: 120 }).map((parts) => parts.join(''));

describe('tokens: counts linear in the text', function () {
  this.timeout(120_000);

  it('counts ordinary text exactly as gpt-tokenizer does, in both encodings', () => {
    fc.assert(
      fc.property(fc.oneof(prose, fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
          assert.equal(countText(text, encoding), referenceCount(text, encoding), `${encoding}: ${JSON.stringify(text)}`);
        }
      }),
      settings(200),
    );
  });

  it('counts unbroken runs up to the piece length exactly, for every character class', () => {
    fc.assert(
      fc.property(runArbitrary(1, 1200), ({ name, length, seed }) => {
        const text = run(classes[name]!, length, seed);
        for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
          assert.equal(countText(text, encoding), referenceCount(text, encoding), `${encoding}, ${name}, ${length} units`);
        }
      }),
      settings(60),
    );
  });

  it('counts longer runs in pieces within one token per cut of the exact count', () => {
    const exact = o200kCounter(500_000);
    const pieces = o200kCounter(256);
    // The exact counter is gpt-tokenizer's count, pre-token for pre-token.
    for (const name of classNames) {
      const text = run(classes[name]!, 1500, 7);
      assert.equal(exact.count(text), referenceCount(text, 'o200k_base'), name);
    }
    fc.assert(
      fc.property(runArbitrary(2_000, 20_000), ({ name, length, seed }) => {
        const text = run(classes[name]!, length, seed);
        const truth = exact.count(text);
        // A piece is at most 256 units (255 when it would split a surrogate pair).
        const cuts = (size: number) => Math.ceil(text.length / (size - 1));
        assert.ok(Math.abs(pieces.count(text) - truth) <= cuts(256), `${name}, ${length} units: ${pieces.count(text)} in 256-unit pieces vs ${truth}`);
        assert.ok(Math.abs(countText(text) - truth) <= cuts(4096), `${name}, ${length} units: ${countText(text)} in 4,096-unit pieces vs ${truth}`);
      }),
      settings(30),
    );
  });

  it('takes time linear in the length for every character class and for random base64', () => {
    const inputs: Record<string, (length: number, seed: number) => string> = {};
    for (const name of classNames) {
      inputs[name] = (length, seed) => run(classes[name]!, length, seed);
    }
    inputs['random base64'] = (length, seed) => base64Of(Math.ceil((length * 3) / 4), seed);
    countText('warm up the encoding');
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(inputs)), fc.integer({ min: 1, max: 0x7fffffff }), (name, seed) => {
        const make = inputs[name]!;
        // Sizes four times apart: linear counting grows 4x (n log n merges a little more), quadratic 16x, so noise on
        // a busy machine (which once pushed a 2x step to 2.5x) stays far from the bound.
        const size = 25_000;
        // Fresh text for every timing, so no cache carries a measurement (except within a repeated run).
        let round = 0;
        const once = (length: number) => {
          const text = make(length, seed + round++);
          return cpuTime(() => countText(text));
        };
        // A warm-up of the class first, so both sizes find the caches in the same state; then interleaved, best of
        // three each (garbage collection lands in one run or another), so a busy moment hits both sizes alike.
        const measure = () => {
          once(4 * size);
          let small = Infinity;
          let large = Infinity;
          for (let i = 0; i < 3; i++) {
            small = Math.min(small, once(size));
            large = Math.min(large, once(4 * size));
          }
          return { small, large };
        };
        let { small, large } = measure();
        if (large > 8 * small) {
          // A real quadratic cost repeats; a burst of load on the machine does not.
          ({ small, large } = measure());
        }
        // Below a few tens of ms, garbage collection and timer noise decide the ratio; quadratic counting takes
        // seconds here.
        if (large > 25) {
          assert.ok(large <= 8 * small, `${name}: ${size} units in ${small.toFixed(1)} ms, ${4 * size} in ${large.toFixed(1)} ms`);
        }
        assert.ok(large < 2_000, `${name}: ${4 * size} units took ${large.toFixed(0)} ms`);
      }),
      // Every class once (the examples count as runs), then random ones.
      { ...settings(Object.keys(inputs).length + 4), examples: Object.keys(inputs).map((name): [string, number] => [name, 1]) },
    );
  });

  it('never throws, whatever the text (lone surrogates, control characters, special-token text)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 3000 }), fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 3000 }).map((units) => String.fromCharCode(...units))),
        fc.integer({ min: 1, max: 20 }),
        (sample, repeat) => {
          const text = sample.repeat(repeat);
          for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
            const count = countText(text, encoding);
            assert.ok(Number.isInteger(count) && count >= 0 && count <= 4 * text.length);
            assert.equal(runSteps(countTextSteps(text, encoding)), count);
          }
        },
      ),
      settings(60),
    );
  });

  it('counts in bounded steps to the same total', () => {
    for (const text of ['a'.repeat(1_000_000), base64Of(300_000, 3), run(classes.CJK!, 100_000, 5)]) {
      const steps = countTextSteps(text);
      let count = 0;
      let longest = 0;
      for (;;) {
        const started = cpuNow();
        const step = steps.next();
        longest = Math.max(longest, cpuNow() - started);
        if (step.done) {
          assert.equal(step.value, countText(text));
          break;
        }
        count++;
      }
      assert.ok(count >= Math.floor(text.length / (16 * 1024)) - 1, `${count} steps for ${text.length} units`);
      // A step is 16 K units: a few ms of CPU; the bound leaves room for garbage collection.
      assert.ok(longest < 100, `longest step ${longest.toFixed(1)} ms of CPU`);
    }
  });

  it('is the counter the emulator bills with', () => {
    assert.equal(emulatorTokens.countText, countText);
    assert.equal(emulatorTokens.countChatPrompt, countChatPrompt);
    const messages = [{ role: 'user', content: 'a'.repeat(300_000) }];
    assert.equal(emulatorTokens.countChatPrompt(messages), 3 + 3 + countText('user') + countText(messages[0]!.content));
  });
});

// --- images ------------------------------------------------------------------------------------------------

type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp-vp8' | 'webp-vp8l' | 'webp-vp8x';

/** The first bytes of an image of that size: enough header for its size, as an encoder writes it. */
function imageHeader(format: ImageFormat, width: number, height: number, exifBytes = 0): Buffer {
  const u16be = (n: number) => [(n >> 8) & 0xff, n & 0xff];
  const u16le = (n: number) => [n & 0xff, (n >> 8) & 0xff];
  const u24le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff];
  const u32be = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  switch (format) {
    case 'png':
      return Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...u32be(13), ...ascii('IHDR'), ...u32be(width), ...u32be(height), 8, 6, 0, 0, 0, 0, 0, 0, 0]);
    case 'jpeg': {
      // SOI, an APP0 (JFIF), an APP1 of `exifBytes` (EXIF comes before the frame header), then SOF0.
      const app0 = [0xff, 0xe0, ...u16be(16), ...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
      const exif = exifBytes > 0 ? [0xff, 0xe1, ...u16be(exifBytes + 2), ...new Array<number>(exifBytes).fill(0x45)] : [];
      const sof = [0xff, 0xc0, ...u16be(17), 8, ...u16be(height), ...u16be(width), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
      return Buffer.from([0xff, 0xd8, ...app0, ...exif, ...sof]);
    }
    case 'gif':
      return Buffer.from([...ascii('GIF89a'), ...u16le(width), ...u16le(height), 0xf7, 0, 0]);
    case 'webp-vp8':
      return Buffer.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8 '), 0, 0, 0, 0, 0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(width), ...u16le(height)]);
    case 'webp-vp8l': {
      const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
      return Buffer.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8L'), 0, 0, 0, 0, 0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >>> 24) & 0xff, 0, 0, 0, 0, 0]);
    }
    case 'webp-vp8x':
      return Buffer.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8X'), 10, 0, 0, 0, 0, 0, 0, 0, ...u24le(width - 1), ...u24le(height - 1)]);
  }
}

/** A data URL of an image of that size, padded with `padBytes` of random image data after the header. */
function dataUrl(format: ImageFormat, width: number, height: number, padBytes: number, exifBytes = 0): string {
  const mime = format.startsWith('webp') ? 'webp' : format;
  const header = imageHeader(format, width, height, exifBytes);
  // Pad the header to a multiple of 3 bytes so the random tail can be encoded on its own.
  const aligned = Buffer.concat([header, Buffer.alloc((3 - (header.length % 3)) % 3)]);
  return `data:image/${mime};base64,${aligned.toString('base64')}${base64Of(padBytes - (padBytes % 3), width * 7919 + height)}`;
}

function imageRow(url: string, detail?: string, model = 'gpt-4o-batch'): string {
  const image_url = detail === undefined ? { url } : { url, detail };
  return request({}, { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe it.' }, { type: 'image_url', image_url }] }], max_tokens: 100 });
}

describe('tokens: image parts by Azure image-token rules', function () {
  this.timeout(60_000);
  const resolver = new ModelResolver();
  const textPart = countText('Describe it.');
  const frame = 3 + 3 + countText('user');
  const inputOf = (line: string) => (estimateLine(line, resolver) as RequestEstimate).inputTokens - frame - textPart;

  it('follows the documented examples (GPT-4o and GPT-4o mini)', () => {
    // learn.microsoft.com, Azure OpenAI image input tokens: 2048 x 4096 high is 1105 (GPT-4o) and 36835 (GPT-4o
    // mini); any low-detail image 85 and 2833; 1024 x 1024 high 765.
    assert.equal(inputOf(imageRow(dataUrl('png', 2048, 4096, 30), 'high')), 1105);
    assert.equal(inputOf(imageRow(dataUrl('png', 2048, 4096, 30), 'high', 'gpt-4o-mini-batch')), 36835);
    assert.equal(inputOf(imageRow(dataUrl('png', 4096, 8192, 30), 'low')), 85);
    assert.equal(inputOf(imageRow(dataUrl('png', 4096, 8192, 30), 'low', 'gpt-4o-mini-batch')), 2833);
    assert.equal(inputOf(imageRow(dataUrl('jpeg', 1024, 1024, 30))), 765);
    assert.equal(inputOf(imageRow(dataUrl('gif', 512, 512, 30), 'auto')), 85 + 170);
  });

  it('reads the size from PNG, JPEG, GIF and WebP headers, whatever follows them', () => {
    const formats: ImageFormat[] = ['png', 'jpeg', 'gif', 'webp-vp8', 'webp-vp8l', 'webp-vp8x'];
    fc.assert(
      fc.property(
        fc.constantFrom(...formats),
        fc.integer({ min: 1, max: 16_383 }),
        fc.integer({ min: 1, max: 16_383 }),
        fc.constantFrom(0, 600, 60_000),
        fc.constantFrom('low', 'high', 'auto', undefined),
        (format, w, h, exif, detail) => {
          const width = w;
          const url = dataUrl(format, width, h, 3000, format === 'jpeg' ? exif : 0);
          const tiles = tilesOf(width, h);
          const expected = detail === 'low' ? 85 : 85 + 170 * tiles;
          assert.equal(inputOf(imageRow(url, detail)), expected, `${format} ${width}x${h} ${detail}`);
          // Only the header is decoded: what follows it may be anything.
          const broken = `${url.slice(0, url.indexOf(',') + 1 + 4 * Math.ceil((imageHeader(format, width, h, format === 'jpeg' ? exif : 0).length + 3) / 3))}!!! not base64 !!!`;
          assert.equal(inputOf(imageRow(broken, detail)), expected, `${format} ${width}x${h}, broken tail`);
        },
      ),
      settings(120),
    );
  });

  it('assumes a 2048 x 2048 image when the size is not in the request', () => {
    for (const url of ['https://example.com/cat.png', 'data:image/png;base64,not-an-image', 'data:image/svg+xml,<svg/>', dataUrl('png', 10, 10, 30).replace('iVBOR', 'AAAAA')]) {
      assert.equal(inputOf(imageRow(url)), 765, url.slice(0, 40));
      assert.equal(inputOf(imageRow(url, 'low')), 85, url.slice(0, 40));
    }
    // The Responses API shape: image_url is the URL itself, detail beside it; a file id has no size either.
    const input = [{ role: 'user', content: [{ type: 'input_image', image_url: dataUrl('webp-vp8x', 3000, 1000, 30), detail: 'high' }, { type: 'input_image', file_id: 'file-1' }] }];
    assert.equal(countResponsesInput(input), 3 + 3 + countText('user') + (85 + 170 * tilesOf(3000, 1000)) + 765);
  });

  it('counts a 3 MB image data URL by its tiles, never by its text', () => {
    const line = imageRow(dataUrl('jpeg', 4032, 3024, 3_000_000, 20_000), 'high');
    const started = cpuNow();
    assert.equal(inputOf(line), 85 + 170 * tilesOf(4032, 3024));
    // Parsing 3 MB of JSON is all the time it takes (tokenizing the base64 would take seconds).
    assert.ok(cpuNow() - started < 1_000);
  });
});

/** The documented tile rule, written out independently of the implementation. */
function tilesOf(width: number, height: number): number {
  let w = width;
  let h = height;
  if (Math.max(w, h) > 2048) {
    const scale = 2048 / Math.max(w, h);
    w *= scale;
    h *= scale;
  }
  if (Math.min(w, h) > 768) {
    const scale = 768 / Math.min(w, h);
    w *= scale;
    h *= scale;
  }
  return Math.ceil(w / 512 - 1e-9) * Math.ceil(h / 512 - 1e-9);
}

// --- one huge line in the editor ------------------------------------------------------------------------------

describe('tokens: one huge line never blocks the editor for more than a step', function () {
  this.timeout(120_000);
  const sliceMs = 15;

  /** Flushes in slices as the editor does; returns the longest slice (CPU time) and how many it took. */
  function flushInSlices(estimator: DocumentEstimator, lines: readonly string[]): { longest: number; slices: number } {
    let longest = 0;
    let slices = 0;
    for (;;) {
      const started = cpuNow();
      const done = estimator.flush((line) => lines[line]!, performance.now() + sliceMs);
      longest = Math.max(longest, cpuNow() - started);
      slices++;
      if (done) {
        return { longest, slices };
      }
      assert.ok(slices < 100_000, 'makes progress');
    }
  }

  const hugeLines: Record<string, () => string> = {
    'a 2 MB run of one character': () => request({}, { messages: [{ role: 'user', content: 'a'.repeat(2_000_000) }] }),
    '1 MB of base64 text (no image part)': () => request({}, { messages: [{ role: 'user', content: `Decode this: ${base64Of(750_000, 11)}` }] }),
    'a 3 MB base64 image data URL': () => imageRow(dataUrl('png', 1920, 1080, 2_250_000), 'high'),
    '1 MB of random CJK': () => request({}, { messages: [{ role: 'user', content: run(classes.CJK!, 340_000, 13) }] }),
  };

  for (const [label, make] of Object.entries(hugeLines)) {
    it(`counts ${label} in slices of bounded length`, () => {
      const lines = [request({ custom_id: 'before' }), make(), request({ custom_id: 'after' })];
      const resolver = new ModelResolver();
      const estimator = new DocumentEstimator(resolver);
      estimator.reset(lines.length);
      const { longest } = flushInSlices(estimator, lines);
      assert.deepEqual(estimator.lineEstimate(1), estimateLine(lines[1]!, resolver));
      assert.equal(estimator.summary().requests, 3);
      // The slice is 15 ms; one step (parsing the line, or 16 K units of text) may run past it. 100 ms is far
      // above a step on an idle machine and far below what counting the line in one go takes.
      assert.ok(longest < 100, `${label}: longest slice ${longest.toFixed(1)} ms of CPU`);
    });
  }

  it('resumes a line cut short, and drops it when an edit replaces it', () => {
    const huge = request({ custom_id: 'huge' }, { messages: [{ role: 'user', content: base64Of(600_000, 17) }] });
    const lines = [huge, request({ custom_id: 'b' })];
    const resolver = new ModelResolver();
    const estimator = new DocumentEstimator(resolver);
    estimator.reset(lines.length);
    assert.equal(estimator.flush((line) => lines[line]!, performance.now() - 1), false);
    assert.equal(estimator.pendingCount, 2, 'the huge line is counted in steps and stays pending until done');
    // Replace the half-counted line: its steps are dropped, the new text is counted.
    lines[0] = request({ custom_id: 'small' });
    estimator.splice(0, 1, 1);
    assert.ok(estimator.flush((line) => lines[line]!));
    assert.deepEqual(estimator.lineEstimate(0), estimateLine(lines[0], resolver));
    assert.equal(estimator.summary().inputTokens, lines.reduce((sum, line) => sum + (estimateLine(line, resolver) as RequestEstimate).inputTokens, 0));
  });

  it('gives up on a hover of a huge line at the deadline instead of blocking', () => {
    const huge = request({}, { messages: [{ role: 'user', content: base64Of(1_500_000, 19) }] });
    const resolver = new ModelResolver();
    const started = cpuNow();
    assert.equal(estimateLineWithin(huge, resolver, performance.now() + sliceMs), undefined);
    assert.ok(cpuNow() - started < 100);
    assert.deepEqual(estimateLineWithin(request(), resolver, performance.now() + sliceMs), estimateLine(request(), resolver));
  });
});
