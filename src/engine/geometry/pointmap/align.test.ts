import { describe, expect, it } from 'vitest';
import { alignPointmaps, resultOf } from './align';
import { unitConfidence } from './confidence';
import { initialiseAlignment } from './init';
import { lossAndGradient, optimiseAlignment } from './optimise';
import { applySimilarity, weightedSimilarity } from './procrustes';
import { Rng } from './rng';
import { expSO3, mul3, rotationDistanceDeg } from './rotation';
import { type SyntheticPointmaps, syntheticPointmaps } from './synthetic';
import type { AlignmentResult } from './types';
import { estimateFocal } from './weiszfeld';

/** Errors of an alignment against the synthetic truth (world = camera 0, scale by median depth of view 0). */
function errors(result: AlignmentResult, truth: SyntheticPointmaps) {
  const d0 = [...truth.depths[0]].sort((a, b) => a - b);
  const m = 0.5 * (d0[(d0.length >> 1) - 1] + d0[d0.length >> 1]);
  return truth.cameras.map((cam, v) => ({
    focalRel: Math.abs(result.focals[v] / cam.focal - 1),
    rotDeg: rotationDistanceDeg(result.rotations[v], cam.R),
    centre: Math.hypot(...cam.C.map((c, a) => c / m - result.centres[v][a])),
    depthRel: (() => {
      let worst = 0;
      for (let p = 0; p < truth.depths[v].length; p++) {
        worst = Math.max(worst, Math.abs(result.depths[v][p] / (truth.depths[v][p] / m) - 1));
      }
      return worst;
    })(),
  }));
}

describe('weighted similarity (Umeyama / Horn)', () => {
  it('recovers a random similarity exactly, with weights and ignored outliers', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const R = expSO3([rng.normal(), rng.normal(), rng.normal()]);
      const s = 0.2 + 3 * rng.uniform();
      const t: [number, number, number] = [rng.normal(), rng.normal(), rng.normal()];
      const n = 50;
      const src = new Float64Array(n * 3).map(() => rng.normal());
      const dst = applySimilarity({ s, R, t }, src);
      const w = new Float32Array(n).map(() => 0.1 + rng.uniform());
      // Garbage points with weight 0 must not matter.
      for (let k = 0; k < 5; k++) {
        dst[k * 3] += 10;
        w[k] = 0;
      }
      const sim = weightedSimilarity(src, dst, w);
      expect(sim).not.toBeNull();
      if (!sim) return;
      expect(Math.abs(sim.s / s - 1)).toBeLessThan(1e-5);
      expect(rotationDistanceDeg(sim.R, R)).toBeLessThan(1e-3);
      for (let a = 0; a < 3; a++) expect(Math.abs(sim.t[a] - t[a])).toBeLessThan(1e-4);
    }
  });

  it('returns a proper rotation for a reflected point set', () => {
    const src = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];
    const dst = src.map((v, k) => (k % 3 === 0 ? -v : v));
    const sim = weightedSimilarity(src, dst);
    if (!sim) throw new Error('no similarity');
    const R = sim.R;
    const det =
      R[0] * (R[4] * R[8] - R[5] * R[7]) -
      R[1] * (R[3] * R[8] - R[5] * R[6]) +
      R[2] * (R[3] * R[7] - R[4] * R[6]);
    expect(det).toBeCloseTo(1, 6);
  });
});

describe('Weiszfeld focal', () => {
  it('recovers the focal of a pinhole pointmap exactly and resists 10% outliers', () => {
    const truth = syntheticPointmaps({ views: 2, width: 40, height: 30, seed: 5 });
    const pred = truth.preds[0];
    expect(estimateFocal(pred.ptsI, 40, 30) / truth.cameras[0].focal).toBeCloseTo(1, 5);
    const noisy = syntheticPointmaps({ views: 2, width: 40, height: 30, seed: 5, outliers: 0.1 });
    const f = estimateFocal(noisy.preds[0].ptsI, 40, 30);
    expect(Math.abs(f / truth.cameras[0].focal - 1)).toBeLessThan(0.03);
  });
});

