/**
 * Image decoding in the browser Worker: createImageBitmap + OffscreenCanvas (no DOM). The browser applies
 * the EXIF orientation itself (`imageOrientation: 'from-image'`), so the pixels come back upright, matching
 * decode-node.ts. WebP/GIF/BMP decode wherever the browser supports them. HEIC always goes through libheif's
 * wasm build (heic.ts, a lazily loaded chunk): Chromium and Firefox have no HEIC decoder, and one path
 * everywhere gives the same pixels and the same irot/imir handling.
 */
import { readJpegExif } from './exif';
import { decodeHeic } from './heic';
import { type DecodedPhoto, ImageError, type ImageType, notAnImage, sniffImageType } from './image';

const MIME: Record<ImageType, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  heic: 'image/heic',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function bitmapOf(blob: Blob): Promise<ImageBitmap> {
  const opts: ImageBitmapOptions = { imageOrientation: 'from-image', premultiplyAlpha: 'none' };
  try {
    return await createImageBitmap(blob, opts);
  } catch (e) {
    // Browsers predating 'from-image' reject the enum value with a TypeError; their default
    // already honours EXIF orientation.
    if (e instanceof TypeError) return await createImageBitmap(blob, { premultiplyAlpha: 'none' });
    throw e;
  }
}

/** Browser decoder (Worker-safe). Throws ImageError. */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<DecodedPhoto> {
  const type = sniffImageType(bytes);
  if (type === null) throw notAnImage(bytes, name);
  if (type === 'heic') return decodeHeic(bytes, name);
  const copy = new Uint8Array(bytes); // Blob needs an ArrayBuffer-backed view, not a SharedArrayBuffer
  let bitmap: ImageBitmap;
  try {
    bitmap = await bitmapOf(new Blob([copy], { type: MIME[type] }));
  } catch (e) {
    throw new ImageError('corrupt', `${name} is corrupt: ${message(e)}`);
  }
  try {
    const { width, height } = bitmap;
    if (!(width > 0 && height > 0)) throw new ImageError('corrupt', `${name} is corrupt: it has no pixels`);
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new ImageError('unsupported', 'OffscreenCanvas 2D is not available in this browser');
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, width, height);
    const exif = type === 'jpeg' ? readJpegExif(bytes) : {};
    return { image: { width, height, data: pixels.data }, type, exif };
  } finally {
    bitmap.close();
  }
}
