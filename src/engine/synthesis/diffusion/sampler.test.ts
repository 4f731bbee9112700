/**
 * The DDIM maths: timesteps and ᾱ against numpy's make_ddim_timesteps / rescale_zero_terminal_snr, CFG
 * with guidance rescale, and the analytic test: an exact v-predictor (in TS and as an ONNX contract
 * model on onnxruntime-web's wasm EP) must give back its x0.
 */
import { describe, expect, it } from 'vitest';
import { videoUnetModel } from '../../../../tools/onnx/diffusion-models';
import { DEFAULT_SAMPLER, type SamplerParams } from '../../models/manifest';
import { setupNodeRuntime } from '../../models/node-runtime';
import { ModelSession } from '../../models/session';
import { ddimSample, gaussianNoise, guide, std } from './sampler';
import { alphasCumprod, ddimSchedule, ddimTimesteps, dynamicScale } from './schedule';

setupNodeRuntime();

const params = (over: Partial<SamplerParams> = {}): SamplerParams => ({ ...DEFAULT_SAMPLER, ...over });

describe('schedule', () => {
  it('uniform-trailing timesteps match numpy (round half to even)', () => {
    // np.flip(np.round(np.arange(1000, 0, -1000/S))) - 1
    expect(ddimTimesteps('uniform-trailing', 16, 1000)).toEqual([
      61, 124, 187, 249, 311, 374, 437, 499, 561, 624, 687, 749, 811, 874, 937, 999,
    ]);
    expect(ddimTimesteps('uniform-trailing', 7, 1000)).toEqual([142, 285, 428, 570, 713, 856, 999]);
    const t50 = ddimTimesteps('uniform-trailing', 50, 1000);
    expect(t50).toEqual(Array.from({ length: 50 }, (_, i) => 19 + 20 * i));
    expect(ddimTimesteps('uniform-trailing', 1, 1000)).toEqual([999]);
  });

  it('zero-terminal-SNR ᾱ keeps ᾱ_0, ends at exactly 0 and decreases', () => {
    const ab = alphasCumprod(params());
    expect(ab[0]).toBeCloseTo(1 - 0.00085, 12);
    expect(ab[999]).toBe(0);
    // numpy: 0.9810104569288466, 0.24101878275731575, 1.9678880566212916e-07
    expect(ab[19]).toBeCloseTo(0.9810104569288466, 10);
    expect(ab[500]).toBeCloseTo(0.24101878275731575, 10);
    expect(ab[998]).toBeCloseTo(1.9678880566212916e-7, 14);
    for (let i = 1; i < 1000; i++) expect(ab[i]).toBeLessThan(ab[i - 1]);
  });

  it('ᾱ_prev[0] = ᾱ[0], σ with eta, dynamic-rescale factors', () => {
    const s = ddimSchedule(params({ steps: 10 }), { baseScale: 0.7, turningStep: 400 });
    expect(s.alphaPrev[0]).toBe(s.alphasCumprod[0]);
    expect(s.alphaPrev[3]).toBe(s.alphasCumprod[s.timesteps[2]]);
    // At t = 999 (ᾱ = 0) σ² = 1 − ᾱ_prev, so the ε direction vanishes.
    expect(s.sigma[9] ** 2).toBeCloseTo(1 - s.alphaPrev[9], 12);
    expect(dynamicScale(0, { baseScale: 0.7, turningStep: 400 })).toBe(1);
    expect(dynamicScale(399, { baseScale: 0.7, turningStep: 400 })).toBeCloseTo(0.7, 12);
    expect(dynamicScale(900, { baseScale: 0.7, turningStep: 400 })).toBe(0.7);
    expect(s.x0Rescale[0]).toBeCloseTo(1 / dynamicScale(99, { baseScale: 0.7, turningStep: 400 }), 12);
    expect(s.x0Rescale[8]).toBe(1);
    const noEta = ddimSchedule(params({ steps: 10, eta: 0 }), null);
    expect([...noEta.sigma].every((v) => v === 0)).toBe(true);
  });
});

describe('guidance', () => {
  it('CFG + rescale_noise_cfg against a float64 reference', () => {
    const vc = gaussianNoise(301, 1);
    const vu = gaussianNoise(301, 2);
    const out = guide(vc, vu, 7.5, 0.7);
    const cfg = Array.from(vc, (c, i) => vu[i] + 7.5 * (c - vu[i]));
    const sd = (a: ArrayLike<number>) => {
      const m = Array.from(a).reduce((s, v) => s + v, 0) / a.length;
      return Math.sqrt(Array.from(a).reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1));
    };
    const k = 0.7 * (sd(vc) / sd(cfg)) + 0.3;
    for (let i = 0; i < 301; i++) expect(out[i]).toBeCloseTo(cfg[i] * k, 4);
    expect(std(out)).toBeCloseTo(sd(cfg) * k, 4);
    // Equal branches: guidance is the identity.
    const same = guide(vc, vc, 7.5, 0.7);
    for (let i = 0; i < 301; i++) expect(same[i]).toBeCloseTo(vc[i], 6);
  });
});

