/**
 * The studio's view of the camera path: the strip of synthesized frames (confidence heat map on hover and
 * keyboard focus, click to view from a frame), the trajectory frustums over the viewer, and touch controls
 * (one-finger orbit, pinch zoom, two-finger pan) in real Chromium with WebGPU on SwiftShader.
 */
import { expect, type Locator, type Page, test } from '@playwright/test';
import { PRESETS } from '../src/engine/pipeline/presets';
import { snap } from './artifacts';
import { randomPly, syntheticPhotos } from './fixtures';
import { dropFiles, gpuReady, probe } from './helpers';
import { dot, length, line, orbitAngle, sub, touchGesture, viewPose } from './touch';

// A touch-capable page (as on a phone or tablet); mouse and keyboard still work.
test.use({ hasTouch: true });

/** Optimisation steps of the strip test: enough to see splats, few so SwiftShader finishes in minutes. */
const STEPS = 5;

interface CanvasStats {
  mean: [number, number, number];
  spread: number;
  hash: string;
}

/** Mean colour, spread (std of luma) and FNV-1a hash of a 2D canvas' pixels, read in the page. */
function canvasStats(canvas: Locator): Promise<CanvasStats> {
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    if (!data) throw new Error('no 2D context');
    const n = data.length / 4;
    const sum = [0, 0, 0];
    let luma = 0;
    let luma2 = 0;
    let h = 0x811c9dc5;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193) >>> 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) sum[k] += data[4 * i + k];
      const y = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
      luma += y;
      luma2 += y * y;
    }
    const m = luma / n;
    return {
      mean: sum.map((s) => s / n / 255) as [number, number, number],
      spread: Math.sqrt(Math.max(0, luma2 / n - m * m)),
      hash: h.toString(16),
    };
  });
}

/** Overlay pixels drawn in the input (#f0b429), trajectory (#6cb6ff) and highlight (#ffffff) colours. */
function overlayColours(page: Page): Promise<{ input: number; trajectory: number; highlight: number }> {
  return page.getByTestId('viewer-overlay').evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    if (!data) throw new Error('no 2D context');
    const colours = { input: [240, 180, 41], trajectory: [108, 182, 255], highlight: [255, 255, 255] };
    const counts = { input: 0, trajectory: 0, highlight: 0 };
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 64) continue;
      for (const [name, rgb] of Object.entries(colours)) {
        if (rgb.every((v, k) => Math.abs(data[i + k] - v) <= 40)) counts[name as keyof typeof counts]++;
      }
    }
    return counts;
  });
}

test('touch: one finger orbits, a pinch zooms, two fingers pan', async ({ page }) => {
  // Each touch move waits for the page to take it; with the software GPU busy drawing that is slow.
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gpuReady(page);
  await dropFiles(page, 'viewer', [randomPly(3000)]);
  await expect(page.getByTestId('viewer-info')).toContainText('random.ply · 3,000 splats');
  const box = await page.getByTestId('viewer-canvas').boundingBox();
  if (!box) throw new Error('viewer canvas not laid out');
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const cdp = await page.context().newCDPSession(page);
  const start = await viewPose(page);
  const startImage = await probe(page);

  // One finger: the camera turns about the target at the same distance.
  await touchGesture(cdp, [line([cx - 80, cy], [cx + 80, cy + 30])]);
  const orbited = await viewPose(page);
  expect(orbitAngle(start, orbited)).toBeGreaterThan(0.2);
  expect(length(sub(orbited.target, start.target))).toBeLessThan(1e-6 * start.distance);
  expect(orbited.distance).toBeCloseTo(start.distance, 6);
  const orbitedImage = await probe(page);
  expect(orbitedImage.frames).toBeGreaterThan(startImage.frames);
  expect(orbitedImage.hash).not.toBe(startImage.hash);

  // Pinch out (fingers 60 px → 240 px apart, midpoint fixed): closer by that ratio, same direction.
  await touchGesture(cdp, [line([cx - 30, cy], [cx - 120, cy]), line([cx + 30, cy], [cx + 120, cy])]);
  const zoomed = await viewPose(page);
  expect(zoomed.distance).toBeLessThan(0.5 * orbited.distance);
  expect(orbitAngle(orbited, zoomed)).toBeLessThan(1e-3);
  // The target barely moves: OrbitControls sees the two fingers' moves one pointer at a time, so the
  // midpoint wobbles while the distance shrinks (a small drift, 0.4% of the distance for this 4× pinch here).
  expect(length(sub(zoomed.target, orbited.target))).toBeLessThan(0.05 * orbited.distance);
  // Pinch in: farther again.
  await touchGesture(cdp, [line([cx - 100, cy], [cx - 50, cy]), line([cx + 100, cy], [cx + 50, cy])]);
  const unzoomed = await viewPose(page);
  expect(unzoomed.distance).toBeGreaterThan(1.5 * zoomed.distance);

  // Two fingers moving together: the target slides across the view; distance and direction stay.
  await touchGesture(cdp, [
    line([cx - 40, cy], [cx + 60, cy + 50]),
    line([cx + 40, cy], [cx + 140, cy + 50]),
  ]);
  const panned = await viewPose(page);
  const moved = sub(panned.target, unzoomed.target);
  expect(length(moved)).toBeGreaterThan(0.05 * unzoomed.distance);
  expect(panned.distance).toBeCloseTo(unzoomed.distance, 4);
  expect(orbitAngle(unzoomed, panned)).toBeLessThan(1e-3);
  // Screen-space panning: the target moves in the image plane, not along the view direction.
  const forward = sub(unzoomed.target, unzoomed.position);
  expect(Math.abs(dot(moved, forward)) / (length(moved) * length(forward))).toBeLessThan(1e-3);
  const pannedImage = await probe(page);
  expect(pannedImage.hash).not.toBe(orbitedImage.hash);
  await snap(page, 'touch-01-after-gestures');
  expect(errors).toEqual([]);
});

