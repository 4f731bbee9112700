/**
 * Small dense linear algebra for the pose solvers: row-major Float64Array matrices with explicit sizes.
 * Everything here is exact-size and allocation-light; the matrices are at most a few hundred entries
 * (except the n×9 / n×12 design matrices, which only go through the one-sided Jacobi SVD).
 */

export type Vec3 = [number, number, number];

/** Singular value decomposition A = U·diag(s)·Vᵀ of an m×n matrix (any m, n); s sorted descending. */
export interface Svd {
  /** m×k, k = min(m, n) columns (row-major m×n when m ≥ n; only the first k columns are meaningful). */
  u: Float64Array;
  /** n singular values (zeros past min(m, n)), descending. */
  s: Float64Array;
  /** n×n, columns are right singular vectors (row-major). */
  v: Float64Array;
}

/**
 * One-sided (Hestenes) Jacobi SVD. Rows are padded with zeros when m < n so the null space of a wide
 * matrix shows up as the trailing columns of V. Accurate to working precision for the small, well
 * scaled systems used here, and needs no bidiagonalisation.
 */
export function svd(a: ArrayLike<number>, m: number, n: number): Svd {
  const rows = Math.max(m, n);
  const w = new Float64Array(rows * n);
  for (let i = 0; i < m * n; i++) w[i] = a[i];
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let r = 0; r < rows; r++) {
          const x = w[r * n + p];
          const y = w[r * n + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let r = 0; r < rows; r++) {
          const x = w[r * n + p];
          const y = w[r * n + q];
          w[r * n + p] = c * x - s * y;
          w[r * n + q] = s * x + c * y;
        }
        for (let r = 0; r < n; r++) {
          const x = v[r * n + p];
          const y = v[r * n + q];
          v[r * n + p] = c * x - s * y;
          v[r * n + q] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += w[r * n + c] ** 2;
    norms[c] = Math.sqrt(s);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => norms[y] - norms[x]);
  const u = new Float64Array(m * n);
  const vs = new Float64Array(n * n);
  const s = new Float64Array(n);
  order.forEach((src, dst) => {
    s[dst] = norms[src];
    for (let r = 0; r < n; r++) vs[r * n + dst] = v[r * n + src];
    if (norms[src] > 0) for (let r = 0; r < m; r++) u[r * n + dst] = w[r * n + src] / norms[src];
  });
  return { u, s, v: vs };
}

/** Unit vector x minimising |A x| (the right singular vector of the smallest singular value). */
export function nullVector(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const { v } = svd(a, m, n);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = v[r * n + n - 1];
  return out;
}

/**
 * Unit vector minimising |A x| for a tall m×n design matrix via the eigenvector of AᵀA with the
 * smallest eigenvalue. Squaring the condition number is harmless for the (Hartley-normalised) epipolar
 * and homography systems, and the cost no longer grows with m beyond forming AᵀA.
 */
export function leastSquaresNullVector(a: ArrayLike<number>, m: number, n: number): Float64Array {
  if (m === n - 1) {
    // Minimal systems (8-point, 4-point) have an exact one-dimensional null space: eliminate.
    const { basis, dim } = nullSpace(a, m, n);
    if (dim === 1) {
      let l = 0;
      for (let i = 0; i < n; i++) l += basis[i] * basis[i];
      l = Math.sqrt(l);
      for (let i = 0; i < n; i++) basis[i] /= l;
      return basis;
    }
  }
  const ata = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    const o = r * n;
    for (let i = 0; i < n; i++) {
      const ai = a[o + i];
      if (ai === 0) continue;
      for (let j = i; j < n; j++) ata[i * n + j] += ai * a[o + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) ata[i * n + j] = ata[j * n + i];
  const { vectors } = symmetricEigen(ata, n);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = vectors[r * n];
  return out;
}

/**
 * Basis of the null space of a wide r×n matrix (r < n) by Gauss–Jordan elimination with full
 * pivoting: n − rank vectors, each a column of the returned n×(n − r) row-major matrix. Much cheaper
 * than an SVD for the 5×9 system of the five-point solver; the basis need not be orthonormal there.
 */
export function nullSpace(a: ArrayLike<number>, r: number, n: number): { basis: Float64Array; dim: number } {
  const m = Float64Array.from(a as ArrayLike<number>);
  const cols = Array.from({ length: n }, (_, i) => i);
  let rank = 0;
  for (; rank < r; rank++) {
    let pr = rank;
    let pc = rank;
    let best = 0;
    for (let i = rank; i < r; i++) {
      for (let j = rank; j < n; j++) {
        const v = Math.abs(m[i * n + cols[j]]);
        if (v > best) {
          best = v;
          pr = i;
          pc = j;
        }
      }
    }
    if (best < 1e-13) break;
    if (pr !== rank)
      for (let k = 0; k < n; k++) [m[rank * n + k], m[pr * n + k]] = [m[pr * n + k], m[rank * n + k]];
    [cols[rank], cols[pc]] = [cols[pc], cols[rank]];
    const c = cols[rank];
    const piv = m[rank * n + c];
    for (let k = 0; k < n; k++) m[rank * n + k] /= piv;
    for (let i = 0; i < r; i++) {
      if (i === rank) continue;
      const f = m[i * n + c];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) m[i * n + k] -= f * m[rank * n + k];
    }
  }
  const dim = n - rank;
  const basis = new Float64Array(n * dim);
  for (let d = 0; d < dim; d++) {
    const free = cols[rank + d];
    basis[free * dim + d] = 1;
    for (let i = 0; i < rank; i++) basis[cols[i] * dim + d] = -m[i * n + free];
  }
  return { basis, dim };
}

