import { mul3, svd3, transpose3 } from './linalg';
import { identityPose, type Pose, toCamera, triangulateDLT } from './triangulate';

/**
 * Essential-matrix helpers. Relative pose convention: X_b = R·X_a + t (camera b from camera a), so
 * E = [t]×·R and x_bᵀ·E·x_a = 0 in normalised coordinates.
 */

/** Essential matrix [t]×R of a relative pose. */
export function essentialFromPose(R: ArrayLike<number>, t: ArrayLike<number>): Float64Array {
  const tx = Float64Array.of(0, -t[2], t[1], t[2], 0, -t[0], -t[1], t[0], 0);
  return mul3(tx, R);
}

/** Nearest essential matrix (singular values (1, 1, 0)) to a 3×3. */
export function projectToEssential(e: ArrayLike<number>): Float64Array {
  const { u, v } = svd3(e);
  return mul3(mul3(u, Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 0)), transpose3(v));
}

/** The four (R, t) factorisations of E (|t| = 1): R ∈ {U W Vᵀ, U Wᵀ Vᵀ}, t = ±u₃. */
export function decomposeEssential(e: ArrayLike<number>): Pose[] {
  const { u, v } = svd3(e);
  const w = Float64Array.of(0, -1, 0, 1, 0, 0, 0, 0, 1);
  const vt = transpose3(v);
  const r1 = mul3(mul3(u, w), vt);
  const r2 = mul3(mul3(u, transpose3(w)), vt);
  const t = Float64Array.of(u[2], u[5], u[8]);
  const neg = Float64Array.of(-t[0], -t[1], -t[2]);
  return [
    { R: r1, t },
    { R: r1, t: neg },
    { R: r2, t },
    { R: r2, t: neg },
  ];
}

/** Number of the selected matches that triangulate in front of both cameras (normalised coords). */
export function countInFront(
  pose: Pose,
  qa: ArrayLike<number>,
  qb: ArrayLike<number>,
  idx: ArrayLike<number>,
): number {
  const poses = [identityPose(), pose];
  const xy = new Float64Array(4);
  let count = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    xy[0] = qa[2 * i];
    xy[1] = qa[2 * i + 1];
    xy[2] = qb[2 * i];
    xy[3] = qb[2 * i + 1];
    const x = triangulateDLT(poses, xy);
    if (x && x[2] > 0 && toCamera(pose, x)[2] > 0) count++;
  }
  return count;
}

/**
 * The factorisation of E that puts the most matches in front of both cameras (cheirality), with the
 * count. idx selects the matches to test (typically the inliers, subsampled for speed).
 */
export function poseFromEssential(
  e: ArrayLike<number>,
  qa: ArrayLike<number>,
  qb: ArrayLike<number>,
  idx: ArrayLike<number>,
): { pose: Pose; inFront: number } {
  let best: { pose: Pose; inFront: number } | null = null;
  for (const pose of decomposeEssential(e)) {
    const n = countInFront(pose, qa, qb, idx);
    if (!best || n > best.inFront) best = { pose, inFront: n };
  }
  return best!;
}
