import { Rng } from './rng';

/**
 * Generic LO-RANSAC with MSAC scoring (truncated quadratic), an adaptive iteration count and a local
 * optimisation step that re-fits the model on the inliers whenever a new best model appears.
 * Deterministic for a given seed.
 */

export interface RansacModel<M> {
  /** Number of data points. */
  count: number;
  sampleSize: number;
  /** Models from a minimal sample (may be several, e.g. up to ten essential matrices). */
  minimal(sample: Int32Array): M[];
  /** Least-squares models from the inliers of `current` (the LO step); optional. */
  refine?(inliers: Int32Array, current: M): M[];
  /** Squared errors of every point under a model (same units as threshold²). */
  errors(model: M, out: Float64Array): void;
}

export interface RansacOptions {
  /** Inlier threshold on the (non-squared) error. */
  threshold: number;
  confidence?: number;
  maxIterations?: number;
  minIterations?: number;
  seed?: number;
  /** Maximum successive re-fits per LO step. */
  loSteps?: number;
  /**
   * Also run the LO step from hypotheses that do not beat the best one but have at least this fraction
   * of its inliers (at most `maxLoRuns` times). Two-view relative pose has shallow, multi-modal cost
   * surfaces: a rough minimal model in the right basin can lose to a refined one in the wrong basin.
   */
  loNearFraction?: number;
  maxLoRuns?: number;
}

export interface RansacResult<M> {
  model: M;
  /** Indices of the inliers (error < threshold). */
  inliers: Int32Array;
  /** Squared errors of all points under the model. */
  errors: Float64Array;
  /** MSAC score (lower is better). */
  score: number;
  iterations: number;
}

export function ransac<M>(spec: RansacModel<M>, options: RansacOptions): RansacResult<M> | null {
  const n = spec.count;
  const s = spec.sampleSize;
  if (n < s) return null;
  const t2 = options.threshold ** 2;
  const confidence = options.confidence ?? 0.999;
  const maxIterations = options.maxIterations ?? 2000;
  const minIterations = options.minIterations ?? 20;
  const loSteps = options.loSteps ?? 4;
  const rng = new Rng(options.seed ?? 1);
  const sample = new Int32Array(s);
  const errs = new Float64Array(n);

  let best: { model: M; score: number; inliers: number; errors: Float64Array } | null = null;

  const score = (model: M): [number, number] => {
    spec.errors(model, errs);
    let sc = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const e = errs[i];
      if (e < t2) {
        sc += e;
        count++;
      } else sc += t2;
    }
    return [sc, count];
  };

  const consider = (model: M): boolean => {
    const [sc, count] = score(model);
    lastCount = count;
    if (best && sc >= best.score) return false;
    best = { model, score: sc, inliers: count, errors: Float64Array.from(errs) };
    return true;
  };
  let lastCount = 0;

  const inlierIndices = (e: Float64Array): Int32Array => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (e[i] < t2) out.push(i);
    return Int32Array.from(out);
  };

  const localOptimise = () => {
    if (!spec.refine) return;
    for (let step = 0; step < loSteps; step++) {
      const current = best!;
      const inl = inlierIndices(current.errors);
      if (inl.length <= s) return;
      let improved = false;
      for (const m of spec.refine(inl, current.model)) improved = consider(m) || improved;
      if (!improved) return;
    }
  };

  /** LO from a hypothesis that is not the best: refine it on its own inliers, then keep refining if it wins. */
  const nearOptimise = (model: M) => {
    spec.errors(model, errs);
    const inl = inlierIndices(errs);
    if (inl.length <= s) return;
    let improved = false;
    for (const m of spec.refine!(inl, model)) improved = consider(m) || improved;
    if (improved) localOptimise();
  };
  const loNear = options.loNearFraction ?? 2;
  const maxLoRuns = options.maxLoRuns ?? 30;
  let loRuns = 0;

  let needed = maxIterations;
  let iter = 0;
  for (; iter < Math.min(needed, maxIterations) || iter < minIterations; iter++) {
    if (iter >= maxIterations) break;
    rng.sample(n, s, sample);
    let improved = false;
    for (const m of spec.minimal(sample)) {
      if (consider(m)) improved = true;
      else if (spec.refine && loRuns < maxLoRuns && lastCount >= loNear * best!.inliers) {
        loRuns++;
        nearOptimise(m);
      }
    }
    if (!improved) continue;
    localOptimise();
    const w = best!.inliers / n;
    const pAll = w ** s;
    // log1p keeps tiny all-inlier probabilities from rounding to log(1) = 0 (→ −∞ iterations).
    needed = pAll >= 1 ? 0 : Math.min(maxIterations, Math.ceil(Math.log(1 - confidence) / Math.log1p(-pAll)));
  }
  if (!best) return null;
  localOptimise();
  const b = best as { model: M; score: number; errors: Float64Array };
  return {
    model: b.model,
    inliers: inlierIndices(b.errors),
    errors: b.errors,
    score: b.score,
    iterations: iter,
  };
}
