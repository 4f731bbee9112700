import { essentialFromPose } from './essential';
import { cholesky, choleskySolve, cross, expSO3, mul3, normalize3, skew } from './linalg';
import type { PinholeK } from './pinhole';
import type { Pose } from './triangulate';

/**
 * Non-linear refinement of a relative pose on the Sampson distance (pixels) of a set of matches:
 * 5 unknowns, rotation by a local so(3) update and translation direction on the unit sphere.
 * Used as the LO step of the five-point RANSAC: a linear 8-point fit projected onto the essential
 * manifold is unreliable there (the linear F is poorly determined along focal-like directions).
 *
 * With normalised coordinates q_a, q_b, u = E·q_a and w = Eᵀ·q_b, the signed Sampson distance in
 * pixels is r = q_bᵀ·u / √((u₀² + u₁²)/f_b² + (w₀² + w₁²)/f_a²) (the pixel F = K_b⁻ᵀ·E·K_a⁻¹).
 */

interface Normalised {
  qa: Float64Array;
  qb: Float64Array;
  ia: number; // 1/f_a²
  ib: number; // 1/f_b²
}

function residual(e: ArrayLike<number>, n: Normalised, k: number): number {
  const xa = n.qa[2 * k];
  const ya = n.qa[2 * k + 1];
  const xb = n.qb[2 * k];
  const yb = n.qb[2 * k + 1];
  const u0 = e[0] * xa + e[1] * ya + e[2];
  const u1 = e[3] * xa + e[4] * ya + e[5];
  const u2 = e[6] * xa + e[7] * ya + e[8];
  const w0 = e[0] * xb + e[3] * yb + e[6];
  const w1 = e[1] * xb + e[4] * yb + e[7];
  const d = Math.sqrt((u0 * u0 + u1 * u1) * n.ib + (w0 * w0 + w1 * w1) * n.ia);
  return d > 0 ? (xb * u0 + yb * u1 + u2) / d : 0;
}

function cost(pose: Pose, n: Normalised, count: number): number {
  const e = essentialFromPose(pose.R, pose.t);
  let c = 0;
  for (let k = 0; k < count; k++) c += residual(e, n, k) ** 2;
  return c;
}

function tangent(t: ArrayLike<number>): [number[], number[]] {
  const n0 = normalize3(t);
  const helper = Math.abs(n0[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const b1 = normalize3(cross(n0, helper));
  return [b1, cross(n0, b1)];
}

function perturb(pose: Pose, d: ArrayLike<number>, basis: [number[], number[]]): Pose {
  const R = mul3(expSO3([d[0], d[1], d[2]]), pose.R);
  const [b1, b2] = basis;
  const t = normalize3([
    pose.t[0] + b1[0] * d[3] + b2[0] * d[4],
    pose.t[1] + b1[1] * d[3] + b2[1] * d[4],
    pose.t[2] + b1[2] * d[3] + b2[2] * d[4],
  ]);
  return { R, t: Float64Array.from(t) };
}

/** Refines (R, t), |t| = 1, minimising Σ Sampson² (pixels²) over the selected matches. */
export function refineRelativePose(
  pose0: Pose,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  idx: ArrayLike<number>,
  ka: PinholeK,
  kb: PinholeK,
  iterations = 10,
): Pose {
  const count = idx.length;
  if (count < 6) return pose0;
  const n: Normalised = {
    qa: new Float64Array(2 * count),
    qb: new Float64Array(2 * count),
    ia: 1 / (ka.f * ka.f),
    ib: 1 / (kb.f * kb.f),
  };
  for (let k = 0; k < count; k++) {
    const i = idx[k];
    n.qa[2 * k] = (a[2 * i] - ka.cx) / ka.f;
    n.qa[2 * k + 1] = (a[2 * i + 1] - ka.cy) / ka.f;
    n.qb[2 * k] = (b[2 * i] - kb.cx) / kb.f;
    n.qb[2 * k + 1] = (b[2 * i + 1] - kb.cy) / kb.f;
  }
  let pose: Pose = { R: pose0.R, t: Float64Array.from(normalize3(pose0.t)) };
  let c0 = cost(pose, n, count);
  let lambda = 1e-4;
  const jtj = new Float64Array(25);
  const jtr = new Float64Array(5);
  const g = new Float64Array(5);
  for (let it = 0; it < iterations; it++) {
    const basis = tangent(pose.t);
    const e = essentialFromPose(pose.R, pose.t);
    // ∂E/∂ω_k = [t]×·[e_k]×·R and ∂E/∂δ_j = [b_j]×·R.
    const tx = skew(pose.t);
    const dE = [
      mul3(tx, mul3(skew([1, 0, 0]), pose.R)),
      mul3(tx, mul3(skew([0, 1, 0]), pose.R)),
      mul3(tx, mul3(skew([0, 0, 1]), pose.R)),
      mul3(skew(basis[0]), pose.R),
      mul3(skew(basis[1]), pose.R),
    ];
    jtj.fill(0);
    jtr.fill(0);
    for (let k = 0; k < count; k++) {
      const xa = n.qa[2 * k];
      const ya = n.qa[2 * k + 1];
      const xb = n.qb[2 * k];
      const yb = n.qb[2 * k + 1];
      const u0 = e[0] * xa + e[1] * ya + e[2];
      const u1 = e[3] * xa + e[4] * ya + e[5];
      const u2 = e[6] * xa + e[7] * ya + e[8];
      const w0 = e[0] * xb + e[3] * yb + e[6];
      const w1 = e[1] * xb + e[4] * yb + e[7];
      const d2 = (u0 * u0 + u1 * u1) * n.ib + (w0 * w0 + w1 * w1) * n.ia;
      if (!(d2 > 0)) continue;
      const d = Math.sqrt(d2);
      const num = xb * u0 + yb * u1 + u2;
      const r = num / d;
      for (let p = 0; p < 5; p++) {
        const m = dE[p];
        const du0 = m[0] * xa + m[1] * ya + m[2];
        const du1 = m[3] * xa + m[4] * ya + m[5];
        const du2 = m[6] * xa + m[7] * ya + m[8];
        const dw0 = m[0] * xb + m[3] * yb + m[6];
        const dw1 = m[1] * xb + m[4] * yb + m[7];
        const dnum = xb * du0 + yb * du1 + du2;
        const dd = ((u0 * du0 + u1 * du1) * n.ib + (w0 * dw0 + w1 * dw1) * n.ia) / d;
        g[p] = dnum / d - (num * dd) / d2;
      }
      for (let i = 0; i < 5; i++) {
        jtr[i] -= g[i] * r;
        for (let j = i; j < 5; j++) jtj[i * 5 + j] += g[i] * g[j];
      }
    }
    for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) jtj[i * 5 + j] = jtj[j * 5 + i];
    let improved = false;
    for (let attempt = 0; attempt < 8 && !improved; attempt++) {
      const m = Float64Array.from(jtj);
      for (let i = 0; i < 5; i++) m[i * 6] += lambda * Math.max(jtj[i * 6], 1e-12);
      const step = Float64Array.from(jtr);
      if (!cholesky(m, 5)) {
        lambda *= 10;
        continue;
      }
      choleskySolve(m, 5, step);
      const candidate = perturb(pose, step, basis);
      const c = cost(candidate, n, count);
      if (c < c0) {
        const rel = (c0 - c) / c0;
        pose = candidate;
        c0 = c;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (rel < 1e-10) return pose;
      } else lambda *= 10;
    }
    if (!improved) break;
  }
  return pose;
}
