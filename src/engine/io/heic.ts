/**
 * HEIC/HEIF decoding with libheif compiled to WebAssembly (npm `libheif-js`, LGPL-3.0, libde265 for HEVC).
 * The ~2 MB module (wasm inlined) is fetched with a dynamic import() the first time a HEIC photo shows up,
 * so it is a chunk of its own that nobody else downloads. Runs the same in the browser (page or Worker)
 * and in Node; no DOM.
 *
 * What is read: the primary image, with its irot/imir transforms applied by libheif (the HEIF way to say
 * "orientation"); from the container's EXIF item: focal length, 35 mm focal, focal-plane resolution, pixel
 * size, make, model. `exif.orientation` reports the irot/imir transform libheif applied, as the equivalent
 * EXIF code; the EXIF orientation tag inside a HEIF file is not applied (HEIF/MIAF: irot/imir govern).
 * Not read: depth maps, gain maps (HDR), alpha (dropped: photos are opaque), bursts and other top-level images.
 */

import type { HeifError, HeifImageHandle, LibHeif } from 'libheif-js/libheif-wasm/libheif-bundle.mjs';
import { parseTiffExif } from './exif';
import { type HeifTransform, readHeifContainer } from './heif-container';
import { type DecodedPhoto, ImageError, MAX_DECODE_MEGAPIXELS } from './image';

export type LibHeifLoader = () => Promise<LibHeif>;

let cached: Promise<LibHeif> | null = null;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Imports and instantiates libheif once; a failed load is forgotten, so the next HEIC tries again. */
export const loadLibheif: LibHeifLoader = () => {
  cached ??= (async () => {
    const { default: factory } = await import('libheif-js/libheif-wasm/libheif-bundle.mjs');
    return await new Promise<LibHeif>((resolve, reject) => {
      let lib: LibHeif | undefined;
      let ready = false;
      const options = {
        // Runs synchronously inside factory() when the wasm instantiates at once (Node), later otherwise.
        onRuntimeInitialized: () => {
          ready = true;
          if (lib) resolve(lib);
        },
        onAbort: (what: unknown) => reject(new Error(`libheif aborted: ${message(what)}`)),
        print: () => {},
        printErr: () => {},
      };
      lib = factory(options);
      if (ready) resolve(lib);
    });
  })();
  cached.catch(() => {
    cached = null;
  });
  return cached;
};

/** True once libheif has been loaded in this context (for tests and diagnostics). */
export const libheifLoaded = (): boolean => cached !== null;

const isError = (x: unknown): x is HeifError =>
  typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('channels' in x);

// libheif error codes (heif_error_code) and sub-codes used to pick the ImageError kind.
const HEIF_UNSUPPORTED_FILETYPE = 3;
const HEIF_UNSUPPORTED_FEATURE = 4;
const HEIF_MEMORY = 6;
const HEIF_SUB_SECURITY_LIMIT = 1000;
const HEIF_SUB_UNSUPPORTED_CODEC = 3000;
const HEIF_SUB_UNSUPPORTED_IMAGE_TYPE = 3001;

function heifError(name: string, what: string, e: HeifError): ImageError {
  const code = e.code?.value;
  const sub = e.subcode?.value;
  // libheif messages may end in spaces or a full stop; the callers add their own punctuation.
  const why = e.message?.trim().replace(/\s*\.$/, '') || `libheif error ${code}/${sub}`;
  if (code === HEIF_MEMORY || sub === HEIF_SUB_SECURITY_LIMIT) {
    return new ImageError('too-large', `${name} is too large to decode as HEIC: ${why}`);
  }
  if (
    code === HEIF_UNSUPPORTED_FILETYPE ||
    code === HEIF_UNSUPPORTED_FEATURE ||
    sub === HEIF_SUB_UNSUPPORTED_CODEC ||
    sub === HEIF_SUB_UNSUPPORTED_IMAGE_TYPE
  ) {
    return new ImageError(
      'unsupported',
      `${name} is a HEIF image this decoder cannot read (${why}); export it as JPEG`,
    );
  }
  return new ImageError('corrupt', `${name} is a damaged HEIC file: ${what}: ${why}`);
}

/** EXIF orientation codes as 2×2 integer matrices acting on centred pixel coordinates (y down). */
const ORIENTATION: Record<number, readonly [number, number, number, number]> = {
  1: [1, 0, 0, 1],
  2: [-1, 0, 0, 1],
  3: [-1, 0, 0, -1],
  4: [1, 0, 0, -1],
  5: [0, 1, 1, 0],
  6: [0, -1, 1, 0],
  7: [0, -1, -1, 0],
  8: [0, 1, -1, 0],
};

