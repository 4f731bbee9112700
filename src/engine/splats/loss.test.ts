import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuffer, readF32 } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { lcg } from '../util/random';
import { ImageLoss, type LossOptions, psnr } from './loss';
import { imageLossReference, l1Reference, ssimGradReference, ssimReference } from './loss-reference';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

/** A textured RGBA image in [0, 1]: smooth ramps, a few edges and noise, so SSIM is far from 1 and 0. */
function texture(width: number, height: number, seed: number): Float32Array {
  const r = lcg(seed);
  const img = new Float32Array(width * height * 4);
  const fx = 0.15 + r() * 0.3;
  const fy = 0.1 + r() * 0.3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const smooth = 0.5 + 0.3 * Math.sin(fx * x * (c + 1) + fy * y + c);
        const edge = (x + 2 * y + c * 5) % 17 < 6 ? 0.15 : 0;
        img[i + c] = Math.min(1, Math.max(0, smooth + edge + 0.12 * (r() - 0.5)));
      }
      img[i + 3] = r(); // alpha: must be ignored
    }
  }
  return img;
}

/** The target plus a structured perturbation (what a half-trained render looks like). */
function perturbed(
  target: Float32Array,
  width: number,
  height: number,
  seed: number,
  amount = 0.1,
): Float32Array {
  const r = lcg(seed);
  const out = new Float32Array(target.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const blob = Math.exp(-((x - width * 0.3) ** 2 + (y - height * 0.6) ** 2) / (0.05 * width * width));
        out[i + c] = Math.min(1, Math.max(0, target[i + c] + amount * (blob * (c - 1) + (r() - 0.5))));
      }
      out[i + 3] = r();
    }
  }
  return out;
}

function confidenceMap(width: number, height: number, seed: number): Float32Array {
  const r = lcg(seed);
  const conf = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Low in a band (a "filled hole"), high elsewhere, exactly 0 in a corner block.
      const band = x > width * 0.4 && x < width * 0.6 ? 0.15 : 0.9;
      conf[y * width + x] = x < 4 && y < 3 ? 0 : Math.min(1, band + 0.1 * r());
    }
  }
  return conf;
}

interface GpuLoss {
  values: { total: number; l1: number; ssim: number; mse: number; confidenceMean: number };
  grad: Float32Array;
}

async function runLoss(
  x: Float32Array,
  y: Float32Array,
  conf: Float32Array | null,
  width: number,
  height: number,
  options: LossOptions = {},
): Promise<GpuLoss> {
  const device = gpu.device;
  const loss = new ImageLoss(device, width, height, options);
  const bx = createBuffer(device, 'x', x);
  const by = createBuffer(device, 'y', y);
  const bc = conf ? createBuffer(device, 'conf', conf) : null;
  // Garbage in the gradient buffer: the loss must overwrite all of it.
  const bg = createBuffer(device, 'grad', new Float32Array(width * height * 4).fill(Number.NaN));
  const encoder = device.createCommandEncoder();
  loss.encode(encoder, bx, by, bc, bg);
  device.queue.submit([encoder.finish()]);
  const values = await loss.read();
  const grad = await readF32(device, bg, width * height * 4);
  for (const b of [bx, by, bc, bg]) b?.destroy();
  loss.destroy();
  return { values, grad };
}

/** ‖a − b‖ / ‖b‖ and max |a − b| / max |b| over the RGB entries; alpha must be exactly 0 in a. */
function gradError(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; maxRel: number } {
  let num = 0;
  let den = 0;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    if (i % 4 === 3) {
      expect(a[i]).toBe(0);
      continue;
    }
    const d = a[i] - b[i];
    if (!Number.isFinite(d)) return { rel: Number.POSITIVE_INFINITY, maxRel: Number.POSITIVE_INFINITY };
    num += d * d;
    den += b[i] * b[i];
    maxDiff = Math.max(maxDiff, Math.abs(d));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return { rel: Math.sqrt(num / den), maxRel: maxDiff / maxRef };
}

