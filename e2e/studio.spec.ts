/**
 * The studio as people use it, in real Chromium with WebGPU on SwiftShader: photos dropped in, a run,
 * the live viewer orbited, downloads parsed, the result kept over a reload, and the error flows.
 */
import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { readPly } from '../src/engine/io/ply';
import { readSplat } from '../src/engine/io/splat';
import { snap } from './artifacts';
import { corruptJpeg, randomPly, syntheticPhotos, textFile } from './fixtures';
import { dropFiles, gpuReady, orbit, probe } from './helpers';

/** Steps for the e2e run: the Fast preset, shortened so SwiftShader finishes in minutes. */
const E2E_STEPS = 20;

async function expectOrbitChangesImage(page: Page, label: string): Promise<void> {
  const before = await probe(page);
  expect(before.splats).toBeGreaterThan(0);
  // About 25° (OrbitControls turns 2π per canvas height): a sparse reconstruction seen from the side is a blur.
  await orbit(page, 40, 10);
  const after = await probe(page);
  expect(after.frames).toBeGreaterThan(before.frames);
  expect(after.hash).not.toBe(before.hash);
  const moved = after.mean.reduce((s, v, i) => s + Math.abs(v - before.mean[i]), 0);
  expect(moved, `${label}: mean colour should move with the camera`).toBeGreaterThan(1e-4);
}

test('dropped photos show as thumbnails with size, EXIF focal, and can be reordered and removed', async ({
  page,
}) => {
  await gpuReady(page);
  const photos = syntheticPhotos(3);
  await dropFiles(page, 'dropzone', photos);
  const items = page.getByTestId('photo');
  await expect(items).toHaveCount(3);
  await expect(items.first()).toContainText('view-1.jpg');
  await expect(items.first()).toContainText('192×144');
  await expect(page.getByTestId('photo-focal').first()).toContainText('4.2 mm');
  await snap(page, 'studio-01-photos-dropped');
  await items.nth(1).getByTitle('Move up').click();
  await expect(items.first()).toContainText('view-2.jpg');
  await items.nth(2).getByTitle('Remove').click();
  await expect(items).toHaveCount(2);
  await snap(page, 'studio-02-photos-reordered');
});

test('a non-image file, a damaged JPEG and a single photo get specific messages', async ({ page }) => {
  await gpuReady(page);
  await dropFiles(page, 'dropzone', [textFile()]);
  const messages = page.getByTestId('intake-messages');
  await expect(messages).toContainText('notes.txt');
  await expect(messages).toContainText(/not an image|not a supported image/i);
  await expect(page.getByTestId('photo')).toHaveCount(0);
  await snap(page, 'studio-03-not-an-image');
  await dropFiles(page, 'dropzone', [corruptJpeg()]);
  await expect(messages).toContainText('broken.jpg is a damaged JPEG');
  await snap(page, 'studio-04-corrupt');
  const [one] = syntheticPhotos(2);
  await dropFiles(page, 'dropzone', [one]);
  await expect(messages).toContainText('One photo is not enough');
  await page.getByTestId('start').click();
  await expect(messages).toContainText('add at least one more photo');
  await snap(page, 'studio-05-one-photo');
});

test('a .ply dropped on the viewer is drawn by the worker and a mouse orbit changes the image', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gpuReady(page);
  const ply = randomPly(3000);
  await dropFiles(page, 'viewer', [ply]);
  await expect(page.getByTestId('viewer-info')).toContainText('random.ply · 3,000 splats');
  const first = await probe(page);
  expect(first.splats).toBe(3000);
  expect(first.width).toBeGreaterThan(100);
  // Not just the background: splats were composited.
  const background = [0.078, 0.086, 0.102];
  expect(first.mean.some((v, i) => Math.abs(v - background[i]) > 0.01)).toBe(true);
  await snap(page, 'studio-06-ply-in-viewer');
  await expectOrbitChangesImage(page, 'opened .ply');
  await snap(page, 'studio-07-ply-orbited');
  // F frames the scene again: the view returns to a framing of the whole scene.
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('f');
  await page.keyboard.down('w');
  await page.waitForTimeout(300);
  await page.keyboard.up('w');
  const flown = await probe(page);
  expect(flown.hash).not.toBe(first.hash);
  expect(errors).toEqual([]);
});

