import { type BundleView, bundleAdjust } from './bundle';
import { dot, leastSquaresNullVector, mul3, mulVec3, normalize3, svd3, transpose3 } from './linalg';
import type { PinholeK } from './pinhole';
import { polyAdd, polyEval, polyMul, realRoots } from './poly';
import { ransac } from './ransac';
import type { Pose } from './triangulate';

/**
 * Absolute pose of a calibrated camera from 2D–3D correspondences: the minimal three-point solver inside
 * LO-RANSAC on the pixel reprojection error (the LO step re-fits a normalised DLT on the inliers), then
 * Levenberg–Marquardt on the pose with the points held. A six-point DLT is too noise-sensitive to serve
 * as the minimal solver: with sub-pixel noise most of its samples give unusable poses.
 */

/**
 * DLT for P = [R | t] from normalised image points q (2 per point) and world points X (3 per point),
 * with the world points centred and scaled for conditioning; R is projected onto SO(3).
 */
export function pnpDLT(X: ArrayLike<number>, q: ArrayLike<number>, idx: ArrayLike<number>): Pose | null {
  const n = idx.length;
  if (n < 6) return null;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    cx += X[3 * i];
    cy += X[3 * i + 1];
    cz += X[3 * i + 2];
  }
  cx /= n;
  cy /= n;
  cz /= n;
  let d = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    d += Math.hypot(X[3 * i] - cx, X[3 * i + 1] - cy, X[3 * i + 2] - cz);
  }
  const s = d > 0 ? (Math.sqrt(3) * n) / d : 1;
  const rows = new Float64Array(2 * n * 12);
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    const p = [s * (X[3 * i] - cx), s * (X[3 * i + 1] - cy), s * (X[3 * i + 2] - cz), 1];
    const x = q[2 * i];
    const y = q[2 * i + 1];
    const r1 = 24 * k;
    const r2 = r1 + 12;
    for (let c = 0; c < 4; c++) {
      rows[r1 + c] = p[c];
      rows[r1 + 8 + c] = -x * p[c];
      rows[r2 + 4 + c] = p[c];
      rows[r2 + 8 + c] = -y * p[c];
    }
  }
  // A minimal sample (6 points) gives 12 equations for 11 degrees of freedom: use 11 of them so the
  // null space is exact and found by elimination.
  const v = leastSquaresNullVector(rows, n === 6 ? 11 : 2 * n, 12);
  // Undo the normalisation: P = P'·[sI, −s·c; 0, 1].
  const P = new Float64Array(12);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) P[r * 4 + c] = s * v[r * 4 + c];
    P[r * 4 + 3] = v[r * 4 + 3] - s * (v[r * 4] * cx + v[r * 4 + 1] * cy + v[r * 4 + 2] * cz);
  }
  // Sign: most points must be in front of the camera.
  let front = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    const z = P[8] * X[3 * i] + P[9] * X[3 * i + 1] + P[10] * X[3 * i + 2] + P[11];
    front += z > 0 ? 1 : -1;
  }
  if (front < 0) for (let k = 0; k < 12; k++) P[k] = -P[k];
  const m = Float64Array.of(P[0], P[1], P[2], P[4], P[5], P[6], P[8], P[9], P[10]);
  const { u, s: sv, v: vv } = svd3(m);
  if (!(sv[2] > 0)) return null;
  const scale = (sv[0] + sv[1] + sv[2]) / 3;
  const R = mul3(u, transpose3(vv));
  return { R, t: Float64Array.of(P[3] / scale, P[7] / scale, P[11] / scale) };
}

/**
 * Rigid transform (R, t) with Q_i ≈ R·P_i + t from point pairs (Kabsch: SVD of the cross-covariance).
 */
export function absoluteOrientation(P: number[][], Q: number[][]): Pose | null {
  const n = P.length;
  const cp = [0, 0, 0];
  const cq = [0, 0, 0];
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) {
      cp[c] += P[i][c] / n;
      cq[c] += Q[i][c] / n;
    }
  const h = new Float64Array(9);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) h[r * 3 + c] += (Q[i][r] - cq[r]) * (P[i][c] - cp[c]);
  }
  // h = Σ q pᵀ = U S Vᵀ; the rotation maximising tr(Rᵀ h) is U·Vᵀ (proper by construction of svd3).
  const { u, v } = svd3(h);
  const R = mul3(u, transpose3(v));
  const rc = mulVec3(R, cp);
  const t = Float64Array.of(cq[0] - rc[0], cq[1] - rc[1], cq[2] - rc[2]);
  return Number.isFinite(t[0]) ? { R, t } : null;
}

/**
 * Minimal absolute pose from three points (Grunert's formulation): with depths s_i along the unit
 * bearings j_i, the law of cosines on the three inter-point distances gives, after writing s₂ = u·s₁
 * and s₃ = v·s₁ and eliminating u, a quartic in v. Up to four poses.
 */
