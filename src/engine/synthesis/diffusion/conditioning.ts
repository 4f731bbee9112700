/**
 * Conditioning tensors for the video U-Net: images as [3,H,W] tensors in [-1,1], the CLIP preprocessing
 * of the image encoder (bicubic to 224, mean/std), Plücker ray maps (method.md §6) and the window plan
 * that maps a trajectory segment onto the model's T frames.
 */
import { type Camera, cameraFromWorld, scaleIntrinsics } from '../../geometry/camera';
import { multiply } from '../../geometry/mat4';

/** RGBA8 (w×h) → [3,H,W] in [-1,1], bilinear with pixel centres at +0.5; `mask` zeroes pixels (→ black). */
export function rgbaToTensor(
  rgba: ArrayLike<number>,
  w: number,
  h: number,
  W: number,
  H: number,
  mask?: (x: number, y: number) => boolean,
): Float32Array {
  const out = new Float32Array(3 * W * H);
  const n = W * H;
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / H - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (mask && !mask(x, y)) {
        for (let c = 0; c < 3; c++) out[c * n + i] = -1;
        continue;
      }
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / W - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const v =
          (1 - fy) * ((1 - fx) * rgba[4 * (y0 * w + x0) + c] + fx * rgba[4 * (y0 * w + x1) + c]) +
          fy * ((1 - fx) * rgba[4 * (y1 * w + x0) + c] + fx * rgba[4 * (y1 * w + x1) + c]);
        out[c * n + i] = (v / 255) * 2 - 1;
      }
    }
  }
  return out;
}

/** [3,H,W] in [-1,1] → RGBA8 (clamped, alpha 255). */
export function tensorToRgba(t: Float32Array, W: number, H: number): Uint8ClampedArray {
  const n = W * H;
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++)
      out[4 * i + c] = Math.round(((Math.max(-1, Math.min(1, t[c * n + i])) + 1) / 2) * 255);
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Nearest-neighbour resize of a per-pixel float map. */
export function resizeNearest(src: Float32Array, w: number, h: number, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / H));
    for (let x = 0; x < W; x++)
      out[y * W + x] = src[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / W))];
  }
  return out;
}

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
export const CLIP_SIZE = 224;

/** PyTorch's bicubic kernel (A = −0.75). */
function cubic(x: number): number {
  const a = -0.75;
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/**
 * FrozenOpenCLIPImageEmbedderV2's preprocessing: bicubic resize to 224² with align_corners=True, [-1,1]
 * → [0,1], then (x − mean)/std. (PyTorch also antialiases when shrinking; this does not.)
 */
export function clipPreprocess(t: Float32Array, W: number, H: number): Float32Array {
  const S = CLIP_SIZE;
  const out = new Float32Array(3 * S * S);
  const n = W * H;
  const taps = (dst: number, src: number) => {
    const pos = (dst * (src - 1)) / (S - 1);
    const base = Math.floor(pos);
    return [-1, 0, 1, 2].map((k) => ({
      i: Math.min(src - 1, Math.max(0, base + k)),
      w: cubic(pos - (base + k)),
    }));
  };
  const xs = Array.from({ length: S }, (_, x) => taps(x, W));
  const ys = Array.from({ length: S }, (_, y) => taps(y, H));
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        let v = 0;
        for (const ty of ys[y]) for (const tx of xs[x]) v += ty.w * tx.w * t[c * n + ty.i * W + tx.i];
        out[c * S * S + y * S + x] = ((v + 1) / 2 - CLIP_MEAN[c]) / CLIP_STD[c];
      }
    }
  }
  return out;
}

/**
 * Plücker ray maps [6,T,h,w] (channel-major like the latents): cameras relative to the first one
 * (c2w_rel = w2c_0·c2w_k), rays through pixel centres of the h×w latent grid, embedding (o × d, d).
 */
export function pluckerRays(cameras: Camera[], w: number, h: number): Float32Array {
  const T = cameras.length;
  const out = new Float32Array(6 * T * h * w);
  const plane = T * h * w;
  const w2c0 = cameraFromWorld(cameras[0]);
  cameras.forEach((cam, f) => {
    const rel = multiply(w2c0, cam.worldFromCamera);
    const k = scaleIntrinsics(cam.intrinsics, w, h);
    const o = [rel[12], rel[13], rel[14]];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const c = [(x + 0.5 - k.cx) / k.fx, (y + 0.5 - k.cy) / k.fy, 1];
        const d = [0, 1, 2].map((r) => rel[r] * c[0] + rel[4 + r] * c[1] + rel[8 + r] * c[2]);
        const len = Math.hypot(d[0], d[1], d[2]);
        for (let r = 0; r < 3; r++) d[r] /= len;
        const m = [o[1] * d[2] - o[2] * d[1], o[2] * d[0] - o[0] * d[2], o[0] * d[1] - o[1] * d[0]];
        const i = (f * h + y) * w + x;
        for (let ch = 0; ch < 3; ch++) {
          out[ch * plane + i] = m[ch];
          out[(3 + ch) * plane + i] = d[ch];
        }
      }
    }
  });
  return out;
}

/** One model window: trajectory frames first..last mapped onto T slots. */
export interface WindowPlan {
  first: number;
  last: number;
  /** Trajectory frame of each of the T slots (frames repeat when the window has fewer than T). */
  slotFrame: number[];
  /** Slot whose output becomes each frame first..last. */
  frameSlot: number[];
}

/**
 * Splits frames start..end into ⌈(n−1)/(T−1)⌉ windows that share their end frames. A window with fewer
 * than T frames is stretched over the T slots (the model is run at its trained length and subsampled,
 * method.md §8.7), so every window runs at exactly T.
 */
export function planWindows(start: number, end: number, T: number): WindowPlan[] {
  if (T < 2) throw new Error('video model: T must be at least 2');
  const n = end - start + 1;
  const k = Math.max(1, Math.ceil((n - 1) / (T - 1)));
  const bounds = Array.from({ length: k + 1 }, (_, j) => start + Math.round((j * (n - 1)) / k));
  const plans: WindowPlan[] = [];
  for (let j = 0; j < k; j++) {
    const first = bounds[j];
    const last = bounds[j + 1];
    const m = last - first + 1;
    const slotFrame = Array.from({ length: T }, (_, s) => first + Math.round((s * (m - 1)) / (T - 1)));
    const frameSlot = Array.from({ length: m }, (_, i) =>
      m === 1 ? 0 : Math.round((i * (T - 1)) / (m - 1)),
    );
    plans.push({ first, last, slotFrame, frameSlot });
  }
  return plans;
}
