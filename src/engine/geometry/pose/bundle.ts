import { cholesky, choleskySolve, cross, expSO3, inv3, mul3, normalize3 } from './linalg';
import type { Pose } from './triangulate';

/**
 * Levenberg–Marquardt bundle adjustment on pixel reprojection error with a robust loss.
 * Unknowns: per view a rotation (local so(3) update R ← exp(ω)·R) and translation (free, or on the
 * sphere |t| = const to fix the scale, or fixed), one shared log-focal (optional), and the 3D points.
 * The points are eliminated with the Schur complement: their normal-equation blocks are independent
 * 3×3s, so only the small camera system (≤ 6 per view + 1) is solved densely by Cholesky.
 * Poses are cameraFromWorld; points are world coordinates; both are updated in place.
 */

export type RobustLoss = 'huber' | 'cauchy' | 'l2';

export interface BundleView {
  pose: Pose;
  /** Focal length in pixels (fx = fy). With a free shared focal it is updated in place. */
  focal: number;
  cx: number;
  cy: number;
  /** 'fixed': pose held; 'sphere': rotation free, translation direction free with |t| fixed (the gauge's scale). */
  gauge: 'fixed' | 'sphere' | 'free';
  /** Member of the shared unknown focal (refined when `refineFocal`). */
  sharedFocal: boolean;
}

export interface BundleObservations {
  view: Int32Array;
  point: Int32Array;
  /** Observed pixel coordinates, 2 per observation. */
  uv: Float64Array;
}

export interface BundleOptions {
  refineFocal?: boolean;
  /** Hold the points and refine only the poses (used by PnP refinement). */
  fixPoints?: boolean;
  loss?: RobustLoss;
  /** Pixels where the robust loss departs from the quadratic. */
  lossScale?: number;
  maxIterations?: number;
  /** Compute `focalStd` at the solution (one more linearisation and solve). */
  uncertainty?: boolean;
}

export interface BundleReport {
  iterations: number;
  initialCost: number;
  finalCost: number;
  /** Root mean square pixel error over observations in front of their camera, before and after. */
  initialRms: number;
  finalRms: number;
  /**
   * Standard deviation of log(focal) (≈ relative focal error) at the solution, from the Gauss–Newton
   * information matrix with the points marginalised (Schur complement), when the focal is refined.
   * Large values mean the photos do not determine the focal (e.g. two views whose optical axes meet).
   */
  focalStd?: number;
}

/** Robust loss ρ(e) of a residual norm e. */
function rho(loss: RobustLoss, s: number, e: number): number {
  if (loss === 'huber') return e <= s ? 0.5 * e * e : s * (e - 0.5 * s);
  if (loss === 'cauchy') return 0.5 * s * s * Math.log1p((e * e) / (s * s));
  return 0.5 * e * e;
}

/** IRLS weight ρ'(e)/e. */
function weight(loss: RobustLoss, s: number, e: number): number {
  if (loss === 'huber') return e <= s ? 1 : s / e;
  if (loss === 'cauchy') return 1 / (1 + (e * e) / (s * s));
  return 1;
}

