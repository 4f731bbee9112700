/**
 * Point-cloud fusion on exact, hand-made pointmaps (no GPU): confidence filtering, the confidence-
 * weighted voxel mean, the target count, and de-duplication — two noisy views of one plane give one
 * layer of points, where simply concatenating their pixels gives two.
 */
import { describe, expect, it } from 'vitest';
import { fusePointClouds, VOXEL_FOOTPRINTS } from './fusion';
import { camera, distanceToPlane, H, planeView, W } from './test-planes';
import type { ViewGeometry } from './types';

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
