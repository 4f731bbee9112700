/**
 * The scene's dominant planes (floor, walls, large faces), found by sequential RANSAC over the views'
 * confident depth, and which of them bound the scene (nothing measured lies behind them).
 *
 * Why: the depth fill (depth-fill.ts) guesses depth where the stereo found none, mostly surfaces only one
 * photo sees. A straight-line extrapolation in the image cannot tell the background from an occluder, nor
 * stop a wall at the floor. Whole planes can: a run of pixels on a known plane gives the exact depth along
 * the empty pixel's ray, and a ray cannot see past the nearest bounding plane it meets.
 */
import { type Camera, unprojectPixel } from './camera';
import { FUSION_MIN_CONFIDENCE } from './fusion';
import { translationOf } from './mat4';
import { symmetricEigen } from './pose/linalg';
import { ransac } from './pose/ransac';
import { Rng } from './pose/rng';
import type { ViewGeometry } from './types';

/** n·X + d = 0 in world coordinates, |n| = 1. */
export type Plane = [number, number, number, number];

export interface ScenePlanes {
  /** In order of support, largest first. */
  planes: Plane[];
  /** Per plane: every camera on one side and (almost) no measured point behind it. */
  bounding: boolean[];
}

export interface PlaneOptions {
  /** A point lies on a plane within this share of its depth. */
  tolerance: number;
  maxPlanes: number;
  /** Smallest share of the sampled points a plane must carry. */
  minShare: number;
  /** Largest share of the measured points behind a plane that still lets it bound the scene. */
  maxBehind: number;
  /** Points sampled for the search (spread evenly over the views' confident pixels). */
  samples: number;
}

export const PLANE_DEFAULTS: PlaneOptions = {
  tolerance: 0.01,
  maxPlanes: 6,
  minShare: 0.03,
  // Measured walls carry a few per cent of stereo outliers and recesses behind them (tabletop's wall 3 %,
  // floor 2 %); a box face with the room behind it carries 70 % or more.
  maxBehind: 0.1,
  samples: 24_000,
};

interface Samples {
  points: Float64Array;
  /** Per point: the distance within which it lies on a plane (tolerance × its depth). */
  tolerance: Float64Array;
}

/** A pixel with confident depth the stereo measured (not filled in). */
export const measured = (v: ViewGeometry, p: number) =>
  v.confidence[p] >= FUSION_MIN_CONFIDENCE && v.depth[p] > 0 && !v.filled?.[p];

/** Measured pixels as world points, every `stride`-th pixel. */
function measuredPoints(views: ViewGeometry[], stride: number, tolerance: number): Samples {
  const points: number[] = [];
  const tol: number[] = [];
  for (const v of views) {
    const { width } = v.camera.intrinsics;
    for (let p = 0; p < v.depth.length; p += stride) {
      if (!measured(v, p)) continue;
      points.push(...unprojectPixel(v.camera, (p % width) + 0.5, Math.floor(p / width) + 0.5, v.depth[p]));
      tol.push(tolerance * v.depth[p]);
    }
  }
  return { points: Float64Array.from(points), tolerance: Float64Array.from(tol) };
}

export const signedDistance = (q: Plane, pts: ArrayLike<number>, i: number) =>
  q[0] * pts[3 * i] + q[1] * pts[3 * i + 1] + q[2] * pts[3 * i + 2] + q[3];

/** Least-squares plane through the given points (the covariance's smallest eigenvector). */
export function fitPlane(pts: Float64Array, ids: ArrayLike<number>): Plane | null {
  if (ids.length < 3) return null;
  const mean = [0, 0, 0];
  for (let k = 0; k < ids.length; k++)
    for (let a = 0; a < 3; a++) mean[a] += pts[3 * ids[k] + a] / ids.length;
  const cov = new Float64Array(9);
  for (let k = 0; k < ids.length; k++) {
    const d = [0, 1, 2].map((a) => pts[3 * ids[k] + a] - mean[a]);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cov[3 * a + b] += d[a] * d[b];
  }
  const { vectors } = symmetricEigen(cov, 3);
  const n = [vectors[0], vectors[3], vectors[6]];
  const len = Math.hypot(n[0], n[1], n[2]);
  if (!(len > 0)) return null;
  const unit = n.map((x) => x / len);
  return [unit[0], unit[1], unit[2], -(unit[0] * mean[0] + unit[1] * mean[1] + unit[2] * mean[2])];
}