// The full reconstruction needs the lead's pipeline (geometry fusion, trainer) in the build.
test('the whole flow: drop two photos, Fast, live view, orbit, downloads, reload, reopen', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gpuReady(page);
  // 384×288: at 192×144 the classical matcher finds too few verified matches (24) and refuses the pair.
  await dropFiles(page, 'dropzone', syntheticPhotos(2, 384, 288));
  await expect(page.getByTestId('photo')).toHaveCount(2);
  await page.getByLabel('Fast').check();
  await page.getByText('Advanced').click();
  await page.getByTestId('steps').fill(String(E2E_STEPS));
  // Synthesis is on for users; this flow turns it off only to stay within minutes on SwiftShader.
  await expect(page.getByTestId('synthesis')).toBeChecked();
  await page.getByTestId('synthesis').uncheck();
  await snap(page, 'flow-01-ready');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('stage-geometry')).not.toHaveAttribute('data-status', 'idle');
  await snap(page, 'flow-02-geometry');
  await expect(page.getByTestId('run-status')).toHaveText(/done|failed/, { timeout: 800_000 });
  await snap(page, 'flow-03-done');
  const status = await page.getByTestId('run-status').textContent();
  const notices = (await page.getByTestId('notices').count())
    ? await page.getByTestId('notices').textContent()
    : '';
  expect(status, `the run ended with: ${notices}`).toBe('done');
  await expect(page.getByTestId('live-step')).toHaveText(String(E2E_STEPS));
  const splats = Number((await page.getByTestId('live-splats').textContent())?.replace(/,/g, ''));
  expect(splats).toBeGreaterThan(0);

  await expectOrbitChangesImage(page, 'reconstruction');
  await snap(page, 'flow-04-orbited');

  const [plyDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-ply').click(),
  ]);
  expect(plyDownload.suggestedFilename()).toBe('scene.ply');
  const plyPath = await plyDownload.path();
  const cloud = readPly(new Uint8Array(readFileSync(plyPath)));
  expect(cloud.count).toBeGreaterThan(0);
  expect(cloud.count).toBeLessThanOrEqual(splats);
  expect(cloud.means.every(Number.isFinite)).toBe(true);
  expect(cloud.rotations.length).toBe(cloud.count * 4);
  expect(cloud.logScales.length).toBe(cloud.count * 3);
  // Fitted with the Mip filter, and tagged so other viewers draw it that way too.
  expect(cloud.renderMode).toBe('mip');

  const [splatDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-splat').click(),
  ]);
  expect(splatDownload.suggestedFilename()).toBe('scene.splat');
  const splatCloud = readSplat(new Uint8Array(readFileSync(await splatDownload.path())));
  expect(splatCloud.count).toBe(cloud.count);

  // The result survives a reload.
  await expect(page.getByTestId('saved-result')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('saved-result')).toHaveAttribute('data-count', String(cloud.count));
  await page.getByTestId('open-saved').click();
  await expect(page.getByTestId('viewer-info')).toContainText(
    `${cloud.count.toLocaleString('en-US')} splats`,
  );
  await snap(page, 'flow-05-reloaded-saved');

  // And the downloaded .ply opens in the viewer.
  await dropFiles(page, 'viewer', [{ name: 'scene.ply', path: plyPath, bytes: readFileSync(plyPath) }]);
  await expect(page.getByTestId('viewer-info')).toContainText('scene.ply');
  await expect(page.getByTestId('viewer-info')).toContainText('Mip filter');
  expect((await probe(page)).splats).toBe(cloud.count);
  await snap(page, 'flow-06-downloaded-ply-opened');
  expect(errors).toEqual([]);
});

/** Drop the e2e pair and start a long Fast run (synthesis off for speed) that the test interrupts. */
async function startLongRun(page: Page): Promise<void> {
  await gpuReady(page);
  await dropFiles(page, 'dropzone', syntheticPhotos(2, 384, 288));
  await page.getByText('Advanced').click();
  await page.getByTestId('steps').fill('2000');
  await page.getByTestId('synthesis').uncheck();
  await page.getByTestId('start').click();
}

test('cancel mid-optimisation keeps the splats of the last step', async ({ page }) => {
  test.setTimeout(900_000);
  await startLongRun(page);
  await expect(page.getByTestId('download-ply')).toBeEnabled({ timeout: 800_000 });
  const stepAtCancel = await page.getByTestId('live-step').textContent();
  const clicked = Date.now();
  await page.getByTestId('cancel').click();
  // The press is acknowledged at once, before the queued steps finish.
  await expect(page.getByTestId('run-status')).toHaveText(/cancelling…|cancelled/, { timeout: 5_000 });
  await expect(page.getByTestId('cancel')).toBeDisabled();
  // The trainer stops at its next step boundary (≤ 4 steps in flight), which on SwiftShader takes a while.
  await expect(page.getByTestId('run-status')).toHaveText('cancelled', { timeout: 300_000 });
  console.log(
    `cancel: step ${stepAtCancel} at the click, 'cancelled' after ${(Date.now() - clicked) / 1000} s`,
  );
  await snap(page, 'cancel-01-cancelled');
  // No ETA for a stage that will not finish.
  await expect(page.getByTestId('stage-optimization')).toContainText('stopped at');
  const step = Number(await page.getByTestId('live-step').textContent());
  expect(step).toBeLessThan(2000);
  expect((await probe(page)).splats).toBeGreaterThan(0);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-ply').click(),
  ]);
  expect(readPly(new Uint8Array(readFileSync(await download.path()))).count).toBeGreaterThan(0);
});

test('a lost GPU device: message, automatic recovery, the last saved result reopened', async ({ page }) => {
  test.setTimeout(900_000);
  await startLongRun(page);
  // A first preview is saved to IndexedDB during the run (actions.ts: save on splats-updated).
  await expect(page.getByTestId('saved-result')).toBeVisible({ timeout: 800_000 });
  const count = Number(await page.getByTestId('saved-result').getAttribute('data-count'));
  expect(count).toBeGreaterThan(0);
  await page.evaluate(() =>
    (window as unknown as { __studio: { simulateDeviceLoss(): void } }).__studio.simulateDeviceLoss(),
  );
  const notices = page.getByTestId('notices');
  await expect(notices).toContainText(/GPU device was lost|device.*lost/i);
  await expect(page.getByTestId('run-status')).toHaveText('failed');
  await expect(notices).toContainText('A new GPU device is ready');
  await expect(notices).toContainText('The last saved result was reopened in the viewer.');
  await expect(page.getByTestId('viewer-info')).toContainText(
    `last result.ply · ${count.toLocaleString('en-US')} splats`,
  );
  await snap(page, 'device-lost-01-recovered');
  // The new device draws: the reopened splats are composited and follow the camera.
  await expectOrbitChangesImage(page, 'after device recovery');
  // And the engine takes work again on the new device: a .ply dropped now is drawn.
  await dropFiles(page, 'viewer', [randomPly(2000)]);
  await expect(page.getByTestId('viewer-info')).toContainText('random.ply · 2,000 splats');
  expect((await probe(page)).splats).toBe(2000);
});
