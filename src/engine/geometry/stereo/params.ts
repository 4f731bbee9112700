/** Tunable parameters of the plane sweep and of the confidence, with their defaults. */

export interface SweepOptions {
  /** Depth planes, uniform in inverse depth (≤ GPU_CONSTANTS.STEREO_MAX_PLANES). */
  planes: number;
  /** Semi-global aggregation directions. */
  paths: 4 | 8;
  /** Penalty for a one-plane change between neighbours (costs are (1 − ZNCC)/2 in [0, 1]). */
  p1: number;
  /** Penalty for larger jumps, divided by (1 + |ΔI| / p2Grad) across reference image edges. */
  p2: number;
  p2Grad: number;
  /** Variance floor of ZNCC: windows with a grey-level std well below √znccEps score ≈ 0. */
  znccEps: number;
  /** Cost of a plane on which the pixel centre leaves the source image. */
  costOut: number;
}

export interface ConfidenceOptions {
  /** Left-right reprojection error (pixels) at which the consistency term reaches 0. */
  lrTol: number;
  /** ZNCC at the winner mapped to [0, 1] by smoothstep(znccLo, znccHi, ·). */
  znccLo: number;
  znccHi: number;
  /** Cost margin per path (second-best local minimum − best) that counts as fully distinct. */
  marginFull: number;
  /** Grey-level std of the reference window (texture) mapped by smoothstep(texLo, texHi, ·). */
  texLo: number;
  texHi: number;
}

export const DEFAULT_SWEEP: SweepOptions = {
  planes: 96,
  paths: 4,
  p1: 0.15,
  p2: 1.0,
  p2Grad: 0.05,
  znccEps: 2.5e-5,
  costOut: 1,
};

export const DEFAULT_CONFIDENCE: ConfidenceOptions = {
  lrTol: 1.5,
  znccLo: 0.3,
  znccHi: 0.7,
  marginFull: 0.1,
  texLo: 0.004,
  texHi: 0.012,
};
