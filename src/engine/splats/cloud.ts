import type { RenderMode } from './raster-constants';

/**
 * A Gaussian splat scene on the CPU, structure of arrays (DESIGN.md conventions). The GPU keeps the same
 * layouts in flat f32 buffers, so upload and download are plain copies.
 */
export interface GaussianCloud {
  count: number;
  /** Spherical-harmonics degree, 0–3. */
  shDegree: number;
  /** xyz per splat, world frame. */
  means: Float32Array;
  /** Natural-log scales, xyz per splat. */
  logScales: Float32Array;
  /** Quaternion w, x, y, z per splat (not necessarily normalised). */
  rotations: Float32Array;
  /** Opacity before the sigmoid. */
  opacityLogits: Float32Array;
  /** SH coefficients per splat, coefficient-major: [k][r, g, b], k = 0 is DC; shCoeffs(shDegree) × 3 floats. */
  sh: Float32Array;
  /** The screen-space filter the splats were fitted with (absent: 'classic'); every render uses it. */
  renderMode?: RenderMode;
}

/** SH band-0 constant: RGB = 0.5 + SH_C0 · DC. */
export const SH_C0 = 0.28209479177387814;

export const shCoeffs = (degree: number): number => (degree + 1) * (degree + 1);

export function emptyCloud(count: number, shDegree = 0): GaussianCloud {
  return {
    count,
    shDegree,
    means: new Float32Array(count * 3),
    logScales: new Float32Array(count * 3),
    rotations: new Float32Array(count * 4),
    opacityLogits: new Float32Array(count),
    sh: new Float32Array(count * shCoeffs(shDegree) * 3),
  };
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const logit = (p: number): number => Math.log(p / (1 - p));
