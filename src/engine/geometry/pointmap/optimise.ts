/**
 * Global alignment by Adam (DUSt3R's PointCloudOptimizer / ReconX Eq. 2), on the CPU with analytic
 * gradients. Loss: Σ_e Σ_{v∈e} Σ_p log(conf)·‖X_v(p) − (σ_e R_e P_{v,e}(p) + t_e)‖ / (E·HW), with
 * X_v(p) = R_v·(d_v(p)·ray_{f_v}(p)) + T_v. Rotations are updated multiplicatively, R ← exp(−Δω)·R,
 * from gradients w.r.t. a left perturbation (δX = ω × X). Camera 0's pose is fixed (world gauge) and
 * the edge scales keep a fixed geometric mean (scale gauge, DUSt3R's pw_norm_scale_factor).
 */
import { normaliseScale } from './init';
import { expSO3, mul3, orthonormalise } from './rotation';
import { type AlignmentState, backproject, edgeFrame, edgeScales, pixelX, pixelY } from './state';
import type { AlignOptions } from './types';

const BETA1 = 0.9;
const BETA2 = 0.9;
const EPS = 1e-8;
const LR_MIN = 1e-6;
/** Focal moves slower than other parameters (DUSt3R stores 20·log f). */
const FOCAL_LR_SCALE = 1 / 20;

/** Flat parameter layout: depths of every view, then 7 per view (ω, T, log f), then 7 per edge (ω, t, log s). */
function layout(state: AlignmentState) {
  const pixels = state.size.width * state.size.height;
  const n = state.views.length;
  const viewBase = n * pixels;
  const edgeBase = viewBase + 7 * n;
  return { pixels, viewBase, edgeBase, total: edgeBase + 7 * state.edges.length };
}

/** Per-view world points and their accumulated gradients, reused across iterations. */
export interface Scratch {
  X: Float64Array[];
  G: Float64Array[];
}

export function makeScratch(state: AlignmentState): Scratch {
  const n = state.size.width * state.size.height * 3;
  return { X: state.views.map(() => new Float64Array(n)), G: state.views.map(() => new Float64Array(n)) };
}

/** Loss and gradient at the current state (gradient into `grad`, zeroed here). */
export function lossAndGradient(
  state: AlignmentState,
  grad: Float64Array,
  scratch = makeScratch(state),
): number {
  const { pixels, viewBase, edgeBase } = layout(state);
  const { width: w, height: h } = state.size;
  grad.fill(0);
  const X = state.views.map((v, k) => backproject(v, state.size, scratch.X[k]));
  const G = scratch.G;
  for (const g of G) g.fill(0);
  const scales = edgeScales(state);
  const E = state.edges.length;
  const norm = 1 / (E * pixels);
  let loss = 0;
  const gSigma = new Float64Array(E);

  const tied = state.edgeFrames === 'camera';
  state.edges.forEach((e, k) => {
    const s = scales[k];
    const { R, t } = edgeFrame(state, k);
    // A tied edge moves with camera i: its rotation/translation gradients belong to that view.
    const base = tied ? viewBase + 7 * e.pred.i : edgeBase + 7 * k;
    for (const [pts, wts, v] of [
      [e.pred.ptsI, e.wI, e.pred.i],
      [e.pred.ptsJ, e.wJ, e.pred.j],
    ] as const) {
      const Xv = X[v];
      const Gv = G[v];
      for (let p = 0; p < pixels; p++) {
        const wt = wts[p];
        if (wt === 0) continue;
        const P0 = pts[p * 3];
        const P1 = pts[p * 3 + 1];
        const P2 = pts[p * 3 + 2];
        const a0 = R[0] * P0 + R[1] * P1 + R[2] * P2;
        const a1 = R[3] * P0 + R[4] * P1 + R[5] * P2;
        const a2 = R[6] * P0 + R[7] * P1 + R[8] * P2;
        const r0 = Xv[p * 3] - (s * a0 + t[0]);
        const r1 = Xv[p * 3 + 1] - (s * a1 + t[1]);
        const r2 = Xv[p * 3 + 2] - (s * a2 + t[2]);
        const d = Math.sqrt(r0 * r0 + r1 * r1 + r2 * r2);
        loss += wt * d * norm;
        const c = (wt * norm) / Math.max(d, 1e-12);
        const g0 = c * r0;
        const g1 = c * r1;
        const g2 = c * r2;
        Gv[p * 3] += g0;
        Gv[p * 3 + 1] += g1;
        Gv[p * 3 + 2] += g2;
        // Y = s·a + t: dL/dt = −g, dL/dω = s·(a × −g), dL/ds = −g·a (a = R·P, δa = ω × a).
        grad[base + 3] -= g0;
        grad[base + 4] -= g1;
        grad[base + 5] -= g2;
        grad[base] -= s * (a1 * g2 - a2 * g1);
        grad[base + 1] -= s * (a2 * g0 - a0 * g2);
        grad[base + 2] -= s * (a0 * g1 - a1 * g0);
        gSigma[k] -= g0 * a0 + g1 * a1 + g2 * a2;
      }
    }
  });
  // σ_k = base·exp(ls_k − mean ls): dσ_k/dls_m = σ_k(δ_km − 1/E).
  let sumGS = 0;
  for (let k = 0; k < E; k++) sumGS += gSigma[k] * scales[k];
  for (let k = 0; k < E; k++) grad[edgeBase + 7 * k + 6] = gSigma[k] * scales[k] - sumGS / E;

  state.views.forEach((view, v) => {
    const f = Math.exp(view.logF);
    const R = view.R;
    const Gv = G[v];
    const Xv = X[v];
    const vb = viewBase + 7 * v;
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const p = row * w + col;
        const g0 = Gv[p * 3];
        const g1 = Gv[p * 3 + 1];
        const g2 = Gv[p * 3 + 2];
        if (g0 === 0 && g1 === 0 && g2 === 0) continue;
        // R·c = X − T; d(R·c)/d log d = R·c; d/dω = (R·c) × ·; d c/d log f = (−c_x, −c_y, 0).
        const q0 = Xv[p * 3] - view.T[0];
        const q1 = Xv[p * 3 + 1] - view.T[1];
        const q2 = Xv[p * 3 + 2] - view.T[2];
        grad[v * pixels + p] = g0 * q0 + g1 * q1 + g2 * q2;
        grad[vb] += q1 * g2 - q2 * g1;
        grad[vb + 1] += q2 * g0 - q0 * g2;
        grad[vb + 2] += q0 * g1 - q1 * g0;
        grad[vb + 3] += g0;
        grad[vb + 4] += g1;
        grad[vb + 5] += g2;
        const d = Math.exp(view.logDepth[p]);
        const cx = (d * pixelX(col, w)) / f;
        const cy = (d * pixelY(row, h)) / f;
        grad[vb + 6] -=
          g0 * (R[0] * cx + R[1] * cy) + g1 * (R[3] * cx + R[4] * cy) + g2 * (R[6] * cx + R[7] * cy);
      }
    }
  });
  // World gauge: camera 0 stays at the identity.
  for (let k = 0; k < 6; k++) grad[viewBase + k] = 0;
  return loss;
}