export function p3p(X: ArrayLike<number>, q: ArrayLike<number>, idx: ArrayLike<number>): Pose[] {
  const P = [0, 1, 2].map((k) => [X[3 * idx[k]], X[3 * idx[k] + 1], X[3 * idx[k] + 2]]);
  const j = [0, 1, 2].map((k) => normalize3([q[2 * idx[k]], q[2 * idx[k] + 1], 1]));
  const d2 = (x: number[], y: number[]) => (x[0] - y[0]) ** 2 + (x[1] - y[1]) ** 2 + (x[2] - y[2]) ** 2;
  const a2 = d2(P[1], P[2]);
  const b2 = d2(P[0], P[2]);
  const c2 = d2(P[0], P[1]);
  if (!(b2 > 1e-18 && a2 > 1e-18 && c2 > 1e-18)) return [];
  const ca = dot(j[1], j[2]);
  const cb = dot(j[0], j[2]);
  const cg = dot(j[0], j[1]);
  const k = (a2 - c2) / b2;
  const e = c2 / b2;
  // u = N(v)/D(v); substituting into 1 + u² − 2u·cosγ = (c²/b²)(1 + v² − 2v·cosβ), times D².
  const N = [1 + k, -2 * k * cb, k - 1];
  const D = [2 * cg, -2 * ca];
  const w = [1, -2 * cb, 1];
  let quartic = polyAdd(polyMul(D, D), polyMul(N, N));
  quartic = polyAdd(quartic, polyMul(polyMul([2 * cg], N), D), -1);
  quartic = polyAdd(quartic, polyMul(polyMul([e], w), polyMul(D, D)), -1);
  const out: Pose[] = [];
  for (const v of realRoots(quartic)) {
    const dv = polyEval(D, v);
    if (v <= 0 || Math.abs(dv) < 1e-12) continue;
    const u = polyEval(N, v) / dv;
    const den = polyEval(w, v);
    if (u <= 0 || !(den > 0)) continue;
    const s1 = Math.sqrt(b2 / den);
    const s = [s1, u * s1, v * s1];
    const Q = j.map((jj, i) => [jj[0] * s[i], jj[1] * s[i], jj[2] * s[i]]);
    const pose = absoluteOrientation(P, Q);
    if (pose) out.push(pose);
  }
  return out;
}

function reprojectionErrors(
  pose: Pose,
  X: ArrayLike<number>,
  uv: ArrayLike<number>,
  k: PinholeK,
  out: Float64Array,
): void {
  const { R, t } = pose;
  for (let i = 0; i < out.length; i++) {
    const x = X[3 * i];
    const y = X[3 * i + 1];
    const z = X[3 * i + 2];
    const cz = R[6] * x + R[7] * y + R[8] * z + t[2];
    if (!(cz > 1e-9)) {
      out[i] = Number.POSITIVE_INFINITY;
      continue;
    }
    const cx = R[0] * x + R[1] * y + R[2] * z + t[0];
    const cy = R[3] * x + R[4] * y + R[5] * z + t[1];
    out[i] = ((k.f * cx) / cz + k.cx - uv[2 * i]) ** 2 + ((k.f * cy) / cz + k.cy - uv[2 * i + 1]) ** 2;
  }
}

export interface PnPResult {
  pose: Pose;
  inliers: Int32Array;
}

/** Robust PnP: X world points (3 per point), uv pixels (2 per point), intrinsics k. */
export function robustPnP(
  X: Float64Array,
  uv: Float64Array,
  k: PinholeK,
  o: { thresholdPx: number; seed: number },
): PnPResult | null {
  const n = uv.length / 2;
  if (n < 6) return null;
  const q = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    q[2 * i] = (uv[2 * i] - k.cx) / k.f;
    q[2 * i + 1] = (uv[2 * i + 1] - k.cy) / k.f;
  }
  const r = ransac<Pose>(
    {
      count: n,
      sampleSize: 3,
      minimal: (s) => p3p(X, q, s),
      refine: (inl) => {
        const p = pnpDLT(X, q, inl);
        return p ? [p] : [];
      },
      errors: (p, out) => reprojectionErrors(p, X, uv, k, out),
    },
    { threshold: o.thresholdPx, seed: o.seed, maxIterations: 300 },
  );
  if (!r || r.inliers.length < 6) return null;
  // Pose-only Levenberg–Marquardt on the inliers (robust loss), then re-select the inliers.
  const inl = r.inliers;
  const pts = new Float64Array(3 * inl.length);
  const obs = new Float64Array(2 * inl.length);
  inl.forEach((i, m) => {
    pts.set([X[3 * i], X[3 * i + 1], X[3 * i + 2]], 3 * m);
    obs.set([uv[2 * i], uv[2 * i + 1]], 2 * m);
  });
  const view: BundleView = {
    pose: r.model,
    focal: k.f,
    cx: k.cx,
    cy: k.cy,
    gauge: 'free',
    sharedFocal: false,
  };
  bundleAdjust(
    [view],
    pts,
    { view: new Int32Array(inl.length), point: Int32Array.from(inl, (_, m) => m), uv: obs },
    { fixPoints: true, lossScale: o.thresholdPx, maxIterations: 30 },
  );
  const errs = new Float64Array(n);
  reprojectionErrors(view.pose, X, uv, k, errs);
  const t2 = o.thresholdPx ** 2;
  const inliers: number[] = [];
  for (let i = 0; i < n; i++) if (errs[i] < t2) inliers.push(i);
  return { pose: view.pose, inliers: Int32Array.from(inliers) };
}
