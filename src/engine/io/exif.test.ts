import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { buildTiffExif, focalPriorPx, parseTiffExif, readJpegExif, writeExifJpeg } from './exif';
import { rng } from './test-clouds';

/**
 * A hand-laid-out EXIF TIFF block (offsets written out, not produced by our writer):
 * IFD0 @8 {Orientation=6, ExifIFD→38}; ExifIFD @38 {FocalLength=17/4 → @80, FocalLengthIn35mmFilm=28,
 * PixelXDimension=4032}.
 */
function handTiff(little: boolean): Uint8Array {
  const b = new Uint8Array(88);
  const dv = new DataView(b.buffer);
  const u16 = (o: number, v: number) => dv.setUint16(o, v, little);
  const u32 = (o: number, v: number) => dv.setUint32(o, v, little);
  b[0] = b[1] = little ? 0x49 : 0x4d;
  u16(2, 42);
  u32(4, 8);
  u16(8, 2);
  u16(10, 0x0112);
  u16(12, 3);
  u32(14, 1);
  u16(18, 6); // SHORT inline: first two bytes of the value field in either byte order
  u16(22, 0x8769);
  u16(24, 4);
  u32(26, 1);
  u32(30, 38);
  u32(34, 0);
  u16(38, 3);
  u16(40, 0x920a);
  u16(42, 5);
  u32(44, 1);
  u32(48, 80);
  u16(52, 0xa405);
  u16(54, 3);
  u32(56, 1);
  u16(60, 28);
  u16(64, 0xa002);
  u16(66, 4);
  u32(68, 1);
  u32(72, 4032);
  u32(76, 0);
  u32(80, 17);
  u32(84, 4);
  return b;
}

/** SOI + APP1(Exif) + EOI; `claimedLength` lets a test lie about the segment length. */
function jpegWithTiff(tiff: Uint8Array, claimedLength?: number): Uint8Array {
  const len = claimedLength ?? 2 + 6 + tiff.length;
  return new Uint8Array([
    0xff,
    0xd8,
    0xff,
    0xe1,
    len >> 8,
    len & 0xff,
    ...[0x45, 0x78, 0x69, 0x66, 0, 0],
    ...tiff,
    0xff,
    0xd9,
  ]);
}

