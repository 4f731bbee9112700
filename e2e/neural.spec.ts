/**
 * The neural path in the studio: the project's tiny contract models are generated into a temp folder and
 * served as the page's models/ (real files read from disk by the route), the advanced panel lists them,
 * the user chooses the pointmap model and video diffusion, and the run shows what actually ran — or, with
 * a wrong-signature unet, a notice naming it and the classical warp-and-fill in its place.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import jpeg from 'jpeg-js';
import { writeContractSet } from '../tools/onnx/contract-set';
import { snap } from './artifacts';
import { FIXTURE_DIR, type PhotoFixture } from './fixtures';
import { dropFiles, gpuReady } from './helpers';

/** Optimisation steps: a handful, so SwiftShader finishes in minutes. */
const STEPS = 5;

/**
 * Two textured 64×48 JPEGs at the contract models' size. The contract pointmap model tells the views
 * apart by brightness (the first must be the brighter), as a trained network would by content.
 */
function contractPhotos(): PhotoFixture[] {
  mkdirSync(FIXTURE_DIR, { recursive: true });
  return [150, 90].map((level, k) => {
    const w = 64;
    const h = 48;
    const data = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = level + 40 * Math.sin(0.7 * x + k + 1) * Math.cos(0.45 * y - k - 1);
        data.set(
          [v, 0.9 * v, 0.8 * v, 255].map((c) => Math.max(0, Math.min(255, Math.round(c)))),
          (y * w + x) * 4,
        );
      }
    const bytes = Buffer.from(jpeg.encode({ data, width: w, height: h }, 95).data);
    const name = `contract-${k + 1}.jpg`;
    const path = join(FIXTURE_DIR, name);
    writeFileSync(path, bytes);
    return { name, path, bytes };
  });
}

/** Serves models/<file> from `dir` (404 for files that are not there), for the page and its worker. */
async function serveModels(page: Page, dir: string): Promise<string[]> {
  const served: string[] = [];
  await page.context().route('**/models/**', async (route) => {
    const file = basename(new URL(route.request().url()).pathname);
    let body: Buffer;
    try {
      body = readFileSync(join(dir, file));
    } catch {
      await route.fulfill({ status: 404, body: 'not found' });
      return;
    }
    served.push(file);
    await route.fulfill({
      status: 200,
      body,
      contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    });
  });
  return served;
}

let dir: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'splat-e2e-models-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runWithModels(page: Page, label: string, beforeStart?: () => Promise<void>): Promise<void> {
  await gpuReady(page);
  await dropFiles(page, 'dropzone', contractPhotos());
  await expect(page.getByTestId('photo')).toHaveCount(2);
  await page.getByText('Advanced').click();
  await page.getByTestId('steps').fill(String(STEPS));
  const panel = page.getByTestId('models');
  // Each role the manifest lists is offered with its name, role and size.
  await expect(panel).toContainText('Contract model: known plane, two known cameras (pointmap-contract)');
  await expect(panel).toContainText('· pointmap ·');
  await expect(panel).toContainText(/\d+ kB/);
  await expect(panel).toContainText(/\(video-unet-(contract|wrong)\) · video-unet · \d+ kB/);
  await page.getByTestId('geometry-model-pointmap-contract').check();
  await page.getByTestId('synthesis-diffusion').check();
  await expect(page.getByTestId('synthesis')).toBeChecked();
  await snap(page, `${label}-01-models-chosen`);
  await beforeStart?.();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-status')).toHaveText(/done|failed/, { timeout: 600_000 });
  const notices = (await page.getByTestId('notices').count())
    ? await page.getByTestId('notices').textContent()
    : '';
  expect(await page.getByTestId('run-status').textContent(), `the run ended with: ${notices}`).toBe('done');
}

test('diffusion synthesis with the contract models: the studio shows the models ran, with sampler progress', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  writeContractSet(join(dir, 'good'), { samplerSteps: 2 });
  const served = await serveModels(page, join(dir, 'good'));
  // Every text the synthesis stage's activity line shows during the run (it changes faster than a poll).
  await runWithModels(page, 'neural', () =>
    page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __activities: string[] }).__activities = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="activity-synthesis"]')?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    }),
  );
  await snap(page, 'neural-02-done');

  const geometry = page.getByTestId('stage-geometry');
  await expect(geometry).toHaveAttribute('data-method', 'pointmap');
  await expect(page.getByTestId('method-geometry')).toContainText('pointmap model: pointmap-contract');
  const synthesis = page.getByTestId('stage-synthesis');
  await expect(synthesis).toHaveAttribute('data-method', 'diffusion');
  await expect(page.getByTestId('method-synthesis')).toContainText('video diffusion: video-unet-contract');
  // 2 DDIM steps per window, 2 windows over the 7-frame Fast path.
  await expect(synthesis).toHaveAttribute('data-sampler-steps', '4');
  await expect(page.getByTestId('method-synthesis')).toContainText('4 sampling steps');
  // While sampling, the stage said which step it was on.
  const activities = await page.evaluate(
    () => (window as unknown as { __activities: string[] }).__activities,
  );
  console.log(`synthesis activity shown: ${activities.join(' | ')}`);
  expect(activities.some((a) => /^sampling step [1-4] of 4 \(window [12] of 2\)$/.test(a))).toBe(true);
  await expect(page.getByTestId('live-step')).toHaveText(String(STEPS));
  // Every model file came through the route (the real bytes, checksums verified by the engine).
  for (const f of [
    'manifest.json',
    'pointmap-contract.onnx',
    'video-unet-contract.onnx',
    'vae-decoder-contract.onnx',
  ])
    expect(served).toContain(f);
  // No model fell back (the software-GPU note may be there).
  if (await page.getByTestId('notices').count())
    await expect(page.getByTestId('notices')).not.toContainText('could not be used');
  expect(errors).toEqual([]);
});

test('a wrong-signature video unet: a notice names it and warp-and-fill runs instead', async ({ page }) => {
  test.setTimeout(900_000);
  writeContractSet(join(dir, 'wrong'), { samplerSteps: 2, wrongUnet: true });
  await serveModels(page, join(dir, 'wrong'));
  await runWithModels(page, 'neural-fallback');
  await snap(page, 'neural-fallback-02-done');
  await expect(page.getByTestId('notices')).toContainText(
    "the video-unet model 'video-unet-wrong' could not be used",
  );
  await expect(page.getByTestId('notices')).toContainText("input 'x' has rank 4, expected 5");
  await expect(page.getByTestId('notices')).toContainText('warp-and-fill) runs instead');
  await expect(page.getByTestId('stage-synthesis')).toHaveAttribute('data-method', 'warp-fill');
  await expect(page.getByTestId('method-synthesis')).toContainText('classical (warp-and-fill)');
  await expect(page.getByTestId('stage-geometry')).toHaveAttribute('data-method', 'pointmap');
  // Seen, not only in the DOM: the notice keeps its height above the viewer after the run.
  await page.getByTestId('notices').scrollIntoViewIfNeeded();
  expect((await page.getByTestId('notices').boundingBox())?.height ?? 0).toBeGreaterThan(30);
  await snap(page, 'neural-fallback-03-notice');
});

test('with an empty manifest the advanced panel says the classical default runs', async ({ page }) => {
  await gpuReady(page);
  await page.getByText('Advanced').click();
  await expect(page.getByTestId('models')).toContainText(
    'No neural models are installed (public/models/manifest.json lists none): the classical default runs',
  );
  await snap(page, 'neural-03-no-models');
});
