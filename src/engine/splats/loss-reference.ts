/**
 * Plain-TypeScript (float64) references for the GPU image loss in loss.ts: SSIM map and value, its exact
 * gradient, L1 and the confidence-weighted combination. Images use the GPU layout: RGBA interleaved,
 * pixel (x, y) at (y·width + x)·4; alpha is ignored. Written for clarity, not speed.
 */

import { GPU_CONSTANTS } from '../gpu/constants';

const { SSIM_RADIUS } = GPU_CONSTANTS;

/** SSIM constants (Wang et al.; 3DGS `utils/loss_utils.py`, fused-ssim), for images in [0, 1]. */
export const SSIM_C1 = 0.01 ** 2;
export const SSIM_C2 = 0.03 ** 2;
/** Standard deviation of the 11×11 Gaussian window, in pixels. */
export const SSIM_SIGMA = 1.5;
/** Default weight of L1 against D-SSIM (InstantSplat / 3DGS: 0.8·L1 + 0.2·(1 − SSIM)). */
export const DEFAULT_LAMBDA = 0.8;

/** Normalised 1D Gaussian taps for offsets −radius..radius. */
export function gaussianWindow(radius: number, sigma: number = SSIM_SIGMA): Float64Array {
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    taps[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
    sum += taps[k + radius];
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

/**
 * Separable correlation with a symmetric window, zero padding, same-size output. With a symmetric window
 * this operator is its own transpose, which is what the backward pass relies on.
 */
export function blur(
  src: ArrayLike<number>,
  width: number,
  height: number,
  taps: Float64Array,
): Float64Array {
  const r = (taps.length - 1) / 2;
  const tmp = new Float64Array(width * height);
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const xx = x + k;
        if (xx >= 0 && xx < width) s += taps[k + r] * src[y * width + xx];
      }
      tmp[y * width + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -r; k <= r; k++) {
        const yy = y + k;
        if (yy >= 0 && yy < height) s += taps[k + r] * tmp[yy * width + x];
      }
      out[y * width + x] = s;
    }
  }
  return out;
}

function channel(image: ArrayLike<number>, pixels: number, c: number): Float64Array {
  const out = new Float64Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = image[i * 4 + c];
  return out;
}

/** Per-channel SSIM map and its partial derivatives with respect to the local statistics of x. */
export interface SsimChannel {
  /** SSIM per pixel. */
  s: Float64Array;
  /** ∂S/∂μx, ∂S/∂E[x²], ∂S/∂E[xy] per pixel (E[x²], E[xy] treated as independent statistics). */
  dMu: Float64Array;
  dXX: Float64Array;
  dXY: Float64Array;
}

/** SSIM of x against y (x is the rendered image, the one differentiated), one entry per RGB channel. */
export function ssimChannels(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  width: number,
  height: number,
  radius = SSIM_RADIUS,
): SsimChannel[] {
  const n = width * height;
  const taps = gaussianWindow(radius);
  const channels: SsimChannel[] = [];
  for (let c = 0; c < 3; c++) {
    const xc = channel(x, n, c);
    const yc = channel(y, n, c);
    const xx = xc.map((v) => v * v);
    const yy = yc.map((v) => v * v);
    const xy = xc.map((v, i) => v * yc[i]);
    const mx = blur(xc, width, height, taps);
    const my = blur(yc, width, height, taps);
    const exx = blur(xx, width, height, taps);
    const eyy = blur(yy, width, height, taps);
    const exy = blur(xy, width, height, taps);
    const s = new Float64Array(n);
    const dMu = new Float64Array(n);
    const dXX = new Float64Array(n);
    const dXY = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = mx[i] * mx[i] + my[i] * my[i] + SSIM_C1;
      const b = exx[i] - mx[i] * mx[i] + (eyy[i] - my[i] * my[i]) + SSIM_C2;
      const cn = 2 * mx[i] * my[i] + SSIM_C1;
      const d = 2 * (exy[i] - mx[i] * my[i]) + SSIM_C2;
      const ab = a * b;
      s[i] = (cn * d) / ab;
      // S = Cn·D/(A·B); μx enters A (+2μx), B (−2μx), Cn (+2μy) and D (−2μy).
      dMu[i] =
        (2 * my[i] * d - 2 * my[i] * cn) / ab -
        (2 * mx[i] * cn * d) / (a * ab) +
        (2 * mx[i] * cn * d) / (ab * b);
      dXX[i] = -(cn * d) / (ab * b);
      dXY[i] = (2 * cn) / ab;
    }
    channels.push({ s, dMu, dXX, dXY });
  }
  return channels;
}

