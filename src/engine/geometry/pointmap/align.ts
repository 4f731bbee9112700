/** Pairwise pointmaps → cameras, focals and depth maps in one world (view 0 = world, median depth 1). */
import { initialiseAlignment } from './init';
import { optimiseAlignment } from './optimise';
import { type AlignmentState, alignmentResidual, edgeFrame, edgeScales } from './state';
import type { AlignmentResult, AlignOptions, PairPrediction, PointmapSize } from './types';

/** Raw confidence per view: the max over every prediction of that view (DUSt3R's im_conf). */
function viewConfidence(preds: PairPrediction[], n: number, pixels: number): Float32Array[] {
  const out = Array.from({ length: n }, () => new Float32Array(pixels));
  for (const p of preds) {
    for (const [v, conf] of [
      [p.i, p.confI],
      [p.j, p.confJ],
    ] as const) {
      const o = out[v];
      for (let k = 0; k < pixels; k++) if (conf[k] > o[k]) o[k] = conf[k];
    }
  }
  return out;
}

export function resultOf(
  state: AlignmentState,
  preds: PairPrediction[],
  loss: AlignmentResult['loss'],
): AlignmentResult {
  const pixels = state.size.width * state.size.height;
  const scales = edgeScales(state);
  return {
    focals: state.views.map((v) => Math.exp(v.logF)),
    rotations: state.views.map((v) => [...v.R]),
    centres: state.views.map((v) => [v.T[0], v.T[1], v.T[2]]),
    depths: state.views.map((v) => Float32Array.from(v.logDepth, Math.exp)),
    confidence: viewConfidence(preds, state.views.length, pixels),
    edges: state.edges.map((e, k) => {
      const { R, t } = edgeFrame(state, k);
      return {
        i: e.pred.i,
        j: e.pred.j,
        score: e.score,
        sim: { s: scales[k], R: [...R], t: [t[0], t[1], t[2]] },
      };
    }),
    loss,
    tree: state.tree,
  };
}

/**
 * Closed-form initialisation (always) followed by `iterations` Adam steps of the global alignment
 * (default: none for two views — the closed form is exact for consistent predictions — and 300 for more).
 */
export function alignPointmaps(
  preds: PairPrediction[],
  n: number,
  size: PointmapSize,
  options: AlignOptions = {},
): AlignmentResult {
  const state = initialiseAlignment(preds, n, size, options.edgeFrames ?? 'camera');
  const initial = alignmentResidual(state);
  const report = optimiseAlignment(state, options);
  const final = report.iterations > 0 ? alignmentResidual(state) : initial;
  return resultOf(state, preds, { initial, final });
}
