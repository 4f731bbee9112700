import { describe, expect, it } from 'vitest';
import {
  applyOrientation,
  type DecodedImage,
  describeStart,
  resizeImage,
  resizeLongSide,
  sniffImageType,
  workingSize,
} from './image';
import { rng } from './test-clouds';

/** 3×2 image whose pixels are labelled A..F (red channel = label code, other channels derived). */
function labelled(): DecodedImage {
  const labels = 'ABCDEF';
  const data = new Uint8ClampedArray(6 * 4);
  for (let i = 0; i < 6; i++) data.set([labels.charCodeAt(i), i, 255 - i, 200 + i], i * 4);
  return { width: 3, height: 2, data };
}

/** Rows of labels, checking that every pixel kept all four channels together. */
function rows(img: DecodedImage): string[] {
  const out: string[] = [];
  for (let y = 0; y < img.height; y++) {
    let s = '';
    for (let x = 0; x < img.width; x++) {
      const p = (y * img.width + x) * 4;
      const i = img.data[p] - 65;
      expect([img.data[p + 1], img.data[p + 2], img.data[p + 3]]).toEqual([i, 255 - i, 200 + i]);
      s += String.fromCharCode(img.data[p]);
    }
    out.push(s);
  }
  return out;
}

describe('applyOrientation', () => {
  // Stored:  A B C      Expected upright images, worked out by hand from the EXIF definitions
  //          D E F      ("row 0 is the visual …, column 0 is the visual …").
  const expected: Record<number, string[]> = {
    1: ['ABC', 'DEF'],
    2: ['CBA', 'FED'], // mirrored horizontally
    3: ['FED', 'CBA'], // rotated 180°
    4: ['DEF', 'ABC'], // mirrored vertically
    5: ['AD', 'BE', 'CF'], // transposed: row 0 → left column, column 0 → top row
    6: ['DA', 'EB', 'FC'], // 90° clockwise: row 0 → right column, column 0 → top row
    7: ['FC', 'EB', 'DA'], // transverse: row 0 → right column, column 0 → bottom row
    8: ['CF', 'BE', 'AD'], // 90° counter-clockwise: row 0 → left column, column 0 → bottom row
  };
  for (let o = 1; o <= 8; o++) {
    it(`orientation ${o}`, () => {
      const src = labelled();
      const out = applyOrientation(src, o);
      expect(rows(out)).toEqual(expected[o]);
      expect(out.width).toBe(o >= 5 ? 2 : 3);
      expect(out.data).not.toBe(src.data); // always a new image
      expect(rows(src)).toEqual(expected[1]); // input untouched
    });
  }

  it('treats missing/invalid orientations as 1 and handles unaligned buffers', () => {
    expect(rows(applyOrientation(labelled(), undefined))).toEqual(expected[1]);
    expect(rows(applyOrientation(labelled(), 42))).toEqual(expected[1]);
    const buf = new Uint8ClampedArray(25);
    buf.set(labelled().data, 1);
    expect(rows(applyOrientation({ width: 3, height: 2, data: buf.subarray(1) }, 6))).toEqual(expected[6]);
  });
});

const gray = (w: number, h: number, values: number[]): DecodedImage => {
  const data = new Uint8ClampedArray(w * h * 4);
  values.forEach((v, i) => {
    data.set([v, v, v, 255], i * 4);
  });
  return { width: w, height: h, data };
};
const reds = (img: DecodedImage) => Array.from({ length: img.width * img.height }, (_, i) => img.data[i * 4]);