/** Mean SSIM over all pixels and RGB channels. */
export function ssimReference(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  width: number,
  height: number,
): number {
  let sum = 0;
  for (const ch of ssimChannels(x, y, width, height)) for (const v of ch.s) sum += v;
  return sum / (width * height * 3);
}

/**
 * Gradient of Σ_{pixel,c} w[pixel,c]·S[pixel,c] with respect to x, given SSIM channels of (x, y):
 * ∂/∂x = blur(w·∂S/∂μx) + 2x·blur(w·∂S/∂E[x²]) + y·blur(w·∂S/∂E[xy]). Weights per pixel per channel
 * (pixel·3 + c). Returns RGBA interleaved with alpha 0.
 */
export function ssimGradReference(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  width: number,
  height: number,
  weights: ArrayLike<number>,
  channels: SsimChannel[] = ssimChannels(x, y, width, height),
): Float64Array {
  // The window is self-adjoint (symmetric taps, zero padding), so the backward uses the forward's blur.
  const n = width * height;
  const taps = gaussianWindow(SSIM_RADIUS);
  const grad = new Float64Array(n * 4);
  for (let c = 0; c < 3; c++) {
    const ch = channels[c];
    const pMu = new Float64Array(n);
    const pXX = new Float64Array(n);
    const pXY = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const w = weights[i * 3 + c];
      pMu[i] = w * ch.dMu[i];
      pXX[i] = w * ch.dXX[i];
      pXY[i] = w * ch.dXY[i];
    }
    const bMu = blur(pMu, width, height, taps);
    const bXX = blur(pXX, width, height, taps);
    const bXY = blur(pXY, width, height, taps);
    for (let i = 0; i < n; i++) {
      grad[i * 4 + c] = bMu[i] + 2 * x[i * 4 + c] * bXX[i] + y[i * 4 + c] * bXY[i];
    }
  }
  return grad;
}

/** Mean |x − y| over all pixels and RGB channels. */
export function l1Reference(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  width: number,
  height: number,
): number {
  let sum = 0;
  for (let i = 0; i < width * height; i++)
    for (let c = 0; c < 3; c++) sum += Math.abs(x[i * 4 + c] - y[i * 4 + c]);
  return sum / (width * height * 3);
}

/** Peak signal-to-noise ratio in dB of a mean squared error, for images in [0, peak]. */
export function psnr(mse: number, peak = 1): number {
  return 10 * Math.log10((peak * peak) / mse);
}

export interface ImageLossReferenceOptions {
  lambda?: number;
  normalizeConfidence?: boolean;
}

export interface ImageLossReferenceResult {
  /** The objective: mean over W·H·3 of k·conf·(λ·|x−y| + (1−λ)·(1−SSIM)), k = 1/mean(conf) or 1. */
  total: number;
  /** Unweighted mean |x − y|. */
  l1: number;
  /** Unweighted mean SSIM. */
  ssim: number;
  /** Unweighted mean (x − y)². */
  mse: number;
  /** ∂total/∂x, RGBA interleaved, alpha 0. */
  grad: Float64Array;
}

/** The combined loss of loss.ts and its gradient with respect to x (the rendered image). */
export function imageLossReference(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  confidence: ArrayLike<number> | null,
  width: number,
  height: number,
  options: ImageLossReferenceOptions = {},
): ImageLossReferenceResult {
  const lambda = options.lambda ?? DEFAULT_LAMBDA;
  const n = width * height;
  const count = n * 3;
  const conf = (i: number): number => (confidence ? confidence[i] : 1);
  let confSum = 0;
  for (let i = 0; i < n; i++) confSum += conf(i);
  const k = options.normalizeConfidence ? (confSum > 0 ? n / confSum : 0) : 1;

  const channels = ssimChannels(x, y, width, height);
  const weights = new Float64Array(count);
  let total = 0;
  let l1 = 0;
  let ssim = 0;
  let mse = 0;
  const grad = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const w = k * conf(i);
    for (let c = 0; c < 3; c++) {
      const d = x[i * 4 + c] - y[i * 4 + c];
      const s = channels[c].s[i];
      total += w * (lambda * Math.abs(d) + (1 - lambda) * (1 - s));
      l1 += Math.abs(d);
      ssim += s;
      mse += d * d;
      grad[i * 4 + c] = (w * lambda * Math.sign(d)) / count;
      weights[i * 3 + c] = (-(1 - lambda) * w) / count;
    }
  }
  const gs = ssimGradReference(x, y, width, height, weights, channels);
  for (let i = 0; i < grad.length; i++) grad[i] += gs[i];
  return { total: total / count, l1: l1 / count, ssim: ssim / count, mse: mse / count, grad };
}
