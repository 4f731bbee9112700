/**
 * The focal length from the scene's right angles, for photos that leave it to the pose estimate and hardly
 * constrain it (two photos whose optical axes nearly meet: the bundle adjustment's focal uncertainty is then
 * several per cent).
 *
 * Why it works: a reconstruction at a wrong focal is consistent with the photos but bent, and planes that
 * meet at a right angle (a floor and the walls, a box's sides and the floor) no longer do. On the tabletop
 * scenes the floor's angle to the vertical faces moves by about 1° per per cent of focal error, while the
 * stereo's planes, fitted to thousands of pixels, give it to about 0.1°.
 *
 * How: the stereo's pixels on each plane found at the estimated focal are paired with the other photo they
 * project into; for each candidate focal (within the bundle adjustment's uncertainty) the cameras are
 * adjusted again with the focal held there, the pairs triangulated, the planes refitted, and the plane pairs
 * that were within `maxTiltDeg` of perpendicular scored by their distance from 90°. The best candidate wins
 * when the right angles come out clearly better there and close to square; otherwise nothing changes (a
 * scene without right angles, or whose planes are not perpendicular, keeps the bundle adjustment's focal).
 */

import { fitPlane, measured, type Plane, signedDistance } from './background-planes';
import { type Camera, projectPoint, unprojectPixel } from './camera';
import { translationOf } from './mat4';
import type { ViewGeometry } from './types';

export interface RightAngleOptions {
  /** Plane pairs within this many degrees of perpendicular at the estimated focal are taken as square. */
  maxTiltDeg: number;
  /** Fewest paired pixels a plane needs to take part, and the least share of all paired pixels. */
  minPlanePixels: number;
  minPlaneShare: number;
  /** A pixel lies on a plane within this share of its depth. */
  tolerance: number;
  /** Pixels sampled over all views. */
  samples: number;
  /** Candidates span ± this many focal standard deviations, at most ± maxSpan, in steps of `step`. */
  spanStd: number;
  maxSpan: number;
  step: number;
  /** Degrees at which an angle's residual stops counting fully (Cauchy scale). */
  scaleDeg: number;
  /** The best candidate's cost must be below this share of the estimated focal's. */
  minGain: number;
  /** And its median residual below this (degrees): the pairs really are square there. */
  maxResidualDeg: number;
}

export const RIGHT_ANGLE_DEFAULTS: RightAngleOptions = {
  maxTiltDeg: 12,
  minPlanePixels: 200,
  // Only the scene's big planes (floor, walls): a smaller RANSAC plane can straddle the faces of several
  // objects, and its tilt then says nothing about the focal (tabletop seed 3 has one at 13 % of the pixels
  // that is square to the floor at a focal 7 % off; seed 4's box-top plane is 4° off the floor's even with
  // the true cameras).
  minPlaneShare: 0.2,
  tolerance: 0.01,
  samples: 40_000,
  spanStd: 3,
  maxSpan: 0.15,
  step: 0.005,
  scaleDeg: 1.5,
  minGain: 0.5,
  maxResidualDeg: 1,
};

export interface RightAngleFocal {
  /** Chosen focal as a factor of the estimated one. */
  factor: number;
  /** Median distance from 90° of the square plane pairs at the estimated focal and at the chosen one. */
  residualBeforeDeg: number;
  residualAfterDeg: number;
  pairs: number;
}

/** A pixel of view `v` on plane `plane`, and where the estimated geometry puts it in view `u`. */
interface Correspondence {
  v: number;
  u: number;
  a: [number, number];
  b: [number, number];
  plane: number;
}

const angleDeg = (p: Plane, q: Plane) =>
  (Math.acos(Math.min(1, Math.abs(p[0] * q[0] + p[1] * q[1] + p[2] * q[2]))) * 180) / Math.PI;

/**
 * The focal factor that squares the scene's right angles, or null when the scene has none to go by or they
 * do not settle it. `camerasAt(factor)` gives the cameras adjusted with the focal held at factor × the
 * estimate (null where they cannot be).
 */
