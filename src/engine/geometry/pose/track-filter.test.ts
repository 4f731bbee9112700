import { describe, expect, it } from 'vitest';
import { Rng } from './rng';
import { epipolarConsistent, flowConsistent, signedEpipolarDistance } from './track-filter';

/**
 * Rectified geometry (epipolar lines y_j = y_i, F = [e₁]ₓ) on a 256×192 grid of correspondences with
 * 0.05 px of noise across the lines, a smooth drift across the lines (what a slightly wrong fundamental
 * matrix looks like, up to 0.6 px over the image), free disparity along them, and planted outliers
 * that sit off their line.
 */
const F = [0, 0, 0, 0, 0, -1, 0, 1, 0];

function scene(outlierOffsets: number[], seed = 3) {
  const rng = new Rng(seed);
  const a: number[] = [];
  const b: number[] = [];
  for (let y = 6; y < 186; y += 6) {
    for (let x = 6; x < 250; x += 6) {
      a.push(x + 0.5, y + 0.5);
      // Disparity along the line: depth edges are allowed to jump it (every 50 px a new surface).
      const disparity = 4 + 3 * Math.floor(x / 50) + 0.02 * y;
      const drift = 0.6 * (x / 256) * (y / 192) - 0.2;
      b.push(x + 0.5 + disparity, y + 0.5 + drift + 0.05 * rng.gaussian());
    }
  }
  const n = a.length / 2;
  const outliers = outlierOffsets.map((off, k) => {
    const q = (k * 97 + 13) % n;
    b[2 * q + 1] += off;
    return q;
  });
  return { a: Float64Array.from(a), b: Float64Array.from(b), outliers };
}

describe('epipolar neighbour consistency of dense tracks', () => {
  it('measures the signed distance from the epipolar line in pixels', () => {
    expect(signedEpipolarDistance(F, 10, 20, 35, 21.5)).toBeCloseTo(-1.5, 12);
    expect(signedEpipolarDistance(F, 10, 20, 3, 18)).toBeCloseTo(2, 12);
  });

  it('drops tracks off their line relative to their neighbours, keeps the smooth drift and the disparity', () => {
    const offsets = Array.from({ length: 40 }, (_, k) => (k % 2 ? 1 : -1) * (0.5 + 0.05 * k));
    const { a, b, outliers } = scene(offsets);
    const keep = new Set(epipolarConsistent(a, b, F));
    const n = a.length / 2;
    for (const q of outliers) expect(keep.has(q)).toBe(false);
    const inliers = n - outliers.length;
    const keptInliers = [...keep].filter((q) => !outliers.includes(q)).length;
    console.log(`kept ${keptInliers}/${inliers} inliers, ${outliers.length} outliers dropped`);
    // 2.5 robust σ of Gaussian noise keeps ~99 %.
    expect(keptInliers).toBeGreaterThan(0.97 * inliers);
  });

  it('without outliers nothing much is dropped; too few points: all kept', () => {
    const { a, b } = scene([]);
    expect(epipolarConsistent(a, b, F).length).toBeGreaterThan(0.97 * (a.length / 2));
    const few = epipolarConsistent(a.subarray(0, 60), b.subarray(0, 60), F);
    expect(few.length).toBe(30);
  });

  it('drops tracks that move like neither neighbouring surface; near a depth step it loses some', () => {
    // Two fronto-parallel surfaces: disparity 6 px left of x = 128, 10 px right of it, 0.05 px noise.
    const rng = new Rng(5);
    const a: number[] = [];
    const b: number[] = [];
    for (let y = 6; y < 186; y += 6) {
      for (let x = 6; x < 250; x += 6) {
        a.push(x + 0.5, y + 0.5);
        b.push(x + 0.5 + (x < 128 ? 6 : 10) + 0.05 * rng.gaussian(), y + 0.5 + 0.05 * rng.gaussian());
      }
    }
    const n = a.length / 2;
    const nearStep = (q: number) => Math.abs(a[2 * q] - 128) < 15;
    // Tracks 1–3 px off their surface's motion (away from the step, where the fit is unambiguous).
    const planted: number[] = [];
    for (let k = 0; planted.length < 30; k++) {
      const q = (k * 131 + 7) % n;
      if (nearStep(q) || planted.includes(q)) continue;
      b[2 * q + (k % 2)] += (k % 3 ? 1 : -1) * (1 + (k % 7) / 3);
      planted.push(q);
    }
    const keep = new Set(flowConsistent(Float64Array.from(a), Float64Array.from(b)));
    for (const q of planted) expect(keep.has(q)).toBe(false);
    const correct = Array.from({ length: n }, (_, q) => q).filter((q) => !planted.includes(q));
    const away = correct.filter((q) => !nearStep(q));
    const keptAway = away.filter((q) => keep.has(q)).length;
    const kept = correct.filter((q) => keep.has(q)).length;
    console.log(
      `flow: kept ${keptAway}/${away.length} correct tracks away from the step, ${kept}/${correct.length} in all`,
    );
    expect(keptAway).toBeGreaterThan(0.99 * away.length);
    // At the step the local fit is a compromise: some correct tracks go too.
    expect(kept).toBeGreaterThan(0.9 * correct.length);
  });
});
