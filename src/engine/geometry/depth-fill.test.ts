/**
 * The empty-pixel fill on a made-up view: a slanted wall with a box in front of it, the stereo's holes
 * where a second photo could not see (right of the box, the right border strip) and one pixel with no
 * confident surface anywhere in reach.
 */
import { describe, expect, it } from 'vitest';
import type { Camera } from './camera';
import { DEPTH_FILL_DEFAULTS, fillEmptyDepth } from './depth-fill';
import { camera as lookingAt, W as RW, roomView } from './test-planes';
import type { ViewGeometry } from './types';

const W = 64;
const H = 48;
const camera: Camera = {
  intrinsics: { fx: 60, fy: 60, cx: 32, cy: 24, width: W, height: H },
  // A camera away from the origin, so that the pointmap is checked in world coordinates.
  worldFromCamera: new Float64Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0.5, -0.25, 1, 1]),
};
// A plane's inverse depth is affine in the pixel coordinates.
const wallInverse = (x: number, y: number) => 0.25 + 0.002 * (x - 32) + 0.001 * (y - 24);
const BOX_DEPTH = 2;
const inBox = (x: number, y: number) => x >= 20 && x < 30 && y >= 10 && y < 38;
const inShadow = (x: number, y: number) => x >= 30 && x < 40 && y >= 10 && y < 38;
const inStrip = (x: number) => x >= 58;

function view(): { v: ViewGeometry; truth: Float32Array } {
  const n = W * H;
  const truth = new Float32Array(n);
  const v: ViewGeometry = {
    camera,
    colors: new Uint8ClampedArray(4 * n),
    depth: new Float32Array(n),
    pointmap: new Float32Array(3 * n).fill(Number.NaN),
    confidence: new Float32Array(n),
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      truth[p] = inBox(x, y) ? BOX_DEPTH : 1 / wallInverse(x + 0.5, y + 0.5);
      if (inShadow(x, y) || inStrip(x)) continue;
      v.depth[p] = truth[p];
      v.confidence[p] = 0.9;
    }
  }
  return { v, truth };
}

describe('fillEmptyDepth', () => {
  it('continues the background into occlusion shadows and border strips, at the lowest kept confidence', () => {
    const { v, truth } = view();
    const before = Float32Array.from(v.depth);
    const filled = fillEmptyDepth([v]);
    const holes = Array.from({ length: W * H }, (_, p) => p).filter((p) => before[p] === 0);
    expect(filled).toBe(holes.length);
    expect(v.filled!.reduce((a, b) => a + b, 0)).toBe(holes.length);
    for (const p of holes) expect(v.filled![p]).toBe(1);
    let worst = 0;
    for (const p of holes) {
      // The shadow is next to the box, but the wall, not the box, continues into it.
      worst = Math.max(worst, Math.abs(v.depth[p] - truth[p]) / truth[p]);
      expect(v.confidence[p]).toBeCloseTo(DEPTH_FILL_DEFAULTS.confidence, 6);
      const x = p % W;
      const y = Math.floor(p / W);
      const z = v.depth[p];
      const expected = [((x + 0.5 - 32) / 60) * z + 0.5, ((y + 0.5 - 24) / 60) * z - 0.25, z + 1];
      for (let r = 0; r < 3; r++) expect(v.pointmap[3 * p + r]).toBeCloseTo(expected[r], 4);
    }
    expect(worst).toBeLessThan(0.01);
    // Confident pixels are left alone.
    for (let p = 0; p < W * H; p++) {
      if (before[p] > 0) {
        expect(v.depth[p]).toBe(before[p]);
        expect(v.confidence[p]).toBeCloseTo(0.9, 6);
      }
    }
  });

  it('leaves a pixel empty when nothing confident lies within reach', () => {
    const { v } = view();
    v.confidence.fill(0);
    v.depth.fill(0);
    const lone = 24 * W + 12;
    v.depth[lone] = 3;
    v.confidence[lone] = 0.9;
    // One confident pixel is no run to fit a line to.
    expect(fillEmptyDepth([v])).toBe(0);
    expect(v.depth.filter((z) => z > 0).length).toBe(1);
    expect(v.pointmap.every(Number.isNaN)).toBe(true);
  });

  it('continues the floor and the wall behind an occluder and along the borders, not the occluder', () => {
    // Right of the board (x 37–58 here) a second photo would see neither wall nor floor; and two border strips.
    const hole = (x: number, y: number) => (x >= 58 && x < 70 && y >= 20) || y >= 64 || x >= 88;
    const { view: v, truth } = roomView(lookingAt([0.3, 0, 0], [0, 0.3, 5]), hole);
    const filled = fillEmptyDepth([v]);
    let holes = 0;
    let off = 0;
    let worst = 0;
    for (let p = 0; p < truth.length; p++) {
      if (!hole(p % RW, Math.floor(p / RW))) continue;
      holes++;
      expect(v.filled![p]).toBe(1);
      const error = Math.abs(v.depth[p] - truth[p]) / truth[p];
      if (error > 0.01) off++;
      worst = Math.max(worst, error);
    }
    expect(filled).toBe(holes);
    // Only along the floor-wall seam, where the wall lies within the fill's 3 % slack behind the floor, is
    // a pixel more than 1 % off. (Without the planes: a fifth of them, up to 78 % off, the board continued.)
    expect(off).toBeLessThan(0.01 * holes);
    expect(worst).toBeLessThan(0.035);
  });
});
