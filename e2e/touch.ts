/**
 * Multi-touch for the e2e tests: Chromium's DevTools protocol (Input.dispatchTouchEvent) turns these into
 * real touch and pointer events (pointerType 'touch'), one pointer per finger, as a phone would.
 */
import type { CDPSession, Page } from '@playwright/test';

export type Point = [number, number];

/** `steps` + 1 points from `from` to `to`, both included. */
export function line(from: Point, to: Point, steps = 5): Point[] {
  return Array.from({ length: steps + 1 }, (_, i): Point => {
    const t = i / steps;
    return [from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t];
  });
}

/** One gesture: every finger follows its own path (same length); all touch down, move, then lift. */
export async function touchGesture(cdp: CDPSession, fingers: Point[][]): Promise<void> {
  const t0 = Date.now();
  const at = (i: number) => fingers.map((path, id) => ({ x: path[i][0], y: path[i][1], id }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  for (let i = 1; i < fingers[0].length; i++)
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(i) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  console.log(`touch gesture (${fingers.length} fingers): ${Date.now() - t0} ms`);
}

/** The 3D view's camera (window.__studio.viewPose, src/app/viewer/link.ts). */
export interface ViewPose {
  position: [number, number, number];
  target: [number, number, number];
  distance: number;
}

export async function viewPose(page: Page): Promise<ViewPose> {
  const pose = await page.evaluate(() =>
    (window as unknown as { __studio: { viewPose(): ViewPose | null } }).__studio.viewPose(),
  );
  if (!pose) throw new Error('the viewer has no camera rig yet');
  return pose;
}

type V3 = [number, number, number];
export const sub = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const length = (a: V3): number => Math.hypot(...a);
export const dot = (a: V3, b: V3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Angle (radians) between the directions from the target to the camera of two poses. */
export function orbitAngle(a: ViewPose, b: ViewPose): number {
  const da = sub(a.position, a.target);
  const db = sub(b.position, b.target);
  return Math.acos(Math.min(1, Math.max(-1, dot(da, db) / (length(da) * length(db)))));
}
