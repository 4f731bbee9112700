/**
 * computeDepth over more than two views (source choice on a triplet, one or two sources per view) and
 * with the cost volume split into row bands (forced by a small memory budget) against one whole volume,
 * at 128×96 × 64 planes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import { makeSyntheticScene, renderView } from '../synthetic';
import { type ComputeDepthOptions, computeDepth } from './compute-depth';
import { depthRangeFromPoints } from './neighbours';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

const W = 128;
const H = 96;

describe('plane-sweep stereo over several views', () => {
  const s = makeSyntheticScene({ seed: 0, views: 3, width: W, height: H });
  const renders = s.cameras.map((c) => renderView(s.scene, c));
  const views = s.cameras.map((camera, i) => ({ camera, image: renders[i].rgba }));
  // Sparse points as a pose solver would hand them over: a thin sample of true surface points.
  const points: number[] = [];
  for (let p = 0; p < W * H; p += 53) {
    const z = renders[0].depth[p];
    if (!Number.isFinite(z)) continue;
    const k = s.cameras[0].intrinsics;
    const x = (p % W) + 0.5;
    const y = Math.floor(p / W) + 0.5;
    points.push(((x - k.cx) / k.fx) * z, ((y - k.cy) / k.fy) * z, z);
  }
  const base: ComputeDepthOptions = { points, sweep: { planes: 64 } };

  it('derives sweep ranges from sparse points', () => {
    const range = depthRangeFromPoints(s.cameras[0], points)!;
    const d = Array.from(renders[0].depth).filter(Number.isFinite);
    expect(range[0]).toBeLessThan(Math.min(...d));
    expect(range[1]).toBeGreaterThan(0.9 * Math.max(...d));
    expect(depthRangeFromPoints(s.cameras[0], points.slice(0, 9))).toBeNull();
  });

  it('matches each view of a triplet against a neighbour, and banded volumes agree with a whole one', async () => {
    const whole = await computeDepth(gpu.device, views, base);
    expect(whole[0].source).toBe(1);
    expect(whole[2].source).toBe(1);
    expect([0, 2]).toContain(whole[1].source);
    // A budget of 40 rows of volume forces overlapping bands.
    const banded = await computeDepth(gpu.device, views, { ...base, volumeBudget: 40 * W * 64 * 4 });
    for (const [i, v] of whole.entries()) {
      const b = banded[i];
      let both = 0;
      let agree = 0;
      let confident = 0;
      let errors: number[] = [];
      for (let p = 0; p < v.depth.length; p++) {
        if (v.confidence[p] < 0.5) continue;
        confident++;
        errors.push(Math.abs(v.depth[p] - renders[i].depth[p]) / renders[i].depth[p]);
        if (b.confidence[p] < 0.5) continue;
        both++;
        if (Math.abs(v.depth[p] - b.depth[p]) <= 0.01 * v.depth[p]) agree++;
      }
      errors = errors.sort((x, y) => x - y);
      console.log(
        `view ${i}←${v.source}: ${confident} confident px, median rel. error ${(100 * errors[errors.length >> 1]).toFixed(2)} %; ` +
          `banded: ${both} confident in both, ${agree} within 1 %`,
      );
      expect(confident).toBeGreaterThan(0.3 * v.depth.length);
      expect(errors[errors.length >> 1]).toBeLessThan(0.03);
      expect(both).toBeGreaterThan(0.85 * confident);
      expect(agree).toBeGreaterThan(0.97 * both);
    }
  });

  it('with two sources per view, covers both sides of the middle view', async () => {
    const one = await computeDepth(gpu.device, views, base);
    const two = await computeDepth(gpu.device, views, { ...base, sourceChoice: { maxSources: 2 } });
    expect([...two[1].sources].sort()).toEqual([0, 2]);
    const count = (c: Float32Array) => c.filter((x) => x >= 0.5).length;
    const errors: number[] = [];
    for (let p = 0; p < W * H; p++) {
      if (two[1].confidence[p] >= 0.5) {
        errors.push(Math.abs(two[1].depth[p] - renders[1].depth[p]) / renders[1].depth[p]);
      }
    }
    errors.sort((a, b) => a - b);
    console.log(
      `middle view: ${count(one[1].confidence)} confident px with one source, ` +
        `${count(two[1].confidence)} with two (median rel. error ${(100 * errors[errors.length >> 1]).toFixed(2)} %)`,
    );
    expect(count(two[1].confidence)).toBeGreaterThan(1.05 * count(one[1].confidence));
    expect(errors[errors.length >> 1]).toBeLessThan(0.03);
    // Merging keeps, per pixel, the more confident source: never less confident than one source alone.
    let lower = 0;
    for (let p = 0; p < W * H; p++) if (two[1].confidence[p] < one[1].confidence[p] - 1e-6) lower++;
    expect(lower).toBe(0);
  });

  it('rejects inputs it cannot sweep', async () => {
    await expect(computeDepth(gpu.device, views.slice(0, 1), base)).rejects.toThrow(/two views/);
    await expect(computeDepth(gpu.device, views, {})).rejects.toThrow(/depthRange/);
    const bad = [{ ...views[0], image: views[0].image.subarray(4) }, views[1]];
    await expect(computeDepth(gpu.device, bad, base)).rejects.toThrow(/RGBA/);
    await expect(computeDepth(gpu.device, views, { ...base, sweep: { planes: 500 } })).rejects.toThrow(
      /STEREO_MAX_PLANES/,
    );
  });
});
