/**
 * HEIC through libheif wasm, on files made here: a synthetic-scene render → PNG/JPEG → Debian's heif-enc
 * (libheif-examples; scripts/test.sh installs it) → decodeImage. irot/imir are added to the container by
 * tools/heic-fixture.ts, since heif-enc cannot write them.
 */
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeHeic, heifEncPath, withHeifTransforms } from '../../../tools/heic-fixture';
import { makeSyntheticScene, renderView } from '../geometry/synthetic';
import { decodeImage, decodeImageSync } from './decode-node';
import { decodeHeic, heifOrientation, libheifLoaded } from './heic';
import { readHeifContainer } from './heif-container';
import {
  applyOrientation,
  type DecodedImage,
  ImageError,
  type ImageErrorKind,
  sniffImageType,
} from './image';

const W = 160;
const H = 120;

/** RGB PSNR in dB between two RGBA images of the same size. */
function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    se += (a[i] - b[i]) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

async function expectImageError(
  p: () => unknown,
  kind: ImageErrorKind,
  message: RegExp,
): Promise<ImageError> {
  let caught: unknown;
  try {
    await p();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ImageError);
  expect((caught as ImageError).kind).toBe(kind);
  expect((caught as ImageError).message).toMatch(message);
  return caught as ImageError;
}

const sameImage = (a: DecodedImage, b: DecodedImage) => {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let maxDiff = 0;
  for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b.data[i]));
  expect(maxDiff).toBe(0);
};

describe('HEIC decode (libheif wasm, Node)', () => {
  let source: Uint8ClampedArray;
  let heic: Uint8Array;

  beforeAll(() => {
    if (!heifEncPath()) throw new Error('heif-enc is missing: apt-get install libheif-examples');
    const synthetic = makeSyntheticScene({ seed: 5, views: 2, width: W, height: H });
    source = renderView(synthetic.scene, synthetic.cameras[0], { samples: 1 }).rgba;
    heic = encodeHeic(source, W, H, { quality: 95 }).bytes;
  });

  it('is told apart by its ftyp brand and loads the decoder only when a HEIC shows up', async () => {
    expect(sniffImageType(heic)).toBe('heic');
    const jpg = new Uint8Array(
      jpeg.encode({ data: Buffer.from(source.buffer), width: W, height: H }, 90).data,
    );
    await decodeImage(jpg, 'first.jpg');
    expect(libheifLoaded()).toBe(false);
    // The name says JPEG; the bytes say HEIC.
    const { type } = await decodeImage(heic, 'misnamed.jpg');
    expect(type).toBe('heic');
    expect(libheifLoaded()).toBe(true);
  });

  it('decodes a heif-enc file to the right size, close to the source pixels', async () => {
    const { image, type, exif } = await decodeImage(heic, 'scene.heic');
    expect([type, image.width, image.height, image.data.length]).toEqual(['heic', W, H, W * H * 4]);
    const db = psnr(image.data, source);
    console.log(`HEIC q95 ${W}×${H}: ${heic.length} bytes, PSNR ${db.toFixed(2)} dB`);
    expect(db).toBeGreaterThan(30);
    expect(exif).toEqual({ orientation: 1 }); // a PNG source: no EXIF item
    expect(image.data.filter((v, i) => i % 4 === 3 && v !== 255).length).toBe(0); // opaque
  });

  it('reads focal length, 35 mm focal and make from the EXIF item', async () => {
    const withExif = encodeHeic(source, W, H, {
      quality: 90,
      exif: { focalLength: 4.2, focal35: 26, make: 'Apple', pixelXDimension: W, pixelYDimension: H },
    }).bytes;
    const { exif, image } = await decodeImage(withExif, 'iphone.heic');
    expect(exif).toMatchObject({ focalLength: 4.2, focal35: 26, make: 'Apple', orientation: 1 });
    expect(exif.pixelXDimension).toBe(W);
    expect(psnr(image.data, source)).toBeGreaterThan(28); // JPEG q100 then HEVC q90
  });

  it('applies irot/imir as libheif does and reports the equivalent EXIF orientation', async () => {
    const plain = (await decodeImage(heic, 'plain.heic')).image;
    const cases: [Parameters<typeof withHeifTransforms>[1], number][] = [
      [[{ rotateCcw: 3 }], 6],
      [[{ rotateCcw: 1 }], 8],
      [[{ rotateCcw: 2 }], 3],
      [[{ mirrorAxis: 1 }], 2],
      [[{ mirrorAxis: 0 }], 4],
      [[{ rotateCcw: 1 }, { mirrorAxis: 0 }], 5],
      [[{ rotateCcw: 3 }, { mirrorAxis: 0 }], 7],
    ];
    for (const [transforms, code] of cases) {
      const file = withHeifTransforms(heic, transforms);
      expect(readHeifContainer(file).transforms).toEqual(transforms);
      expect(heifOrientation(transforms)).toBe(code);
      const { image, exif } = await decodeImage(file, `rotated-${code}.heic`);
      expect(exif.orientation).toBe(code);
      sameImage(image, applyOrientation(plain, code));
    }
  });

  it('gives a corrupt HEIC a specific message', async () => {
    // Header boxes intact, the coded picture cut off.
    const truncated = heic.subarray(0, heic.length - Math.floor(heic.length / 3));
    await expectImageError(
      () => decodeImage(truncated, 'cut.heic'),
      'corrupt',
      /^cut\.heic is a damaged HEIC file: /,
    );
    // Only the ftyp box and the start of meta.
    await expectImageError(
      () => decodeImage(heic.subarray(0, 120), 'stub.heic'),
      'corrupt',
      /^stub\.heic is a damaged HEIC file: its HEIF structure cannot be read: /,
    );
    // The decoder still works after the failures.
    expect((await decodeImage(heic, 'again.heic')).image.width).toBe(W);
  });

  it('says so when the decoder cannot be loaded', async () => {
    const offline = () => Promise.reject(new TypeError('Failed to fetch dynamically imported module'));
    await expectImageError(
      () => decodeHeic(heic, 'offline.heic', offline),
      'unsupported',
      /^offline\.heic is a HEIC image, but the HEIC decoder \(libheif WebAssembly\) could not be loaded \(Failed to fetch/,
    );
  });

  it('points the synchronous Node decoder to the async one', () => {
    expect(() => decodeImageSync(heic, 'sync.heic')).toThrow(/decode it with the async decodeImage/);
  });

  it('reads no container facts from bytes that are not HEIF, without throwing', () => {
    expect(readHeifContainer(new Uint8Array(0))).toEqual({ transforms: [] });
    expect(readHeifContainer(heic.subarray(0, 60))).toMatchObject({ transforms: [] });
    const noise = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    expect(() => readHeifContainer(noise)).not.toThrow();
  });
});
