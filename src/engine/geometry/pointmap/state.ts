/**
 * The parameters of the global alignment (DUSt3R's PointCloudOptimizer, ReconX Eq. 2): per view a
 * log-depth map, a camera-to-world rotation and centre and a log focal; per directed edge a
 * similarity (rotation, translation, log scale) that maps its pairwise prediction into the world.
 */
import { logWeight } from './confidence';
import type { PairPrediction, PointmapSize } from './types';

export interface ViewParams {
  logDepth: Float64Array;
  /** Camera-to-world rotation, row-major. */
  R: number[];
  /** Camera centre in the world. */
  T: number[];
  logF: number;
}

export interface EdgeParams {
  pred: PairPrediction;
  score: number;
  R: number[];
  t: number[];
  logS: number;
  /** log(conf) weights of the two pointmaps (0 for unusable pixels). */
  wI: Float32Array;
  wJ: Float32Array;
}

export interface AlignmentState {
  size: PointmapSize;
  views: ViewParams[];
  edges: EdgeParams[];
  /** Geometric mean the edge scales are normalised to (prevents the all-zero collapse). */
  baseScale: number;
  /**
   * 'camera': an edge (i, j) predicts in camera i's frame, so its rotation and origin are camera i's
   * and only its scale is free. 'free': DUSt3R's independent 7-DoF pairwise pose per edge.
   */
  edgeFrames: 'camera' | 'free';
  tree: [number, number][];
}

/** Pixel offset from the principal point (image centre), pixel centres at +0.5. */
export const pixelX = (col: number, width: number): number => col + 0.5 - width / 2;
export const pixelY = (row: number, height: number): number => row + 0.5 - height / 2;

/** World points of a view from its parameters (H×W×3, float64). */
export function backproject(view: ViewParams, size: PointmapSize, out?: Float64Array): Float64Array {
  const { width: w, height: h } = size;
  const X = out ?? new Float64Array(w * h * 3);
  const f = Math.exp(view.logF);
  const R = view.R;
  for (let row = 0; row < h; row++) {
    const y = pixelY(row, h) / f;
    for (let col = 0; col < w; col++) {
      const i = row * w + col;
      const d = Math.exp(view.logDepth[i]);
      const cx = d * (pixelX(col, w) / f);
      const cy = d * y;
      X[i * 3] = R[0] * cx + R[1] * cy + R[2] * d + view.T[0];
      X[i * 3 + 1] = R[3] * cx + R[4] * cy + R[5] * d + view.T[1];
      X[i * 3 + 2] = R[6] * cx + R[7] * cy + R[8] * d + view.T[2];
    }
  }
  return X;
}

/** Rotation and translation that map edge k's prediction into the world (before its scale). */
export function edgeFrame(state: AlignmentState, k: number): { R: number[]; t: number[] } {
  const e = state.edges[k];
  if (state.edgeFrames === 'free') return { R: e.R, t: e.t };
  const v = state.views[e.pred.i];
  return { R: v.R, t: v.T };
}

/** Edge scales after normalisation: baseScale · exp(logS − mean logS). */
export function edgeScales(state: AlignmentState): number[] {
  const mean = state.edges.reduce((s, e) => s + e.logS, 0) / Math.max(1, state.edges.length);
  return state.edges.map((e) => state.baseScale * Math.exp(e.logS - mean));
}

/** log(conf) weights of one pointmap, zero where the prediction is not finite. */
export function pointWeights(pts: Float32Array, conf: Float32Array): Float32Array {
  const out = new Float32Array(conf.length);
  for (let i = 0; i < conf.length; i++) {
    const finite =
      Number.isFinite(pts[i * 3]) && Number.isFinite(pts[i * 3 + 1]) && Number.isFinite(pts[i * 3 + 2]);
    out[i] = finite ? logWeight(conf[i]) : 0;
  }
  return out;
}

/**
 * Confidence-weighted mean distance Σ w·|X_v − (σ R_e P + t_e)| / Σ w over every edge and both of
 * its views: the quantity the optimiser minimises (up to the normalisation), reported in world units.
 */
export function alignmentResidual(state: AlignmentState): number {
  const X = state.views.map((v) => backproject(v, state.size));
  const scales = edgeScales(state);
  let num = 0;
  let den = 0;
  state.edges.forEach((e, k) => {
    const s = scales[k];
    const { R, t } = edgeFrame(state, k);
    for (const [pts, w, v] of [
      [e.pred.ptsI, e.wI, e.pred.i],
      [e.pred.ptsJ, e.wJ, e.pred.j],
    ] as const) {
      const Xv = X[v];
      for (let p = 0; p < w.length; p++) {
        if (w[p] === 0) continue;
        const a0 = pts[p * 3];
        const a1 = pts[p * 3 + 1];
        const a2 = pts[p * 3 + 2];
        const r0 = Xv[p * 3] - (s * (R[0] * a0 + R[1] * a1 + R[2] * a2) + t[0]);
        const r1 = Xv[p * 3 + 1] - (s * (R[3] * a0 + R[4] * a1 + R[5] * a2) + t[1]);
        const r2 = Xv[p * 3 + 2] - (s * (R[6] * a0 + R[7] * a1 + R[8] * a2) + t[2]);
        num += w[p] * Math.sqrt(r0 * r0 + r1 * r1 + r2 * r2);
        den += w[p];
      }
    }
  });
  return den > 0 ? num / den : 0;
}
