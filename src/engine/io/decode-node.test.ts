import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, decodeImageSync } from './decode-node';
import { writeExifJpeg } from './exif';
import { applyOrientation, ImageError, type ImageErrorKind } from './image';

const W = 24;
const H = 16;

/** Smooth gradient (JPEG-friendly) with a bright block in the top-left corner to reveal orientation. */
function pattern(): Uint8Array {
  const d = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const corner = x < 8 && y < 8;
      d.set([corner ? 250 : 10 * x, corner ? 250 : 12 * y, corner ? 250 : 60, 255], (y * W + x) * 4);
    }
  }
  return d;
}

const encodeJpeg = (): Uint8Array =>
  new Uint8Array(jpeg.encode({ width: W, height: H, data: pattern() }, 100).data);

async function expectImageError(p: () => unknown, kind: ImageErrorKind, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ImageError);
  expect((caught as ImageError).kind).toBe(kind);
  expect((caught as ImageError).message).toMatch(message);
}

describe('decodeImage (Node)', () => {
  it('decodes a JPEG written by jpeg-js', async () => {
    const { image, type, exif } = await decodeImage(encodeJpeg(), 'a.jpg');
    expect([type, image.width, image.height, image.data.length]).toEqual(['jpeg', W, H, W * H * 4]);
    expect(image.data).toBeInstanceOf(Uint8ClampedArray);
    expect(exif).toEqual({});
    const want = pattern();
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(image.data[i] - want[i]));
    expect(maxErr).toBeLessThan(24); // quality-100 JPEG of a gradient with a hard-edged block
  });

  it('applies the EXIF orientation of a JPEG', async () => {
    const plain = decodeImageSync(encodeJpeg());
    const rotated = decodeImageSync(writeExifJpeg(encodeJpeg(), { orientation: 6, focal35: 28 }));
    expect(rotated.exif).toMatchObject({ orientation: 6, focal35: 28 });
    expect([rotated.image.width, rotated.image.height]).toEqual([H, W]);
    expect(Array.from(rotated.image.data)).toEqual(Array.from(applyOrientation(plain.image, 6).data));
    // Rotated clockwise: the bright top-left block now sits in the top-right corner.
    const at = (x: number, y: number) => rotated.image.data[(y * H + x) * 4];
    expect(at(H - 2, 1)).toBeGreaterThan(200);
    expect(at(1, 1)).toBeLessThan(200);
  });

  it('decodes a PNG written by pngjs exactly, alpha included', async () => {
    const png = new PNG({ width: W, height: H });
    const data = pattern();
    for (let i = 3; i < data.length; i += 4) data[i] = i % 251;
    png.data = Buffer.from(data);
    const bytes = new Uint8Array(PNG.sync.write(png));
    const { image, type } = await decodeImage(bytes, 'b.png');
    expect([type, image.width, image.height]).toEqual(['png', W, H]);
    expect(Array.from(image.data)).toEqual(Array.from(data));
  });

  it('reports a truncated JPEG as corrupt', async () => {
    const good = encodeJpeg();
    await expectImageError(
      () => decodeImage(good.subarray(0, Math.floor(good.length * 0.6)), 'photo.jpg'),
      'corrupt',
      /^photo\.jpg is corrupt: .*truncated/,
    );
  });

  it('reports a JPEG with a garbage body as corrupt', async () => {
    const good = encodeJpeg();
    const bad = new Uint8Array(good);
    bad.fill(0x41, 200, bad.length - 2);
    await expectImageError(() => decodeImage(bad, 'photo.jpg'), 'corrupt', /^photo\.jpg is corrupt: /);
  });

  it('reports a truncated PNG as corrupt', async () => {
    const png = new PNG({ width: W, height: H });
    png.data = Buffer.from(pattern());
    const bytes = new Uint8Array(PNG.sync.write(png));
    await expectImageError(
      () => decodeImage(bytes.subarray(0, 60), 'shot.png'),
      'corrupt',
      /^shot\.png is corrupt: .*truncated/,
    );
  });

  it('says a text file is not an image, quoting its start', async () => {
    const text = new TextEncoder().encode('These are my notes about the scene.');
    await expectImageError(
      () => decodeImage(text, 'notes.txt'),
      'not-image',
      /^notes\.txt is not an image \(starts with "These ar…"\)$/,
    );
    await expectImageError(
      () => decodeImage(new Uint8Array(0), 'empty.jpg'),
      'not-image',
      /empty\.jpg is not an image \(is empty\)/,
    );
  });

  it('names formats it cannot decode', async () => {
    const webp = new Uint8Array(
      [...'RIFF']
        .map((c) => c.charCodeAt(0))
        .concat(
          [0, 0, 0, 0],
          [...'WEBPVP8 '].map((c) => c.charCodeAt(0)),
        ),
    );
    await expectImageError(() => decodeImage(webp, 'x.webp'), 'unsupported', /x\.webp is a WebP image/);
  });
});
