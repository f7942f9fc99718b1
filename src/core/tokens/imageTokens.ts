import { modelFamily } from './models';

// Image inputs are billed by Azure's image-token rules, never by the text of their URL: a base64 data URL of a
// 3 MB photo is a few hundred tokens, not two million. The rules (Azure OpenAI "Image input tokens",
// learn.microsoft.com/azure/ai-services/openai/overview): `detail: low` costs a flat base; otherwise the image is
// scaled to fit in 2048 x 2048, then scaled down so its shortest side is at most 768, and costs the base plus a
// per-tile amount for every 512 x 512 tile it covers (partial tiles count). Microsoft documents the amounts for
// GPT-4o and GPT-4 Turbo with Vision (85 + 170 per tile) and GPT-4o mini (2833 + 5667 per tile: its tokens cost
// less, so the price per image is the same); every other model is estimated with the GPT-4o amounts.

/** What an image costs a model: a base, plus one amount per 512 x 512 tile in high detail. */
export interface ImageTokenRates {
  readonly base: number;
  readonly tile: number;
}

export const gpt4oImageRates: ImageTokenRates = { base: 85, tile: 170 };
export const gpt4oMiniImageRates: ImageTokenRates = { base: 2833, tile: 5667 };

/** The image rates of a model (by family: `gpt-4o-mini-batch` → GPT-4o mini's); GPT-4o's when not documented. */
export function imageRatesFor(model: string): ImageTokenRates {
  return modelFamily(model) === 'gpt-4o-mini' ? gpt4oMiniImageRates : gpt4oImageRates;
}

/**
 * The size assumed when the request does not carry it (an http(s) URL, a file id, a header that cannot be read):
 * a large square image, 2048 x 2048, which takes 4 tiles (765 tokens for GPT-4o). That is the most a square
 * image costs, and what a typical photo costs; it is not an upper bound: a wide or tall image (16:9 and beyond)
 * takes 6 to 8 tiles, up to 1,445 tokens for GPT-4o.
 */
export const assumedImageSize = { width: 2048, height: 2048 } as const;

/** 512 x 512 tiles of an image in high detail, after the service's two scaling steps. */
export function highDetailTiles(width: number, height: number): number {
  let w = width;
  let h = height;
  const longest = Math.max(w, h);
  if (longest > 2048) {
    w = (w * 2048) / longest;
    h = (h * 2048) / longest;
  }
  const shortest = Math.min(w, h);
  if (shortest > 768) {
    w = (w * 768) / shortest;
    h = (h * 768) / shortest;
  }
  // A hair of tolerance, so 1536.0000001 after scaling is still 3 tiles.
  const tiles = (side: number) => Math.max(1, Math.ceil(side / 512 - 1e-9));
  return tiles(w) * tiles(h);
}

/** Tokens of one image: the base in low detail, else base + tiles; a missing size is {@link assumedImageSize}. */
export function imageTokens(detail: unknown, size: ImageSize | undefined, rates: ImageTokenRates = gpt4oImageRates): number {
  if (detail === 'low') {
    return rates.base;
  }
  const { width, height } = size ?? assumedImageSize;
  return rates.base + rates.tile * highDetailTiles(width, height);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Tokens of an image content part: chat's `{type: "image_url", image_url: {url, detail}}` (or `image_url` as a
 * plain URL string) and the Responses API's `{type: "input_image", image_url, detail}`. The size is read from the
 * header of a base64 data URL; only the first bytes are decoded.
 */
export function imagePartTokens(part: Record<string, unknown>, rates: ImageTokenRates = gpt4oImageRates): number {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : isObject(image) && typeof image.url === 'string' ? image.url : undefined;
  const detail = (isObject(image) ? image.detail : undefined) ?? part.detail ?? 'auto';
  return imageTokens(detail, url === undefined ? undefined : dataUrlImageSize(url), rates);
}

// --- image sizes from data URL headers ----------------------------------------------------------------------

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