/** v of a model trained with dynamic rescale that knows x0 exactly. */
function exactV(x0: Float32Array, p: SamplerParams) {
  const ab = alphasCumprod(p);
  return async (x: Float32Array, t: number) => {
    const s = p.dynamicRescale ? dynamicScale(t, { baseScale: p.baseScale, turningStep: p.turningStep }) : 1;
    const a = ab[t];
    return Float32Array.from(x, (xi, i) => (Math.sqrt(a) * xi - s * x0[i]) / Math.sqrt(1 - a));
  };
}

const maxErr = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('analytic DDIM', () => {
  const x0 = Float32Array.from(gaussianNoise(2 * 4 * 3 * 4 * 5, 7), (v) => 0.8 * v);

  it('an exact v-predictor (TS) gives back x0; x_prev carries only the ᾱ_0 residual', async () => {
    for (const cfgScale of [1, 7.5]) {
      const p = params({ steps: 25, cfgScale });
      const r = await ddimSample(exactV(x0, p), { params: p, size: x0.length, seed: 3 });
      expect(maxErr(r.predX0, x0)).toBeLessThan(1e-5);
      const a0 = r.schedule.alphasCumprod[0];
      let se = 0;
      for (let i = 0; i < x0.length; i++) se += (r.x[i] - x0[i]) ** 2;
      // x = √ᾱ0·x0 + √(1−ᾱ0−σ²)·ε + σ·z: RMS error about √(1−ᾱ0) ≈ 0.029.
      expect(Math.sqrt(se / x0.length)).toBeLessThan(2 * Math.sqrt(1 - a0));
    }
  });

  it('forgetting the dynamic rescale is detected (the test can fail)', async () => {
    const trained = params({ steps: 25, cfgScale: 1 });
    const r = await ddimSample(exactV(x0, trained), {
      params: { ...trained, dynamicRescale: false },
      size: x0.length,
      seed: 3,
    });
    expect(maxErr(r.predX0, x0)).toBeGreaterThan(1e-2);
  });

  it('the exact-v ONNX contract unet recovers x0 within 1e-3, with and without CFG (wasm EP)', async () => {
    const [C, T, h, w] = [2 * 2, 3, 4, 5];
    const target = Float32Array.from(gaussianNoise(C * T * h * w, 11), (v) => 0.5 * v);
    const unet = await ModelSession.create(
      videoUnetModel({ C, T, h, w, L: 4, D: 8, S: 2, x0: target }),
      'video-unet',
      { executionProvider: 'wasm', dims: { C, T, h, w, L: 4, D: 8, S: 2 } },
    );
    expect(unet.runtime.ep).toBe('wasm');
    const context = { data: new Float32Array(32).fill(0.1), dims: [1, 4, 8] };
    const structure = { data: new Float32Array(16), dims: [1, 2, 8] };
    const model = async (x: Float32Array, t: number) => {
      const out = await unet.run({
        x: { data: Float32Array.from([...x, ...new Float32Array(x.length)]), dims: [1, 2 * C, T, h, w] },
        timesteps: { data: Float32Array.of(t), dims: [1] },
        context,
        fs: { data: Float32Array.of(5), dims: [1] },
        structure,
      });
      return out.v.data;
    };
    for (const cfgScale of [1, 7.5]) {
      const p = params({ steps: 20, cfgScale });
      const r = await ddimSample(model, { params: p, size: target.length, seed: 5 });
      expect(maxErr(r.predX0, target)).toBeLessThan(1e-3);
    }
    await unet.release();
  });

  it('cancelling mid-sampling throws AbortError and a second run still works', async () => {
    const p = params({ steps: 10, cfgScale: 1 });
    const ctl = new AbortController();
    const seen: number[] = [];
    await expect(
      ddimSample(exactV(x0, p), {
        params: p,
        size: x0.length,
        signal: ctl.signal,
        onStep: (s) => {
          seen.push(s.step);
          if (s.step === 3) ctl.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2, 3]);
    const again = await ddimSample(exactV(x0, p), { params: p, size: x0.length });
    expect(maxErr(again.predX0, x0)).toBeLessThan(1e-5);
  });
});