test('synthesized frames: strip with confidence on hover, trajectory frustums, click to view from a frame', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await gpuReady(page);
  const overlay = page.getByTestId('viewer-overlay');
  // Nothing on the overlay before a run.
  await expect(overlay).toHaveAttribute('data-trajectory-frustums', '0');
  expect((await overlayColours(page)).trajectory).toBe(0);
  await expect(page.getByTestId('frames-strip')).toHaveCount(0);

  const photos = syntheticPhotos(2, 384, 288);
  await dropFiles(page, 'dropzone', photos);
  await expect(page.getByTestId('photo')).toHaveCount(2);
  await page.getByLabel('Fast').check();
  await page.getByText('Advanced').click();
  await page.getByTestId('steps').fill(String(STEPS));
  await expect(page.getByTestId('synthesis')).toBeChecked();
  await page.getByTestId('start').click();

  // Interpolation between the two photos: framesPerSegment frames, the two ends being the photos.
  const expected = (photos.length - 1) * (PRESETS.fast.framesPerSegment - 1) + 1 - photos.length;
  const strip = page.getByTestId('frames-strip');
  await expect(strip).toBeVisible({ timeout: 800_000 });
  const tiles = page.getByTestId('synth-frame');
  await expect(tiles).toHaveCount(expected);
  const indices = await tiles.evaluateAll((els) =>
    els.map((e) => Number(e.getAttribute('data-trajectory-index'))),
  );
  expect(indices).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
  await expect(strip).toContainText(`${expected} synthesized frames`);
  await expect(page.getByTestId('confidence-legend')).toContainText('low');
  await expect(page.getByTestId('confidence-legend')).toContainText('high weight');
  const runStatusAtHover = await page.getByTestId('run-status').textContent();

  // Hover: the heat map replaces the plain frame, and leaving brings the frame back unchanged.
  const tile = tiles.nth(Math.floor(expected / 2));
  const canvas = tile.getByTestId('synth-frame-canvas');
  await expect(tile).toHaveAttribute('data-overlay', 'off');
  const plain = await canvasStats(canvas);
  expect(plain.spread, 'the thumbnail shows a picture, not a flat colour').toBeGreaterThan(5);
  await tile.hover();
  await expect(tile).toHaveAttribute('data-overlay', 'on');
  const hot = await canvasStats(canvas);
  expect(hot.hash).not.toBe(plain.hash);
  const shift = hot.mean.reduce((s, v, k) => s + Math.abs(v - plain.mean[k]), 0);
  expect(shift, 'the overlay visibly tints the frame').toBeGreaterThan(0.02);
  await snap(page, 'frames-01-strip-confidence-overlay');
  await page.mouse.move(5, 5);
  await expect(tile).toHaveAttribute('data-overlay', 'off');
  expect((await canvasStats(canvas)).hash).toBe(plain.hash);
  // Keyboard focus shows it too.
  await tiles.first().focus();
  await expect(tiles.first()).toHaveAttribute('data-overlay', 'on');
  await tiles.first().blur();
  console.log(`strip: ${expected} frames; run status while hovering: ${runStatusAtHover}`);

  await expect(page.getByTestId('run-status')).toHaveText(/done|failed/, { timeout: 800_000 });
  expect(await page.getByTestId('run-status').textContent()).toBe('done');

  // Frame the scene: the input and trajectory frustums are in view and drawn in their colours.
  await page.getByRole('button', { name: 'Frame (F)' }).click();
  await expect(overlay).toHaveAttribute('data-input-frustums', String(photos.length));
  await expect(overlay).toHaveAttribute('data-trajectory-frustums', String(expected));
  const colours = await overlayColours(page);
  expect(colours.input).toBeGreaterThan(20);
  expect(colours.trajectory).toBeGreaterThan(20);
  // Pointing at a frame in the strip lights its frustum up.
  await tile.hover();
  await expect
    .poll(async () => (await overlayColours(page)).highlight)
    .toBeGreaterThan(colours.highlight + 10);
  await snap(page, 'frames-02-trajectory-frustums-highlight');

  // Click: the view stands where that frame's camera stood.
  const before = await probe(page);
  await tile.click();
  await expect(tile).toHaveAttribute('aria-pressed', 'true');
  const index = Number(await tile.getAttribute('data-trajectory-index'));
  const centre = await page.evaluate((i) => {
    const s = (
      window as unknown as {
        __studio: {
          store: {
            getState(): { synthFrames: { trajectoryIndex: number; camera: { worldFromCamera: number[] } }[] };
          };
        };
      }
    ).__studio.store.getState();
    const m = s.synthFrames.find((f) => f.trajectoryIndex === i)?.camera.worldFromCamera;
    return m ? [m[12], m[13], m[14]] : null;
  }, index);
  expect(centre).not.toBeNull();
  const pose = await viewPose(page);
  expect(length(sub(pose.position, centre as [number, number, number]))).toBeLessThan(1e-6);
  const after = await probe(page);
  expect(after.splats).toBeGreaterThan(0);
  expect(after.hash).not.toBe(before.hash);
  await snap(page, 'frames-03-viewed-from-frame');

  // A new run clears the strip at once (then it is cancelled).
  await page.getByTestId('start').click();
  await expect(strip).toHaveCount(0);
  await page.getByTestId('cancel').click();
  await expect(page.getByTestId('run-status')).toHaveText(/cancelled|done|failed/, { timeout: 600_000 });
  expect(errors).toEqual([]);
});