/** Central finite differences of f with respect to every RGB entry of x (in float64). */
function finiteDifferences(x: Float64Array, f: (x: Float64Array) => number, h: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (i % 4 === 3) continue;
    const v = x[i];
    x[i] = v + h;
    const up = f(x);
    x[i] = v - h;
    const down = f(x);
    x[i] = v;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

describe('image loss reference', () => {
  it('SSIM of an image with itself is 1 and the loss gradient vanishes there', () => {
    const [w, h] = [16, 12];
    const y = texture(w, h, 1);
    expect(ssimReference(y, y, w, h)).toBeCloseTo(1, 12);
    const ref = imageLossReference(y, y, null, w, h, { lambda: 0 });
    expect(Math.max(...ref.grad.map(Math.abs))).toBeLessThan(1e-12);
  });

  it('SSIM gradient matches central finite differences on 16×12', () => {
    const [w, h] = [16, 12];
    const y = Float64Array.from(texture(w, h, 2));
    const x = Float64Array.from(perturbed(Float32Array.from(y), w, h, 3, 0.2));
    const weights = new Float64Array(w * h * 3).fill(1);
    const analytic = ssimGradReference(x, y, w, h, weights);
    const fd = finiteDifferences(x, (xx) => ssimReference(xx, y, w, h) * w * h * 3, 1e-6);
    const err = gradError(analytic, fd);
    console.log(`reference SSIM gradient vs finite differences: rel ${err.rel} maxRel ${err.maxRel}`);
    expect(err.rel).toBeLessThan(1e-6);
    expect(err.maxRel).toBeLessThan(1e-6);
  });

  it('combined confidence-weighted loss gradient matches finite differences (both normalisations)', () => {
    const [w, h] = [16, 12];
    const y = Float64Array.from(texture(w, h, 4));
    const x = Float64Array.from(perturbed(Float32Array.from(y), w, h, 5, 0.2));
    // Keep |x − y| away from the L1 kink so central differences see a smooth function.
    for (let i = 0; i < x.length; i++) if (i % 4 !== 3 && Math.abs(x[i] - y[i]) < 1e-3) x[i] = y[i] + 2e-3;
    const conf = confidenceMap(w, h, 6);
    for (const normalizeConfidence of [false, true]) {
      const options = { lambda: 0.8, normalizeConfidence };
      const ref = imageLossReference(x, y, conf, w, h, options);
      const fd = finiteDifferences(x, (xx) => imageLossReference(xx, y, conf, w, h, options).total, 1e-7);
      const err = gradError(ref.grad, fd);
      console.log(
        `reference loss gradient vs finite differences (normalise ${normalizeConfidence}): rel ${err.rel}`,
      );
      expect(err.rel).toBeLessThan(1e-5);
      expect(err.maxRel).toBeLessThan(1e-5);
    }
  });
});

describe('GPU image loss', () => {
  it('SSIM, L1 and MSE match the reference (≤1e-5) with an exact gradient, 16×12 and 37×23', async () => {
    for (const [w, h] of [
      [16, 12],
      [37, 23],
    ]) {
      const y = texture(w, h, 10 + w);
      const x = perturbed(y, w, h, 11 + w, 0.25);
      const got = await runLoss(x, y, null, w, h, { lambda: 0 });
      const ssim = ssimReference(x, y, w, h);
      expect(Math.abs(got.values.ssim - ssim)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(got.values.total - (1 - ssim))).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(got.values.l1 - l1Reference(x, y, w, h))).toBeLessThanOrEqual(1e-6);
      const ref = imageLossReference(x, y, null, w, h, { lambda: 0 });
      expect(Math.abs(got.values.mse - ref.mse) / ref.mse).toBeLessThan(1e-4);
      expect(ssim).toBeGreaterThan(0.2);
      expect(ssim).toBeLessThan(0.95);
      const err = gradError(got.grad, ref.grad);
      console.log(
        `SSIM ${w}×${h}: gpu ${got.values.ssim} ref ${ssim}; grad rel ${err.rel} maxRel ${err.maxRel}`,
      );
      expect(err.rel).toBeLessThan(1e-4);
      expect(err.maxRel).toBeLessThan(1e-4);
    }
  });

  it.each([
    [37, 23, false],
    [37, 23, true],
    [128, 96, false],
    [128, 96, true],
  ])(
    'confidence-weighted 0.8·L1 + 0.2·D-SSIM and gradient match the reference at %i×%i (normalise %s)',
    async (w, h, normalizeConfidence) => {
      const y = texture(w, h, w * 7 + h);
      const x = perturbed(y, w, h, w + h);
      const conf = confidenceMap(w, h, w);
      const options = { lambda: 0.8, normalizeConfidence };
      const got = await runLoss(x, y, conf, w, h, options);
      const ref = imageLossReference(x, y, conf, w, h, options);
      expect(Math.abs(got.values.total - ref.total)).toBeLessThanOrEqual(1e-5 * Math.max(1, ref.total));
      expect(Math.abs(got.values.ssim - ref.ssim)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(got.values.l1 - ref.l1)).toBeLessThanOrEqual(1e-6);
      let confMean = 0;
      for (const c of conf) confMean += c / conf.length;
      expect(got.values.confidenceMean).toBeCloseTo(confMean, 5);
      const err = gradError(got.grad, ref.grad);
      console.log(
        `${w}×${h} normalise=${normalizeConfidence}: total gpu ${got.values.total} ref ${ref.total}; ` +
          `grad rel ${err.rel} maxRel ${err.maxRel}`,
      );
      expect(err.rel).toBeLessThan(1e-4);
      expect(err.maxRel).toBeLessThan(1e-4);
      // The weighting matters: the unweighted gradient is far from this one.
      const plain = imageLossReference(x, y, null, w, h, options);
      expect(gradError(plain.grad, ref.grad).rel).toBeGreaterThan(0.1);
    },
  );

  it('keeps the values of the last of several encodes in one submit and writes every gradient', async () => {
    const device = gpu.device;
    const [w, h] = [37, 23];
    const loss = new ImageLoss(device, w, h);
    const targets = [texture(w, h, 40), texture(w, h, 41)];
    const rendered = [perturbed(targets[0], w, h, 42), perturbed(targets[1], w, h, 43, 0.3)];
    const bufs = [0, 1].map((i) => ({
      x: createBuffer(device, 'x', rendered[i]),
      y: createBuffer(device, 'y', targets[i]),
      g: createBuffer(device, 'g', new Float32Array(w * h * 4).fill(123)),
    }));
    const encoder = device.createCommandEncoder();
    for (const b of bufs) loss.encode(encoder, b.x, b.y, null, b.g);
    device.queue.submit([encoder.finish()]);
    const values = await loss.read();
    for (let i = 0; i < 2; i++) {
      const ref = imageLossReference(rendered[i], targets[i], null, w, h);
      const err = gradError(await readF32(device, bufs[i].g, w * h * 4), ref.grad);
      expect(err.maxRel).toBeLessThan(1e-4);
      if (i === 1) expect(Math.abs(values.total - ref.total)).toBeLessThan(1e-5);
    }
    loss.destroy();
    for (const b of bufs) for (const buf of Object.values(b)) buf.destroy();
  });

  it('reports PSNR from the MSE', async () => {
    const [w, h] = [20, 20];
    const y = texture(w, h, 50);
    const x = y.map((v, i) => (i % 4 === 3 ? v : v + (i % 2 ? 0.01 : -0.01)));
    const got = await runLoss(x, y, null, w, h);
    expect(psnr(got.values.mse)).toBeCloseTo(40, 2);
  });
});
