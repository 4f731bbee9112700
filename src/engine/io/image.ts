/**
 * The engine's decoded image (RGBA8, row-major, top row first) and the pure operations on it that both
 * decoders share: EXIF orientation, resize to a working size, and file-type sniffing for clear errors.
 * Decoding itself lives in decode-node.ts (jpeg-js/pngjs), decode-browser.ts (createImageBitmap) and, for
 * HEIC in both, heic.ts (libheif wasm, loaded on first use).
 */
import type { ExifData } from './exif';

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, width × height × 4. */
  data: Uint8ClampedArray;
}

/** Largest image the decoders accept; a bigger photo is refused rather than exhausting memory. */
export const MAX_DECODE_MEGAPIXELS = 200;

export type ImageType = 'jpeg' | 'png' | 'webp' | 'heic' | 'gif' | 'bmp';

/** What a decoder hands the pipeline: upright pixels plus the metadata used for priors. */
export interface DecodedPhoto {
  /** Pixels with the EXIF orientation already applied. */
  image: DecodedImage;
  type: ImageType;
  exif: ExifData;
}

/** Both decoders share this signature; `name` only feeds error messages. */
export type ImageDecoder = (bytes: Uint8Array, name?: string) => Promise<DecodedPhoto>;

export type ImageErrorKind = 'not-image' | 'unsupported' | 'corrupt' | 'too-large';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly kind: ImageErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);