describe('pointmap alignment', () => {
  it('two views: closed form recovers focals, relative pose and depth exactly', () => {
    const truth = syntheticPointmaps({ views: 2, seed: 11 });
    const result = alignPointmaps(truth.preds, 2, truth.size);
    for (const e of errors(result, truth)) {
      expect(e.focalRel).toBeLessThan(1e-4);
      expect(e.rotDeg).toBeLessThan(0.01);
      expect(e.centre).toBeLessThan(1e-4);
      expect(e.depthRel).toBeLessThan(1e-4);
    }
    // Each edge's similarity maps its prediction onto the world (scales are the pair scales, relative).
    const ratio = result.edges[0].sim.s / result.edges[1].sim.s;
    expect(ratio / (truth.pairScales[1] / truth.pairScales[0])).toBeCloseTo(1, 4);
    expect(result.loss.initial).toBeLessThan(1e-5);
  });

  it('four views: spanning-tree start is exact and 300 Adam steps keep it', () => {
    const truth = syntheticPointmaps({ views: 4, seed: 7 });
    const state = initialiseAlignment(truth.preds, 4, truth.size);
    const init = resultOf(state, truth.preds, { initial: 0, final: 0 });
    for (const e of errors(init, truth)) {
      expect(e.focalRel).toBeLessThan(1e-4);
      expect(e.rotDeg).toBeLessThan(0.01);
      expect(e.centre).toBeLessThan(1e-4);
    }
    const result = alignPointmaps(truth.preds, 4, truth.size, { iterations: 300 });
    for (const e of errors(result, truth)) {
      expect(e.focalRel).toBeLessThan(1e-4);
      expect(e.rotDeg).toBeLessThan(0.01);
      expect(e.centre).toBeLessThan(1e-4);
    }
  });

  it.each(['camera', 'free'] as const)(
    'analytic gradient matches finite differences (%s edge frames)',
    (frames) => {
      const truth = syntheticPointmaps({ views: 3, width: 8, height: 6, seed: 2, noise: 0.02 });
      const state = initialiseAlignment(truth.preds, 3, truth.size, frames);
      if (frames === 'free') state.edges[3].t[1] += 0.02;
      // Move away from the optimum so no residual is near zero.
      state.views[1].T[0] += 0.05;
      state.views[2].logF += 0.03;
      state.edges[2].logS += 0.1;
      const pixels = 48;
      const total = 3 * pixels + 7 * 3 + 7 * state.edges.length;
      const grad = new Float64Array(total);
      lossAndGradient(state, grad);
      const scratch = new Float64Array(total);
      const loss = () => lossAndGradient(state, scratch);
      const h = 1e-6;
      const check = (analytic: number, bump: (d: number) => void) => {
        bump(h);
        const up = loss();
        bump(-2 * h);
        const down = loss();
        bump(h);
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(analytic - numeric)).toBeLessThan(1e-6 + 1e-4 * Math.abs(numeric));
      };
      const viewBase = 3 * pixels;
      const edgeBase = viewBase + 21;
      check(grad[pixels + 5], (d) => {
        state.views[1].logDepth[5] += d;
      });
      for (let a = 0; a < 3; a++) {
        const w = [0, 0, 0];
        check(grad[viewBase + 7 + a], (d) => {
          w[a] = d;
          state.views[1].R = mul3(expSO3(w), state.views[1].R);
        });
        check(grad[viewBase + 14 + 3 + a], (d) => {
          state.views[2].T[a] += d;
        });
        check(grad[edgeBase + 7 * 3 + a], (d) => {
          w[a] = d;
          state.edges[3].R = mul3(expSO3(w), state.edges[3].R);
        });
        check(grad[edgeBase + 7 * 4 + 3 + a], (d) => {
          state.edges[4].t[a] += d;
        });
      }
      check(grad[viewBase + 14 + 6], (d) => {
        state.views[2].logF += d;
      });
      check(grad[edgeBase + 7 * 2 + 6], (d) => {
        state.edges[2].logS += d;
      });
    },
  );

  it('Adam recovers cameras from a perturbed start', () => {
    const truth = syntheticPointmaps({ views: 3, seed: 21 });
    const state = initialiseAlignment(truth.preds, 3, truth.size);
    const rng = new Rng(9);
    for (const v of state.views.slice(1)) {
      v.R = mul3(expSO3([0.04 * rng.normal(), 0.04 * rng.normal(), 0.04 * rng.normal()]), v.R);
      v.T = v.T.map((x) => x + 0.05 * rng.normal());
      v.logF += 0.05;
      for (let p = 0; p < v.logDepth.length; p++) v.logDepth[p] += 0.05 * rng.normal();
    }
    const before = errors(resultOf(state, truth.preds, { initial: 0, final: 0 }), truth);
    const report = optimiseAlignment(state, { iterations: 300 });
    const after = errors(resultOf(state, truth.preds, { initial: 0, final: 0 }), truth);
    expect(report.finalLoss).toBeLessThan(report.initialLoss / 1000);
    for (let v = 1; v < 3; v++) {
      expect(before[v].rotDeg).toBeGreaterThan(1);
      expect(before[v].focalRel).toBeGreaterThan(0.04);
      expect(after[v].rotDeg).toBeLessThan(0.01);
      expect(after[v].centre).toBeLessThan(1e-4);
    }
    for (const e of after) expect(e.focalRel).toBeLessThan(1e-4);
  });

  it('noisy predictions with outliers: optimisation lowers the residual, poses stay accurate', () => {
    const truth = syntheticPointmaps({ views: 3, seed: 4, noise: 0.01, outliers: 0.05 });
    const result = alignPointmaps(truth.preds, 3, truth.size, { iterations: 200 });
    expect(result.loss.final).toBeLessThan(result.loss.initial);
    for (const e of errors(result, truth).slice(1)) {
      expect(e.rotDeg).toBeLessThan(0.3);
      expect(e.focalRel).toBeLessThan(5e-3);
      expect(e.centre).toBeLessThan(1e-2);
    }
  });

  it('two noisy views with 5% garbage pixels: the robust closed form stays accurate', () => {
    for (const seed of [4, 5]) {
      const truth = syntheticPointmaps({ views: 2, seed, noise: 0.01, outliers: 0.05 });
      for (const e of errors(alignPointmaps(truth.preds, 2, truth.size), truth)) {
        expect(e.rotDeg).toBeLessThan(0.3);
        expect(e.focalRel).toBeLessThan(5e-3);
        expect(e.centre).toBeLessThan(1.5e-2);
      }
    }
  });

  it("DUSt3R's free pairwise poses: exact data stays close, but focals drift under outliers", () => {
    const exact = syntheticPointmaps({ views: 3, seed: 7 });
    for (const e of errors(
      alignPointmaps(exact.preds, 3, exact.size, { iterations: 300, edgeFrames: 'free' }),
      exact,
    )) {
      expect(e.focalRel).toBeLessThan(1e-2);
      expect(e.rotDeg).toBeLessThan(0.2);
    }
    // The weakness that made 'camera' the default: same data, tied frames recover the focal far better.
    const noisy = syntheticPointmaps({ views: 3, seed: 4, outliers: 0.05 });
    const worst = (edgeFrames: 'camera' | 'free') =>
      Math.max(
        ...errors(alignPointmaps(noisy.preds, 3, noisy.size, { iterations: 200, edgeFrames }), noisy).map(
          (e) => e.focalRel,
        ),
      );
    expect(worst('camera') * 10).toBeLessThan(worst('free'));
  });

  it('names a photo that shares no pair with the others', () => {
    const truth = syntheticPointmaps({ views: 3, seed: 1 });
    const preds = truth.preds.filter((p) => p.i !== 2 && p.j !== 2);
    preds.push(...truth.preds.filter((p) => p.i === 2 && p.j === 2));
    expect(() => alignPointmaps(preds, 3, truth.size)).toThrow(/photo 3/);
  });
});

describe('confidence mapping', () => {
  it('maps DUSt3R conf ≥ 1 monotonically onto [0, 1)', () => {
    expect(unitConfidence(1)).toBe(0);
    expect(unitConfidence(2)).toBeCloseTo(0.5, 12);
    expect(unitConfidence(0.5)).toBe(0);
    expect(unitConfidence(1e9)).toBeLessThanOrEqual(1);
    // 1 − 1/(1 + e^x) is the sigmoid of x.
    expect(unitConfidence(1 + Math.exp(0.7))).toBeCloseTo(1 / (1 + Math.exp(-0.7)), 12);
  });
});
