import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskySolve,
  det3,
  expSO3,
  inv3,
  ldltSolve,
  leastSquaresNullVector,
  logSO3,
  luSolve,
  mul3,
  nearestRotation,
  nullSpace,
  svd,
  svd3,
  symmetricEigen,
  transpose3,
} from './linalg';
import { polyEval, polyMul, realRoots } from './poly';
import { Rng } from './rng';

const randomMatrix = (rng: Rng, m: number, n: number) =>
  Float64Array.from({ length: m * n }, () => rng.uniform(-1, 1));

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) out[i * n + j] += a[i * k + q] * b[q * n + j];
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

describe('svd', () => {
  it('reconstructs tall, square and wide matrices with orthonormal factors', () => {
    const rng = new Rng(1);
    for (const [m, n] of [
      [3, 3],
      [20, 9],
      [9, 9],
      [5, 9],
      [40, 12],
    ]) {
      const a = randomMatrix(rng, m, n);
      const { u, s, v } = svd(a, m, n);
      for (let i = 1; i < n; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1] + 1e-15);
      // A·V = U·S (columns of U only where σ > 0).
      const av = matmul(a, v, m, n, n);
      for (let r = 0; r < m; r++)
        for (let c = 0; c < n; c++) expect(av[r * n + c]).toBeCloseTo(u[r * n + c] * s[c], 10);
      // VᵀV = I.
      const vtv = matmul(
        Array.from({ length: n * n }, (_, i) => v[(i % n) * n + Math.floor(i / n)]),
        v,
        n,
        n,
        n,
      );
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) expect(vtv[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 12);
    }
  });

  it('finds the null space of a wide system', () => {
    const rng = new Rng(2);
    const a = randomMatrix(rng, 5, 9);
    const { s, v } = svd(a, 5, 9);
    for (let c = 5; c < 9; c++) {
      expect(s[c]).toBeLessThan(1e-12);
      const x = Array.from({ length: 9 }, (_, r) => v[r * 9 + c]);
      expect(Math.max(...Array.from(matmul(a, x, 5, 9, 1), Math.abs))).toBeLessThan(1e-12);
    }
    const { basis, dim } = nullSpace(a, 5, 9);
    expect(dim).toBe(4);
    for (let c = 0; c < 4; c++) {
      const x = Array.from({ length: 9 }, (_, r) => basis[r * 4 + c]);
      expect(Math.max(...Array.from(matmul(a, x, 5, 9, 1), Math.abs))).toBeLessThan(1e-12);
    }
  });

  it('svd3 returns proper rotations and the signed smallest singular value', () => {
    const rng = new Rng(3);
    for (let k = 0; k < 50; k++) {
      const a = randomMatrix(rng, 3, 3);
      const { u, s, v } = svd3(a);
      expect(det3(u)).toBeCloseTo(1, 12);
      expect(det3(v)).toBeCloseTo(1, 12);
      const back = mul3(mul3(u, Float64Array.of(s[0], 0, 0, 0, s[1], 0, 0, 0, s[2])), transpose3(v));
      expect(maxAbsDiff(back, a)).toBeLessThan(1e-12);
      expect(Math.sign(s[2]) || 1).toBe(Math.sign(det3(a)) || 1);
    }
    // Exactly rank 2 (an essential matrix): still a proper frame.
    const e = mul3(Float64Array.of(0, -3, 2, 3, 0, -1, -2, 1, 0), expSO3([0.1, 0.2, 0.3]));
    const { u, s } = svd3(e);
    expect(Math.abs(s[2])).toBeLessThan(1e-12);
    expect(det3(u)).toBeCloseTo(1, 12);
  });

  it('least-squares null vector of a noisy overdetermined system', () => {
    const rng = new Rng(4);
    const x = Float64Array.from({ length: 9 }, () => rng.uniform(-1, 1));
    const n = 200;
    const a = new Float64Array(n * 9);
    for (let r = 0; r < n; r++) {
      // Rows orthogonal to x.
      const row = Array.from({ length: 9 }, () => rng.uniform(-1, 1));
      const d = row.reduce((acc, v, i) => acc + v * x[i], 0) / x.reduce((acc, v) => acc + v * v, 0);
      for (let i = 0; i < 9; i++) a[r * 9 + i] = row[i] - d * x[i];
    }
    const y = leastSquaresNullVector(a, n, 9);
    const cos = Math.abs(y.reduce((acc, v, i) => acc + v * x[i], 0)) / Math.hypot(...x);
    expect(cos).toBeCloseTo(1, 10);
    // Minimal case (m = n − 1) goes through elimination.
    const y8 = leastSquaresNullVector(a.subarray(0, 8 * 9), 8, 9);
    expect(Math.abs(y8.reduce((acc, v, i) => acc + v * x[i], 0)) / Math.hypot(...x)).toBeCloseTo(1, 9);
  });
});

