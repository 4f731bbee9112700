import { describe, expect, it } from 'vitest';
import { invertRigid, transformPoint } from '../mat4';
import { estimateCameras } from './estimate';
import { randomMatches, syntheticScene } from './synthetic';
import { poseErrors } from './test-metrics';
import { PoseError } from './types';

/**
 * Two-view camera estimation on synthetic correspondences: 512×384 images, focal 0.8–1.2 × width,
 * orbit steps 5–20°, 0.5–1 px Gaussian noise, 20–40% outliers, 1000 scene points (≈ 800 putative
 * matches per pair after visibility, plus outliers). Seeds are consecutive, not selected.
 */
const scene = (seed: number, withPrior = false) =>
  syntheticScene({
    seed,
    views: 2,
    points: 1000,
    noisePx: 0.5 + ((seed * 7) % 10) / 20,
    outlierRatio: 0.2 + ((seed * 3) % 5) / 20,
    withPrior,
  });

function expectThrows(fn: () => unknown, kind: string): PoseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PoseError);
    expect((e as PoseError).kind).toBe(kind);
    return e as PoseError;
  }
  throw new Error(`expected a PoseError of kind ${kind}`);
}

describe('estimateCameras, two views', () => {
  it('without a focal prior: rotation ≤ 1°, translation direction ≤ 3°, focal ≤ 3%', () => {
    const seen: string[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      const sc = scene(seed);
      const r = estimateCameras(sc.input, { seed: 1 });
      const e = poseErrors(r.cameras, sc.cameras);
      seen.push(
        `${seed}: ${e.maxRotationDeg.toFixed(3)}° ${e.maxTranslationDeg.toFixed(3)}° ${(100 * e.maxFocal).toFixed(2)}%`,
      );
      expect(r.focalEstimated).toBe(true);
      expect(e.maxRotationDeg).toBeLessThanOrEqual(1);
      expect(e.maxTranslationDeg).toBeLessThanOrEqual(3);
      expect(e.maxFocal).toBeLessThanOrEqual(0.03);
      expect(r.focalRelStd).toBeGreaterThan(0);
      expect(r.focalRelStd).toBeLessThan(0.05);
    }
    console.info(`two views, no prior (rotation, translation direction, focal): ${seen.join(' | ')}`);
  });

  it('with the true focal as prior: rotation ≤ 0.5°', () => {
    for (let seed = 5; seed <= 7; seed++) {
      const sc = scene(seed, true);
      const r = estimateCameras(sc.input);
      const e = poseErrors(r.cameras, sc.cameras);
      expect(r.focalEstimated).toBe(false);
      expect(r.cameras[1].intrinsics.fx).toBe(sc.focal);
      expect(e.maxRotationDeg).toBeLessThanOrEqual(0.5);
      expect(e.maxTranslationDeg).toBeLessThanOrEqual(3);
    }
  });

  it('follows the output conventions: world = photo 0, median depth 1, consistent points and pairs', () => {
    const sc = scene(8);
    const r = estimateCameras(sc.input);
    const w0 = r.cameras[0].worldFromCamera;
    for (let i = 0; i < 16; i++) expect(w0[i]).toBeCloseTo(i % 5 === 0 ? 1 : 0, 12);
    expect(r.cameras[1].intrinsics).toMatchObject({ cx: 256, cy: 192, width: 512, height: 384 });
    // Median depth of the points seen by photo 0 is 1.
    const depths: number[] = [];
    const nPoints = r.points.length / 3;
    expect(nPoints).toBeGreaterThan(500);
    for (let p = 0; p < nPoints; p++) {
      for (let m = r.observations.start[p]; m < r.observations.start[p + 1]; m++) {
        if (r.observations.view[m] === 0) depths.push(r.points[3 * p + 2]);
      }
    }
    depths.sort((a, b) => a - b);
    expect(depths[depths.length >> 1]).toBeCloseTo(1, 5);
    // Every observation reprojects within a few pixels.
    let worst = 0;
    const fromWorld = r.cameras.map((c) => invertRigid(c.worldFromCamera));
    for (let p = 0; p < nPoints; p++) {
      for (let m = r.observations.start[p]; m < r.observations.start[p + 1]; m++) {
        const v = r.observations.view[m];
        const [x, y, z] = transformPoint(fromWorld[v], r.points.subarray(3 * p, 3 * p + 3));
        const k = r.cameras[v].intrinsics;
        expect(z).toBeGreaterThan(0);
        worst = Math.max(
          worst,
          Math.hypot(
            (k.fx * x) / z + k.cx - r.observations.xy[2 * m],
            (k.fy * y) / z + k.cy - r.observations.xy[2 * m + 1],
          ),
        );
      }
    }
    expect(worst).toBeLessThan(4.01);
    expect(r.rmsPx).toBeLessThan(1);
    // Pair report: the inliers are most of the clean matches and few of the outliers.
    const pair = r.pairs[0];
    expect(pair.used).toBe(true);
    expect(pair.inliers.length).toBeGreaterThan(0.9 * nPoints);
    expect(pair.medianAngleDeg).toBeGreaterThan(2);
    // Deterministic for a seed.
    const again = estimateCameras(sc.input);
    expect(Array.from(again.cameras[1].worldFromCamera)).toEqual(Array.from(r.cameras[1].worldFromCamera));
  });
});

describe('estimateCameras, failures with plain reasons', () => {
  it('pure rotation (same camera centre) → no baseline', () => {
    for (const withPrior of [true, false]) {
      const sc = syntheticScene({ seed: 3, views: 2, pureRotation: true, withPrior });
      const e = expectThrows(() => estimateCameras(sc.input), 'no-baseline');
      expect(e.message).toMatch(/photo 1 and photo 2 .*same position/);
      expect(e.views).toEqual([0, 1]);
    }
  });

  it('near-identical photos (baseline 1% of a normal step) → no baseline', () => {
    for (const seed of [1, 2]) {
      const sc = syntheticScene({ seed, views: 2, baselineScale: 0.01 });
      expectThrows(() => estimateCameras(sc.input), 'no-baseline');
    }
  });

  it('random unrelated matches → too few verified matches', () => {
    for (const count of [60, 500, 2000]) {
      const e = expectThrows(() => estimateCameras(randomMatches(count, count)), 'too-few-matches');
      expect(e.message).toMatch(
        /^only \d+ verified matches between photo 1 and photo 2; they may not show the same scene$/,
      );
    }
  });

  it('invalid input', () => {
    const sc = scene(1);
    expectThrows(() => estimateCameras({ ...sc.input, focalPriors: [null] }), 'invalid-input');
    expectThrows(
      () => estimateCameras({ ...sc.input, matches: [{ ...sc.input.matches[0], j: 0 }] }),
      'invalid-input',
    );
  });
});
