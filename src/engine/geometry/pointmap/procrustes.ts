/**
 * Weighted similarity registration (Umeyama with scale): find s, R, t minimising
 * Σ w·|dst − (s R src + t)|². The rotation comes from Horn's quaternion method (largest eigenvector
 * of a 4×4 symmetric matrix built from the cross-covariance), which always yields a proper rotation —
 * the same optimum as Umeyama's SVD with the det(UVᵀ) correction — and s = Σw y·Rx / Σw |x|² on the
 * centred points, as in roma's `rigid_points_registration(compute_scaling=True)`.
 */
import { quatToRotation } from '../mat4';

export interface Similarity {
  s: number;
  /** Row-major 3×3. */
  R: number[];
  t: [number, number, number];
}

/** Eigen-decomposition of a symmetric 4×4 (cyclic Jacobi); returns the eigenvector of the largest eigenvalue. */
function largestEigenvector4(a: Float64Array): number[] {
  const m = Float64Array.from(a);
  const v = new Float64Array(16);
  for (let i = 0; i < 4; i++) v[i * 4 + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 4; p++) for (let q = p + 1; q < 4; q++) off += m[p * 4 + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < 3; p++) {
      for (let q = p + 1; q < 4; q++) {
        const apq = m[p * 4 + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * 4 + q] - m[p * 4 + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 4; k++) {
          const mkp = m[k * 4 + p];
          const mkq = m[k * 4 + q];
          m[k * 4 + p] = c * mkp - s * mkq;
          m[k * 4 + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < 4; k++) {
          const mpk = m[p * 4 + k];
          const mqk = m[q * 4 + k];
          m[p * 4 + k] = c * mpk - s * mqk;
          m[q * 4 + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < 4; k++) {
          const vkp = v[k * 4 + p];
          const vkq = v[k * 4 + q];
          v[k * 4 + p] = c * vkp - s * vkq;
          v[k * 4 + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (m[i * 4 + i] > m[best * 4 + best]) best = i;
  return [v[best], v[4 + best], v[8 + best], v[12 + best]];
}

/**
 * Similarity with dst ≈ s·R·src + t. `src`, `dst`: 3 floats per point; `weights`: one per point
 * (non-finite points and weights ≤ 0 are skipped). Returns null with fewer than 3 usable points.
 */
export function weightedSimilarity(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  weights?: ArrayLike<number>,
  withScale = true,
): Similarity | null {
  const n = Math.floor(src.length / 3);
  let wsum = 0;
  let used = 0;
  const mx = [0, 0, 0];
  const my = [0, 0, 0];
  const ok = (k: number): number => {
    const w = weights ? weights[k] : 1;
    if (!(w > 0)) return 0;
    for (let c = 0; c < 3; c++)
      if (!Number.isFinite(src[k * 3 + c]) || !Number.isFinite(dst[k * 3 + c])) return 0;
    return w;
  };
  for (let k = 0; k < n; k++) {
    const w = ok(k);
    if (w === 0) continue;
    wsum += w;
    used++;
    for (let c = 0; c < 3; c++) {
      mx[c] += w * src[k * 3 + c];
      my[c] += w * dst[k * 3 + c];
    }
  }
  if (used < 3 || !(wsum > 0)) return null;
  for (let c = 0; c < 3; c++) {
    mx[c] /= wsum;
    my[c] /= wsum;
  }
  // S[a][b] = Σ w x_a y_b over centred points; varX = Σ w |x|².
  const S = new Float64Array(9);
  let varX = 0;
  for (let k = 0; k < n; k++) {
    const w = ok(k);
    if (w === 0) continue;
    const x0 = src[k * 3] - mx[0];
    const x1 = src[k * 3 + 1] - mx[1];
    const x2 = src[k * 3 + 2] - mx[2];
    const y0 = dst[k * 3] - my[0];
    const y1 = dst[k * 3 + 1] - my[1];
    const y2 = dst[k * 3 + 2] - my[2];
    S[0] += w * x0 * y0;
    S[1] += w * x0 * y1;
    S[2] += w * x0 * y2;
    S[3] += w * x1 * y0;
    S[4] += w * x1 * y1;
    S[5] += w * x1 * y2;
    S[6] += w * x2 * y0;
    S[7] += w * x2 * y1;
    S[8] += w * x2 * y2;
    varX += w * (x0 * x0 + x1 * x1 + x2 * x2);
  }
  const [xx, xy, xz, yx, yy, yz, zx, zy, zz] = S;
  const N = Float64Array.of(
    xx + yy + zz,
    yz - zy,
    zx - xz,
    xy - yx,
    yz - zy,
    xx - yy - zz,
    xy + yx,
    zx + xz,
    zx - xz,
    xy + yx,
    -xx + yy - zz,
    yz + zy,
    xy - yx,
    zx + xz,
    yz + zy,
    -xx - yy + zz,
  );
  const q = largestEigenvector4(N);
  const qn = Math.hypot(q[0], q[1], q[2], q[3]);
  const R = quatToRotation(q[0] / qn, q[1] / qn, q[2] / qn, q[3] / qn);
  // trace(Rᵀ S') with S' = Σ y xᵀ: Σ_ab R[a][b]·S[b][a].
  let tr = 0;
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) tr += R[a * 3 + b] * S[b * 3 + a];
  const s = withScale ? (varX > 0 ? tr / varX : 1) : 1;
  const t: [number, number, number] = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    t[a] = my[a] - s * (R[a * 3] * mx[0] + R[a * 3 + 1] * mx[1] + R[a * 3 + 2] * mx[2]);
  }
  return { s, R, t };
}

/** y = s R x + t for every point of `pts` (3 floats each), into a new array. */
export function applySimilarity(sim: Similarity, pts: ArrayLike<number>): Float32Array {
  const out = new Float32Array(pts.length);
  const { s, R, t } = sim;
  for (let k = 0; k < pts.length; k += 3) {
    const x = pts[k];
    const y = pts[k + 1];
    const z = pts[k + 2];
    for (let a = 0; a < 3; a++) out[k + a] = s * (R[a * 3] * x + R[a * 3 + 1] * y + R[a * 3 + 2] * z) + t[a];
  }
  return out;
}

/**
 * weightedSimilarity made robust by iterative reweighting: each round multiplies the weights by a
 * Cauchy factor 1/(1 + (r/2.5σ)²) of the current residuals (σ from their median), so gross outliers
 * (a model's garbage pixels, even with non-zero confidence) stop steering the fit.
 */
export function robustSimilarity(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  weights?: ArrayLike<number>,
  rounds = 3,
): Similarity | null {
  const n = Math.floor(src.length / 3);
  let sim = weightedSimilarity(src, dst, weights);
  const w = new Float64Array(n);
  const residual = new Float64Array(n);
  for (let round = 0; round < rounds && sim; round++) {
    const { s, R, t } = sim;
    const used: number[] = [];
    for (let k = 0; k < n; k++) {
      const base = weights ? weights[k] : 1;
      let d2 = 0;
      for (let a = 0; a < 3; a++) {
        const y =
          s * (R[a * 3] * src[k * 3] + R[a * 3 + 1] * src[k * 3 + 1] + R[a * 3 + 2] * src[k * 3 + 2]) + t[a];
        d2 += (dst[k * 3 + a] - y) ** 2;
      }
      residual[k] = Math.sqrt(d2);
      if (base > 0 && Number.isFinite(residual[k])) used.push(residual[k]);
    }
    if (used.length < 3) break;
    used.sort((a, b) => a - b);
    const sigma = 1.4826 * used[used.length >> 1];
    if (!(sigma > 0)) break;
    for (let k = 0; k < n; k++) {
      const base = weights ? weights[k] : 1;
      w[k] = base > 0 ? base / (1 + (residual[k] / (2.5 * sigma)) ** 2) : 0;
    }
    sim = weightedSimilarity(src, dst, w) ?? sim;
  }
  return sim;
}
