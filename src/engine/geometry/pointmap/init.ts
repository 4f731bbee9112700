/**
 * Closed-form start of the alignment (DUSt3R's MST init, without PnP as method.md §1.3 recommends):
 * 1. score every directed edge by mean(conf_i)·mean(conf_j);
 * 2. focal of view v by Weiszfeld on its own-frame pointmap from its best edge (v, ·);
 * 3. maximum spanning tree rooted at view 0 (world = camera 0);
 * 4. walking the tree, the pair's frame is brought into the world by a robust confidence-weighted similarity
 *    on the already placed view, and the new camera's pose (and its depth scale) is the similarity
 *    between its own-frame pointmap and its world pointmap — both on the same pixel grid;
 * 5. each edge's similarity is fitted to the placed world points;
 * 6. scale: median depth of view 0 = 1.
 * With exact, consistent predictions this recovers focals and poses exactly (tests check it).
 */
import { unitConfidence } from './confidence';
import { applySimilarity, robustSimilarity } from './procrustes';
import {
  type AlignmentState,
  backproject,
  type EdgeParams,
  edgeScales,
  pointWeights,
  type ViewParams,
} from './state';
import type { PairPrediction, PointmapSize } from './types';
import { estimateFocal } from './weiszfeld';

const mean = (a: Float32Array): number => {
  let s = 0;
  let n = 0;
  for (const v of a) {
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : 0;
};

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function unitMap(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = unitConfidence(a[i]);
  return out;
}

function productWeights(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = unitConfidence(a[i]) * unitConfidence(b[i]);
  return out;
}

function validate(preds: PairPrediction[], n: number, size: PointmapSize): void {
  const pixels = size.width * size.height;
  if (n < 2) throw new Error(`pointmap alignment needs at least 2 views, got ${n}`);
  for (const p of preds) {
    if (p.i === p.j || p.i < 0 || p.j < 0 || p.i >= n || p.j >= n) {
      throw new Error(`pointmap alignment: bad pair (${p.i}, ${p.j}) for ${n} views`);
    }
    for (const [name, arr, len] of [
      ['ptsI', p.ptsI, pixels * 3],
      ['ptsJ', p.ptsJ, pixels * 3],
      ['confI', p.confI, pixels],
      ['confJ', p.confJ, pixels],
    ] as const) {
      if (arr.length !== len) {
        throw new Error(
          `pointmap alignment: pair (${p.i}, ${p.j}) ${name} has ${arr.length} values, expected ${len}`,
        );
      }
    }
  }
}

/** Maximum spanning tree over views (Prim from view 0); edges as [placed, new]. */
function spanningTree(n: number, score: (a: number, b: number) => number): [number, number][] {
  const inTree = new Array<boolean>(n).fill(false);
  inTree[0] = true;
  const tree: [number, number][] = [];
  for (let added = 1; added < n; added++) {
    let best: [number, number] | null = null;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let a = 0; a < n; a++) {
      if (!inTree[a]) continue;
      for (let b = 0; b < n; b++) {
        if (inTree[b]) continue;
        const s = score(a, b);
        if (s > bestScore) {
          bestScore = s;
          best = [a, b];
        }
      }
    }
    if (!best || bestScore === Number.NEGATIVE_INFINITY) {
      const missing = inTree.map((v, i) => (v ? -1 : i + 1)).filter((i) => i > 0);
      throw new Error(
        `pointmap alignment: photo(s) ${missing.join(', ')} share no predicted pair with the others`,
      );
    }
    inTree[best[1]] = true;
    tree.push(best);
  }
  return tree;
}

