import { nullSpace } from './linalg';
import { polyAdd, polyEval, polyMul, realRoots } from './poly';

/**
 * Nistér's five-point solver for the essential matrix (calibrated cameras), implemented from the
 * published formulation: E = x·X + y·Y + z·Z + W spans the 4-dimensional null space of the five
 * epipolar constraints; det(E) = 0 and 2·E·Eᵀ·E − tr(E·Eᵀ)·E = 0 give ten cubic equations in (x, y, z).
 * Gauss–Jordan elimination on the ten cubic monomials leaves three equations linear in x and y with
 * coefficients polynomial in z; the determinant of that 3×3 is a degree-10 polynomial whose real roots
 * are the candidate solutions. Input: normalised image coordinates (K⁻¹·pixel).
 */

// Monomials of degree ≤ 3 in (x, y, z). The first ten (all cubic, ordered as in Nistér's paper) are
// eliminated; the last ten form the basis the reduced equations are written in.
const MONOMIALS: ReadonlyArray<readonly [number, number, number]> = [
  [3, 0, 0], // x³
  [0, 3, 0], // y³
  [2, 1, 0], // x²y
  [1, 2, 0], // xy²
  [2, 0, 1], // x²z
  [2, 0, 0], // x²
  [0, 2, 1], // y²z
  [0, 2, 0], // y²
  [1, 1, 1], // xyz
  [1, 1, 0], // xy
  [1, 0, 2], // xz²
  [1, 0, 1], // xz
  [1, 0, 0], // x
  [0, 1, 2], // yz²
  [0, 1, 1], // yz
  [0, 1, 0], // y
  [0, 0, 3], // z³
  [0, 0, 2], // z²
  [0, 0, 1], // z
  [0, 0, 0], // 1
];
const NM = MONOMIALS.length;
const X = 12;
const Y = 15;
const Z = 18;
const ONE = 19;

// PRODUCT[i·20 + j] = index of monomial_i · monomial_j, or −1 when the degree exceeds 3.
const PRODUCT = (() => {
  const index = new Map<number, number>();
  MONOMIALS.forEach(([a, b, c], i) => {
    index.set(a * 16 + b * 4 + c, i);
  });
  const table = new Int8Array(NM * NM).fill(-1);
  for (let i = 0; i < NM; i++) {
    for (let j = 0; j < NM; j++) {
      const [a, b, c] = MONOMIALS[i];
      const [d, e, f] = MONOMIALS[j];
      if (a + b + c + d + e + f <= 3)
        table[i * NM + j] = index.get((a + d) * 16 + (b + e) * 4 + (c + f)) ?? -1;
    }
  }
  return table;
})();

// Specialised products: the entries of E are linear in (x, y, z) (4 coefficients over LIN), E·Eᵀ and
// the 2×2 minors are quadratic (10 coefficients over QUAD), and every constraint is cubic.
const LIN = [X, Y, Z, ONE];
const QUAD = [5, 7, 17, 9, 11, 14, X, Y, Z, ONE];
const MUL11 = new Int8Array(16);
const MUL21 = new Int8Array(40);
for (let i = 0; i < 4; i++)
  for (let j = 0; j < 4; j++) MUL11[i * 4 + j] = QUAD.indexOf(PRODUCT[LIN[i] * NM + LIN[j]]);
for (let i = 0; i < 10; i++) for (let j = 0; j < 4; j++) MUL21[i * 4 + j] = PRODUCT[QUAD[i] * NM + LIN[j]];

/** out (quadratic) += s·a·b for linear a, b. */
function mul11(a: Float64Array, ao: number, b: Float64Array, bo: number, out: Float64Array, s: number): void {
  for (let i = 0; i < 4; i++) {
    const ai = s * a[ao + i];
    for (let j = 0; j < 4; j++) out[MUL11[i * 4 + j]] += ai * b[bo + j];
  }
}

/** out (cubic, a row of the constraint matrix at offset oo) += s·q·b for quadratic q and linear b. */
function mul21(
  q: Float64Array,
  qo: number,
  b: Float64Array,
  bo: number,
  out: Float64Array,
  oo: number,
  s: number,
): void {
  for (let i = 0; i < 10; i++) {
    const qi = s * q[qo + i];
    if (qi === 0) continue;
    for (let j = 0; j < 4; j++) out[oo + MUL21[i * 4 + j]] += qi * b[bo + j];
  }
}

