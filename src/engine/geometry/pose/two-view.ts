import { fundamental8, homographyDLT, sampsonAll, transferSq } from './epipolar';
import { decomposeEssential, essentialFromPose, poseFromEssential } from './essential';
import { essential5 } from './five-point';
import { fundamentalFromEssential, normalise, type PinholeK } from './pinhole';
import { type RansacOptions, type RansacResult, ransac } from './ransac';
import { refineRelativePose } from './sampson-refine';
import type { Pose } from './triangulate';

/**
 * Robust two-view model fitting on pixel matches: fundamental (8-point), essential (5-point, known
 * intrinsics) and homography (4-point), all with LO-RANSAC and errors in pixels.
 */

export type RobustOptions = Omit<RansacOptions, 'threshold'> & { thresholdPx: number };

const ransacOptions = (o: RobustOptions): RansacOptions => ({ ...o, threshold: o.thresholdPx });

export function robustFundamental(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: RobustOptions,
): RansacResult<Float64Array> | null {
  return ransac<Float64Array>(
    {
      count: a.length / 2,
      sampleSize: 8,
      minimal: (s) => {
        const f = fundamental8(a, b, s);
        return f ? [f] : [];
      },
      refine: (inl) => {
        const f = fundamental8(a, b, inl);
        return f ? [f] : [];
      },
      errors: (f, out) => sampsonAll(f, a, b, out),
    },
    ransacOptions(options),
  );
}

export function robustHomography(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: RobustOptions,
): RansacResult<Float64Array> | null {
  const n = a.length / 2;
  return ransac<Float64Array>(
    {
      count: n,
      sampleSize: 4,
      minimal: (s) => {
        const h = homographyDLT(a, b, s);
        return h ? [h] : [];
      },
      refine: (inl) => {
        const h = homographyDLT(a, b, inl);
        return h ? [h] : [];
      },
      errors: (h, out) => {
        for (let i = 0; i < n; i++) out[i] = transferSq(h, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]);
      },
    },
    ransacOptions(options),
  );
}

export interface EssentialResult extends RansacResult<Float64Array> {
  /** Relative pose X_b = R·X_a + t with |t| = 1, chosen by cheirality. */
  pose: Pose;
}

/** Up to `max` evenly spread indices of a list (keeps cheirality tests cheap). */
export function spread(idx: ArrayLike<number>, max: number): Int32Array {
  if (idx.length <= max) return Int32Array.from(idx);
  const out = new Int32Array(max);
  for (let k = 0; k < max; k++) out[k] = idx[Math.floor((k * idx.length) / max)];
  return out;
}

/** Five-point LO-RANSAC for the essential matrix with known intrinsics; Sampson error in pixels. */
export function robustEssential(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  ka: PinholeK,
  kb: PinholeK,
  options: RobustOptions,
): EssentialResult | null {
  const qa = normalise(a, ka);
  const qb = normalise(b, kb);
  const result = ransac<Float64Array>(
    {
      count: a.length / 2,
      sampleSize: 5,
      minimal: (s) => essential5(qa, qb, s),
      refine: (inl, e) => {
        // Non-linear Sampson refinement of the current model on (a spread of) its inliers.
        const [start] = decomposeEssential(e);
        const pose = refineRelativePose(start, a, b, spread(inl, 250), ka, kb, 6);
        return [essentialFromPose(pose.R, pose.t)];
      },
      errors: (e, out) => {
        sampsonAll(fundamentalFromEssential(e, ka, kb), a, b, out);
      },
    },
    { loNearFraction: 0.8, maxLoRuns: 30, minIterations: 50, ...ransacOptions(options) },
  );
  if (!result) return null;
  const { pose } = poseFromEssential(result.model, qa, qb, spread(result.inliers, 200));
  return { ...result, pose };
}
