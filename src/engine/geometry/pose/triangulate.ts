import { angleDeg, inv3, mulVec3, type Vec3 } from './linalg';

/**
 * Linear (DLT) triangulation and reprojection errors. A view here is a calibrated camera
 * cameraFromWorld = (R, t), row-major R, observing normalised coordinates (K⁻¹·pixel).
 */
export interface Pose {
  /** Row-major 3×3 rotation, cameraFromWorld. */
  R: Float64Array;
  t: Float64Array;
}

export const identityPose = (): Pose => ({
  R: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1),
  t: new Float64Array(3),
});

/** Camera-frame coordinates of a world point. */
export function toCamera(p: Pose, x: ArrayLike<number>): Vec3 {
  const r = mulVec3(p.R, x);
  return [r[0] + p.t[0], r[1] + p.t[1], r[2] + p.t[2]];
}

/** Camera centre in world coordinates: −Rᵀt. */
export function centreOf(p: Pose): Vec3 {
  const r = p.R;
  const t = p.t;
  return [
    -(r[0] * t[0] + r[3] * t[1] + r[6] * t[2]),
    -(r[1] * t[0] + r[4] * t[1] + r[7] * t[2]),
    -(r[2] * t[0] + r[5] * t[1] + r[8] * t[2]),
  ];
}

/**
 * DLT triangulation from k ≥ 2 views: each observation (x, y) contributes the rows x·P₃ − P₁ and
 * y·P₃ − P₂. With the point written as (X, 1) this is a 2k×3 linear least-squares problem (the
 * inhomogeneous DLT), solved through its 3×3 normal equations. Returns null when they are singular
 * (coincident rays, points at infinity).
 */
export function triangulateDLT(poses: Pose[], xy: ArrayLike<number>): Vec3 | null {
  const n = new Float64Array(9);
  const rhs = [0, 0, 0];
  const row = [0, 0, 0, 0];
  for (let v = 0; v < poses.length; v++) {
    const { R, t } = poses[v];
    for (let q = 0; q < 2; q++) {
      const c = xy[2 * v + q];
      for (let k = 0; k < 3; k++) row[k] = c * R[6 + k] - R[3 * q + k];
      row[3] = c * t[2] - t[q];
      for (let i = 0; i < 3; i++) {
        rhs[i] -= row[i] * row[3];
        for (let j = 0; j < 3; j++) n[3 * i + j] += row[i] * row[j];
      }
    }
  }
  const inv = inv3(n);
  if (!inv) return null;
  const x = mulVec3(inv, rhs);
  return Number.isFinite(x[0]) && Number.isFinite(x[1]) && Number.isFinite(x[2]) ? x : null;
}

/** Squared reprojection error in normalised units of a world point in one view, +∞ if behind. */
export function reprojectionSq(p: Pose, x: ArrayLike<number>, ox: number, oy: number): number {
  const c = toCamera(p, x);
  if (c[2] <= 0) return Number.POSITIVE_INFINITY;
  return (c[0] / c[2] - ox) ** 2 + (c[1] / c[2] - oy) ** 2;
}

/** Angle (degrees) at a world point between the rays to two camera centres. */
export function triangulationAngleDeg(
  ca: ArrayLike<number>,
  cb: ArrayLike<number>,
  x: ArrayLike<number>,
): number {
  return angleDeg([ca[0] - x[0], ca[1] - x[1], ca[2] - x[2]], [cb[0] - x[0], cb[1] - x[1], cb[2] - x[2]]);
}