/** SVD of a 3×3 with U and V proper rotations (det +1); the sign goes into the last singular value. */
export function svd3(a: ArrayLike<number>): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const { u, s, v } = svd(a, 3, 3);
  // The third left vector is ill-defined for (near) rank-2 input (essential matrices): complete the
  // frame by a cross product and recover the signed singular value from it.
  if (det3(v) < 0) for (let r = 0; r < 3; r++) v[r * 3 + 2] = -v[r * 3 + 2];
  const c = cross([u[0], u[3], u[6]], [u[1], u[4], u[7]]);
  u[2] = c[0];
  u[5] = c[1];
  u[8] = c[2];
  const av = mulVec3(a, [v[2], v[5], v[8]]);
  s[2] = dot(c, av);
  return { u, s, v };
}

/**
 * Eigen decomposition of a symmetric n×n matrix by cyclic Jacobi rotations. Returns eigenvalues in
 * ascending order and the eigenvectors as the columns of a row-major n×n matrix.
 */
export function symmetricEigen(
  a: ArrayLike<number>,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a as ArrayLike<number>);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += m[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A ← Jᵀ A J with the rotation in the (p, q) plane.
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x] - m[y * n + y]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = m[src * n + src];
    for (let r = 0; r < n; r++) vectors[r * n + dst] = v[r * n + src];
  });
  return { values, vectors };
}

/** In-place Cholesky A = L Lᵀ of a symmetric positive definite n×n (lower triangle). False if not PD. */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] ** 2;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place in b, given the factor from `cholesky`. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k];
    b[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k];
    b[i] = s / l[i * n + i];
  }
}

/**
 * Solves the symmetric system A x = b by LDLᵀ (no square roots), for semi-definite normal equations
 * where a pivot can be tiny: such pivots are clamped, which leaves that direction unchanged.
 * Returns null if a pivot is negative beyond round-off (the matrix is indefinite).
 */
export function ldltSolve(a: ArrayLike<number>, n: number, b: ArrayLike<number>): Float64Array | null {
  const l = Float64Array.from(a as ArrayLike<number>);
  const d = new Float64Array(n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(l[i * n + i]));
  const tiny = 1e-14 * scale;
  for (let j = 0; j < n; j++) {
    let dj = l[j * n + j];
    for (let k = 0; k < j; k++) dj -= l[j * n + k] ** 2 * d[k];
    if (dj < -1e-9 * scale) return null;
    d[j] = Math.max(dj, tiny) || 1e-300;
    for (let i = j + 1; i < n; i++) {
      let s = l[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k] * d[k];
      l[i * n + j] = s / d[j];
    }
  }
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let i = 0; i < n; i++) for (let k = 0; k < i; k++) x[i] -= l[i * n + k] * x[k];
  for (let i = 0; i < n; i++) x[i] /= d[i];
  for (let i = n - 1; i >= 0; i--) for (let k = i + 1; k < n; k++) x[i] -= l[k * n + i] * x[k];
  return x;
}

/** Solves a general n×n system by Gaussian elimination with partial pivoting; null if singular. */
export function luSolve(a: ArrayLike<number>, n: number, b: ArrayLike<number>): Float64Array | null {
  const m = Float64Array.from(a as ArrayLike<number>);
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]) > Math.abs(m[p * n + c])) p = r;
    if (m[p * n + c] === 0) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) [m[c * n + k], m[p * n + k]] = [m[p * n + k], m[c * n + k]];
      [x[c], x[p]] = [x[p], x[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c] / m[c * n + c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r * n + k] -= f * m[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
    x[r] = s / m[r * n + r];
  }
  return x;
}

// ---- 3-vectors and 3×3 matrices (row-major) ----

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: ArrayLike<number>, b: ArrayLike<number>): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export const norm3 = (a: ArrayLike<number>): number => Math.hypot(a[0], a[1], a[2]);
export function normalize3(a: ArrayLike<number>): Vec3 {
  const l = norm3(a) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
}

