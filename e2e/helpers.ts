import { expect, type Page } from '@playwright/test';
import type { PhotoFixture } from './fixtures';

/** What window.__studio offers the tests (src/app/actions.ts studioApi). */
export interface ProbeResult {
  frames: number;
  width: number;
  height: number;
  splats: number;
  mean: [number, number, number];
  hash: string;
}

/**
 * A real drag and drop: File objects in a DataTransfer, dispatched as dragenter/dragover/drop on the
 * element, as the browser does when a user drags files from the desktop.
 */
export async function dropFiles(page: Page, testId: string, files: PhotoFixture[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, base64: f.bytes.toString('base64') }));
  const transfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { name, base64 } of items) {
      const raw = atob(base64);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      const type = name.endsWith('.jpg') ? 'image/jpeg' : name.endsWith('.txt') ? 'text/plain' : '';
      dt.items.add(new File([bytes], name, { type }));
    }
    return dt;
  }, payload);
  const target = page.getByTestId(testId);
  for (const type of ['dragenter', 'dragover', 'drop'])
    await target.dispatchEvent(type, { dataTransfer: transfer });
}

export async function gpuReady(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('gpu-status')).toHaveAttribute('data-state', 'ready');
}

export const probe = (page: Page): Promise<ProbeResult> =>
  page.evaluate(() =>
    (window as unknown as { __studio: { probe(): Promise<ProbeResult> } }).__studio.probe(),
  );

/** Left-drag across the viewer (OrbitControls: orbit). */
export async function orbit(page: Page, dx: number, dy = 0): Promise<void> {
  const box = await page.getByTestId('viewer-canvas').boundingBox();
  if (!box) throw new Error('viewer canvas not laid out');
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(x + (dx * i) / 8, y + (dy * i) / 8);
  await page.mouse.up();
}
