import { type BundleView, bundleAdjust } from './bundle';
import { sampsonAll } from './epipolar';
import { essentialFromPose } from './essential';
import { angleDeg, mulVec3 } from './linalg';
import { fundamentalFromEssential, normalise, type PinholeK } from './pinhole';
import { identityPose, type Pose, toCamera, triangulateDLT } from './triangulate';
import { robustEssential, robustFundamental, spread } from './two-view';
import type { Matches } from './types';

/**
 * Two-view stages of one photo pair: verification by a fundamental matrix (no intrinsics needed),
 * relative pose by the five-point solver with given intrinsics, and a two-view bundle adjustment.
 */

export interface PairData {
  /** Index of the pair in the input. */
  index: number;
  i: number;
  j: number;
  /** Pixel coordinates in image i and j (2 per match). */
  a: Float64Array;
  b: Float64Array;
  matches: number;
  /** Indices of the matches consistent with the RANSAC fundamental matrix. */
  verified: Int32Array;
  /** That fundamental matrix (x_jᵀ·F·x_i = 0, pixels), or null when verification failed. */
  fundamental: Float64Array | null;
}

export interface PairOptions {
  thresholdPx: number;
  seed: number;
}

export function verifyPair(m: Matches, index: number, o: PairOptions): PairData {
  const a = Float64Array.from(m.a);
  const b = Float64Array.from(m.b);
  const n = a.length / 2;
  const f =
    n >= 8
      ? robustFundamental(a, b, { thresholdPx: o.thresholdPx, seed: o.seed + index, maxIterations: 1500 })
      : null;
  return {
    index,
    i: m.i,
    j: m.j,
    a,
    b,
    matches: n,
    verified: f && f.inliers.length >= 8 ? f.inliers : new Int32Array(0),
    fundamental: f && f.inliers.length >= 8 ? f.model : null,
  };
}

/** Sub-problem restricted to a subset of the matches. */
export function subset(pair: PairData, idx: ArrayLike<number>): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(2 * idx.length);
  const b = new Float64Array(2 * idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    a[2 * k] = pair.a[2 * i];
    a[2 * k + 1] = pair.a[2 * i + 1];
    b[2 * k] = pair.b[2 * i];
    b[2 * k + 1] = pair.b[2 * i + 1];
  }
  return { a, b };
}

export interface RelativeGeometry {
  /** Camera j from camera i, |t| = 1. */
  pose: Pose;
  /** Indices (into the pair's matches) of the essential-matrix inliers. */
  inliers: Int32Array;
  /** Median angle between the two viewing rays of the inliers, degrees (the triangulation angle). */
  medianAngleDeg: number;
  /** MSAC score of the essential matrix over the evaluated matches. */
  score: number;
}

/** Median angle between corresponding viewing rays after rotating ray a into camera b. */
export function medianRayAngle(
  pose: Pose,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  ka: PinholeK,
  kb: PinholeK,
  idx: ArrayLike<number>,
): number {
  const angles: number[] = [];
  for (const i of spread(idx, 500)) {
    const ra = mulVec3(pose.R, [(a[2 * i] - ka.cx) / ka.f, (a[2 * i + 1] - ka.cy) / ka.f, 1]);
    angles.push(angleDeg(ra, [(b[2 * i] - kb.cx) / kb.f, (b[2 * i + 1] - kb.cy) / kb.f, 1]));
  }
  angles.sort((x, y) => x - y);
  return angles.length ? angles[angles.length >> 1] : 0;
}

/**
 * Five-point RANSAC on the verified matches of a pair with given intrinsics. `thorough` spends more
 * local optimisation on escaping wrong basins (for the pair that starts the reconstruction); the quick
 * version is enough to rank pairs and to select inliers for tracks.
 */
export function relativePose(
  pair: PairData,
  ka: PinholeK,
  kb: PinholeK,
  o: PairOptions,
  thorough = true,
): RelativeGeometry | null {
  const { a, b } = subset(pair, pair.verified);
  const e = robustEssential(a, b, ka, kb, {
    thresholdPx: o.thresholdPx,
    seed: o.seed + 7919 * pair.index,
    ...(thorough ? {} : { minIterations: 20, maxLoRuns: 4 }),
  });
  if (!e) return null;
  const inliers = Int32Array.from(e.inliers, (k) => pair.verified[k]);
  return {
    pose: e.pose,
    inliers,
    medianAngleDeg: medianRayAngle(e.pose, pair.a, pair.b, ka, kb, inliers),
    score: e.score,
  };
}

