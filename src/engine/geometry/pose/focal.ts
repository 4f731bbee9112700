import { sampsonAll } from './epipolar';
import { essentialFromPose } from './essential';
import { type PairData, type PairOptions, refineTwoView, subset, type TwoViewRefined } from './pair';
import { fundamentalFromEssential, type PinholeK } from './pinhole';
import { refineRelativePose } from './sampson-refine';
import { robustEssential, spread } from './two-view';

/**
 * Shared focal length from one photo pair when EXIF is missing. The focal of the photos without a prior
 * is f = φ·max(w, h) with one unknown factor φ. A log-spaced sweep of φ over [0.5, 2.5] runs the
 * five-point RANSAC at each candidate (on a subset of the verified matches) and scores it by MSAC
 * (truncated squared Sampson error, pixels). Around the best one or two local minima, φ is interpolated
 * parabolically in log φ, the pose re-fitted by Sampson refinement on all verified matches, and then
 * refined by two-view bundle adjustment with φ free; the refinement with the lowest MSAC score over all
 * verified matches wins. Photos with a prior keep their focal.
 *
 * Two views only determine the focal when their optical axes do not (nearly) meet; near that
 * configuration the estimate is poor, and PoseResult.focalRelStd reports it.
 */

export interface FocalSetup {
  /** Known focal in pixels, or null when it is the shared unknown. */
  priorA: number | null;
  priorB: number | null;
  /** max(w, h) of each image (the unit of φ) and principal points (image centres). */
  sizeA: number;
  sizeB: number;
  cA: [number, number];
  cB: [number, number];
}

export interface FocalEstimate {
  factor: number;
  refined: TwoViewRefined;
  /** The sweep: candidate factors and their MSAC scores (for diagnostics). */
  sweep: { factor: number; score: number }[];
}

const intrinsics = (prior: number | null, size: number, c: [number, number], factor: number): PinholeK => ({
  f: prior ?? factor * size,
  cx: c[0],
  cy: c[1],
});

export function sweepFactors(count = 11, lo = 0.5, hi = 2.5): number[] {
  return Array.from({ length: count }, (_, k) => lo * (hi / lo) ** (k / (count - 1)));
}

export function estimateFocal(pair: PairData, setup: FocalSetup, o: PairOptions): FocalEstimate | null {
  // The sweep runs on a spread subset of the verified matches to stay cheap.
  const sample = spread(pair.verified, 150);
  const { a, b } = subset(pair, sample);
  const sweep = sweepFactors().map((factor) => {
    const ka = intrinsics(setup.priorA, setup.sizeA, setup.cA, factor);
    const kb = intrinsics(setup.priorB, setup.sizeB, setup.cB, factor);
    const e = robustEssential(a, b, ka, kb, {
      thresholdPx: o.thresholdPx,
      seed: o.seed,
      minIterations: 20,
      maxIterations: 150,
      maxLoRuns: 3,
    });
    return { factor, score: e ? e.score : Number.POSITIVE_INFINITY, pose: e?.pose };
  });
  // Local minima of the sweep, best first; refine the two best.
  const minima = sweep
    .map((s, k) => ({ ...s, k }))
    .filter(
      (s, k) =>
        (k === 0 || s.score <= sweep[k - 1].score) &&
        (k === sweep.length - 1 || s.score <= sweep[k + 1].score),
    )
    .filter((s) => s.pose && Number.isFinite(s.score))
    .sort((x, y) => x.score - y.score)
    .slice(0, 2)
    // A second basin is only worth refining when its sweep score is close to the best one.
    .filter((m, k, all) => k === 0 || m.score < 1.15 * all[0].score);
  let best: FocalEstimate | null = null;
  for (const m of minima) {
    // Parabolic interpolation of the score in log φ around the sampled minimum.
    let factor = m.factor;
    if (m.k > 0 && m.k < sweep.length - 1) {
      const s0 = sweep[m.k - 1].score;
      const s1 = sweep[m.k].score;
      const s2 = sweep[m.k + 1].score;
      const den = s0 - 2 * s1 + s2;
      if (den > 0) {
        const step = Math.log(sweep[m.k + 1].factor / sweep[m.k].factor);
        factor = m.factor * Math.exp(Math.max(-1, Math.min(1, (0.5 * (s0 - s2)) / den)) * step);
      }
    }
    const ka = intrinsics(setup.priorA, setup.sizeA, setup.cA, factor);
    const kb = intrinsics(setup.priorB, setup.sizeB, setup.cB, factor);
    // Re-fit the sweep's pose at the interpolated focal on its inliers among all verified matches, then
    // refine with φ free.
    const errs = new Float64Array(pair.matches);
    sampsonAll(
      fundamentalFromEssential(essentialFromPose(m.pose!.R, m.pose!.t), ka, kb),
      pair.a,
      pair.b,
      errs,
    );
    const inl = Array.from(pair.verified).filter((k) => errs[k] < 4 * o.thresholdPx ** 2);
    const pose = refineRelativePose(m.pose!, pair.a, pair.b, spread(inl, 400), ka, kb, 10);
    const refined = refineTwoView(pair, pose, ka, kb, [setup.priorA === null, setup.priorB === null], o);
    if (!refined) continue;
    const f = setup.priorA === null ? refined.ka.f / setup.sizeA : refined.kb.f / setup.sizeB;
    if (!best || refined.score < best.refined.score)
      best = { factor: f, refined, sweep: sweep.map(({ factor: x, score }) => ({ factor: x, score })) };
  }
  return best;
}