/** Two unit vectors spanning the plane orthogonal to v (for the sphere update of t). */
function tangentBasis(v: ArrayLike<number>): [number[], number[]] {
  const n = normalize3(v);
  const helper = Math.abs(n[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const b1 = normalize3(cross(n, helper));
  const b2 = cross(n, b1);
  return [b1, b2];
}

const BEHIND_PENALTY_PX = 1000;
const MAXC = 7; // camera-side columns per observation: 6 pose + 1 focal

export function bundleAdjust(
  views: BundleView[],
  points: Float64Array,
  obs: BundleObservations,
  options: BundleOptions = {},
): BundleReport {
  const loss = options.loss ?? 'huber';
  const scale = options.lossScale ?? 2;
  const maxIterations = options.maxIterations ?? 50;
  const fixPoints = options.fixPoints ?? false;
  const nObs = obs.view.length;
  const nPoints = points.length / 3;

  // Parameter layout of the reduced (camera) system.
  const offset = new Int32Array(views.length);
  const dim = new Int32Array(views.length);
  let nc = 0;
  views.forEach((v, i) => {
    dim[i] = v.gauge === 'fixed' ? 0 : v.gauge === 'sphere' ? 5 : 6;
    offset[i] = nc;
    nc += dim[i];
  });
  const focalIndex = options.refineFocal && views.some((v) => v.sharedFocal) ? nc++ : -1;

  // Observations grouped by point (CSR) for the Schur complement.
  const start = new Int32Array(nPoints + 1);
  for (let k = 0; k < nObs; k++) start[obs.point[k] + 1]++;
  for (let p = 0; p < nPoints; p++) start[p + 1] += start[p];
  const byPoint = new Int32Array(nObs);
  const fill = start.slice(0, nPoints);
  for (let k = 0; k < nObs; k++) byPoint[fill[obs.point[k]]++] = k;

  let logFocal = 0;
  const behind = rho(loss, scale, BEHIND_PENALTY_PX);

  /** Total robust cost and RMS for a state. */
  const evaluate = (poses: Pose[], pts: Float64Array, lf: number): [number, number] => {
    let cost = 0;
    let sq = 0;
    let n = 0;
    const g = Math.exp(lf);
    for (let k = 0; k < nObs; k++) {
      const v = obs.view[k];
      const p = obs.point[k];
      const { R, t } = poses[v];
      const X = pts[3 * p];
      const Y = pts[3 * p + 1];
      const Z = pts[3 * p + 2];
      const z = R[6] * X + R[7] * Y + R[8] * Z + t[2];
      if (!(z > 1e-9)) {
        cost += behind;
        continue;
      }
      const x = R[0] * X + R[1] * Y + R[2] * Z + t[0];
      const y = R[3] * X + R[4] * Y + R[5] * Z + t[1];
      const view = views[v];
      const f = view.sharedFocal ? view.focal * g : view.focal;
      const e2 =
        ((f * x) / z + view.cx - obs.uv[2 * k]) ** 2 + ((f * y) / z + view.cy - obs.uv[2 * k + 1]) ** 2;
      cost += rho(loss, scale, Math.sqrt(e2));
      sq += e2;
      n++;
    }
    return [cost, n ? Math.sqrt(sq / n) : 0];
  };

  const jc = new Float64Array(nObs * 2 * MAXC); // rows u then v, MAXC columns each
  const jp = new Float64Array(nObs * 6);
  const wb = new Float64Array(nObs * 3 * MAXC); // W = Jcᵀ·Jp per observation (nLocal × 3)
  const yb = new Float64Array(nObs * 3 * MAXC); // Y = W·V⁻¹ per observation
  const res = new Float64Array(nObs * 2);
  const local = new Int32Array(nObs * MAXC).fill(-1); // reduced-system index of each jc column
  const nLocal = new Int32Array(nObs);
  const U = new Float64Array(nc * nc);
  const gc = new Float64Array(nc);
  const V = new Float64Array(nPoints * 9);
  const gp = new Float64Array(nPoints * 3);
  const vinv = new Float64Array(nPoints * 9);
  const vok = new Uint8Array(nPoints);
  const S = new Float64Array(nc * nc);
  const rhs = new Float64Array(nc);
  const dp = new Float64Array(nPoints * 3);

  let [cost, rms] = evaluate(
    views.map((v) => v.pose),
    points,
    0,
  );
  const report: BundleReport = {
    iterations: 0,
    initialCost: cost,
    finalCost: cost,
    initialRms: rms,
    finalRms: rms,
  };
  let lambda = 1e-3;

  for (let iter = 0; iter < maxIterations; iter++) {
    report.iterations = iter + 1;
    linearise();
    // Damped steps until one lowers the cost.
    let accepted = false;
    let converged = false;
    for (let attempt = 0; attempt < 12 && !accepted; attempt++) {
      if (!solveStep(lambda)) {
        lambda *= 10;
        continue;
      }
      const poses = views.map((view, v) => applyPose(view, v));
      const pts = Float64Array.from(points);
      if (!fixPoints) for (let i = 0; i < pts.length; i++) pts[i] += dp[i];
      const lf = focalIndex >= 0 ? logFocal + rhs[focalIndex] : logFocal;
      const [newCost, newRms] = evaluate(poses, pts, lf);
      if (newCost < cost) {
        const decrease = (cost - newCost) / Math.max(cost, 1e-300);
        views.forEach((view, v) => {
          view.pose = poses[v];
        });
        points.set(pts);
        logFocal = lf;
        cost = newCost;
        rms = newRms;
        lambda = Math.max(lambda / 3, 1e-9);
        accepted = true;
        if (decrease < 1e-9) converged = true;
      } else {
        lambda *= 4;
      }
    }
    if (!accepted || converged || lambda > 1e12) break;
  }

  if (focalIndex >= 0 && options.uncertainty) report.focalStd = focalStd();
  if (focalIndex >= 0) for (const v of views) if (v.sharedFocal) v.focal *= Math.exp(logFocal);
  report.finalCost = cost;
  report.finalRms = rms;
  return report;

  function focalStd(): number {
    linearise();
    if (!solveStep(1e-9)) return Number.POSITIVE_INFINITY;
    // S now holds the Cholesky factor of the reduced information matrix.
    const e = new Float64Array(nc);
    e[focalIndex] = 1;
    choleskySolve(S, nc, e);
    let r2 = 0;
    for (let i = 0; i < res.length; i++) r2 += res[i] * res[i];
    const dof = Math.max(1, res.length - nc - (fixPoints ? 0 : 3 * nPoints));
    return Math.sqrt(Math.max(0, e[focalIndex]) * (r2 / dof));
  }

  /** Residuals, Jacobians and the normal-equation blocks at the current state. */
  function linearise(): void {
    U.fill(0);
    gc.fill(0);
    V.fill(0);
    gp.fill(0);
    const g = Math.exp(logFocal);
    const bases = views.map((v) => (v.gauge === 'sphere' ? tangentBasis(v.pose.t) : null));
    for (let k = 0; k < nObs; k++) {
      const v = obs.view[k];
      const p = obs.point[k];
      const view = views[v];
      const { R, t } = view.pose;
      const X = points[3 * p];
      const Y = points[3 * p + 1];
      const Z = points[3 * p + 2];
      const q0 = R[0] * X + R[1] * Y + R[2] * Z;
      const q1 = R[3] * X + R[4] * Y + R[5] * Z;
      const q2 = R[6] * X + R[7] * Y + R[8] * Z;
      const x = q0 + t[0];
      const y = q1 + t[1];
      const z = q2 + t[2];
      nLocal[k] = 0;
      res[2 * k] = res[2 * k + 1] = 0;
      if (!(z > 1e-9)) continue; // behind the camera: constant penalty, no gradient
      const f = view.sharedFocal ? view.focal * g : view.focal;
      const iz = 1 / z;
      const r0 = f * x * iz + view.cx - obs.uv[2 * k];
      const r1 = f * y * iz + view.cy - obs.uv[2 * k + 1];
      const sw = Math.sqrt(weight(loss, scale, Math.hypot(r0, r1)));
      res[2 * k] = sw * r0;
      res[2 * k + 1] = sw * r1;
      // Jπ = ∂(u, v)/∂(x, y, z), scaled by the robust weight.
      const a00 = sw * f * iz;
      const a02 = -sw * f * x * iz * iz;
      const a12 = -sw * f * y * iz * iz;
      const o6 = 6 * k;
      for (let c = 0; c < 3; c++) {
        jp[o6 + c] = a00 * R[c] + a02 * R[6 + c];
        jp[o6 + 3 + c] = a00 * R[3 + c] + a12 * R[6 + c];
      }
      const ju = 2 * MAXC * k;
      const jv = ju + MAXC;
      const lo = MAXC * k;
      let n = 0;
      if (dim[v] > 0) {
        const o = offset[v];
        // ∂(x,y,z)/∂ω = −[q]× = [[0, q2, −q1], [−q2, 0, q0], [q1, −q0, 0]] with q = R·X.
        jc[ju] = a02 * q1;
        jc[jv] = -a00 * q2 + a12 * q1;
        jc[ju + 1] = a00 * q2 - a02 * q0;
        jc[jv + 1] = -a12 * q0;
        jc[ju + 2] = -a00 * q1;
        jc[jv + 2] = a00 * q0;
        local[lo] = o;
        local[lo + 1] = o + 1;
        local[lo + 2] = o + 2;
        if (dim[v] === 6) {
          jc[ju + 3] = a00;
          jc[jv + 3] = 0;
          jc[ju + 4] = 0;
          jc[jv + 4] = a00;
          jc[ju + 5] = a02;
          jc[jv + 5] = a12;
          local[lo + 3] = o + 3;
          local[lo + 4] = o + 4;
          local[lo + 5] = o + 5;
          n = 6;
        } else {
          // t = |t|·normalize(t̂ + B·δ): ∂t/∂δ = |t|·B.
          const len = Math.hypot(t[0], t[1], t[2]);
          const [b1, b2] = bases[v]!;
          jc[ju + 3] = len * (a00 * b1[0] + a02 * b1[2]);
          jc[jv + 3] = len * (a00 * b1[1] + a12 * b1[2]);
          jc[ju + 4] = len * (a00 * b2[0] + a02 * b2[2]);
          jc[jv + 4] = len * (a00 * b2[1] + a12 * b2[2]);
          local[lo + 3] = o + 3;
          local[lo + 4] = o + 4;
          n = 5;
        }
      }
      if (focalIndex >= 0 && view.sharedFocal) {
        // ∂u/∂log f = f·x/z.
        jc[ju + n] = sw * f * x * iz;
        jc[jv + n] = sw * f * y * iz;
        local[lo + n] = focalIndex;
        n++;
      }
      nLocal[k] = n;
      // Accumulate U, gc (g = −Jᵀr), V, gp and W = Jcᵀ·Jp.
      const ru = res[2 * k];
      const rv = res[2 * k + 1];
      for (let i = 0; i < n; i++) {
        const ci = jc[ju + i];
        const di = jc[jv + i];
        const li = local[lo + i];
        gc[li] -= ci * ru + di * rv;
        for (let j = 0; j < n; j++) U[li * nc + local[lo + j]] += ci * jc[ju + j] + di * jc[jv + j];
        for (let j = 0; j < 3; j++) wb[3 * (lo + i) + j] = ci * jp[o6 + j] + di * jp[o6 + 3 + j];
      }
      for (let i = 0; i < 3; i++) {
        gp[3 * p + i] -= jp[o6 + i] * ru + jp[o6 + 3 + i] * rv;
        for (let j = 0; j < 3; j++)
          V[9 * p + 3 * i + j] += jp[o6 + i] * jp[o6 + j] + jp[o6 + 3 + i] * jp[o6 + 3 + j];
      }
    }
  }

  function applyPose(view: BundleView, v: number): Pose {
    if (dim[v] === 0) return view.pose;
    const o = offset[v];
    const dc = rhs;
    const R = mul3(expSO3([dc[o], dc[o + 1], dc[o + 2]]), view.pose.R);
    const t = Float64Array.from(view.pose.t);
    if (dim[v] === 6) {
      t[0] += dc[o + 3];
      t[1] += dc[o + 4];
      t[2] += dc[o + 5];
    } else {
      const len = Math.hypot(t[0], t[1], t[2]);
      const [b1, b2] = tangentBasis(view.pose.t);
      const d = normalize3([
        t[0] / len + b1[0] * dc[o + 3] + b2[0] * dc[o + 4],
        t[1] / len + b1[1] * dc[o + 3] + b2[1] * dc[o + 4],
        t[2] / len + b1[2] * dc[o + 3] + b2[2] * dc[o + 4],
      ]);
      t[0] = d[0] * len;
      t[1] = d[1] * len;
      t[2] = d[2] * len;
    }
    return { R, t };
  }

  /**
   * Damped Schur-complement step into rhs (cameras) and dp (points); false if S is not positive
   * definite. S = U − Σ_p W_p·V_p⁻¹·W_pᵀ, rhs = g_c − Σ_p W_p·V_p⁻¹·g_p, then δp = V⁻¹(g_p − W_pᵀ·δc).
   */
  function solveStep(lam: number): boolean {
    S.set(U);
    rhs.set(gc);
    for (let i = 0; i < nc; i++) S[i * nc + i] += lam * Math.max(U[i * nc + i], 1e-9);
    if (!fixPoints) {
      const damped = new Float64Array(9);
      for (let p = 0; p < nPoints; p++) {
        const o9 = 9 * p;
        for (let i = 0; i < 9; i++) damped[i] = V[o9 + i];
        for (let i = 0; i < 3; i++) damped[4 * i] += lam * Math.max(V[o9 + 4 * i], 1e-9);
        const inv = V[o9] + V[o9 + 4] + V[o9 + 8] > 0 ? inv3(damped) : null;
        vok[p] = inv ? 1 : 0;
        if (!inv) continue;
        vinv.set(inv, o9);
        const g0 = gp[3 * p];
        const g1 = gp[3 * p + 1];
        const g2 = gp[3 * p + 2];
        for (let ia = start[p]; ia < start[p + 1]; ia++) {
          const a = byPoint[ia];
          const na = nLocal[a];
          const la = MAXC * a;
          for (let i = 0; i < na; i++) {
            const w = 3 * (la + i);
            const y0 = wb[w] * inv[0] + wb[w + 1] * inv[3] + wb[w + 2] * inv[6];
            const y1 = wb[w] * inv[1] + wb[w + 1] * inv[4] + wb[w + 2] * inv[7];
            const y2 = wb[w] * inv[2] + wb[w + 1] * inv[5] + wb[w + 2] * inv[8];
            yb[w] = y0;
            yb[w + 1] = y1;
            yb[w + 2] = y2;
            rhs[local[la + i]] -= y0 * g0 + y1 * g1 + y2 * g2;
          }
        }
        // S −= Y_a·W_bᵀ for every pair of observations of the point; the block is symmetric, so
        // only a ≤ b is computed and mirrored.
        for (let ia = start[p]; ia < start[p + 1]; ia++) {
          const a = byPoint[ia];
          const na = nLocal[a];
          const la = MAXC * a;
          for (let ib = ia; ib < start[p + 1]; ib++) {
            const b = byPoint[ib];
            const nb = nLocal[b];
            const lb = MAXC * b;
            for (let i = 0; i < na; i++) {
              const w = 3 * (la + i);
              const li = local[la + i];
              for (let j = ib === ia ? i : 0; j < nb; j++) {
                const u = 3 * (lb + j);
                const lj = local[lb + j];
                const d = yb[w] * wb[u] + yb[w + 1] * wb[u + 1] + yb[w + 2] * wb[u + 2];
                S[li * nc + lj] -= d;
                if (li !== lj || ib !== ia || i !== j) S[lj * nc + li] -= d;
              }
            }
          }
        }
      }
    }
    if (nc > 0) {
      if (!cholesky(S, nc)) return false;
      choleskySolve(S, nc, rhs);
      for (let i = 0; i < nc; i++) if (!Number.isFinite(rhs[i])) return false;
    }
    if (!fixPoints) {
      for (let p = 0; p < nPoints; p++) {
        dp[3 * p] = dp[3 * p + 1] = dp[3 * p + 2] = 0;
        if (!vok[p]) continue;
        let r0 = gp[3 * p];
        let r1 = gp[3 * p + 1];
        let r2 = gp[3 * p + 2];
        for (let ia = start[p]; ia < start[p + 1]; ia++) {
          const a = byPoint[ia];
          const la = MAXC * a;
          for (let i = 0; i < nLocal[a]; i++) {
            const d = rhs[local[la + i]];
            const w = 3 * (la + i);
            r0 -= wb[w] * d;
            r1 -= wb[w + 1] * d;
            r2 -= wb[w + 2] * d;
          }
        }
        const o9 = 9 * p;
        dp[3 * p] = vinv[o9] * r0 + vinv[o9 + 1] * r1 + vinv[o9 + 2] * r2;
        dp[3 * p + 1] = vinv[o9 + 3] * r0 + vinv[o9 + 4] * r1 + vinv[o9 + 5] * r2;
        dp[3 * p + 2] = vinv[o9 + 6] * r0 + vinv[o9 + 7] * r1 + vinv[o9 + 8] * r2;
      }
    }
    return true;
  }
}
