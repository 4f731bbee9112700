/**
 * Rejection of dense correspondences that disagree with their neighbours: across the epipolar lines
 * (epipolarConsistent), and in their whole displacement (flowConsistent).
 *
 * Patch tracks on occlusion edges and T-junctions (a foreground edge over background texture) can land
 * 0.5–5 px off while still correlating well, coming back on the round trip and passing the pair's
 * loose epipolar test; on the synthetic scenes they are ~5–10 % of the dense tracks and bias the shared
 * focal when the photos' optical axes nearly meet. Only the error across the epipolar lines matters for
 * the cameras, and under the pair's approximate fundamental matrix it shows as the signed distance of
 * x_j from the epipolar line of x_i. For correct tracks that distance is the matrix's own error, a smooth
 * field over the image, plus sub-pixel noise: subtracting the median of the nearest neighbours' distances
 * removes the smooth part without knowing the cameras (and so without locking in a wrong focal), and
 * what stays large, relative to the robust spread of all of them, belongs to a wrong track.
 */
import { ldltSolve } from './linalg';

export interface ConsistencyOptions {
  /** Neighbours (nearest in image i) whose median distance is the local reference (default 16). */
  neighbours?: number;
  /** Rejection beyond this many robust standard deviations of the de-trended distances (default 2.5). */
  sigmas?: number;
  /** Never reject below this de-trended distance, pixels (default 0.15). */
  floorPx?: number;
}

/** Signed distance (pixels, image j) of x_j from the epipolar line F·x_i. */
export function signedEpipolarDistance(
  f: ArrayLike<number>,
  xi: number,
  yi: number,
  xj: number,
  yj: number,
): number {
  const l0 = f[0] * xi + f[1] * yi + f[2];
  const l1 = f[3] * xi + f[4] * yi + f[5];
  const l2 = f[6] * xi + f[7] * yi + f[8];
  const n = Math.hypot(l0, l1);
  return n > 0 ? (l0 * xj + l1 * yj + l2) / n : 0;
}

function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  return s[s.length >> 1];
}

/**
 * Indices of the k nearest other points of q (a: x, y interleaved), by insertion into a sorted list.
 * Brute force: a pair has at most a few thousand dense points.
 */
function nearest(a: ArrayLike<number>, q: number, k: number, idx: Int32Array, dist: Float64Array): number {
  let count = 0;
  const n = a.length / 2;
  for (let r = 0; r < n; r++) {
    if (r === q) continue;
    const d = (a[2 * r] - a[2 * q]) ** 2 + (a[2 * r + 1] - a[2 * q + 1]) ** 2;
    if (count === k && d >= dist[k - 1]) continue;
    let p = count < k ? count++ : k - 1;
    while (p > 0 && dist[p - 1] > d) {
      dist[p] = dist[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    dist[p] = d;
    idx[p] = r;
  }
  return count;
}

/**
 * Indices of the correspondences (a in image i, b in image j, x, y interleaved) whose epipolar distance
 * under `fundamental` (x_jᵀ·F·x_i = 0, pixels) agrees with their neighbours'. With fewer than
 * 3 × neighbours points there is no reliable local reference: all are kept.
 */
export function epipolarConsistent(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  fundamental: ArrayLike<number>,
  options: ConsistencyOptions = {},
): number[] {
  const n = a.length / 2;
  const k = options.neighbours ?? 16;
  const all = Array.from({ length: n }, (_, q) => q);
  if (n < 3 * k) return all;
  const d = new Float64Array(n);
  for (let q = 0; q < n; q++)
    d[q] = signedEpipolarDistance(fundamental, a[2 * q], a[2 * q + 1], b[2 * q], b[2 * q + 1]);
  const residual = new Float64Array(n);
  const idx = new Int32Array(k);
  const dist = new Float64Array(k);
  const local = new Float64Array(k);
  for (let q = 0; q < n; q++) {
    const m = nearest(a, q, k, idx, dist);
    for (let r = 0; r < m; r++) local[r] = d[idx[r]];
    residual[q] = d[q] - median(local.subarray(0, m));
  }
  const sigma = 1.4826 * median(residual.map(Math.abs));
  const limit = Math.max(options.floorPx ?? 0.15, (options.sigmas ?? 2.5) * sigma);
  return all.filter((q) => Math.abs(residual[q]) <= limit);
}

export interface FlowOptions {
  /** Neighbours of the local fit (default 10). */
  neighbours?: number;
  /** Largest distance of a correspondence from its neighbours' local affine motion, pixels (default 0.8). */
  maxPx?: number;
}

/**
 * Indices of the correspondences whose displacement b − a agrees, within `maxPx`, with the affine motion
 * fitted to their nearest neighbours (leave-one-out, iteratively reweighted so that neighbours on
 * another surface count little). A patch that straddles an occlusion edge moves like neither surface:
 * its error lies mostly along the epipolar line, where the test above cannot see it, but it comes with
 * an error across the line too.
 */
export function flowConsistent(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: FlowOptions = {},
): number[] {
  const n = a.length / 2;
  const k = options.neighbours ?? 10;
  const maxPx = options.maxPx ?? 0.8;
  const all = Array.from({ length: n }, (_, q) => q);
  if (n < 3 * k) return all;
  const idx = new Int32Array(k);
  const dist = new Float64Array(k);
  const w = new Float64Array(k);
  const A = new Float64Array(9);
  const bx = new Float64Array(3);
  const by = new Float64Array(3);
  const keep: number[] = [];
  for (let q = 0; q < n; q++) {
    const m = nearest(a, q, k, idx, dist);
    w.fill(1);
    let px = Number.NaN;
    let py = Number.NaN;
    for (let iter = 0; iter < 5; iter++) {
      A.fill(0);
      bx.fill(0);
      by.fill(0);
      for (let i = 0; i < m; i++) {
        const r = idx[i];
        const rx = a[2 * r] - a[2 * q];
        const ry = a[2 * r + 1] - a[2 * q + 1];
        const dx = b[2 * r] - a[2 * r];
        const dy = b[2 * r + 1] - a[2 * r + 1];
        const v = [rx, ry, 1];
        for (let u = 0; u < 3; u++) {
          for (let s = 0; s < 3; s++) A[3 * u + s] += w[i] * v[u] * v[s];
          bx[u] += w[i] * v[u] * dx;
          by[u] += w[i] * v[u] * dy;
        }
      }
      for (let u = 0; u < 3; u++) A[4 * u] += 1e-9;
      const sx = ldltSolve(A, 3, bx);
      const sy = ldltSolve(A, 3, by);
      if (!sx || !sy) break;
      px = sx[2];
      py = sy[2];
      // Cauchy weights at 0.3 px: neighbours on another surface drop out of the fit.
      for (let i = 0; i < m; i++) {
        const r = idx[i];
        const rx = a[2 * r] - a[2 * q];
        const ry = a[2 * r + 1] - a[2 * q + 1];
        const ex = b[2 * r] - a[2 * r] - (sx[0] * rx + sx[1] * ry + sx[2]);
        const ey = b[2 * r + 1] - a[2 * r + 1] - (sy[0] * rx + sy[1] * ry + sy[2]);
        w[i] = 1 / (1 + (ex * ex + ey * ey) / 0.09);
      }
    }
    if (
      !Number.isFinite(px) ||
      Math.hypot(b[2 * q] - a[2 * q] - px, b[2 * q + 1] - a[2 * q + 1] - py) <= maxPx
    )
      keep.push(q);
  }
  return keep;
}
