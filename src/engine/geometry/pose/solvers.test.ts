import { describe, expect, it } from 'vitest';
import { fundamental8, homographyDLT, sampsonAll, transferSq } from './epipolar';
import { decomposeEssential, essentialFromPose, poseFromEssential } from './essential';
import { essential5 } from './five-point';
import { angleDeg, expSO3, mul3, mulVec3, normalize3, rotationAngleDeg, transpose3 } from './linalg';
import { fundamentalFromEssential, type PinholeK } from './pinhole';
import { p3p, pnpDLT, robustPnP } from './pnp';
import { Rng } from './rng';
import { refineRelativePose } from './sampson-refine';
import { identityPose, type Pose, reprojectionSq, triangulateDLT } from './triangulate';
import { robustEssential, robustFundamental } from './two-view';

const K: PinholeK = { f: 480, cx: 256, cy: 192 };

/** Random relative pose and points in front of both cameras: normalised and pixel coordinates. */
function twoView(seed: number, n: number, noisePx = 0) {
  const rng = new Rng(seed);
  const R = expSO3([rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)]);
  const t = Float64Array.from(
    normalize3([rng.uniform(-1, 1), rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)]),
  );
  const X: number[][] = [];
  const qa = new Float64Array(2 * n);
  const qb = new Float64Array(2 * n);
  const a = new Float64Array(2 * n);
  const b = new Float64Array(2 * n);
  while (X.length < n) {
    const p = [rng.uniform(-2, 2), rng.uniform(-1.5, 1.5), rng.uniform(4, 8)];
    const c = mulVec3(R, p);
    const pb = [c[0] + t[0], c[1] + t[1], c[2] + t[2]];
    if (pb[2] < 1) continue;
    const i = X.length;
    X.push(p);
    qa[2 * i] = p[0] / p[2];
    qa[2 * i + 1] = p[1] / p[2];
    qb[2 * i] = pb[0] / pb[2];
    qb[2 * i + 1] = pb[1] / pb[2];
    a[2 * i] = K.f * qa[2 * i] + K.cx + noisePx * rng.gaussian();
    a[2 * i + 1] = K.f * qa[2 * i + 1] + K.cy + noisePx * rng.gaussian();
    b[2 * i] = K.f * qb[2 * i] + K.cx + noisePx * rng.gaussian();
    b[2 * i + 1] = K.f * qb[2 * i + 1] + K.cy + noisePx * rng.gaussian();
  }
  return { R, t, X, qa, qb, a, b, rng };
}

/** Frobenius norm of R₁ − R₂ (≈ rotation angle in radians; exact to round-off, unlike acos). */
const rotationDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Math.hypot(...Array.from({ length: 9 }, (_, i) => a[i] - b[i]));

/** Frobenius distance between two matrices up to scale and sign. */
function projectiveDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const nx = Math.hypot(...Array.from(x));
  const ny = Math.hypot(...Array.from(y));
  let dp = 0;
  let dm = 0;
  for (let i = 0; i < x.length; i++) {
    dp += (x[i] / nx - y[i] / ny) ** 2;
    dm += (x[i] / nx + y[i] / ny) ** 2;
  }
  return Math.sqrt(Math.min(dp, dm));
}

function addOutliers(a: Float64Array, b: Float64Array, fraction: number, rng: Rng) {
  const n = a.length / 2;
  const outlier = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (rng.next() >= fraction) continue;
    outlier[i] = 1;
    b[2 * i] = rng.uniform(0, 512);
    b[2 * i + 1] = rng.uniform(0, 384);
  }
  return outlier;
}

