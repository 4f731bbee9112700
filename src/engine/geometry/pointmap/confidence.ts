/**
 * DUSt3R-style confidence is 1 + exp(x) ≥ 1. Inside the engine confidence lives in [0, 1]:
 *   unit = 1 − 1/conf     (conf 1 → 0, conf 2 → 0.5, conf 10 → 0.9, conf → ∞ → 1).
 * It is monotone, needs no per-model constant and is the probability-like reading of the model's
 * "1 + odds" form: with conf = 1 + e^x, 1 − 1/conf = e^x / (1 + e^x) = sigmoid(x).
 * The alignment itself weights residuals by log(conf) ≥ 0, as DUSt3R's optimiser does.
 */

export function unitConfidence(conf: number): number {
  return conf > 1 ? 1 - 1 / conf : 0;
}

export function unitConfidenceMap(conf: Float32Array): Float32Array {
  const out = new Float32Array(conf.length);
  for (let i = 0; i < conf.length; i++) out[i] = unitConfidence(conf[i]);
  return out;
}

/** Alignment weight of a raw confidence: log(conf), 0 for conf ≤ 1 or non-finite values. */
export function logWeight(conf: number): number {
  return conf > 1 && Number.isFinite(conf) ? Math.log(conf) : 0;
}
