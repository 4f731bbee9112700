/**
 * HEIC photos in the studio (issue 6): Chromium has no HEIC decoder, so the page and the engine worker
 * load libheif's wasm chunk on the first HEIC photo. Fixtures are synthetic-scene renders encoded by
 * Debian's heif-enc (tools/heic-fixture.ts); one gets an irot box so the orientation path is visible.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { makeSyntheticScene, renderView } from '../src/engine/geometry/synthetic';
import type { EngineEvent } from '../src/engine/protocol';
import { encodeHeic, withHeifTransforms } from '../tools/heic-fixture';
import { snap } from './artifacts';
import { FIXTURE_DIR, type PhotoFixture } from './fixtures';
import { dropFiles, gpuReady } from './helpers';

function fixture(name: string, bytes: Uint8Array): PhotoFixture {
  const path = join(FIXTURE_DIR, name);
  writeFileSync(path, bytes);
  return { name, path, bytes: Buffer.from(bytes) };
}

/** `views` HEIC photos of one synthetic scene with EXIF focal (4.2 mm), like a phone's. */
function heicPhotos(views: number, width: number, height: number): PhotoFixture[] {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const synthetic = makeSyntheticScene({
    seed: 3,
    views,
    width,
    height,
    kind: views === 2 ? 'pair' : undefined,
  });
  return synthetic.cameras.map((camera, i) => {
    const { rgba } = renderView(synthetic.scene, camera, { samples: 1 });
    const focal35 = Math.round((camera.intrinsics.fx * 36) / width);
    const { bytes } = encodeHeic(rgba, width, height, {
      quality: 90,
      dir: FIXTURE_DIR,
      name: `view-${i + 1}`,
      exif: {
        focalLength: 4.2,
        focal35,
        pixelXDimension: width,
        pixelYDimension: height,
        make: 'SyntheticCam',
      },
    });
    return fixture(`view-${i + 1}.heic`, bytes);
  });
}

const heifChunk = (url: string): boolean => /libheif-bundle[^/]*\.js/.test(url);

test('HEIC photos decode on demand: thumbnails with size, focal and irot applied; a damaged one is named', async ({
  page,
}) => {
  const chunks: string[] = [];
  page.on('request', (r) => {
    if (heifChunk(r.url())) chunks.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gpuReady(page);
  expect(chunks, 'the HEIC decoder must not load before a HEIC photo shows up').toEqual([]);

  const [photo] = heicPhotos(2, 192, 144);
  const rotated = fixture('portrait.heic', withHeifTransforms(photo.bytes, [{ rotateCcw: 3 }]));
  const broken = fixture('broken.heic', photo.bytes.subarray(0, Math.floor(photo.bytes.length * 0.6)));
  await dropFiles(page, 'dropzone', [photo, rotated, broken]);

  const items = page.getByTestId('photo');
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText('view-1.heic');
  await expect(items.first()).toContainText('192×144');
  await expect(page.getByTestId('photo-focal').first()).toContainText('4.2 mm');
  // irot 270° counter-clockwise = 90° clockwise: the portrait is upright, its sides swapped.
  await expect(items.nth(1)).toContainText('portrait.heic');
  await expect(items.nth(1)).toContainText('144×192');
  const thumbs = await items
    .locator('img')
    .evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((img) => [img.naturalWidth, img.naturalHeight]));
  expect(thumbs).toEqual([
    [160, 120],
    [120, 160],
  ]);
  const messages = page.getByTestId('intake-messages');
  await expect(messages).toContainText('broken.heic is a damaged HEIC file');
  expect(chunks.length, 'the libheif chunk is fetched once, on demand').toBe(1);
  expect(errors).toEqual([]);
  await snap(page, 'heic-01-thumbnails');
});

test('the engine worker decodes HEIC photos when a run starts', async ({ page }) => {
  test.setTimeout(300_000);
  await gpuReady(page);
  await dropFiles(page, 'dropzone', heicPhotos(2, 384, 288));
  await expect(page.getByTestId('photo')).toHaveCount(2);
  // The first geometry progress comes after the worker has decoded every photo (stage 0); an undecodable
  // photo ends the run with an error naming it instead.
  const outcome = page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const studio = (window as unknown as { __studio: { on(l: (e: EngineEvent) => void): () => void } })
          .__studio;
        const off = studio.on((e) => {
          if (e.type === 'stage-progress' && e.stage === 'geometry' && e.fraction > 0) {
            off();
            resolve('decoded');
          } else if (e.type === 'error') {
            off();
            resolve(`error: ${e.error.message}`);
          }
        });
      }),
  );
  await page.getByLabel('Fast').check();
  await page.getByTestId('start').click();
  expect(await outcome).toBe('decoded');
  await snap(page, 'heic-02-run-started');
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('run-status')).not.toHaveText(/running/, { timeout: 120_000 });
});