export function initialiseAlignment(
  preds: PairPrediction[],
  n: number,
  size: PointmapSize,
  edgeFrames: AlignmentState['edgeFrames'] = 'camera',
): AlignmentState {
  validate(preds, n, size);
  const pixels = size.width * size.height;
  const scores = preds.map((p) => mean(p.confI) * mean(p.confJ));
  const scoreOf = (a: number, b: number): number => {
    let s = Number.NEGATIVE_INFINITY;
    preds.forEach((p, k) => {
      if ((p.i === a && p.j === b) || (p.i === b && p.j === a)) s = Math.max(s, scores[k]);
    });
    return s;
  };

  // Own-frame pointmap of each view: its best edge with the view as img1.
  const own = Array.from({ length: n }, (_, v) => {
    let best = -1;
    preds.forEach((p, k) => {
      if (p.i === v && (best < 0 || scores[k] > scores[best])) best = k;
    });
    if (best < 0) throw new Error(`pointmap alignment: photo ${v + 1} was never the first image of a pair`);
    return preds[best];
  });
  const focals = own.map((p) => estimateFocal(p.ptsI, size.width, size.height));
  focals.forEach((f, v) => {
    if (!(f > 0))
      throw new Error(`pointmap alignment: no focal length for photo ${v + 1} (degenerate pointmap)`);
  });

  const views: ViewParams[] = new Array(n);
  const world: Float64Array[] = new Array(n);
  const place = (v: number, R: number[], T: number[], depthScale: number) => {
    const logDepth = new Float64Array(pixels);
    const pts = own[v].ptsI;
    for (let p = 0; p < pixels; p++) {
      const z = pts[p * 3 + 2] * depthScale;
      // Unusable pixels get a neutral depth; their weight is 0 in every term.
      logDepth[p] = z > 0 && Number.isFinite(z) ? Math.log(z) : 0;
    }
    views[v] = { logDepth, R, T, logF: Math.log(focals[v]) };
    world[v] = backproject(views[v], size);
  };
  place(0, [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], 1);

  const tree = spanningTree(n, scoreOf);
  for (const [parent, child] of tree) {
    const forward = preds.filter((p) => p.i === parent && p.j === child);
    const backward = preds.filter((p) => p.i === child && p.j === parent);
    const pick = (list: PairPrediction[]) =>
      list.reduce((a, b) => (scores[preds.indexOf(b)] > scores[preds.indexOf(a)] ? b : a));
    const e = forward.length > 0 ? pick(forward) : pick(backward);
    const parentPts = e.i === parent ? e.ptsI : e.ptsJ;
    const parentConf = e.i === parent ? e.confI : e.confJ;
    const childPts = e.i === parent ? e.ptsJ : e.ptsI;
    const childConf = e.i === parent ? e.confJ : e.confI;
    const toWorld = robustSimilarity(parentPts, world[parent], unitMap(parentConf));
    if (!toWorld) throw new Error(`pointmap alignment: pair (${e.i + 1}, ${e.j + 1}) has no usable points`);
    const childWorld = applySimilarity(toWorld, childPts);
    const pose = robustSimilarity(own[child].ptsI, childWorld, productWeights(own[child].confI, childConf));
    if (!pose) throw new Error(`pointmap alignment: no pose for photo ${child + 1}`);
    place(child, pose.R, [...pose.t], pose.s);
  }

  const edges: EdgeParams[] = preds.map((p, k) => {
    const wI = pointWeights(p.ptsI, p.confI);
    const wJ = pointWeights(p.ptsJ, p.confJ);
    const src = new Float32Array(pixels * 6);
    src.set(p.ptsI);
    src.set(p.ptsJ, pixels * 3);
    const dst = new Float64Array(pixels * 6);
    dst.set(world[p.i]);
    dst.set(world[p.j], pixels * 3);
    const w = new Float32Array(pixels * 2);
    w.set(wI);
    w.set(wJ, pixels);
    const sim =
      edgeFrames === 'free'
        ? (robustSimilarity(src, dst, w) ?? { s: 1, R: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] })
        : scaleInFrame(src, dst, w, views[p.i]);
    return { pred: p, score: scores[k], R: sim.R, t: [...sim.t], logS: Math.log(sim.s), wI, wJ };
  });

  // baseScale = geometric mean of the fitted scales, so the normalised scales equal the fitted ones.
  const baseScale = Math.exp(edges.reduce((s, e) => s + e.logS, 0) / Math.max(1, edges.length));
  const state: AlignmentState = { size, views, edges, baseScale, tree, edgeFrames };
  normaliseScale(state);
  return state;
}

/** Least-squares scale σ of dst ≈ σ·R·src + T with camera `view`'s fixed R, T (edge in camera i's frame). */
function scaleInFrame(src: Float32Array, dst: Float64Array, w: Float32Array, view: ViewParams) {
  const { R, T } = view;
  let num = 0;
  let den = 0;
  for (let k = 0; k < w.length; k++) {
    if (!(w[k] > 0)) continue;
    const a = [src[k * 3], src[k * 3 + 1], src[k * 3 + 2]];
    for (let r = 0; r < 3; r++) {
      const ra = R[r * 3] * a[0] + R[r * 3 + 1] * a[1] + R[r * 3 + 2] * a[2];
      num += w[k] * (dst[k * 3 + r] - T[r]) * ra;
      den += w[k] * ra * ra;
    }
  }
  return {
    s: den > 0 && num > 0 ? num / den : 1,
    R: [...R],
    t: [T[0], T[1], T[2]] as [number, number, number],
  };
}

/** Rescales the whole state so the median depth of view 0 is 1 (edge scales keep their effective values). */
export function normaliseScale(state: AlignmentState): number {
  const v0 = state.views[0];
  const weights = state.edges.filter((e) => e.pred.i === 0).map((e) => e.wI);
  const depths: number[] = [];
  for (let p = 0; p < v0.logDepth.length; p++) {
    if (weights.length === 0 || weights.some((w) => w[p] > 0)) depths.push(Math.exp(v0.logDepth[p]));
  }
  const m = median(depths);
  if (!(m > 0)) throw new Error('pointmap alignment: photo 1 has no valid depth');
  const lm = Math.log(m);
  const scales = edgeScales(state);
  for (const v of state.views) {
    for (let p = 0; p < v.logDepth.length; p++) v.logDepth[p] -= lm;
    v.T = v.T.map((x) => x / m);
  }
  state.edges.forEach((e, k) => {
    e.logS = Math.log(scales[k]) - lm;
    e.t = e.t.map((x) => x / m);
  });
  state.baseScale = Math.exp(state.edges.reduce((s, e) => s + e.logS, 0) / Math.max(1, state.edges.length));
  return m;
}