export interface OptimiseReport {
  iterations: number;
  initialLoss: number;
  finalLoss: number;
}

export function optimiseAlignment(state: AlignmentState, options: AlignOptions = {}): OptimiseReport {
  const iterations = options.iterations ?? (state.views.length > 2 ? 300 : 0);
  const lr0 = options.lr ?? 0.01;
  const schedule = options.schedule ?? 'linear';
  const { pixels, viewBase, edgeBase, total } = layout(state);
  const grad = new Float64Array(total);
  const m = new Float64Array(total);
  const v2 = new Float64Array(total);
  const step = new Float64Array(total);
  const scratch = makeScratch(state);
  const initialLoss = lossAndGradient(state, grad, scratch);
  let finalLoss = initialLoss;
  for (let it = 0; it < iterations; it++) {
    if (it > 0) finalLoss = lossAndGradient(state, grad, scratch);
    if (options.optimiseFocal === false)
      for (let v = 0; v < state.views.length; v++) grad[viewBase + 7 * v + 6] = 0;
    const t = it / iterations;
    const lr =
      schedule === 'cosine'
        ? LR_MIN + ((lr0 - LR_MIN) * (1 + Math.cos(Math.PI * t))) / 2
        : lr0 + (LR_MIN - lr0) * t;
    const c1 = 1 - BETA1 ** (it + 1);
    const c2 = 1 - BETA2 ** (it + 1);
    for (let k = 0; k < total; k++) {
      m[k] = BETA1 * m[k] + (1 - BETA1) * grad[k];
      v2[k] = BETA2 * v2[k] + (1 - BETA2) * grad[k] * grad[k];
      step[k] = (lr * (m[k] / c1)) / (Math.sqrt(v2[k] / c2) + EPS);
    }
    state.views.forEach((view, v) => {
      for (let p = 0; p < pixels; p++) view.logDepth[p] -= step[v * pixels + p];
      const b = viewBase + 7 * v;
      if (v > 0) {
        view.R = orthonormalise(mul3(expSO3([-step[b], -step[b + 1], -step[b + 2]]), view.R));
        for (let c = 0; c < 3; c++) view.T[c] -= step[b + 3 + c];
      }
      view.logF -= FOCAL_LR_SCALE * step[b + 6];
    });
    state.edges.forEach((e, k) => {
      const b = edgeBase + 7 * k;
      if (state.edgeFrames === 'free') {
        e.R = orthonormalise(mul3(expSO3([-step[b], -step[b + 1], -step[b + 2]]), e.R));
        for (let c = 0; c < 3; c++) e.t[c] -= step[b + 3 + c];
      }
      e.logS -= step[b + 6];
    });
  }
  if (iterations > 0) {
    normaliseScale(state);
    finalLoss = lossAndGradient(state, grad, scratch);
  }
  return { iterations, initialLoss, finalLoss };
}