const tinyJpeg = (): Uint8Array => {
  const data = new Uint8Array(16 * 8 * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 255;
  return new Uint8Array(jpeg.encode({ width: 16, height: 8, data }, 90).data);
};

describe('EXIF reader', () => {
  for (const little of [true, false]) {
    it(`reads a hand-made ${little ? 'little' : 'big'}-endian block`, () => {
      const exif = readJpegExif(jpegWithTiff(handTiff(little)));
      expect(exif).toEqual({
        byteOrder: little ? 'II' : 'MM',
        orientation: 6,
        focalLength: 4.25,
        focal35: 28,
        pixelXDimension: 4032,
      });
    });
  }

  it('keeps IFD0 fields when the ExifIFD is cut off (truncated segment)', () => {
    const full = jpegWithTiff(handTiff(false));
    const cut = full.subarray(0, 12 + 40); // SOI+APP1 header (12 bytes) + TIFF up to the ExifIFD count
    const exif = readJpegExif(cut);
    expect(exif.orientation).toBe(6);
    expect(exif.focalLength).toBeUndefined();
    expect(exif.focal35).toBeUndefined();
  });

  it('never throws on any prefix, a lying segment length, or random corruption', () => {
    for (const little of [true, false]) {
      const full = jpegWithTiff(handTiff(little));
      for (let n = 0; n <= full.length; n++) expect(() => readJpegExif(full.subarray(0, n))).not.toThrow();
      expect(readJpegExif(jpegWithTiff(handTiff(little), 60000)).orientation).toBe(6);
      const r = rng(little ? 1 : 2);
      for (let trial = 0; trial < 2000; trial++) {
        const bad = new Uint8Array(full);
        for (let k = 0; k < 4; k++) bad[12 + Math.floor(r() * (bad.length - 12))] = Math.floor(r() * 256);
        const exif = readJpegExif(bad);
        if (exif.orientation !== undefined) expect(exif.orientation).toBeGreaterThanOrEqual(1);
        if (exif.orientation !== undefined) expect(exif.orientation).toBeLessThanOrEqual(8);
      }
    }
    const r = rng(3);
    for (let trial = 0; trial < 200; trial++) {
      const junk = Uint8Array.from({ length: 64 }, () => Math.floor(r() * 256));
      junk.set([0x4d, 0x4d, 0, 42], 0);
      expect(() => parseTiffExif(junk)).not.toThrow();
    }
  });

  it('survives an ExifIFD pointer loop, out-of-range orientation and zero denominators', () => {
    const t = handTiff(true);
    const dv = new DataView(t.buffer);
    dv.setUint32(30, 8, true); // ExifIFD → IFD0
    dv.setUint16(18, 9, true); // orientation 9 is invalid
    expect(parseTiffExif(t)).toEqual({ byteOrder: 'II' });
    const z = handTiff(true);
    new DataView(z.buffer).setUint32(84, 0, true); // 17/0
    const exif = parseTiffExif(z);
    expect(exif.focalLength).toBeUndefined();
    expect(exif.focal35).toBe(28);
  });

  it('returns {} for non-JPEG input and JPEGs without EXIF', () => {
    expect(readJpegExif(new TextEncoder().encode('just some text'))).toEqual({});
    expect(readJpegExif(new Uint8Array(0))).toEqual({});
    expect(readJpegExif(tinyJpeg())).toEqual({});
  });
});

describe('focalPriorPx', () => {
  it('uses the diagonal-based 35 mm equivalent', () => {
    // 4032×3024 has a 5040 px diagonal; 36×24 mm has 43.2666 mm → 28 mm ≙ 3261.637 px.
    expect(focalPriorPx({ focal35: 28 }, 4032, 3024)).toBeCloseTo(3261.637, 2);
    expect(focalPriorPx({ focal35: 28 }, 3024, 4032)).toBeCloseTo(3261.637, 2);
  });

  it('falls back to focal length × focal-plane resolution, rescaled to the image used', () => {
    const exif = { focalLength: 4.25, focalPlaneXResolution: 1000, focalPlaneResolutionUnit: 3 }; // 100 px/mm
    expect(focalPriorPx(exif, 4032, 3024)).toBeCloseTo(425, 6);
    const withSize = { ...exif, pixelXDimension: 4032, pixelYDimension: 3024 };
    expect(focalPriorPx(withSize, 1008, 756)).toBeCloseTo(106.25, 6);
    expect(focalPriorPx(withSize, 756, 1008)).toBeCloseTo(106.25, 6); // rotated by orientation
    expect(focalPriorPx({ focalLength: 4.25, focalPlaneXResolution: 2540 }, 10, 10)).toBeCloseTo(425, 6); // inches
  });

  it('returns null without usable data', () => {
    expect(focalPriorPx({}, 100, 100)).toBeNull();
    expect(focalPriorPx({ focalLength: 4 }, 100, 100)).toBeNull();
    expect(focalPriorPx({ focal35: 28 }, 0, 100)).toBeNull();
    expect(
      focalPriorPx({ focalLength: 4, focalPlaneXResolution: 10, focalPlaneResolutionUnit: 7 }, 9, 9),
    ).toBeNull();
  });
});

describe('writeExifJpeg', () => {
  for (const byteOrder of ['II', 'MM'] as const) {
    it(`inserts an APP1 segment (${byteOrder}) that our reader and jpeg-js accept`, () => {
      const src = tinyJpeg();
      const fields = {
        orientation: 8,
        focalLength: 5.6,
        focal35: 26,
        focalPlaneXResolution: 1234.5,
        focalPlaneResolutionUnit: 4,
        pixelXDimension: 16,
        pixelYDimension: 8,
        make: 'Splat Studio Test',
        byteOrder,
      };
      const out = writeExifJpeg(src, fields);
      expect(readJpegExif(out)).toEqual(fields);
      // Inserted after the JFIF APP0, and the image itself is untouched.
      expect(Array.from(out.subarray(20, 22))).toEqual([0xff, 0xe1]);
      const a = jpeg.decode(src, { useTArray: true });
      const b = jpeg.decode(out, { useTArray: true });
      expect(b.width).toBe(16);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
    });
  }

  it('replaces an existing EXIF segment instead of adding a second one', () => {
    const once = writeExifJpeg(tinyJpeg(), { orientation: 3 });
    const twice = writeExifJpeg(once, { orientation: 6, focal35: 50 });
    let app1 = 0;
    for (let i = 0; i + 1 < twice.length; i++) if (twice[i] === 0xff && twice[i + 1] === 0xe1) app1++;
    expect(app1).toBe(1);
    expect(readJpegExif(twice)).toMatchObject({ orientation: 6, focal35: 50 });
    expect(twice.length - once.length).toBe(
      buildTiffExif({ orientation: 6, focal35: 50 }).length - buildTiffExif({ orientation: 3 }).length,
    );
  });

  it('refuses non-JPEG input', () => {
    expect(() => writeExifJpeg(new Uint8Array([1, 2, 3, 4]), { orientation: 1 })).toThrow(/not a JPEG/);
  });
});
