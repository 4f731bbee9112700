/**
 * Point-cloud fusion on exact, hand-made pointmaps (no GPU): confidence filtering, the confidence-
 * weighted voxel mean, the target count, and de-duplication — two noisy views of one plane give one
 * layer of points, where simply concatenating their pixels gives two.
 */
import { describe, expect, it } from 'vitest';
import { type Camera, unprojectPixel } from './camera';
import { fusePointClouds, VOXEL_FOOTPRINTS } from './fusion';
import { lookAt, type Vec3 } from './mat4';
import type { ViewGeometry } from './types';

const W = 96;
const H = 72;

function camera(eye: Vec3, target: Vec3): Camera {
  return {
    intrinsics: { fx: 80, fy: 80, cx: W / 2, cy: H / 2, width: W, height: H },
    worldFromCamera: lookAt(eye, target, [0, -1, 0]),
  };
}

/** Plane through P0 with unit normal N; depth along each pixel ray by intersection. */
const P0: Vec3 = [0, 0, 2];
const N: Vec3 = (() => {
  const n = [0.25, -0.3, -1];
  const l = Math.hypot(n[0], n[1], n[2]);
  return [n[0] / l, n[1] / l, n[2] / l] as Vec3;
})();

/** Deterministic uniform noise in [−1, 1]. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/** A view of the plane: exact depth times (1 + relNoise·u), confidence from `conf(x, y)`. */
function planeView(
  cam: Camera,
  relNoise: number,
  seed: number,
  conf = (_x: number, _y: number) => 1,
): ViewGeometry {
  const rnd = noise(seed);
  const n = W * H;
  const view: ViewGeometry = {
    camera: cam,
    colors: new Uint8ClampedArray(n * 4).fill(200),
    depth: new Float32Array(n),
    pointmap: new Float32Array(n * 3).fill(Number.NaN),
    confidence: new Float32Array(n),
  };
  const o = unprojectPixel(cam, cam.intrinsics.cx, cam.intrinsics.cy, 0);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = y * W + x;
      // Ray at depth 1, then scale to hit the plane: (o + t·(q − o) − P0)·N = 0.
      const q = unprojectPixel(cam, x + 0.5, y + 0.5, 1);
      const d = [q[0] - o[0], q[1] - o[1], q[2] - o[2]];
      const t =
        ((P0[0] - o[0]) * N[0] + (P0[1] - o[1]) * N[1] + (P0[2] - o[2]) * N[2]) /
        (d[0] * N[0] + d[1] * N[1] + d[2] * N[2]);
      const z = t * (1 + relNoise * rnd());
      view.depth[p] = z;
      view.pointmap.set(unprojectPixel(cam, x + 0.5, y + 0.5, z), 3 * p);
      view.confidence[p] = conf(x, y);
    }
  }
  return view;
}

const distanceToPlane = (p: ArrayLike<number>, i: number) =>
  (p[3 * i] - P0[0]) * N[0] + (p[3 * i + 1] - P0[1]) * N[1] + (p[3 * i + 2] - P0[2]) * N[2];

/** Share of points that have another point closer than `radius` (brute force; small clouds). */
function crowded(positions: ArrayLike<number>, count: number, radius: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      if (i === j) continue;
      const dx = positions[3 * i] - positions[3 * j];
      const dy = positions[3 * i + 1] - positions[3 * j + 1];
      const dz = positions[3 * i + 2] - positions[3 * j + 2];
      if (dx * dx + dy * dy + dz * dz < radius * radius) {
        n++;
        break;
      }
    }
  }
  return n / count;
}