describe('minimal and linear solvers on noise-free data', () => {
  it('8-point fundamental matrix is exact', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const d = twoView(seed, 8 + (seed % 5) * 10);
      const f = fundamental8(d.a, d.b)!;
      const truth = fundamentalFromEssential(essentialFromPose(d.R, d.t), K, K);
      expect(projectiveDistance(f, truth)).toBeLessThan(1e-7);
      const errs = new Float64Array(d.a.length / 2);
      sampsonAll(f, d.a, d.b, errs);
      expect(Math.max(...errs)).toBeLessThan(1e-12);
    }
  });

  it('5-point essential matrix: the true E is among the candidates', () => {
    let candidates = 0;
    const errors: number[] = [];
    const trials = 400;
    for (let seed = 1; seed <= trials; seed++) {
      const d = twoView(seed, 5);
      const es = essential5(d.qa, d.qb);
      candidates += es.length;
      const truth = essentialFromPose(d.R, d.t);
      errors.push(Math.min(...es.map((e) => projectiveDistance(e, truth))));
      // Every candidate satisfies the five epipolar constraints and the essential-matrix constraints.
      for (const e of es) {
        for (let i = 0; i < 5; i++) {
          const r = mulVec3(e, [d.qa[2 * i], d.qa[2 * i + 1], 1]);
          expect(Math.abs(d.qb[2 * i] * r[0] + d.qb[2 * i + 1] * r[1] + r[2])).toBeLessThan(1e-9);
        }
      }
    }
    // Double precision with a hidden-variable polynomial: exact to round-off in all but rare
    // ill-conditioned samples (clustered roots; about 0.1–0.2% lose accuracy), harmless inside RANSAC.
    errors.sort((x, y) => x - y);
    expect(errors[trials >> 1]).toBeLessThan(1e-12);
    expect(errors.filter((e) => e < 1e-6).length).toBeGreaterThanOrEqual(0.99 * trials);
    // Up to ten solutions; on average a few real ones.
    expect(candidates / trials).toBeGreaterThan(1);
    expect(candidates / trials).toBeLessThanOrEqual(10);
  });

  it('decomposition with cheirality recovers (R, t) exactly', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const d = twoView(seed, 30);
      const e = essentialFromPose(d.R, d.t);
      expect(decomposeEssential(e)).toHaveLength(4);
      const idx = Int32Array.from({ length: 30 }, (_, i) => i);
      const { pose, inFront } = poseFromEssential(e, d.qa, d.qb, idx);
      expect(inFront).toBe(30);
      expect(rotationDiff(pose.R, d.R)).toBeLessThan(1e-9);
      expect(angleDeg(pose.t, d.t)).toBeLessThan(1e-5);
    }
  });

  it('DLT triangulation is exact and reprojection is consistent', () => {
    const d = twoView(3, 20);
    const poses: Pose[] = [identityPose(), { R: d.R, t: d.t }];
    d.X.forEach((x, i) => {
      const p = triangulateDLT(poses, [d.qa[2 * i], d.qa[2 * i + 1], d.qb[2 * i], d.qb[2 * i + 1]])!;
      for (let c = 0; c < 3; c++) expect(p[c]).toBeCloseTo(x[c], 8);
      expect(reprojectionSq(poses[1], p, d.qb[2 * i], d.qb[2 * i + 1])).toBeLessThan(1e-20);
      // A point behind the camera has infinite reprojection error.
      expect(reprojectionSq(poses[0], [p[0], p[1], -p[2]], d.qa[2 * i], d.qa[2 * i + 1])).toBe(
        Number.POSITIVE_INFINITY,
      );
    });
  });

  it('4-point homography is exact for a plane', () => {
    const rng = new Rng(9);
    const h = Float64Array.of(1.1, 0.05, 12, -0.03, 0.95, -7, 1e-4, -2e-4, 1);
    const n = 12;
    const a = Float64Array.from({ length: 2 * n }, (_, i) =>
      i % 2 ? rng.uniform(0, 384) : rng.uniform(0, 512),
    );
    const b = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p = mulVec3(h, [a[2 * i], a[2 * i + 1], 1]);
      b[2 * i] = p[0] / p[2];
      b[2 * i + 1] = p[1] / p[2];
    }
    const est = homographyDLT(a, b, [0, 1, 2, 3])!;
    expect(projectiveDistance(est, h)).toBeLessThan(1e-8);
    for (let i = 0; i < n; i++)
      expect(transferSq(est, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1])).toBeLessThan(1e-12);
  });

  it('P3P and DLT absolute pose are exact', () => {
    const d = twoView(11, 40);
    const X = Float64Array.from(d.X.flat());
    for (let k = 0; k < 20; k++) {
      const sols = p3p(X, d.qb, [k, k + 7, k + 13]);
      expect(sols.length).toBeGreaterThan(0);
      const best = Math.min(
        ...sols.map(
          (s) => rotationDiff(s.R, d.R) + Math.hypot(s.t[0] - d.t[0], s.t[1] - d.t[1], s.t[2] - d.t[2]),
        ),
      );
      expect(best).toBeLessThan(1e-8);
    }
    const dlt = pnpDLT(X, d.qb, [0, 1, 2, 3, 4, 5])!;
    expect(rotationDiff(dlt.R, d.R)).toBeLessThan(1e-9);
    for (let c = 0; c < 3; c++) expect(dlt.t[c]).toBeCloseTo(d.t[c], 8);
  });
});