describe('resize', () => {
  it('averages whole blocks when shrinking by an integer factor', () => {
    const img = gray(4, 4, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]);
    // Block means: (0+10+40+50)/4 = 25, (20+30+60+70)/4 = 45, 105, 125.
    expect(reds(resizeImage(img, 2, 2))).toEqual([25, 45, 105, 125]);
  });

  it('weights partially covered pixels by their area (3 → 2)', () => {
    // Output 0 covers source [0, 1.5): (0·1 + 90·0.5)/1.5 = 30; output 1: (90·0.5 + 180)/1.5 = 150.
    expect(reds(resizeImage(gray(3, 1, [0, 90, 180]), 2, 1))).toEqual([30, 150]);
  });

  it('interpolates bilinearly between pixel centres when enlarging', () => {
    // Output centres map to source x = −0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
    expect(reds(resizeImage(gray(2, 1, [0, 200]), 4, 1))).toEqual([0, 50, 150, 200]);
    const up = resizeImage(gray(2, 2, [0, 100, 100, 200]), 4, 4);
    expect(reds(up)).toEqual([0, 25, 75, 100, 25, 50, 100, 125, 75, 100, 150, 175, 100, 125, 175, 200]);
  });

  it('keeps the mean when shrinking by a non-integer factor, and constants constant', () => {
    const r = rng(5);
    const w = 37;
    const h = 23;
    const img = gray(
      w,
      h,
      Array.from({ length: w * h }, () => Math.floor(r() * 256)),
    );
    const small = resizeImage(img, 10, 6);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    // Each output covers 3.7×3.83 source pixels; the mean is preserved up to per-pixel rounding.
    expect(Math.abs(mean(reds(small)) - mean(reds(img)))).toBeLessThan(0.5);
    const flat = gray(7, 5, new Array(35).fill(77));
    expect(reds(resizeImage(flat, 3, 2)).every((v) => v === 77)).toBe(true);
    expect(reds(resizeImage(flat, 11, 13)).every((v) => v === 77)).toBe(true);
  });

  it('resizes to a working size by the long side', () => {
    expect(workingSize(300, 200, 64)).toEqual({ width: 64, height: 43 });
    expect(workingSize(200, 300, 64)).toEqual({ width: 43, height: 64 });
    expect(workingSize(1000, 1, 10)).toEqual({ width: 10, height: 1 });
    const out = resizeLongSide(gray(300, 200, new Array(60000).fill(9)), 64);
    expect([out.width, out.height, out.data.length]).toEqual([64, 43, 64 * 43 * 4]);
    expect(() => resizeImage(gray(2, 2, [0, 0, 0, 0]), 0, 3)).toThrow(RangeError);
  });
});

describe('sniffImageType', () => {
  const bytes = (...parts: (string | number[])[]) =>
    new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));
  it('recognises each format by its signature', () => {
    expect(sniffImageType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageType(bytes([0x89], 'PNG\r\n\x1a\n', [0, 0]))).toBe('png');
    expect(sniffImageType(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBe('webp');
    expect(sniffImageType(bytes([0, 0, 0, 24], 'ftypheic', [0, 0, 0, 0], 'mif1heic'))).toBe('heic');
    expect(sniffImageType(bytes([0, 0, 0, 24], 'ftypmif1', [0, 0, 0, 0], 'mif1heic'))).toBe('heic');
    expect(sniffImageType(bytes('GIF89a', [1, 0]))).toBe('gif');
    expect(sniffImageType(bytes('BM', new Array(20).fill(0)))).toBe('bmp');
  });
  it('returns null for other data', () => {
    expect(sniffImageType(bytes([0, 0, 0, 28], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf'))).toBeNull();
    expect(sniffImageType(bytes([0, 0, 0, 20], 'ftypisom', [0, 0, 0, 0], 'isom'))).toBeNull(); // MP4 video
    expect(sniffImageType(bytes('hello world'))).toBeNull();
    expect(sniffImageType(bytes([0xff, 0xd8]))).toBeNull();
    expect(sniffImageType(new Uint8Array(0))).toBeNull();
  });
  it('describes the first bytes for error messages', () => {
    expect(describeStart(bytes('hello world'))).toBe('starts with "hello wo…"');
    expect(describeStart(bytes([0x50, 0x4b, 3, 4]))).toBe('starts with 50 4b 03 04');
    expect(describeStart(new Uint8Array(0))).toBe('is empty');
  });
});