describe('symmetric eigen decomposition and solvers', () => {
  it('diagonalises a symmetric matrix', () => {
    const rng = new Rng(5);
    const n = 7;
    const b = randomMatrix(rng, n, n);
    const a = matmul(
      b,
      Array.from({ length: n * n }, (_, i) => b[(i % n) * n + Math.floor(i / n)]),
      n,
      n,
      n,
    );
    const { values, vectors } = symmetricEigen(a, n);
    for (let c = 0; c < n; c++) {
      const x = Array.from({ length: n }, (_, r) => vectors[r * n + c]);
      const ax = matmul(a, x, n, n, 1);
      for (let r = 0; r < n; r++) expect(ax[r]).toBeCloseTo(values[c] * x[r], 10);
      if (c > 0) expect(values[c]).toBeGreaterThanOrEqual(values[c - 1]);
    }
  });

  it('Cholesky, LDLᵀ and LU solve the same SPD system', () => {
    const rng = new Rng(6);
    const n = 12;
    const b = randomMatrix(rng, n, n);
    const a = matmul(
      b,
      Array.from({ length: n * n }, (_, i) => b[(i % n) * n + Math.floor(i / n)]),
      n,
      n,
      n,
    );
    for (let i = 0; i < n; i++) a[i * n + i] += 0.5;
    const x = Float64Array.from({ length: n }, () => rng.uniform(-2, 2));
    const rhs = matmul(a, x, n, n, 1);
    const l = Float64Array.from(a);
    expect(cholesky(l, n)).toBe(true);
    const y = Float64Array.from(rhs);
    choleskySolve(l, n, y);
    expect(maxAbsDiff(y, x)).toBeLessThan(1e-9);
    expect(maxAbsDiff(ldltSolve(a, n, rhs)!, x)).toBeLessThan(1e-9);
    expect(maxAbsDiff(luSolve(a, n, rhs)!, x)).toBeLessThan(1e-9);
    // Not positive definite.
    const neg = Float64Array.from(a);
    neg[0] = -1;
    expect(cholesky(neg, n)).toBe(false);
  });

  it('inverts 3×3 and maps rotations through exp/log', () => {
    const rng = new Rng(7);
    const a = randomMatrix(rng, 3, 3);
    expect(maxAbsDiff(mul3(a, inv3(a)!), [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-12);
    for (const w of [
      [0.3, -0.2, 0.1],
      [1e-10, 0, 0],
      [0, 3.1, 0],
    ]) {
      const r = expSO3(w);
      expect(det3(r)).toBeCloseTo(1, 12);
      expect(maxAbsDiff(logSO3(r), w)).toBeLessThan(1e-7);
    }
    const noisy = expSO3([0.4, 0.1, -0.3]).map((v) => v + rng.uniform(-0.01, 0.01));
    const r = nearestRotation(noisy);
    expect(maxAbsDiff(mul3(r, transpose3(r)), [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-12);
    expect(det3(r)).toBeCloseTo(1, 12);
  });
});

describe('polynomial real roots', () => {
  it('finds all real roots of products of linear and quadratic factors', () => {
    const rng = new Rng(8);
    for (let trial = 0; trial < 100; trial++) {
      const roots = Array.from({ length: 1 + rng.int(8) }, () => rng.uniform(-5, 5)).sort((a, b) => a - b);
      let p: number[] = [rng.uniform(0.5, 2)];
      for (const r of roots) p = polyMul(p, [-r, 1]);
      // A factor without real roots (x² + c, c > 0) must not add any.
      if (trial % 2) p = polyMul(p, [rng.uniform(0.5, 3), 0, 1]);
      const found = realRoots(p);
      // Clustered roots may merge into one double root; every found root must be a true root, and
      // every true root must be near a found one.
      for (const f of found)
        expect(Math.abs(polyEval(p, f))).toBeLessThan(1e-6 * Math.max(1, Math.abs(f)) ** p.length);
      for (const r of roots) expect(Math.min(...found.map((f) => Math.abs(f - r)))).toBeLessThan(1e-4);
    }
  });

  it('handles degree 10 with widely spread roots and a double root', () => {
    const roots = [-30, -2, -1.5, -0.1, 0.05, 0.7, 1, 3, 12, 100];
    let p: number[] = [1];
    for (const r of roots) p = polyMul(p, [-r, 1]);
    const found = realRoots(p);
    expect(found.length).toBe(10);
    for (let i = 0; i < found.length; i++) {
      expect(Math.abs(found[i] - roots[i]) / Math.max(1, Math.abs(roots[i]))).toBeLessThan(1e-8);
    }
    const double = polyMul(polyMul([-1, 1], [-1, 1]), [2, 1]);
    const d = realRoots(double);
    expect(d.some((r) => Math.abs(r - 1) < 1e-6)).toBe(true);
    expect(d.some((r) => Math.abs(r + 2) < 1e-9)).toBe(true);
  });
});