/** Share of the measured points on the far side of q from the cameras (1 when cameras straddle it). */
function behindShare(q: Plane, cameras: Camera[], all: Samples): number {
  const sides = cameras.map((c) => Math.sign(signedDistance(q, translationOf(c.worldFromCamera), 0)));
  if (sides[0] === 0 || sides.some((s) => s !== sides[0])) return 1;
  let behind = 0;
  for (let i = 0; i < all.tolerance.length; i++)
    if (sides[0] * signedDistance(q, all.points, i) < -all.tolerance[i]) behind++;
  return behind / Math.max(1, all.tolerance.length);
}

export function findScenePlanes(views: ViewGeometry[], options: Partial<PlaneOptions> = {}): ScenePlanes {
  const o = { ...PLANE_DEFAULTS, ...options };
  let confident = 0;
  for (const v of views) for (let p = 0; p < v.depth.length; p++) if (measured(v, p)) confident++;
  const all = measuredPoints(views, Math.max(1, Math.floor(confident / o.samples)), o.tolerance);
  const total = all.tolerance.length;
  const planes: Plane[] = [];
  let left = Int32Array.from({ length: total }, (_, i) => i);
  const rng = new Rng(17);
  while (planes.length < o.maxPlanes && left.length >= Math.max(3, o.minShare * total)) {
    const ids = left;
    const found = ransac<Plane>(
      {
        count: ids.length,
        sampleSize: 3,
        minimal: (s) => {
          const q = fitPlane(all.points, [ids[s[0]], ids[s[1]], ids[s[2]]]);
          return q ? [q] : [];
        },
        refine: (inliers) => {
          const q = fitPlane(
            all.points,
            Array.from(inliers, (k) => ids[k]),
          );
          return q ? [q] : [];
        },
        // Distances in units of each point's own tolerance, so the threshold is 1.
        errors: (q, out) => {
          for (let k = 0; k < ids.length; k++)
            out[k] = (signedDistance(q, all.points, ids[k]) / all.tolerance[ids[k]]) ** 2;
        },
      },
      { threshold: 1, seed: rng.int(1 << 30), maxIterations: 500 },
    );
    if (!found || found.inliers.length < o.minShare * total) break;
    planes.push(found.model);
    const on = new Uint8Array(ids.length);
    for (const k of found.inliers) on[k] = 1;
    left = ids.filter((_, k) => !on[k]);
  }
  const cameras = views.map((v) => v.camera);
  return { planes, bounding: planes.map((q) => behindShare(q, cameras, all) <= o.maxBehind) };
}

/** A world plane in a camera's frame: n_c·X_c + d_c = 0. */
export function planeInCamera(q: Plane, camera: Camera): Plane {
  const m = camera.worldFromCamera;
  const n = [0, 1, 2].map((c) => m[4 * c] * q[0] + m[4 * c + 1] * q[1] + m[4 * c + 2] * q[2]);
  return [n[0], n[1], n[2], signedDistance(q, translationOf(m), 0)];
}

/** Depth (along the optical axis) where the ray with normalised direction (rx, ry, 1) meets a camera-frame plane; NaN if behind or parallel. */
export function rayPlaneDepth(q: Plane, rx: number, ry: number): number {
  const den = q[0] * rx + q[1] * ry + q[2];
  const z = den !== 0 ? -q[3] / den : Number.NaN;
  return z > 0 ? z : Number.NaN;
}
