import { inv3, leastSquaresNullVector, mul3, svd3, transpose3 } from './linalg';

/**
 * Linear two-view models on pixel (or normalised) coordinates: the normalised 8-point fundamental
 * matrix, the normalised 4-point homography, and their errors. Coordinates are interleaved x,y arrays;
 * `idx` selects a subset (all points when omitted). Matrices are row-major 3×3, with the convention
 * x_bᵀ F x_a = 0 and x_b ~ H x_a.
 */

type Coords = ArrayLike<number>;

const countOf = (a: Coords, idx?: ArrayLike<number>): number => (idx ? idx.length : a.length / 2);
const at = (idx: ArrayLike<number> | undefined, k: number): number => (idx ? idx[k] : k);

/** Hartley normalisation: centroid to the origin, mean distance √2. Returns the 3×3 similarity. */
export function normalizingTransform(p: Coords, idx?: ArrayLike<number>): Float64Array {
  const n = countOf(p, idx);
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    const i = at(idx, k);
    mx += p[2 * i];
    my += p[2 * i + 1];
  }
  mx /= n;
  my /= n;
  let d = 0;
  for (let k = 0; k < n; k++) {
    const i = at(idx, k);
    d += Math.hypot(p[2 * i] - mx, p[2 * i + 1] - my);
  }
  const s = d > 0 ? (Math.SQRT2 * n) / d : 1;
  return Float64Array.of(s, 0, -s * mx, 0, s, -s * my, 0, 0, 1);
}

/** Rank-2 projection of a 3×3 (zeroes the smallest singular value). */
export function enforceRank2(f: ArrayLike<number>): Float64Array {
  const { u, s, v } = svd3(f);
  const d = Float64Array.of(s[0], 0, 0, 0, s[1], 0, 0, 0, 0);
  return mul3(mul3(u, d), transpose3(v));
}

/** Normalised 8-point algorithm (≥ 8 matches). Returns F with |F|_F = 1, or null if degenerate. */
export function fundamental8(a: Coords, b: Coords, idx?: ArrayLike<number>): Float64Array | null {
  const n = countOf(a, idx);
  if (n < 8) return null;
  const ta = normalizingTransform(a, idx);
  const tb = normalizingTransform(b, idx);
  const rows = new Float64Array(n * 9);
  for (let k = 0; k < n; k++) {
    const i = at(idx, k);
    const xa = ta[0] * a[2 * i] + ta[2];
    const ya = ta[4] * a[2 * i + 1] + ta[5];
    const xb = tb[0] * b[2 * i] + tb[2];
    const yb = tb[4] * b[2 * i + 1] + tb[5];
    rows.set([xb * xa, xb * ya, xb, yb * xa, yb * ya, yb, xa, ya, 1], k * 9);
  }
  const f = leastSquaresNullVector(rows, n, 9);
  const f2 = enforceRank2(f);
  return normalizeFrobenius(mul3(mul3(transpose3(tb), f2), ta));
}

export function normalizeFrobenius(m: Float64Array): Float64Array | null {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i] * m[i];
  if (!(s > 0) || !Number.isFinite(s)) return null;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < m.length; i++) m[i] *= inv;
  return m;
}

/**
 * Squared Sampson distance of one match to x_bᵀ F x_a = 0: the first-order approximation of the
 * squared geometric error (sum over both images), in the units of the coordinates.
 */
export function sampsonSq(f: ArrayLike<number>, ax: number, ay: number, bx: number, by: number): number {
  const fa0 = f[0] * ax + f[1] * ay + f[2];
  const fa1 = f[3] * ax + f[4] * ay + f[5];
  const fa2 = f[6] * ax + f[7] * ay + f[8];
  const fb0 = f[0] * bx + f[3] * by + f[6];
  const fb1 = f[1] * bx + f[4] * by + f[7];
  const e = bx * fa0 + by * fa1 + fa2;
  const den = fa0 * fa0 + fa1 * fa1 + fb0 * fb0 + fb1 * fb1;
  return den > 0 ? (e * e) / den : Number.POSITIVE_INFINITY;
}

/** Squared Sampson distances of all matches into out. */
export function sampsonAll(f: ArrayLike<number>, a: Coords, b: Coords, out: Float64Array): void {
  const n = a.length / 2;
  for (let i = 0; i < n; i++) out[i] = sampsonSq(f, a[2 * i], a[2 * i + 1], b[2 * i], b[2 * i + 1]);
}

/** Normalised DLT homography x_b ~ H x_a from ≥ 4 matches (|H|_F = 1), or null if degenerate. */
export function homographyDLT(a: Coords, b: Coords, idx?: ArrayLike<number>): Float64Array | null {
  const n = countOf(a, idx);
  if (n < 4) return null;
  const ta = normalizingTransform(a, idx);
  const tb = normalizingTransform(b, idx);
  const rows = new Float64Array(2 * n * 9);
  for (let k = 0; k < n; k++) {
    const i = at(idx, k);
    const xa = ta[0] * a[2 * i] + ta[2];
    const ya = ta[4] * a[2 * i + 1] + ta[5];
    const xb = tb[0] * b[2 * i] + tb[2];
    const yb = tb[4] * b[2 * i + 1] + tb[5];
    rows.set([0, 0, 0, -xa, -ya, -1, yb * xa, yb * ya, yb], 18 * k);
    rows.set([xa, ya, 1, 0, 0, 0, -xb * xa, -xb * ya, -xb], 18 * k + 9);
  }
  const h = leastSquaresNullVector(rows, 2 * n, 9);
  const tbi = inv3(tb);
  if (!tbi) return null;
  return normalizeFrobenius(mul3(mul3(tbi, h), ta));
}

/** Squared transfer error |x_b − H x_a|² in image b. */
export function transferSq(h: ArrayLike<number>, ax: number, ay: number, bx: number, by: number): number {
  const w = h[6] * ax + h[7] * ay + h[8];
  if (Math.abs(w) < 1e-12) return Number.POSITIVE_INFINITY;
  const x = (h[0] * ax + h[1] * ay + h[2]) / w;
  const y = (h[3] * ax + h[4] * ay + h[5]) / w;
  return (x - bx) ** 2 + (y - by) ** 2;
}
