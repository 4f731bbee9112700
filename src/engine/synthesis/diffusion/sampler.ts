/**
 * DDIM with v-prediction, classifier-free guidance with guidance rescale and the dynamic x0 rescale,
 * step for step as DynamiCrafter's ddim.py (method.md §3.3). Tensors are flat Float32Arrays of one
 * batch item; the model is a callback so the maths is testable without ONNX.
 */
import type { SamplerParams } from '../../models/manifest';
import { type DdimSchedule, ddimSchedule } from './schedule';

/** v (or ε) for latent x at timestep t, with the conditional or the unconditional inputs. */
export type DenoiseFn = (x: Float32Array, t: number, branch: 'cond' | 'uncond') => Promise<Float32Array>;

export interface StepInfo {
  /** Steps done (1-based after each step) and in all. */
  step: number;
  steps: number;
  timestep: number;
  /** Milliseconds of this step (model runs included). */
  ms: number;
}

export interface SampleOptions {
  params: SamplerParams;
  /** Latent size (elements of one batch item). */
  size: number;
  /** Start latent x_T; N(0,1) from `seed` when absent. */
  initial?: Float32Array;
  seed?: number;
  /** Checked before each step: an aborted signal stops with an AbortError. */
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
}

export interface SampleResult {
  /** The sampler's output as ddim.py returns it: x_prev of the last step (ᾱ_prev[0] = ᾱ[0] leaves a
   * little noise, √(1−ᾱ_0) ≈ 0.029 at most). */
  x: Float32Array;
  /** The last step's (rescaled) x0 estimate. */
  predX0: Float32Array;
  schedule: DdimSchedule;
  stepMs: number[];
}

/** Deterministic N(0,1) samples: mulberry32 + Box–Muller. */
export function gaussianNoise(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(uniform(), 1e-12);
    const r = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** Unbiased standard deviation (torch.std) over all elements. */
export function std(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) ** 2;
  return Math.sqrt(s / Math.max(1, a.length - 1));
}

/**
 * v = v_u + s·(v_c − v_u), then `rescale_noise_cfg`: v ← φ·v·std(v_c)/std(v) + (1−φ)·v with std over
 * every non-batch dim.
 */
export function guide(vc: Float32Array, vu: Float32Array, scale: number, rescale: number): Float32Array {
  const v = new Float32Array(vc.length);
  for (let i = 0; i < v.length; i++) v[i] = vu[i] + scale * (vc[i] - vu[i]);
  if (rescale > 0) {
    const sv = std(v);
    const factor = sv > 0 ? std(vc) / sv : 1;
    const k = rescale * factor + (1 - rescale);
    for (let i = 0; i < v.length; i++) v[i] *= k;
  }
  return v;
}

export function abortError(): DOMException {
  return new DOMException('The reconstruction was cancelled.', 'AbortError');
}

/**
 * Runs S DDIM steps from ts[S−1] down to ts[0]. Per step: v (CFG when cfgScale ≠ 1), ε = √ᾱ·v + √(1−ᾱ)·x,
 * x0 = (√ᾱ·x − √(1−ᾱ)·v)·scale_prev/scale_t, x ← √ᾱ_prev·x0 + √(1−ᾱ_prev−σ²)·ε + σ·z. Only the v-form
 * identities are used, so ᾱ = 0 at t = 999 is harmless.
 */
export async function ddimSample(model: DenoiseFn, options: SampleOptions): Promise<SampleResult> {
  const p = options.params;
  if (p.prediction === 'eps' && p.zeroTerminalSnr)
    throw new Error('sampler: ε-prediction cannot be used with a zero-terminal-SNR schedule (ᾱ_T = 0)');
  const schedule = ddimSchedule(
    p,
    p.dynamicRescale ? { baseScale: p.baseScale, turningStep: p.turningStep } : null,
  );
  const n = options.size;
  const seed = options.seed ?? 0;
  const x = options.initial ? new Float32Array(options.initial) : gaussianNoise(n, seed);
  if (x.length !== n) throw new Error(`sampler: initial latent has ${x.length} values, expected ${n}`);
  const x0 = new Float32Array(n);
  const steps = schedule.timesteps.length;
  const stepMs: number[] = [];
  for (let k = steps - 1; k >= 0; k--) {
    if (options.signal?.aborted) throw abortError();
    const t0 = performance.now();
    const t = schedule.timesteps[k];
    let out: Float32Array;
    const vc = await model(x, t, 'cond');
    if (p.cfgScale !== 1) {
      if (options.signal?.aborted) throw abortError();
      const vu = await model(x, t, 'uncond');
      out = guide(vc, vu, p.cfgScale, p.guidanceRescale);
    } else out = vc;
    if (out.length !== n) throw new Error(`sampler: model returned ${out.length} values, expected ${n}`);
    const a = schedule.alpha[k];
    const ap = schedule.alphaPrev[k];
    const sig = schedule.sigma[k];
    const sa = Math.sqrt(a);
    const s1a = Math.sqrt(1 - a);
    const dir = Math.sqrt(Math.max(0, 1 - ap - sig * sig));
    const sap = Math.sqrt(ap);
    const r = schedule.x0Rescale[k];
    // Fresh noise per step from a per-step seed, so a run is reproducible from `seed`.
    const z = sig > 0 ? gaussianNoise(n, (seed + 0x9e3779b9 * (k + 1)) >>> 0) : null;
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      const o = out[i];
      let eps: number;
      let px0: number;
      if (p.prediction === 'v') {
        eps = sa * o + s1a * xi;
        px0 = sa * xi - s1a * o;
      } else {
        eps = o;
        px0 = (xi - s1a * o) / sa;
      }
      px0 *= r;
      x0[i] = px0;
      x[i] = sap * px0 + dir * eps + (z ? sig * z[i] : 0);
    }
    const ms = performance.now() - t0;
    stepMs.push(ms);
    options.onStep?.({ step: steps - k, steps, timestep: t, ms });
  }
  return { x, predX0: x0, schedule, stepMs };
}