// How far into the image a JPEG's frame header is looked for: EXIF and ICC segments come first and can be large.
const jpegSearchLimit = 1024 * 1024;

/**
 * Bytes [start, end) of base64 text, decoding only the quads that hold them (fewer where the text ends or stops
 * being base64).
 */
function base64Bytes(base64: string, start: number, end: number): Uint8Array {
  const firstQuad = Math.floor(start / 3);
  let text = base64.slice(firstQuad * 4, Math.ceil(end / 3) * 4);
  const invalid = text.search(/[^A-Za-z0-9+/=_-]/);
  if (invalid >= 0) {
    text = text.slice(0, invalid - (invalid % 4));
  }
  const bytes = Buffer.from(text, 'base64');
  return bytes.subarray(Math.min(bytes.length, start - firstQuad * 3), Math.min(bytes.length, end - firstQuad * 3));
}

/** The pixel size in a base64 `data:image/...` URL's PNG, JPEG, GIF or WebP header; undefined when unreadable. */
export function dataUrlImageSize(url: string): ImageSize | undefined {
  if (!url.startsWith('data:')) {
    return undefined;
  }
  const comma = url.indexOf(',');
  if (comma < 0 || comma > 256 || !/;base64$/i.test(url.slice(0, comma))) {
    return undefined;
  }
  const base64 = url.slice(comma + 1, comma + 1 + 4 * Math.ceil((jpegSearchLimit + 16) / 3));
  const read = (start: number, end: number) => base64Bytes(base64, start, end);
  const head = read(0, 32);
  if (head.length < 10) {
    return undefined;
  }
  return pngSize(head) ?? gifSize(head) ?? webpSize(head) ?? jpegSize(head, read);
}

function valid(width: number, height: number): ImageSize | undefined {
  return width > 0 && height > 0 ? { width, height } : undefined;
}

function pngSize(b: Uint8Array): ImageSize | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 24 || !signature.every((byte, i) => b[i] === byte)) {
    return undefined;
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return valid(view.getUint32(16), view.getUint32(20));
}

function gifSize(b: Uint8Array): ImageSize | undefined {
  const ascii = String.fromCharCode(...b.subarray(0, 6));
  if (ascii !== 'GIF87a' && ascii !== 'GIF89a') {
    return undefined;
  }
  return valid(b[6]! | (b[7]! << 8), b[8]! | (b[9]! << 8));
}

function webpSize(b: Uint8Array): ImageSize | undefined {
  if (b.length < 30 || String.fromCharCode(...b.subarray(0, 4)) !== 'RIFF' || String.fromCharCode(...b.subarray(8, 12)) !== 'WEBP') {
    return undefined;
  }
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  if (chunk === 'VP8 ') {
    return valid((b[26]! | (b[27]! << 8)) & 0x3fff, (b[28]! | (b[29]! << 8)) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return valid((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    return valid((b[24]! | (b[25]! << 8) | (b[26]! << 16)) + 1, (b[27]! | (b[28]! << 8) | (b[29]! << 16)) + 1);
  }
  return undefined;
}

/** Walks the JPEG segments to the first frame header (SOFn), reading each segment header where it lies. */
function jpegSize(head: Uint8Array, read: (start: number, end: number) => Uint8Array): ImageSize | undefined {
  if (head[0] !== 0xff || head[1] !== 0xd8) {
    return undefined;
  }
  let offset = 2;
  while (offset < jpegSearchLimit) {
    const segment = read(offset, offset + 9);
    if (segment.length < 4 || segment[0] !== 0xff) {
      return undefined;
    }
    const marker = segment[1]!;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    const length = (segment[2]! << 8) | segment[3]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      return segment.length < 9 ? undefined : valid((segment[7]! << 8) | segment[8]!, (segment[5]! << 8) | segment[6]!);
    }
    if (marker === 0xd9 || marker === 0xda || length < 2) {
      return undefined; // end of image or start of scan before any frame header
    }
    offset += 2 + length;
  }
  return undefined;
}