/** The ten cubic constraints (rows of a 10×20 matrix) for the null-space basis X, Y, Z, W. */
function constraintMatrix(basis: Float64Array[]): Float64Array {
  // e[4r..4r+3]: entry r of E (row-major) as coefficients of x, y, z, 1.
  const e = new Float64Array(36);
  for (let r = 0; r < 9; r++) {
    e[4 * r] = basis[0][r];
    e[4 * r + 1] = basis[1][r];
    e[4 * r + 2] = basis[2][r];
    e[4 * r + 3] = basis[3][r];
  }
  const m = new Float64Array(10 * NM);
  // E·Eᵀ (9 quadratics) and its trace.
  const eet = new Float64Array(90);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const out = eet.subarray(10 * (i * 3 + j), 10 * (i * 3 + j) + 10);
      for (let k = 0; k < 3; k++) mul11(e, 4 * (i * 3 + k), e, 4 * (j * 3 + k), out, 1);
    }
  }
  const trace = new Float64Array(10);
  for (let i = 0; i < 3; i++) for (let q = 0; q < 10; q++) trace[q] += eet[10 * (i * 4) + q];
  // det(E) by cofactors along the first row: e0·(e4e8 − e5e7) − e1·(e3e8 − e5e6) + e2·(e3e7 − e4e6).
  const minor = new Float64Array(10);
  const cof = (a: number, b: number, c: number, d: number, col: number, sign: number) => {
    minor.fill(0);
    mul11(e, 4 * a, e, 4 * b, minor, 1);
    mul11(e, 4 * c, e, 4 * d, minor, -1);
    mul21(minor, 0, e, 4 * col, m, 0, sign);
  };
  cof(4, 8, 5, 7, 0, 1);
  cof(3, 8, 5, 6, 1, -1);
  cof(3, 7, 4, 6, 2, 1);
  // 2·E·Eᵀ·E − tr(E·Eᵀ)·E.
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const row = (1 + i * 3 + j) * NM;
      for (let k = 0; k < 3; k++) mul21(eet, 10 * (i * 3 + k), e, 4 * (k * 3 + j), m, row, 2);
      mul21(trace, 0, e, 4 * (i * 3 + j), m, row, -1);
    }
  }
  return m;
}

/** Gauss–Jordan on the first 10 columns of the 10×20 matrix; false if the cubic block is singular. */
function gaussJordan(m: Float64Array): boolean {
  for (let r = 0; r < 10; r++) {
    let s = 0;
    for (let c = 0; c < NM; c++) s = Math.max(s, Math.abs(m[r * NM + c]));
    if (s > 0) for (let c = 0; c < NM; c++) m[r * NM + c] /= s;
  }
  for (let c = 0; c < 10; c++) {
    let p = c;
    for (let r = c + 1; r < 10; r++) if (Math.abs(m[r * NM + c]) > Math.abs(m[p * NM + c])) p = r;
    const pivot = m[p * NM + c];
    if (Math.abs(pivot) < 1e-14) return false;
    if (p !== c) {
      for (let k = 0; k < NM; k++) [m[c * NM + k], m[p * NM + k]] = [m[p * NM + k], m[c * NM + k]];
    }
    for (let k = 0; k < NM; k++) m[c * NM + k] /= pivot;
    for (let r = 0; r < 10; r++) {
      if (r === c) continue;
      const f = m[r * NM + c];
      if (f === 0) continue;
      for (let k = 0; k < NM; k++) m[r * NM + k] -= f * m[c * NM + k];
    }
  }
  return true;
}

/**
 * Row (lead·z) − z·(lead) for a pair of reduced rows whose leading monomials differ by a factor z
 * (x²z and x², y²z and y², xyz and xy): the result is p_x(z)·x + p_y(z)·y + p_1(z) = 0 with p_x, p_y
 * cubic and p_1 quartic in z.
 */
