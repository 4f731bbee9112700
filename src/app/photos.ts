/**
 * Photo intake on the UI side: type sniffing with specific messages, upright thumbnails
 * (createImageBitmap with imageOrientation 'from-image'; HEIC through libheif wasm, loaded on first use,
 * which applies irot/imir), EXIF focal length, and a size cap above which a
 * photo is downscaled here (re-encoded as JPEG with its focal EXIF kept) so the worker never holds a
 * 100-megapixel bitmap. No GPU code.
 */
import { type ExifData, readJpegExif, writeExifJpeg } from '../engine/io/exif';
import { decodeHeic } from '../engine/io/heic';
import { ImageError, type ImageType, notAnImage, sniffImageType } from '../engine/io/image';

/** Photos above this many megapixels are downscaled to it before they go to the engine. */
export const PHOTO_MEGAPIXEL_CAP = 24;
const THUMB = 160;

export interface PhotoItem {
  id: string;
  name: string;
  bytes: ArrayBuffer;
  type: ImageType;
  /** Upright size (after EXIF orientation and any downscaling). */
  width: number;
  height: number;
  fileBytes: number;
  exif: ExifData;
  thumbUrl: string;
  /** Set when the photo was downscaled or has no focal length. */
  note?: string;
}

export interface IntakeMessage {
  kind: 'warning' | 'error' | 'info';
  message: string;
  hint?: string;
}

export interface IntakeResult {
  photos: PhotoItem[];
  messages: IntakeMessage[];
  /** Splat scenes (.ply/.splat) dropped with the photos: they go to the viewer. */
  scenes: File[];
}

let nextId = 1;

const isSceneFile = (name: string): boolean => /\.(ply|splat)$/i.test(name);

async function bitmapOf(blob: Blob): Promise<ImageBitmap> {
  return createImageBitmap(blob, { imageOrientation: 'from-image' });
}

async function thumbnail(bitmap: ImageBitmap): Promise<string> {
  const scale = Math.min(1, THUMB / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/jpeg', 0.8);
}

/** Re-encode at `scale` as JPEG, carrying the focal EXIF over with the new pixel size (orientation baked). */
async function downscale(bitmap: ImageBitmap, scale: number, exif: ExifData): Promise<ArrayBuffer> {
  const w = Math.max(1, Math.round(bitmap.width * scale));
  const h = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas unavailable');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, w, h);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
  const jpeg = new Uint8Array(await blob.arrayBuffer());
  const withExif = writeExifJpeg(jpeg, {
    orientation: 1,
    focalLength: exif.focalLength,
    focal35: exif.focal35,
    make: exif.make,
    // focalPriorPx rescales focal-plane resolution by the recorded size: keep it, and say the new size.
    focalPlaneXResolution: exif.focalPlaneXResolution,
    focalPlaneResolutionUnit: exif.focalPlaneResolutionUnit,
    pixelXDimension: exif.pixelXDimension ? w : undefined,
    pixelYDimension: exif.pixelYDimension ? h : undefined,
  });
  return withExif.slice().buffer as ArrayBuffer;
}

const fileSize = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.ceil(n / 1e3)} KB`;

/** Turns dropped or picked files into photos, with a specific message for each one that is refused. */
export async function intakeFiles(files: File[], existing: number): Promise<IntakeResult> {
  const out: IntakeResult = { photos: [], messages: [], scenes: [] };
  for (const file of files) {
    if (isSceneFile(file.name)) {
      out.scenes.push(file);
      continue;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const type = sniffImageType(bytes);
    if (type === null) {
      out.messages.push({
        kind: 'error',
        message:
          bytes.length === 0 ? `${file.name} is empty (0 bytes).` : notAnImage(bytes, file.name).message,
        hint: 'Add JPEG, PNG, WebP or HEIC photos of one scene.',
      });
      continue;
    }
    let bitmap: ImageBitmap;
    let exif: ExifData = {};
    try {
      if (type === 'heic') {
        // No browser but Safari decodes HEIC: libheif's wasm build, fetched on the first HEIC photo.
        const photo = await decodeHeic(bytes, file.name);
        const { width, height, data } = photo.image;
        bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(data), width, height));
        exif = photo.exif;
      } else {
        bitmap = await bitmapOf(new Blob([bytes], { type: `image/${type}` }));
        if (type === 'jpeg') exif = readJpegExif(bytes);
      }
    } catch (e) {
      out.messages.push(
        e instanceof ImageError
          ? {
              kind: 'error',
              message: `${e.message}.`,
              hint:
                e.kind === 'unsupported'
                  ? 'Convert it to JPEG (on an iPhone: Settings → Camera → Formats → "Most Compatible").'
                  : 'Export the photo again from its original.',
            }
          : {
              kind: 'error',
              message: `${file.name} is a damaged ${type.toUpperCase()} file: the browser could not decode its pixels.`,
              hint: 'Export the photo again from its original.',
            },
      );
      continue;
    }
    try {
      const megapixels = (bitmap.width * bitmap.height) / 1e6;
      let data: ArrayBuffer = bytes.slice().buffer as ArrayBuffer;
      let { width, height } = bitmap;
      const notes: string[] = [];
      if (megapixels > PHOTO_MEGAPIXEL_CAP) {
        const scale = Math.sqrt(PHOTO_MEGAPIXEL_CAP / megapixels);
        data = await downscale(bitmap, scale, exif);
        width = Math.round(bitmap.width * scale);
        height = Math.round(bitmap.height * scale);
        notes.push(
          `${megapixels.toFixed(0)} MP is above the ${PHOTO_MEGAPIXEL_CAP} MP cap: downscaled to ${width}×${height}.`,
        );
        out.messages.push({ kind: 'info', message: `${file.name}: ${notes[0]}` });
      }
      if (!exif.focalLength && !exif.focal35)
        notes.push('No focal length in EXIF: the focal length is estimated from the photos.');
      out.photos.push({
        id: `photo-${nextId++}`,
        name: file.name,
        bytes: data,
        type,
        width,
        height,
        fileBytes: file.size,
        exif,
        thumbUrl: await thumbnail(bitmap),
        note: notes.join(' ') || undefined,
      });
    } finally {
      bitmap.close();
    }
  }
  const total = existing + out.photos.length;
  if (total === 1) {
    out.messages.push({
      kind: 'warning',
      message:
        'One photo is not enough: add at least one more photo of the same scene from a slightly different viewpoint.',
    });
  }
  return out;
}

export const describeSize = (p: PhotoItem): string => `${p.width}×${p.height} · ${fileSize(p.fileBytes)}`;

export function describeFocal(p: PhotoItem): string {
  const { focalLength, focal35 } = p.exif;
  if (focalLength && focal35) return `${focalLength.toFixed(1)} mm (${Math.round(focal35)} mm equiv.)`;
  if (focal35) return `${Math.round(focal35)} mm equiv.`;
  if (focalLength) return `${focalLength.toFixed(1)} mm`;
  return 'no EXIF focal';
}
