/**
 * E2E fixtures made at test time (never committed): photo-like JPEGs of a synthetic scene with EXIF
 * (focal length, 35 mm equivalent, pixel size), a non-image file and a corrupt JPEG. Written under
 * test-results/fixtures/ so the browser can be handed real files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { makeSyntheticScene, renderView } from '../src/engine/geometry/synthetic';
import { writeExifJpeg } from '../src/engine/io/exif';
import { writePly } from '../src/engine/io/ply';
import { randomCloud } from '../src/engine/splats/random-scene';

export const FIXTURE_DIR = join('test-results', 'fixtures');

export interface PhotoFixture {
  name: string;
  path: string;
  bytes: Buffer;
}

/** `views` photos of one synthetic scene (seed), `width`×`height`, JPEG quality 92, with EXIF. */
export function syntheticPhotos(views = 2, width = 192, height = 144, seed = 3): PhotoFixture[] {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const synthetic = makeSyntheticScene({
    seed,
    views,
    width,
    height,
    kind: views === 2 ? 'pair' : undefined,
  });
  return synthetic.cameras.map((camera, i) => {
    const { rgba } = renderView(synthetic.scene, camera, { samples: 1 });
    const encoded = jpeg.encode({ data: Buffer.from(rgba.buffer), width, height }, 92).data;
    // A 6.0 mm lens on a sensor 6.0·36/(fx·36/width)… expressed through the 35 mm equivalent: f35 = fx·36/width.
    const focal35 = Math.round((camera.intrinsics.fx * 36) / width);
    const withExif = writeExifJpeg(new Uint8Array(encoded), {
      orientation: 1,
      focalLength: 4.2,
      focal35,
      pixelXDimension: width,
      pixelYDimension: height,
      make: 'SyntheticCam',
    });
    const name = `view-${i + 1}.jpg`;
    const path = join(FIXTURE_DIR, name);
    const bytes = Buffer.from(withExif);
    writeFileSync(path, bytes);
    return { name, path, bytes };
  });
}

export function textFile(): PhotoFixture {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const bytes = Buffer.from('These are my holiday notes, not a photo.\n');
  const path = join(FIXTURE_DIR, 'notes.txt');
  writeFileSync(path, bytes);
  return { name: 'notes.txt', path, bytes };
}

/** A JPEG cut off after its first 300 bytes (the header survives, the pixels do not). */
export function corruptJpeg(): PhotoFixture {
  const [photo] = syntheticPhotos(2);
  const bytes = photo.bytes.subarray(0, 300);
  const path = join(FIXTURE_DIR, 'broken.jpg');
  writeFileSync(path, bytes);
  return { name: 'broken.jpg', path, bytes: Buffer.from(bytes) };
}

/** A small random splat scene as an INRIA .ply (the viewer's "open a file" path needs no pipeline). */
export function randomPly(count = 3000, seed = 7): PhotoFixture {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const cloud = randomCloud(count, 1, seed, { logScale: [Math.log(0.02), Math.log(0.08)] });
  const bytes = Buffer.from(writePly(cloud));
  const path = join(FIXTURE_DIR, 'random.ply');
  writeFileSync(path, bytes);
  return { name: 'random.ply', path, bytes };
}
