import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PointCloud } from '../geometry/types';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { lcg } from '../util/random';
import { SH_C0, sigmoid } from './cloud';
import {
  downsampleToBudget,
  initSplats,
  meanNeighbourDistance,
  meanNeighbourDistanceReference,
  voxelAverage,
} from './init';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

/** Points on two planes and a sphere: a surface-like cloud like the geometry stage gives. */
function surfaceCloud(n: number, seed: number): PointCloud {
  const r = lcg(seed);
  const cloud: PointCloud = {
    count: n,
    positions: new Float32Array(3 * n),
    colors: new Float32Array(3 * n),
    confidence: new Float32Array(n),
  };
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    let p: number[];
    if (kind === 0) p = [r() * 2 - 1, r() * 2 - 1, 2];
    else if (kind === 1) p = [r() * 2 - 1, 1, 1 + r() * 2];
    else {
      const u = r() * 2 - 1;
      const t = r() * 2 * Math.PI;
      const s = Math.sqrt(1 - u * u);
      p = [0.3 * s * Math.cos(t), 0.3 * s * Math.sin(t), 1.5 + 0.3 * u];
    }
    cloud.positions.set(p, 3 * i);
    cloud.colors.set([r(), r(), r()], 3 * i);
    cloud.confidence[i] = r();
  }
  return cloud;
}

describe('splat initialisation', () => {
  it('finds the mean distance to the 3 nearest neighbours on the GPU like brute force', async () => {
    const cloud = surfaceCloud(3000, 1);
    const want = meanNeighbourDistanceReference(cloud.positions);
    const sorted = Array.from(want).sort((a, b) => a - b);
    // A cell of 3× the median neighbour distance holds nearly every point's 3 nearest neighbours.
    const cell = 3 * sorted[sorted.length >> 1];
    const got = await meanNeighbourDistance(gpu.device, cloud.positions, cell, 123);
    let exact = 0;
    for (let i = 0; i < want.length; i++) {
      if (Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, want[i])) exact++;
      // A miss can only come from a neighbour beyond one cell: never below the true value.
      else expect(got[i]).toBeGreaterThan(want[i]);
    }
    expect(exact / want.length).toBeGreaterThan(0.98);
  });

  it('is exact on a regular grid', async () => {
    const positions: number[] = [];
    for (let z = 0; z < 10; z++)
      for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) positions.push(x * 0.1, y * 0.1, z * 0.1);
    const got = await meanNeighbourDistance(gpu.device, new Float32Array(positions), 0.25);
    for (const d of got) expect(d).toBeCloseTo(0.1, 5);
  });

  it('downsamples to the budget with confidence-weighted voxel averages', () => {
    const cloud = surfaceCloud(20_000, 2);
    const { cloud: small, voxel } = downsampleToBudget(cloud, 5000);
    expect(small.count).toBeLessThanOrEqual(5000);
    expect(small.count).toBeGreaterThan(4000); // close to the budget, not far below
    expect(voxel).toBeGreaterThan(0);
    // Two points in one voxel average by confidence.
    const pair: PointCloud = {
      count: 2,
      positions: new Float32Array([0.01, 0, 0, 0.03, 0, 0]),
      colors: new Float32Array([1, 0, 0, 0, 0, 1]),
      confidence: new Float32Array([0.75, 0.25]),
    };
    const merged = voxelAverage(pair, 1);
    expect(merged.count).toBe(1);
    expect(merged.positions[0]).toBeCloseTo(0.015, 6);
    expect(Array.from(merged.colors)).toEqual([0.75, 0, 0.25]);
    expect(merged.confidence[0]).toBe(0.75);
  });

  it('initialises splats: colour to SH DC, isotropic log scale, identity rotation, opacity 0.1', async () => {
    const cloud = surfaceCloud(6000, 3);
    const { splats, confidence } = await initSplats(gpu.device, cloud, { budget: 2000, minConfidence: 0.2 });
    expect(confidence.length).toBe(splats.count);
    for (const c of confidence) expect(c).toBeGreaterThanOrEqual(0.2);
    expect(splats.count).toBeLessThanOrEqual(2000);
    expect(splats.count).toBeGreaterThan(1500);
    for (let i = 0; i < splats.count; i++) {
      const [sx, sy, sz] = splats.logScales.subarray(3 * i, 3 * i + 3);
      expect(sx).toBe(sy);
      expect(sy).toBe(sz);
      expect(Math.exp(sx)).toBeLessThan(0.5);
      expect(Array.from(splats.rotations.subarray(4 * i, 4 * i + 4))).toEqual([1, 0, 0, 0]);
      expect(sigmoid(splats.opacityLogits[i])).toBeCloseTo(0.1, 6);
      for (let c = 0; c < 3; c++) {
        const rgb = 0.5 + SH_C0 * splats.sh[3 * i + c];
        expect(rgb).toBeGreaterThanOrEqual(-1e-6);
        expect(rgb).toBeLessThanOrEqual(1 + 1e-6);
      }
    }
  });

  it('says so when the cloud is empty', async () => {
    const empty: PointCloud = {
      count: 0,
      positions: new Float32Array(),
      colors: new Float32Array(),
      confidence: new Float32Array(),
    };
    await expect(initSplats(gpu.device, empty, { budget: 10 })).rejects.toThrow(/empty/);
  });
});
