import { describe, expect, it } from 'vitest';
import { type Camera, unprojectPixel } from '../geometry/camera';
import type { PointCloud } from '../geometry/types';
import { coverPoints, joinClouds } from './cover-points';

const W = 32;
const H = 24;
const Z = 2;
const camera: Camera = {
  intrinsics: { fx: 30, fy: 30, cx: W / 2, cy: H / 2, width: W, height: H },
  worldFromCamera: new Float64Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
};
/** The hole: an 8×8 block whose pixels warp-and-fill filled (confidence 0.1), red; the rest grey, observed. */
const inHole = (x: number, y: number) => x >= 20 && x < 28 && y >= 8 && y < 16;

function frame() {
  const rgba = new Uint8ClampedArray(4 * W * H);
  const confidence = new Float32Array(W * H);
  const depth = new Float32Array(W * H).fill(Z);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      rgba.set(inHole(x, y) ? [255, 0, 0, 255] : [128, 128, 128, 255], 4 * i);
      confidence[i] = inHole(x, y) ? 0.1 : 0.9;
    }
  return { camera, rgba, confidence, depth };
}

/** The plane's points at every pixel `keep` accepts (the cloud the frame was rendered from). */
function planeCloud(keep: (x: number, y: number) => boolean): PointCloud {
  const positions: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (keep(x, y)) positions.push(...unprojectPixel(camera, x + 0.5, y + 0.5, Z));
  const count = positions.length / 3;
  return {
    count,
    positions: new Float32Array(positions),
    colors: new Float32Array(3 * count).fill(0.5),
    confidence: new Float32Array(count).fill(1),
  };
}

const OPTIONS = { uncoveredConfidence: 0.1, confidence: 0.3, maxCount: 1000 };

describe('coverPoints', () => {
  it('puts points on the filled depth of the uncovered pixels, with their colour, away from the cloud', () => {
    const cover = coverPoints(
      [frame()],
      planeCloud((x, y) => !inHole(x, y)),
      OPTIONS,
    );
    expect(cover.count).toBeGreaterThan(0);
    // The hole spans 8 pixels a side; merged at two pixel footprints and kept off the cloud's cells, what
    // remains lies strictly inside it.
    const [x0, y0] = unprojectPixel(camera, 20, 8, Z);
    const [x1, y1] = unprojectPixel(camera, 28, 16, Z);
    for (let i = 0; i < cover.count; i++) {
      const [x, y, z] = cover.positions.subarray(3 * i, 3 * i + 3);
      expect(z).toBeCloseTo(Z, 5);
      expect(x).toBeGreaterThan(x0);
      expect(x).toBeLessThan(x1);
      expect(y).toBeGreaterThan(y0);
      expect(y).toBeLessThan(y1);
      expect([...cover.colors.subarray(3 * i, 3 * i + 3)]).toEqual([1, 0, 0]);
      expect(cover.confidence[i]).toBeCloseTo(0.3, 6);
    }
  });

  it('adds nothing where the cloud already covers the filled pixels', () => {
    const cover = coverPoints(
      [frame()],
      planeCloud(() => true),
      OPTIONS,
    );
    expect(cover.count).toBe(0);
  });

  it('adds nothing for a frame without uncovered pixels, and keeps to maxCount', () => {
    const full = { ...frame(), confidence: new Float32Array(W * H).fill(0.9) };
    expect(
      coverPoints(
        [full],
        planeCloud(() => false),
        OPTIONS,
      ).count,
    ).toBe(0);
    const empty = planeCloud(() => false);
    const all = { ...frame(), confidence: new Float32Array(W * H).fill(0.1) };
    const capped = coverPoints([all], empty, { ...OPTIONS, maxCount: 20 });
    expect(capped.count).toBeGreaterThan(0);
    expect(capped.count).toBeLessThanOrEqual(20);
  });

  it('joinClouds appends the second cloud', () => {
    const a = planeCloud((x, y) => x < 2 && y < 2);
    const b = coverPoints(
      [frame()],
      planeCloud((x, y) => !inHole(x, y)),
      OPTIONS,
    );
    const joined = joinClouds(a, b);
    expect(joined.count).toBe(a.count + b.count);
    expect([...joined.positions.subarray(3 * a.count)]).toEqual([...b.positions]);
    expect([...joined.confidence.subarray(0, a.count)]).toEqual([...a.confidence]);
    expect(joinClouds(a)).toBe(a);
  });
});