/** MSAC score (Σ min(Sampson², thr²), pixels²) of a relative pose over the verified matches. */
export function msacScore(
  pair: PairData,
  pose: Pose,
  ka: PinholeK,
  kb: PinholeK,
  thresholdPx: number,
): number {
  const errs = new Float64Array(pair.matches);
  sampsonAll(fundamentalFromEssential(essentialFromPose(pose.R, pose.t), ka, kb), pair.a, pair.b, errs);
  const t2 = thresholdPx ** 2;
  let s = 0;
  for (const k of pair.verified) s += Math.min(errs[k], t2);
  return s;
}

export interface TwoViewRefined {
  pose: Pose;
  /** Focal factors after refinement (multiplied into ka.f / kb.f when the focal is free). */
  ka: PinholeK;
  kb: PinholeK;
  inliers: Int32Array;
  points: Float64Array;
  rmsPx: number;
  /** MSAC score of the refined model over all verified matches. */
  score: number;
}

/**
 * Two-view bundle adjustment over the relative pose (translation on the unit sphere), the points and
 * optionally the focal shared by the views flagged in `free`. Inliers are re-selected with the refined
 * model and the adjustment repeated, so the result does not inherit the RANSAC model's inlier bias.
 */
export function refineTwoView(
  pair: PairData,
  start: Pose,
  ka: PinholeK,
  kb: PinholeK,
  free: [boolean, boolean],
  o: PairOptions & { loss?: 'huber' | 'cauchy' },
): TwoViewRefined | null {
  let pose = start;
  let kA = { ...ka };
  let kB = { ...kb };
  let result: TwoViewRefined | null = null;
  const all = pair.verified;
  const errs = new Float64Array(pair.matches);
  for (let round = 0; round < 2; round++) {
    // Inliers of the current model among the verified matches.
    sampsonAll(fundamentalFromEssential(essentialFromPose(pose.R, pose.t), kA, kB), pair.a, pair.b, errs);
    const t2 = o.thresholdPx ** 2;
    const inl = Array.from(all).filter((k) => errs[k] < t2);
    const qa = normalise(pair.a, kA);
    const qb = normalise(pair.b, kB);
    const pts: number[] = [];
    const kept: number[] = [];
    const xy = new Float64Array(4);
    for (const k of inl) {
      xy.set([qa[2 * k], qa[2 * k + 1], qb[2 * k], qb[2 * k + 1]]);
      const x = triangulateDLT([identityPose(), pose], xy);
      if (!x || x[2] <= 0 || toCamera(pose, x)[2] <= 0) continue;
      pts.push(x[0], x[1], x[2]);
      kept.push(k);
    }
    if (kept.length < 8) return result;
    const n = kept.length;
    const view = new Int32Array(2 * n);
    const point = new Int32Array(2 * n);
    const uv = new Float64Array(4 * n);
    kept.forEach((k, p) => {
      view[2 * p + 1] = 1;
      point[2 * p] = point[2 * p + 1] = p;
      uv.set([pair.a[2 * k], pair.a[2 * k + 1], pair.b[2 * k], pair.b[2 * k + 1]], 4 * p);
    });
    const views: BundleView[] = [
      { pose: identityPose(), focal: kA.f, cx: kA.cx, cy: kA.cy, gauge: 'fixed', sharedFocal: free[0] },
      { pose, focal: kB.f, cx: kB.cx, cy: kB.cy, gauge: 'sphere', sharedFocal: free[1] },
    ];
    const points = Float64Array.from(pts);
    const report = bundleAdjust(
      views,
      points,
      { view, point, uv },
      {
        refineFocal: free[0] || free[1],
        loss: o.loss ?? 'huber',
        lossScale: o.thresholdPx,
        maxIterations: 60,
      },
    );
    pose = views[1].pose;
    kA = { ...kA, f: views[0].focal };
    kB = { ...kB, f: views[1].focal };
    const same =
      result && result.inliers.length === kept.length && result.inliers.every((k, q) => k === kept[q]);
    const score = msacScore(pair, pose, kA, kB, o.thresholdPx);
    result = { pose, ka: kA, kb: kB, inliers: Int32Array.from(kept), points, rmsPx: report.finalRms, score };
    if (same) break;
  }
  return result;
}