/**
 * The EXIF orientation code equivalent to applying `transforms` in order, as libheif does: irot angle a
 * rotates a × 90° counter-clockwise; imir axis 0 flips top-bottom, axis 1 left-right (libheif's reading).
 */
export function heifOrientation(transforms: HeifTransform[]): number {
  let m = ORIENTATION[1];
  const mul = (a: readonly number[], b: readonly number[]) =>
    [
      a[0] * b[0] + a[1] * b[2],
      a[0] * b[1] + a[1] * b[3],
      a[2] * b[0] + a[3] * b[2],
      a[2] * b[1] + a[3] * b[3],
    ] as const;
  for (const t of transforms) {
    let step = ORIENTATION[1];
    if (t.rotateCcw !== undefined) step = ORIENTATION[[1, 8, 3, 6][t.rotateCcw & 3]];
    else if (t.mirrorAxis !== undefined) step = ORIENTATION[t.mirrorAxis ? 2 : 4];
    m = mul(step, m);
  }
  for (const [code, q] of Object.entries(ORIENTATION)) if (q.every((v, i) => v === m[i])) return Number(code);
  return 1;
}

/**
 * Decodes a HEIC/HEIF photo to upright RGBA (libheif applies irot/imir) with the container's EXIF.
 * Throws ImageError: 'unsupported' when the decoder cannot be loaded or the codec is not HEVC,
 * 'corrupt' for damaged files, 'too-large' above MAX_DECODE_MEGAPIXELS.
 */
export async function decodeHeic(
  bytes: Uint8Array,
  name = 'image',
  load: LibHeifLoader = loadLibheif,
): Promise<DecodedPhoto> {
  let lib: LibHeif;
  try {
    lib = await load();
  } catch (e) {
    throw new ImageError(
      'unsupported',
      `${name} is a HEIC image, but the HEIC decoder (libheif WebAssembly) could not be loaded (${message(e)}); ` +
        'reload the page to try again, or export the photo as JPEG',
    );
  }
  const ctx = lib.heif_context_alloc();
  if (!ctx) throw new ImageError('too-large', `${name}: out of memory for the HEIC decoder`);
  let handle: HeifImageHandle | undefined;
  try {
    const read = lib.heif_context_read_from_memory(ctx, bytes);
    if (read.code.value !== 0) throw heifError(name, 'its HEIF structure cannot be read', read);
    const primary = lib.heif_js_context_get_primary_image_handle(ctx);
    if (isError(primary)) throw heifError(name, 'no primary image', primary);
    handle = primary;
    const w0 = lib.heif_image_handle_get_width(handle);
    const h0 = lib.heif_image_handle_get_height(handle);
    if (w0 * h0 > MAX_DECODE_MEGAPIXELS * 1e6) {
      throw new ImageError('too-large', `${name} is too large to decode (${w0}×${h0})`);
    }
    const decoded = await lib.heif_js_decode_image2(
      handle,
      lib.heif_colorspace.heif_colorspace_RGB,
      lib.heif_chroma.heif_chroma_interleaved_RGBA,
    );
    if (isError(decoded)) throw heifError(name, 'its pixels cannot be decoded', decoded);
    try {
      const want = lib.heif_channel.heif_channel_interleaved.value;
      const plane = decoded.channels.find((c) => c.id.value === want);
      if (!plane || !(plane.width > 0 && plane.height > 0)) {
        throw new ImageError('corrupt', `${name} is a damaged HEIC file: the decoder returned no pixels`);
      }
      const { width, height, stride } = plane;
      // Copy out of wasm memory, row by row when rows are padded; alpha forced opaque.
      const data = new Uint8ClampedArray(width * height * 4);
      for (let y = 0; y < height; y++)
        data.set(plane.data.subarray(y * stride, y * stride + width * 4), y * width * 4);
      for (let i = 3; i < data.length; i += 4) data[i] = 255;
      const container = readHeifContainer(bytes);
      const exif = container.exifTiff ? parseTiffExif(container.exifTiff) : {};
      const orientation = heifOrientation(container.transforms);
      return { image: { width, height, data }, type: 'heic', exif: { ...exif, orientation } };
    } finally {
      lib.heif_image_release(decoded.image);
    }
  } catch (e) {
    if (e instanceof ImageError) throw e;
    cached = null; // the module may be left broken by a trap: instantiate afresh next time
    // A trap inside the wasm (malformed bitstream, out of memory) surfaces as a RuntimeError.
    throw new ImageError('corrupt', `${name} is a damaged HEIC file: the decoder failed (${message(e)})`);
  } finally {
    if (handle) lib.heif_image_handle_release(handle);
    lib.heif_context_free(ctx);
  }
}
