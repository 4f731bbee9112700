/**
 * Image decoding for Node (tests, CLI, benchmarks) with the pure-JS jpeg-js and pngjs, and HEIC with
 * libheif's wasm build (heic.ts). The browser Worker uses decode-browser.ts instead; both return the same
 * DecodedPhoto with the orientation applied.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { readJpegExif } from './exif';
import { decodeHeic } from './heic';
import {
  applyOrientation,
  type DecodedImage,
  type DecodedPhoto,
  ImageError,
  type ImageType,
  MAX_DECODE_MEGAPIXELS,
  notAnImage,
  sniffImageType,
} from './image';

export { MAX_DECODE_MEGAPIXELS } from './image';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** True when a JPEG's last non-padding bytes are the EOI marker. */
function hasJpegEnd(bytes: Uint8Array): boolean {
  let n = bytes.length;
  while (n > 0 && bytes[n - 1] === 0) n--;
  return n >= 2 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
}

/** True when a PNG ends with the IEND chunk (length 0, type, CRC). */
function hasPngEnd(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 12 && String.fromCharCode(...bytes.subarray(n - 8, n - 4)) === 'IEND';
}

function decodeJpeg(bytes: Uint8Array, name: string): DecodedImage {
  let raw: { width: number; height: number; data: Uint8Array };
  try {
    raw = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_DECODE_MEGAPIXELS,
      maxMemoryUsageInMB: 4096,
    });
  } catch (e) {
    const why = message(e);
    if (/maxResolutionInMP|maxMemoryUsageInMB|memory/i.test(why)) {
      throw new ImageError('too-large', `${name} is too large to decode: ${why}`);
    }
    const truncated = hasJpegEnd(bytes) ? '' : ' (the file looks truncated: no end-of-image marker)';
    throw new ImageError('corrupt', `${name} is corrupt: ${why}${truncated}`);
  }
  if (!(raw.width > 0 && raw.height > 0) || raw.data.length < raw.width * raw.height * 4) {
    throw new ImageError('corrupt', `${name} is corrupt: decoder returned no pixels`);
  }
  return {
    width: raw.width,
    height: raw.height,
    data: new Uint8ClampedArray(raw.data.buffer, raw.data.byteOffset, raw.width * raw.height * 4),
  };
}

function decodePng(bytes: Uint8Array, name: string): DecodedImage {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    const truncated = hasPngEnd(bytes) ? '' : ' (the file looks truncated: no IEND chunk)';
    throw new ImageError('corrupt', `${name} is corrupt: ${message(e)}${truncated}`);
  }
  if (png.width * png.height > MAX_DECODE_MEGAPIXELS * 1e6) {
    throw new ImageError('too-large', `${name} is too large to decode (${png.width}×${png.height})`);
  }
  // Copy: pngjs buffers may live in a shared pool at an unaligned offset.
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

const UNSUPPORTED_NAME: Record<ImageType, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  heic: 'HEIC',
  gif: 'GIF',
  bmp: 'BMP',
};

/**
 * Synchronous Node decode: JPEG (with EXIF orientation applied) and PNG. HEIC needs the async decodeImage
 * (the wasm decoder loads asynchronously). Throws ImageError.
 */
export function decodeImageSync(bytes: Uint8Array, name = 'image'): DecodedPhoto {
  const type = sniffImageType(bytes);
  if (type === null) throw notAnImage(bytes, name);
  if (type === 'jpeg') {
    const exif = readJpegExif(bytes);
    return { image: applyOrientation(decodeJpeg(bytes, name), exif.orientation), type, exif };
  }
  if (type === 'png') return { image: decodePng(bytes, name), type, exif: {} };
  if (type === 'heic') {
    throw new ImageError('unsupported', `${name} is a HEIC image: decode it with the async decodeImage`);
  }
  throw new ImageError(
    'unsupported',
    `${name} is a ${UNSUPPORTED_NAME[type]} image, which the Node decoder cannot read (JPEG, PNG and HEIC only); convert it to JPEG or PNG`,
  );
}

/** Node decoder with the same signature as the browser one; HEIC through libheif wasm (heic.ts). */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<DecodedPhoto> {
  if (sniffImageType(bytes) === 'heic') return decodeHeic(bytes, name);
  return decodeImageSync(bytes, name);
}
