import { describe, expect, it } from 'vitest';
import { invertRigid, rotationOf, translationOf } from '../mat4';
import { type BundleView, bundleAdjust } from './bundle';
import { expSO3, mul3 } from './linalg';
import { Rng } from './rng';
import { syntheticScene } from './synthetic';
import { buildTracks } from './tracks';
import type { Pose } from './triangulate';

/** A 3-view problem from the synthetic generator: true poses, points and (noisy) observations. */
function problem(seed: number, noisePx: number) {
  const sc = syntheticScene({ seed, views: 3, points: 300, noisePx, outlierRatio: 0 });
  const truth: Pose[] = sc.cameras.map((c) => {
    const m = invertRigid(c.worldFromCamera);
    return { R: Float64Array.from(rotationOf(m)), t: Float64Array.from(translationOf(m)) };
  });
  // Observations: every point in every view where it projects inside the image (+ noise).
  const rng = new Rng(seed + 100);
  const view: number[] = [];
  const point: number[] = [];
  const uv: number[] = [];
  const n = sc.points.length / 3;
  for (let p = 0; p < n; p++) {
    truth.forEach((pose, v) => {
      const X = sc.points.subarray(3 * p, 3 * p + 3);
      const c = [0, 1, 2].map(
        (r) => pose.R[3 * r] * X[0] + pose.R[3 * r + 1] * X[1] + pose.R[3 * r + 2] * X[2] + pose.t[r],
      );
      if (c[2] <= 0) return;
      const u = (sc.focal * c[0]) / c[2] + 256;
      const w = (sc.focal * c[1]) / c[2] + 192;
      if (u < 0 || u > 512 || w < 0 || w > 384) return;
      view.push(v);
      point.push(p);
      uv.push(u + noisePx * rng.gaussian(), w + noisePx * rng.gaussian());
    });
  }
  return {
    sc,
    truth,
    obs: { view: Int32Array.from(view), point: Int32Array.from(point), uv: Float64Array.from(uv) },
    rng,
  };
}

/** Start: poses rotated by ~1°, translations shifted, focal off by `focalError`, points jittered. */
function perturbed(pr: ReturnType<typeof problem>, focalError: number) {
  const { truth, sc, rng } = pr;
  const views: BundleView[] = truth.map((p, v) => ({
    pose:
      v === 0
        ? { R: Float64Array.from(p.R), t: Float64Array.from(p.t) }
        : {
            R: mul3(
              expSO3([rng.uniform(-0.02, 0.02), rng.uniform(-0.02, 0.02), rng.uniform(-0.02, 0.02)]),
              p.R,
            ),
            t: Float64Array.from(p.t, (x) => x + rng.uniform(-0.05, 0.05)),
          },
    focal: sc.focal * (1 + focalError),
    cx: 256,
    cy: 192,
    gauge: v === 0 ? 'fixed' : 'free',
    sharedFocal: true,
  }));
  // Fix the scale with the sphere gauge on view 1 at the true baseline length.
  views[1].gauge = 'sphere';
  const len = Math.hypot(...truth[1].t);
  const l1 = Math.hypot(...views[1].pose.t);
  views[1].pose.t = views[1].pose.t.map((x) => (x * len) / l1);
  const points = Float64Array.from(sc.points, (x) => x + rng.uniform(-0.05, 0.05));
  return { views, points };
}

const rotationDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.hypot(...Array.from({ length: 9 }, (_, i) => a[i] - b[i]));