function hiddenRow(m: Float64Array, withZ: number, without: number): [number[], number[], number[]] {
  const a = (k: number) => m[withZ * NM + k];
  const b = (k: number) => m[without * NM + k];
  const px = [a(12), a(11) - b(12), a(10) - b(11), -b(10)];
  const py = [a(15), a(14) - b(15), a(13) - b(14), -b(13)];
  const p1 = [a(19), a(18) - b(19), a(17) - b(18), a(16) - b(17), -b(16)];
  return [px, py, p1];
}

/**
 * Essential matrices consistent with five correspondences (normalised coordinates, interleaved x,y),
 * row-major with x_bᵀ E x_a = 0; up to ten, each with unit Frobenius norm.
 */
export function essential5(
  qa: ArrayLike<number>,
  qb: ArrayLike<number>,
  idx?: ArrayLike<number>,
): Float64Array[] {
  const rows = new Float64Array(5 * 9);
  for (let k = 0; k < 5; k++) {
    const i = idx ? idx[k] : k;
    const xa = qa[2 * i];
    const ya = qa[2 * i + 1];
    const xb = qb[2 * i];
    const yb = qb[2 * i + 1];
    rows.set([xb * xa, xb * ya, xb, yb * xa, yb * ya, yb, xa, ya, 1], k * 9);
  }
  const { basis: ns, dim } = nullSpace(rows, 5, 9);
  if (dim !== 4) return [];
  // Orthonormalise the basis (modified Gram–Schmidt): keeps the ten cubic constraints well scaled.
  const basis: Float64Array[] = [];
  for (let c = 0; c < 4; c++) {
    const v = new Float64Array(9);
    for (let r = 0; r < 9; r++) v[r] = ns[r * 4 + c];
    for (const u of basis) {
      let d = 0;
      for (let r = 0; r < 9; r++) d += u[r] * v[r];
      for (let r = 0; r < 9; r++) v[r] -= d * u[r];
    }
    let l = 0;
    for (let r = 0; r < 9; r++) l += v[r] * v[r];
    l = Math.sqrt(l);
    for (let r = 0; r < 9; r++) v[r] /= l;
    basis.push(v);
  }
  const m = constraintMatrix(basis);
  if (!gaussJordan(m)) return [];
  const k = hiddenRow(m, 4, 5);
  const l = hiddenRow(m, 6, 7);
  const n = hiddenRow(m, 8, 9);
  // det [k; l; n] as a polynomial in z (degree 10).
  const cof = (a: number[][], b: number[][], i: number, j: number) =>
    polyAdd(polyMul(a[i], b[j]), polyMul(a[j], b[i]), -1);
  let det = polyMul(k[0], cof(l, n, 1, 2));
  det = polyAdd(det, polyMul(k[1], cof(l, n, 0, 2)), -1);
  det = polyAdd(det, polyMul(k[2], cof(l, n, 0, 1)), 1);
  const out: Float64Array[] = [];
  for (const z of realRoots(det)) {
    const ev = (r: number[][]) => [polyEval(r[0], z), polyEval(r[1], z), polyEval(r[2], z)];
    const r0 = ev(k);
    const r1 = ev(l);
    const r2 = ev(n);
    // Null vector (x, y, 1) of the 3×3 from the best-conditioned cross product of two rows.
    const crosses = [
      [r0, r1],
      [r0, r2],
      [r1, r2],
    ].map(([p, q]) => [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]]);
    let best = crosses[0];
    for (const c of crosses) if (Math.abs(c[2]) > Math.abs(best[2])) best = c;
    if (Math.abs(best[2]) < 1e-300) continue;
    const x = best[0] / best[2];
    const y = best[1] / best[2];
    const e = new Float64Array(9);
    let s = 0;
    for (let r = 0; r < 9; r++) {
      e[r] = x * basis[0][r] + y * basis[1][r] + z * basis[2][r] + basis[3][r];
      s += e[r] * e[r];
    }
    if (!(s > 0) || !Number.isFinite(s)) continue;
    const inv = 1 / Math.sqrt(s);
    for (let r = 0; r < 9; r++) e[r] *= inv;
    out.push(e);
  }
  return out;
}