export function mul3(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++)
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  }
  return out;
}

export function transpose3(a: ArrayLike<number>): Float64Array {
  return Float64Array.of(a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]);
}

export function mulVec3(a: ArrayLike<number>, v: ArrayLike<number>): Vec3 {
  return [
    a[0] * v[0] + a[1] * v[1] + a[2] * v[2],
    a[3] * v[0] + a[4] * v[1] + a[5] * v[2],
    a[6] * v[0] + a[7] * v[1] + a[8] * v[2],
  ];
}

export const det3 = (a: ArrayLike<number>): number =>
  a[0] * (a[4] * a[8] - a[5] * a[7]) -
  a[1] * (a[3] * a[8] - a[5] * a[6]) +
  a[2] * (a[3] * a[7] - a[4] * a[6]);

/** Inverse of a 3×3 by cofactors; null when singular. */
export function inv3(a: ArrayLike<number>): Float64Array | null {
  const d = det3(a);
  if (!Number.isFinite(d) || d === 0) return null;
  const i = 1 / d;
  return Float64Array.of(
    (a[4] * a[8] - a[5] * a[7]) * i,
    (a[2] * a[7] - a[1] * a[8]) * i,
    (a[1] * a[5] - a[2] * a[4]) * i,
    (a[5] * a[6] - a[3] * a[8]) * i,
    (a[0] * a[8] - a[2] * a[6]) * i,
    (a[2] * a[3] - a[0] * a[5]) * i,
    (a[3] * a[7] - a[4] * a[6]) * i,
    (a[1] * a[6] - a[0] * a[7]) * i,
    (a[0] * a[4] - a[1] * a[3]) * i,
  );
}

export const skew = (v: ArrayLike<number>): Float64Array =>
  Float64Array.of(0, -v[2], v[1], v[2], 0, -v[0], -v[1], v[0], 0);

/** Rotation exp([w]×) (Rodrigues), row-major. */
export function expSO3(w: ArrayLike<number>): Float64Array {
  const theta = norm3(w);
  const k = skew(w);
  const k2 = mul3(k, k);
  // Series for small angles keeps the update smooth near zero.
  const a = theta < 1e-8 ? 1 - (theta * theta) / 6 : Math.sin(theta) / theta;
  const b = theta < 1e-8 ? 0.5 - (theta * theta) / 24 : (1 - Math.cos(theta)) / (theta * theta);
  const out = new Float64Array(9);
  for (let i = 0; i < 9; i++) out[i] = (i % 4 === 0 ? 1 : 0) + a * k[i] + b * k2[i];
  return out;
}

/** Rotation vector of a rotation matrix (inverse of expSO3), valid up to π. */
export function logSO3(r: ArrayLike<number>): Vec3 {
  const c = Math.min(1, Math.max(-1, (r[0] + r[4] + r[8] - 1) / 2));
  const theta = Math.acos(c);
  if (theta < 1e-8) return [(r[7] - r[5]) / 2, (r[2] - r[6]) / 2, (r[3] - r[1]) / 2];
  if (Math.PI - theta < 1e-6) {
    // Near π: axis from the symmetric part, R ≈ 2aaᵀ − I.
    const x = Math.sqrt(Math.max(0, (r[0] + 1) / 2));
    const y = Math.sqrt(Math.max(0, (r[4] + 1) / 2));
    const z = Math.sqrt(Math.max(0, (r[8] + 1) / 2));
    const axis: Vec3 =
      x >= y && x >= z
        ? [x, (r[1] + r[3]) / (4 * x), (r[2] + r[6]) / (4 * x)]
        : y >= z
          ? [(r[1] + r[3]) / (4 * y), y, (r[5] + r[7]) / (4 * y)]
          : [(r[2] + r[6]) / (4 * z), (r[5] + r[7]) / (4 * z), z];
    const n = normalize3(axis);
    return [n[0] * theta, n[1] * theta, n[2] * theta];
  }
  const f = theta / (2 * Math.sin(theta));
  return [(r[7] - r[5]) * f, (r[2] - r[6]) * f, (r[3] - r[1]) * f];
}

/** Angle of a rotation matrix in degrees. */
export const rotationAngleDeg = (r: ArrayLike<number>): number =>
  (Math.acos(Math.min(1, Math.max(-1, (r[0] + r[4] + r[8] - 1) / 2))) * 180) / Math.PI;

/** Nearest rotation (in Frobenius norm) to a 3×3 matrix, via SVD. */
export function nearestRotation(m: ArrayLike<number>): Float64Array {
  const { u, v } = svd3(m);
  return mul3(u, transpose3(v));
}

/** Angle between two vectors in degrees. */
export function angleDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const c = dot(a, b) / (norm3(a) * norm3(b));
  return (Math.acos(Math.min(1, Math.max(-1, c))) * 180) / Math.PI;
}
