/**
 * The noise schedule and DDIM step coefficients of DynamiCrafter / ViewCrafter (method.md §3.3), in
 * float64: betas, the zero-terminal-SNR rescale, the DDIM timesteps ("uniform trailing" by default),
 * ᾱ / ᾱ_prev / σ per step, and the dynamic-rescale factors (ddpm3d.py `scale_arr`).
 */
import type { SamplerParams } from '../../models/manifest';

/** The dynamic x0 rescale of the 512 models (method.md §8.9): base 0.7, reached at t = 400. */
export interface DynamicRescale {
  baseScale: number;
  turningStep: number;
}

export const DEFAULT_DYNAMIC_RESCALE: DynamicRescale = { baseScale: 0.7, turningStep: 400 };

/** Betas of the training schedule (LDM's "linear" = linspace of √β, squared). */
export function makeBetas(p: Pick<SamplerParams, 'betaStart' | 'betaEnd' | 'trainSteps' | 'betaSchedule'>) {
  const n = p.trainSteps;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = n === 1 ? 0 : i / (n - 1);
    if (p.betaSchedule === 'scaled-linear') {
      const s = Math.sqrt(p.betaStart) + f * (Math.sqrt(p.betaEnd) - Math.sqrt(p.betaStart));
      out[i] = s * s;
    } else out[i] = p.betaStart + f * (p.betaEnd - p.betaStart);
  }
  return out;
}

/**
 * ᾱ_t = Π(1 − β). With `zeroTerminalSnr`, √ᾱ is shifted so the last value is exactly 0 and scaled so the
 * first keeps its value (Lin et al., `rescale_zero_terminal_snr`).
 */
export function alphasCumprod(
  p: Pick<SamplerParams, 'betaStart' | 'betaEnd' | 'trainSteps' | 'betaSchedule' | 'zeroTerminalSnr'>,
): Float64Array {
  const betas = makeBetas(p);
  const ab = new Float64Array(betas.length);
  let prod = 1;
  for (let i = 0; i < betas.length; i++) {
    prod *= 1 - betas[i];
    ab[i] = prod;
  }
  if (!p.zeroTerminalSnr) return ab;
  const s0 = Math.sqrt(ab[0]);
  const sT = Math.sqrt(ab[ab.length - 1]);
  for (let i = 0; i < ab.length; i++) {
    const s = ((Math.sqrt(ab[i]) - sT) * s0) / (s0 - sT);
    ab[i] = s * s;
  }
  ab[ab.length - 1] = 0;
  return ab;
}

/** numpy's round (half to even), which `make_ddim_timesteps` uses: 937.5 → 938 but 812.5 → 812. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** DDIM timesteps, ascending (index 0 is the last step taken). */
export function ddimTimesteps(
  spacing: SamplerParams['timestepSpacing'],
  steps: number,
  trainSteps: number,
): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > trainSteps)
    throw new Error(`DDIM steps must be an integer in [1, ${trainSteps}], got ${steps}`);
  const ts: number[] = [];
  if (spacing === 'uniform-trailing') {
    // np.flip(np.round(np.arange(T, 0, -c))) - 1 with c = T/S.
    const c = trainSteps / steps;
    for (let v = trainSteps, i = 0; v > 0; i++, v = trainSteps - i * c) ts.push(roundHalfEven(v) - 1);
    ts.reverse();
  } else if (spacing === 'uniform') {
    // DynamiCrafter's 'uniform': range(0, T, T // S) + 1.
    const c = Math.floor(trainSteps / steps);
    for (let v = 0; v < trainSteps; v += c) ts.push(v + 1);
  } else {
    // diffusers' 'leading': arange(S) · (T // S).
    const c = Math.floor(trainSteps / steps);
    for (let i = 0; i < steps; i++) ts.push(i * c);
  }
  return ts.map((t) => Math.min(trainSteps - 1, Math.max(0, t)));
}

/** scale_arr[t]: linspace(1, base, turning)[t] below the turning step, base from there on. */
export function dynamicScale(t: number, r: DynamicRescale): number {
  if (t >= r.turningStep) return r.baseScale;
  if (r.turningStep <= 1) return 1;
  return 1 + ((r.baseScale - 1) * t) / (r.turningStep - 1);
}

export interface DdimSchedule {
  /** Training ᾱ (length trainSteps). */
  alphasCumprod: Float64Array;
  /** Timesteps, ascending; sampling walks k = S−1 … 0. */
  timesteps: number[];
  alpha: Float64Array;
  alphaPrev: Float64Array;
  sigma: Float64Array;
  /** x0 rescale factor scale_prev/scale_t per step (all 1 without dynamic rescale). */
  x0Rescale: Float64Array;
}

/**
 * Per-step coefficients exactly as ddim.py's make_schedule: ᾱ_prev[k] = ᾱ[ts[k−1]] and ᾱ_prev[0] = ᾱ[0]
 * (not 1), σ_k = η·√((1−ᾱ_prev)/(1−ᾱ)·(1−ᾱ/ᾱ_prev)).
 */
export function ddimSchedule(p: SamplerParams, rescale: DynamicRescale | null): DdimSchedule {
  const ab = alphasCumprod(p);
  const timesteps = ddimTimesteps(p.timestepSpacing, p.steps, p.trainSteps);
  const s = timesteps.length;
  const alpha = new Float64Array(s);
  const alphaPrev = new Float64Array(s);
  const sigma = new Float64Array(s);
  const x0Rescale = new Float64Array(s).fill(1);
  for (let k = 0; k < s; k++) {
    alpha[k] = ab[timesteps[k]];
    alphaPrev[k] = k === 0 ? ab[0] : ab[timesteps[k - 1]];
    const ratio = (1 - alphaPrev[k]) / (1 - alpha[k]);
    sigma[k] = p.eta * Math.sqrt(Math.max(0, ratio * (1 - alpha[k] / alphaPrev[k])));
    if (rescale) {
      const prev = k === 0 ? dynamicScale(0, rescale) : dynamicScale(timesteps[k - 1], rescale);
      x0Rescale[k] = prev / dynamicScale(timesteps[k], rescale);
    }
  }
  return { alphasCumprod: ab, timesteps, alpha, alphaPrev, sigma, x0Rescale };
}