export function rightAngleFocal(
  views: ViewGeometry[],
  planes: Plane[],
  focalRelStd: number,
  camerasAt: (factor: number) => Camera[] | null,
  options: Partial<RightAngleOptions> = {},
): RightAngleFocal | null {
  const o = { ...RIGHT_ANGLE_DEFAULTS, ...options };
  const pairs = correspondences(views, planes, o);
  const count = new Int32Array(planes.length);
  for (const c of pairs) count[c.plane]++;
  const minPixels = Math.max(o.minPlanePixels, o.minPlaneShare * pairs.length);
  const square: [number, number][] = [];
  for (let i = 0; i < planes.length; i++)
    for (let j = i + 1; j < planes.length; j++)
      if (
        count[i] >= minPixels &&
        count[j] >= minPixels &&
        angleDeg(planes[i], planes[j]) >= 90 - o.maxTiltDeg
      )
        square.push([i, j]);
  if (square.length === 0) return null;

  const residuals = (cameras: Camera[] | null): number[] | null => {
    if (!cameras) return null;
    const fitted = refitPlanes(pairs, cameras, planes.length);
    if (square.some(([i, j]) => !fitted[i] || !fitted[j])) return null;
    return square.map(([i, j]) => 90 - angleDeg(fitted[i]!, fitted[j]!));
  };
  const cost = (r: number[] | null) =>
    r ? r.reduce((s, d) => s + Math.log1p((d / o.scaleDeg) ** 2), 0) : Number.POSITIVE_INFINITY;

  const span = Math.min(o.maxSpan, o.spanStd * focalRelStd);
  const steps = Math.max(1, Math.round(span / o.step));
  const grid: { factor: number; r: number[] | null; cost: number }[] = [];
  for (let k = -steps; k <= steps; k++) {
    const factor = 1 + (k * span) / steps;
    const r = residuals(camerasAt(factor));
    grid.push({ factor, r, cost: cost(r) });
  }
  const at1 = grid[steps];
  let best = 0;
  for (let k = 1; k < grid.length; k++) if (grid[k].cost < grid[best].cost) best = k;
  // A minimum on the edge of the span is not one the photos support.
  if (best === 0 || best === grid.length - 1 || !at1.r) return null;
  const b = grid[best];
  if (!(b.cost < o.minGain * at1.cost) || median(b.r!.map(Math.abs)) > o.maxResidualDeg) return null;
  // Parabola through the minimum and its neighbours.
  const [c0, c1, c2] = [grid[best - 1].cost, b.cost, grid[best + 1].cost];
  const den = c0 - 2 * c1 + c2;
  const shift = den > 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (c0 - c2)) / den)) : 0;
  const factor = b.factor + (shift * span) / steps;
  return {
    factor,
    residualBeforeDeg: median(at1.r.map(Math.abs)),
    residualAfterDeg: median(b.r!.map(Math.abs)),
    pairs: square.length,
  };
}

/** Confident stereo pixels on the planes, each paired with the first other view it projects into. */
function correspondences(views: ViewGeometry[], planes: Plane[], o: RightAngleOptions): Correspondence[] {
  let total = 0;
  for (const v of views) for (let p = 0; p < v.depth.length; p++) if (measured(v, p)) total++;
  const stride = Math.max(1, Math.floor(total / o.samples));
  const out: Correspondence[] = [];
  views.forEach((view, v) => {
    const { width } = view.camera.intrinsics;
    for (let p = 0; p < view.depth.length; p += stride) {
      if (!measured(view, p)) continue;
      const a: [number, number] = [(p % width) + 0.5, Math.floor(p / width) + 0.5];
      const x = unprojectPixel(view.camera, a[0], a[1], view.depth[p]);
      let plane = -1;
      let nearest = o.tolerance * view.depth[p];
      planes.forEach((q, k) => {
        const d = Math.abs(signedDistance(q, x, 0));
        if (d <= nearest) [plane, nearest] = [k, d];
      });
      if (plane < 0) continue;
      for (let u = 0; u < views.length; u++) {
        if (u === v) continue;
        const k = views[u].camera.intrinsics;
        const [bx, by, z] = projectPoint(views[u].camera, x);
        if (!(z > 0 && bx >= 0 && by >= 0 && bx < k.width && by < k.height)) continue;
        out.push({ v, u, a, b: [bx, by], plane });
        break;
      }
    }
  });
  return out;
}

/** Each plane refitted to its pixels triangulated with `cameras` (null where fewer than 3 points). */
function refitPlanes(pairs: Correspondence[], cameras: Camera[], n: number): (Plane | null)[] {
  const pts = new Float64Array(3 * pairs.length);
  const ids: number[][] = Array.from({ length: n }, () => []);
  pairs.forEach((c, k) => {
    const x = midpoint(cameras[c.v], c.a, cameras[c.u], c.b);
    if (!x) return;
    pts.set(x, 3 * k);
    ids[c.plane].push(k);
  });
  return ids.map((list) => fitPlane(pts, list));
}

/** Midpoint of the closest points of two pixel rays; null when they are parallel or meet behind a camera. */
function midpoint(
  ca: Camera,
  a: [number, number],
  cb: Camera,
  b: [number, number],
): [number, number, number] | null {
  const oa = translationOf(ca.worldFromCamera);
  const ob = translationOf(cb.worldFromCamera);
  const pa = unprojectPixel(ca, a[0], a[1], 1);
  const pb = unprojectPixel(cb, b[0], b[1], 1);
  const da = [pa[0] - oa[0], pa[1] - oa[1], pa[2] - oa[2]];
  const db = [pb[0] - ob[0], pb[1] - ob[1], pb[2] - ob[2]];
  const w = [oa[0] - ob[0], oa[1] - ob[1], oa[2] - ob[2]];
  const dot = (x: number[], y: number[]) => x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
  const [aa, ab, bb, aw, bw] = [dot(da, da), dot(da, db), dot(db, db), dot(da, w), dot(db, w)];
  const den = aa * bb - ab * ab;
  if (!(den > 1e-12 * aa * bb)) return null;
  const s = (ab * bw - bb * aw) / den;
  const t = (aa * bw - ab * aw) / den;
  if (!(s > 0 && t > 0)) return null;
  return [0, 1, 2].map((i) => 0.5 * (oa[i] + s * da[i] + ob[i] + t * db[i])) as [number, number, number];
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[s.length >> 1] : Number.NaN;
}