describe('fusePointClouds', () => {
  const a = camera([0, 0, 0], [0, 0, 2]);
  const b = camera([0.15, 0.03, 0.02], [0.05, 0, 2]);

  it('merges two noisy views of one plane into a single layer', () => {
    const va = planeView(a, 0.004, 1);
    const vb = planeView(b, 0.004, 2);
    const voxel = 0.05;
    const one = fusePointClouds([va], { targetCount: 1e6, voxel });
    const both = fusePointClouds([va, vb], { targetCount: 1e6, voxel });
    // The union of two mostly overlapping views is a little larger than one view, not twice it.
    expect(both.count).toBeGreaterThan(one.count);
    expect(both.count).toBeLessThan(1.35 * one.count);
    // One layer: points sit about a voxel apart; in two stacked layers most would have a twin.
    const fusedCrowding = crowded(both.positions, both.count, 0.3 * voxel);
    // Control: each view merged on its own, then concatenated (no cross-view de-duplication).
    const onlyB = fusePointClouds([vb], { targetCount: 1e6, voxel });
    const separate = new Float32Array([...one.positions, ...onlyB.positions]);
    const separateCrowding = crowded(separate, one.count + onlyB.count, 0.3 * voxel);
    console.log(
      `fused ${both.count} points (one view alone ${one.count}); share with a neighbour < 0.3 voxel: ` +
        `fused ${(100 * fusedCrowding).toFixed(1)} %, per-view clouds concatenated ${(100 * separateCrowding).toFixed(1)} %`,
    );
    expect(fusedCrowding).toBeLessThan(0.1);
    expect(separateCrowding).toBeGreaterThan(0.5);
    // Averaging shrinks the per-pixel noise: every fused point is close to the plane.
    let worst = 0;
    for (let i = 0; i < both.count; i++)
      worst = Math.max(worst, Math.abs(distanceToPlane(both.positions, i)));
    expect(worst).toBeLessThan(0.01);
    for (const c of both.colors) expect(c).toBeCloseTo(200 / 255, 5);
  });

  it('drops low-confidence pixels and weights the voxel mean by confidence', () => {
    // Left half confident, right half not: nothing from the right half survives.
    const v = planeView(a, 0, 3, (x) => (x < W / 2 ? 0.9 : 0.3));
    const cloud = fusePointClouds([v], { targetCount: 1e6, voxel: 0.02 });
    expect(cloud.count).toBeGreaterThan(100);
    for (let i = 0; i < cloud.count; i++) expect(cloud.positions[3 * i]).toBeLessThan(0.02);
    for (const c of cloud.confidence) expect(c).toBeCloseTo(0.9, 5);
    expect(fusePointClouds([v], { targetCount: 1e6, voxel: 0.02, minConfidence: 0.95 }).count).toBe(0);

    // Two points in one voxel: position is the confidence-weighted mean, confidence Σc²/Σc.
    const tiny: ViewGeometry = {
      camera: a,
      colors: new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 255]),
      depth: new Float32Array([1, 1]),
      pointmap: new Float32Array([0.1, 0, 1, 0.2, 0, 1]),
      confidence: new Float32Array([0.6, 1]),
    };
    const merged = fusePointClouds([tiny], { targetCount: 10, voxel: 1 });
    expect(merged.count).toBe(1);
    expect(merged.positions[0]).toBeCloseTo((0.6 * 0.1 + 0.2) / 1.6, 6);
    expect(merged.colors[0]).toBeCloseTo(0.6 / 1.6, 6);
    expect(merged.colors[2]).toBeCloseTo(1 / 1.6, 6);
    expect(merged.confidence[0]).toBeCloseTo((0.36 + 1) / 1.6, 6);
  });

  it('coarsens to the target count, and picks a footprint-sized voxel by default', () => {
    const views = [planeView(a, 0.002, 4), planeView(b, 0.002, 5)];
    const auto = fusePointClouds(views, { targetCount: 1e6 });
    // Default voxel = VOXEL_FOOTPRINTS × depth / focal ≈ 2 × 2 / 80: about one point per 2×2 pixels.
    const perView = (W * H) / VOXEL_FOOTPRINTS ** 2;
    expect(auto.count).toBeGreaterThan(0.5 * perView);
    expect(auto.count).toBeLessThan(2 * perView);
    // One footprint (what synthesis renders from): about one point per pixel, four times as many.
    const fine = fusePointClouds(views, { targetCount: 1e6, voxelFootprints: 1 });
    expect(fine.count).toBeGreaterThan(0.5 * W * H);
    expect(fine.count).toBeLessThan(2 * W * H);
    expect(fine.count).toBeGreaterThan(2.5 * auto.count);
    for (const target of [500, 100]) {
      const cloud = fusePointClouds(views, { targetCount: target });
      expect(cloud.count).toBeLessThanOrEqual(target);
      expect(cloud.count).toBeGreaterThan(0.4 * target);
    }
    expect(() => fusePointClouds(views, { targetCount: 0 })).toThrow(/targetCount/);
  });
});