describe('bundle adjustment (Levenberg–Marquardt with Schur complement)', () => {
  it('converges to the exact solution on noise-free data, focal included', () => {
    const pr = problem(3, 0);
    const { views, points } = perturbed(pr, 0.08);
    const report = bundleAdjust(views, points, pr.obs, {
      refineFocal: true,
      maxIterations: 100,
      loss: 'huber',
    });
    expect(report.initialRms).toBeGreaterThan(5);
    expect(report.finalRms).toBeLessThan(1e-6);
    expect(views[0].focal / pr.sc.focal).toBeCloseTo(1, 8);
    for (let v = 1; v < 3; v++) {
      expect(rotationDiff(views[v].pose.R, pr.truth[v].R)).toBeLessThan(1e-8);
      for (let c = 0; c < 3; c++) expect(views[v].pose.t[c]).toBeCloseTo(pr.truth[v].t[c], 7);
    }
  });

  it('reaches the noise level from a perturbed start, with the focal within its reported uncertainty', () => {
    const pr = problem(4, 0.8);
    for (const loss of ['huber', 'cauchy', 'l2'] as const) {
      const { views, points } = perturbed(pr, 0.05);
      const report = bundleAdjust(views, points, pr.obs, {
        refineFocal: true,
        loss,
        lossScale: 2,
        uncertainty: true,
      });
      expect(report.finalCost).toBeLessThan(0.05 * report.initialCost);
      // Residual RMS of the 2-D error with σ = 0.8 px per coordinate, less the fitted degrees of freedom.
      expect(report.finalRms).toBeGreaterThan(0.6);
      expect(report.finalRms).toBeLessThan(0.9);
      const err = Math.abs(views[0].focal / pr.sc.focal - 1);
      expect(report.focalStd).toBeGreaterThan(0.002);
      expect(report.focalStd).toBeLessThan(0.02);
      expect(err).toBeLessThan(3 * report.focalStd!);
      for (let v = 1; v < 3; v++) expect(rotationDiff(views[v].pose.R, pr.truth[v].R)).toBeLessThan(0.005);
    }
  });

  it('a robust loss keeps gross outliers from dragging the solution', () => {
    const pr = problem(4, 0.8);
    for (let k = 0; k < pr.obs.uv.length / 2; k++) {
      if (pr.rng.next() < 0.05) {
        pr.obs.uv[2 * k] += pr.rng.uniform(-40, 40);
        pr.obs.uv[2 * k + 1] += pr.rng.uniform(-40, 40);
      }
    }
    const run = (loss: 'cauchy' | 'l2') => {
      const { views, points } = perturbed(pr, 0.05);
      bundleAdjust(views, points, pr.obs, { refineFocal: true, loss, lossScale: 2, maxIterations: 100 });
      return views;
    };
    const robust = run('cauchy');
    const plain = run('l2');
    const rotErr = (vs: BundleView[]) =>
      Math.max(...[1, 2].map((v) => rotationDiff(vs[v].pose.R, pr.truth[v].R)));
    // Seen: Cauchy 0.0068 rad, plain least squares 0.018 rad.
    expect(rotErr(robust)).toBeLessThan(0.01);
    expect(Math.abs(robust[0].focal / pr.sc.focal - 1)).toBeLessThan(0.03);
    expect(rotErr(robust)).toBeLessThan(0.5 * rotErr(plain));
  });

  it('pose-only refinement with the points held', () => {
    const pr = problem(5, 0.5);
    const { views } = perturbed(pr, 0);
    const only = [views[2]];
    only[0].gauge = 'free';
    const mask = Array.from(pr.obs.view, (v) => v === 2);
    const sel = (arr: ArrayLike<number>, per: number) =>
      Float64Array.from(
        Array.from({ length: mask.length }, (_, k) => k)
          .filter((k) => mask[k])
          .flatMap((k) => Array.from({ length: per }, (_, c) => arr[per * k + c])),
      );
    const obs = {
      view: new Int32Array(mask.filter(Boolean).length),
      point: Int32Array.from(sel(pr.obs.point, 1)),
      uv: sel(pr.obs.uv, 2),
    };
    const report = bundleAdjust(only, Float64Array.from(pr.sc.points), obs, { fixPoints: true });
    expect(report.finalRms).toBeLessThan(report.initialRms);
    expect(report.finalRms).toBeLessThan(1);
    expect(rotationDiff(only[0].pose.R, pr.truth[2].R)).toBeLessThan(0.003);
  });
});

describe('tracks', () => {
  it('links matches of several pairs by keypoint coordinates or ids and drops inconsistent tracks', () => {
    // Keypoint k of view v sits at (10k + v, 5k); pairs (0,1), (1,2), (0,2) all match keypoint k to k.
    const kp = (v: number, k: number) => [10 * k + v, 5 * k];
    const pair = (i: number, j: number, ks: number[], kb = ks) => ({
      i,
      j,
      a: Float32Array.from(ks.flatMap((k) => kp(i, k))),
      b: Float32Array.from(kb.flatMap((k) => kp(j, k))),
      use: ks.map((_, m) => m),
    });
    // Keypoint 3 is matched inconsistently: 3 in view 0 ↔ 3 in view 1 ↔ 3 in view 2, but 0:3 ↔ 2:4.
    const t = buildTracks([
      pair(0, 1, [0, 1, 2, 3]),
      pair(1, 2, [0, 1, 3, 4]),
      pair(0, 2, [0, 2, 3], [0, 2, 4]),
    ]);
    const tracks: number[][] = [];
    for (let k = 0; k < t.count; k++) tracks.push(Array.from(t.view.subarray(t.start[k], t.start[k + 1])));
    // Track of keypoint 0: all three views; 1: views 0,1,2 (via 0–1 and 1–2); 2: views 0,1,2.
    expect(tracks.filter((v) => v.length === 3)).toHaveLength(3);
    // Keypoint 3 chain 0:3–1:3–2:3 plus 0:3–2:4 puts two view-2 keypoints in one track: dropped.
    expect(t.count).toBe(3);
    // With ids the same structure comes out.
    const withIds = buildTracks([
      { ...pair(0, 1, [0, 1]), ia: Uint32Array.of(7, 8), ib: Uint32Array.of(7, 8) },
      { ...pair(1, 2, [0, 1]), ia: Uint32Array.of(7, 8), ib: Uint32Array.of(9, 9) },
    ]);
    // 1:7 and 1:8 both link to 2:9 → one inconsistent track (two view-1 keypoints) is dropped.
    expect(withIds.count).toBe(0);
  });
});