describe('robust estimation', () => {
  it('five-point RANSAC with outliers: accurate, and deterministic for a seed', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const d = twoView(seed, 400, 0.7);
      const outlier = addOutliers(d.a, d.b, 0.35, d.rng);
      const r1 = robustEssential(d.a, d.b, K, K, { thresholdPx: 2, seed: 5 })!;
      const r2 = robustEssential(d.a, d.b, K, K, { thresholdPx: 2, seed: 5 })!;
      expect(Array.from(r2.inliers)).toEqual(Array.from(r1.inliers));
      expect(Array.from(r2.model)).toEqual(Array.from(r1.model));
      expect(rotationAngleDeg(mul3(r1.pose.R, transpose3(d.R)))).toBeLessThan(0.5);
      expect(angleDeg(r1.pose.t, d.t)).toBeLessThan(2);
      // Inliers are (almost) exactly the clean matches.
      const wrong = Array.from(r1.inliers).filter((i) => outlier[i]).length;
      const clean = outlier.length - outlier.reduce((s, v) => s + v, 0);
      expect(wrong).toBeLessThan(0.05 * clean);
      expect(r1.inliers.length - wrong).toBeGreaterThan(0.9 * clean);
    }
  });

  it('eight-point RANSAC verifies the clean matches', () => {
    const d = twoView(21, 300, 0.7);
    const outlier = addOutliers(d.a, d.b, 0.3, d.rng);
    const r = robustFundamental(d.a, d.b, { thresholdPx: 2, seed: 1 })!;
    const clean = outlier.length - outlier.reduce((s, v) => s + v, 0);
    expect(r.inliers.length).toBeGreaterThan(0.9 * clean);
    expect(Array.from(r.inliers).filter((i) => outlier[i]).length).toBeLessThan(0.05 * clean);
  });

  it('Sampson refinement lowers the error of a perturbed pose', () => {
    const d = twoView(31, 200, 0.5);
    const idx = Int32Array.from({ length: 200 }, (_, i) => i);
    const start: Pose = {
      R: mul3(expSO3([0.01, -0.01, 0.005]), d.R),
      t: Float64Array.from(normalize3([d.t[0] + 0.05, d.t[1] - 0.03, d.t[2]])),
    };
    const cost = (p: Pose) => {
      const errs = new Float64Array(200);
      sampsonAll(fundamentalFromEssential(essentialFromPose(p.R, p.t), K, K), d.a, d.b, errs);
      return errs.reduce((s, v) => s + v, 0);
    };
    const refined = refineRelativePose(start, d.a, d.b, idx, K, K, 20);
    expect(cost(refined)).toBeLessThan(0.2 * cost(start));
    expect(rotationAngleDeg(mul3(refined.R, transpose3(d.R)))).toBeLessThan(0.1);
  });

  it('robust PnP with outliers', () => {
    const d = twoView(41, 200, 0.7);
    const X = Float64Array.from(d.X.flat());
    addOutliers(d.a, d.b, 0.3, d.rng);
    const r = robustPnP(X, d.b, K, { thresholdPx: 3, seed: 2 })!;
    expect(rotationAngleDeg(mul3(r.pose.R, transpose3(d.R)))).toBeLessThan(0.2);
    expect(angleDeg(r.pose.t, d.t)).toBeLessThan(1);
    expect(r.inliers.length).toBeGreaterThan(120);
  });
});
