import { mul3, transpose3 } from './linalg';

/** Pinhole intrinsics with square pixels (fx = fy = f), principal point (cx, cy) in pixels. */
export interface PinholeK {
  f: number;
  cx: number;
  cy: number;
}

/** Normalised coordinates K⁻¹·(u, v, 1) of interleaved pixel coordinates. */
export function normalise(px: ArrayLike<number>, k: PinholeK): Float64Array {
  const out = new Float64Array(px.length);
  for (let i = 0; i < px.length; i += 2) {
    out[i] = (px[i] - k.cx) / k.f;
    out[i + 1] = (px[i + 1] - k.cy) / k.f;
  }
  return out;
}

export const kMatrix = (k: PinholeK): Float64Array => Float64Array.of(k.f, 0, k.cx, 0, k.f, k.cy, 0, 0, 1);
export const kInverse = (k: PinholeK): Float64Array =>
  Float64Array.of(1 / k.f, 0, -k.cx / k.f, 0, 1 / k.f, -k.cy / k.f, 0, 0, 1);

/** Pixel fundamental matrix F = K_b⁻ᵀ·E·K_a⁻¹. */
export const fundamentalFromEssential = (e: ArrayLike<number>, ka: PinholeK, kb: PinholeK): Float64Array =>
  mul3(mul3(transpose3(kInverse(kb)), e), kInverse(ka));