/** Image type from the leading bytes (never from the file name), or null when it is none of these. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 'PNG\r\n\x1a\n')) return 'png';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'webp';
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return 'gif';
  if (ascii(b, 0, 'BM') && b.length >= 14) return 'bmp';
  if (ascii(b, 4, 'ftyp') && b.length >= 12) {
    // ISO-BMFF: HEIF images (not AVIF, which shares 'mif1') by major or compatible brand.
    const boxSize = Math.min((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3], b.length);
    const brands: string[] = [String.fromCharCode(...b.subarray(8, 12))];
    for (let o = 16; o + 4 <= boxSize; o += 4) brands.push(String.fromCharCode(...b.subarray(o, o + 4)));
    if (brands.some((x) => x === 'avif' || x === 'avis')) return null;
    if (brands.some((x) => HEIF_BRANDS.has(x))) return 'heic';
  }
  return null;
}

/** "starts with …" for error messages: text when the bytes are printable, hex otherwise. */
export function describeStart(bytes: Uint8Array, n = 8): string {
  if (bytes.length === 0) return 'is empty';
  const head = bytes.subarray(0, n);
  const printable = Array.from(head).every(
    (c) => (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09,
  );
  const more = bytes.length > n ? '…' : '';
  if (printable) return `starts with ${JSON.stringify(String.fromCharCode(...head) + more)}`;
  return `starts with ${Array.from(head, (c) => c.toString(16).padStart(2, '0')).join(' ')}${more}`;
}

/** The ImageError for bytes that are no known image. */
export const notAnImage = (bytes: Uint8Array, name: string): ImageError =>
  new ImageError('not-image', `${name} is not an image (${describeStart(bytes)})`);

/**
 * Returns the upright image for EXIF orientation `o` (1–8; anything else is treated as 1).
 * 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */
export function applyOrientation(img: DecodedImage, o: number | undefined): DecodedImage {
  const { width: W, height: H, data } = img;
  const swap = o !== undefined && o >= 5 && o <= 8;
  const w = swap ? H : W;
  const h = swap ? W : H;
  // Source pixel (sx, sy) for output pixel (x, y).
  let src: (x: number, y: number) => number;
  switch (o) {
    case 2:
      src = (x, y) => y * W + (W - 1 - x);
      break;
    case 3:
      src = (x, y) => (H - 1 - y) * W + (W - 1 - x);
      break;
    case 4:
      src = (x, y) => (H - 1 - y) * W + x;
      break;
    case 5:
      src = (x, y) => x * W + y;
      break;
    case 6:
      src = (x, y) => (H - 1 - x) * W + y;
      break;
    case 7:
      src = (x, y) => (H - 1 - x) * W + (W - 1 - y);
      break;
    case 8:
      src = (x, y) => x * W + (W - 1 - y);
      break;
    default:
      return { width: W, height: H, data: new Uint8ClampedArray(data) };
  }
  const out = new Uint8ClampedArray(w * h * 4);
  // Move whole pixels as u32; views need 4-byte alignment, so realign odd sources first.
  const aligned = data.byteOffset % 4 === 0 ? data : new Uint8ClampedArray(data);
  const src32 = new Uint32Array(aligned.buffer, aligned.byteOffset, W * H);
  const out32 = new Uint32Array(out.buffer);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out32[y * w + x] = src32[src(x, y)];
  return { width: w, height: h, data: out };
}

/** Taps of one output sample along one axis: source indices and weights (weights sum to 1). */
interface Taps {
  index: Int32Array;
  weight: Float32Array;
  /** Tap range of output i is start[i] .. start[i + 1]. */
  start: Int32Array;
}

/**
 * 1-D resampling weights from n source samples to m: box (area) average when shrinking, so every source pixel
 * counts exactly once; bilinear between pixel centres when enlarging (or keeping the size).
 */
function axisTaps(n: number, m: number): Taps {
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(m + 1);
  const s = n / m;
  for (let i = 0; i < m; i++) {
    start[i] = index.length;
    if (m < n) {
      const a = i * s;
      const b = (i + 1) * s;
      for (let j = Math.floor(a); j < Math.min(Math.ceil(b), n); j++) {
        const cover = Math.min(b, j + 1) - Math.max(a, j);
        if (cover > 1e-9) {
          index.push(j);
          weight.push(cover / s);
        }
      }
    } else {
      const x = Math.min(Math.max((i + 0.5) * s - 0.5, 0), n - 1);
      const j = Math.floor(x);
      const f = x - j;
      index.push(j);
      weight.push(1 - f);
      if (f > 0 && j + 1 < n) {
        index.push(j + 1);
        weight.push(f);
      }
    }
  }
  start[m] = index.length;
  return { index: Int32Array.from(index), weight: Float32Array.from(weight), start };
}

/** Resizes to exactly `width`×`height` (separable area-average / bilinear per axis; channels independent). */
export function resizeImage(img: DecodedImage, width: number, height: number): DecodedImage {
  const W = img.width;
  const H = img.height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`resizeImage: bad target size ${width}×${height}`);
  }
  if (width === W && height === H) return { width, height, data: new Uint8ClampedArray(img.data) };
  const tx = axisTaps(W, width);
  const ty = axisTaps(H, height);
  // Horizontal pass into floats, then vertical pass into bytes.
  const mid = new Float32Array(width * H * 4);
  const src = img.data;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let t = tx.start[x]; t < tx.start[x + 1]; t++) {
        const p = (y * W + tx.index[t]) * 4;
        const w = tx.weight[t];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
        a += src[p + 3] * w;
      }
      const q = (y * width + x) * 4;
      mid[q] = r;
      mid[q + 1] = g;
      mid[q + 2] = b;
      mid[q + 3] = a;
    }
  }
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let t = ty.start[y]; t < ty.start[y + 1]; t++) {
        const p = (ty.index[t] * width + x) * 4;
        const w = ty.weight[t];
        r += mid[p] * w;
        g += mid[p + 1] * w;
        b += mid[p + 2] * w;
        a += mid[p + 3] * w;
      }
      const q = (y * width + x) * 4;
      out[q] = r; // Uint8ClampedArray rounds half to even and clamps
      out[q + 1] = g;
      out[q + 2] = b;
      out[q + 3] = a;
    }
  }
  return { width, height, data: out };
}

/** Size with the long side = `longSide`, aspect ratio kept (each side ≥ 1). */
export function workingSize(
  width: number,
  height: number,
  longSide: number,
): { width: number; height: number } {
  const s = longSide / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/** Resizes so the long side is `longSide` pixels (shrinks by area averaging, enlarges bilinearly). */
export function resizeLongSide(img: DecodedImage, longSide: number): DecodedImage {
  const { width, height } = workingSize(img.width, img.height, longSide);
  return resizeImage(img, width, height);
}
