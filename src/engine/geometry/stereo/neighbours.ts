/** Which view each view is matched against, and the depth range its sweep covers. */
import { type Camera, cameraFromWorld, projectPoint, unprojectPixel } from '../camera';
import { transformPoint, type Vec3 } from '../mat4';

export interface DepthRangeOptions {
  /** Depth percentiles of the points seen by the view (default 0.02 and 0.98). */
  lo?: number;
  hi?: number;
  /** Margins applied to them (default ×0.8 near, ×1.25 far). */
  nearFactor?: number;
  farFactor?: number;
  /** Fewer visible points than this gives null (default 8). */
  minPoints?: number;
}

function percentile(sorted: number[], q: number): number {
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

/**
 * Sweep range of one view from sparse world points (xyz packed): percentiles of the depths of the
 * points in front of the camera and inside its image, widened by the factors. Null when too few.
 */
export function depthRangeFromPoints(
  camera: Camera,
  points: ArrayLike<number>,
  options: DepthRangeOptions = {},
): [number, number] | null {
  const { lo = 0.02, hi = 0.98, nearFactor = 0.8, farFactor = 1.25, minPoints = 8 } = options;
  const fromWorld = cameraFromWorld(camera);
  const k = camera.intrinsics;
  const depths: number[] = [];
  for (let i = 0; i + 2 < points.length; i += 3) {
    const p: Vec3 = [points[i], points[i + 1], points[i + 2]];
    if (!p.every(Number.isFinite)) continue;
    const [u, v, z] = projectPoint(camera, p, fromWorld);
    if (z > 0 && u >= 0 && v >= 0 && u < k.width && v < k.height) depths.push(z);
  }
  if (depths.length < minPoints) return null;
  depths.sort((a, b) => a - b);
  return [percentile(depths, lo) * nearFactor, percentile(depths, hi) * farFactor];
}

export interface SourceChoiceOptions {
  /** Triangulation angle (degrees) below which depth precision suffers (score ramps up to it). */
  minAngleDeg?: number;
  /** Angle above which matching gets hard (score falls off past it). */
  maxAngleDeg?: number;
  /** Source views per view (default 1; 2 covers both sides of a middle view). */
  maxSources?: number;
  /** A further source is taken only if its score is at least this share of the best one (default 0.5). */
  minRelativeScore?: number;
}

const DEG = Math.PI / 180;

/**
 * Pair score of matching `ref` against `src`: the share of reference rays (a 9×7 grid at three depths
 * across its range) that land inside the source image in front of it, times a preference for a
 * triangulation angle between minAngleDeg and maxAngleDeg at the range's middle depth.
 */
export function pairScore(
  ref: Camera,
  src: Camera,
  range: [number, number],
  options: SourceChoiceOptions = {},
): number {
  const { minAngleDeg = 4, maxAngleDeg = 20 } = options;
  const k = ref.intrinsics;
  const ks = src.intrinsics;
  const fromWorld = cameraFromWorld(src);
  const [near, far] = range;
  const mid = Math.sqrt(near * far);
  let inside = 0;
  let total = 0;
  for (const z of [near / 0.8, mid, far / 1.25]) {
    for (let gy = 0; gy < 7; gy++) {
      for (let gx = 0; gx < 9; gx++) {
        const [u, v, zs] = projectPoint(
          src,
          unprojectPixel(ref, ((gx + 0.5) / 9) * k.width, ((gy + 0.5) / 7) * k.height, z),
          fromWorld,
        );
        total++;
        if (zs > 0 && u >= 0 && v >= 0 && u < ks.width && v < ks.height) inside++;
      }
    }
  }
  const centre = unprojectPixel(ref, k.cx, k.cy, mid);
  const a = transformPoint(ref.worldFromCamera, [0, 0, 0]);
  const b = transformPoint(src.worldFromCamera, [0, 0, 0]);
  const ra = [a[0] - centre[0], a[1] - centre[1], a[2] - centre[2]];
  const rb = [b[0] - centre[0], b[1] - centre[1], b[2] - centre[2]];
  const cos =
    (ra[0] * rb[0] + ra[1] * rb[1] + ra[2] * rb[2]) /
    (Math.hypot(ra[0], ra[1], ra[2]) * Math.hypot(rb[0], rb[1], rb[2]));
  const angle = Math.acos(Math.min(Math.max(cos, -1), 1));
  const low = Math.min(1, angle / (minAngleDeg * DEG));
  const high =
    angle > maxAngleDeg * DEG ? Math.exp(-(((angle - maxAngleDeg * DEG) / (maxAngleDeg * DEG)) ** 2)) : 1;
  return (inside / total) * low * high;
}

/**
 * For each view, the views it is matched against, best first (highest pairScore): the best one, and
 * up to maxSources − 1 more whose score is within minRelativeScore of it.
 */
export function chooseSources(
  cameras: Camera[],
  ranges: [number, number][],
  options: SourceChoiceOptions = {},
): number[][] {
  if (cameras.length < 2) throw new Error('stereo needs at least two views');
  const { maxSources = 1, minRelativeScore = 0.5 } = options;
  return cameras.map((ref, i) => {
    const ranked = cameras
      .map((src, j) => ({ j, score: j === i ? -1 : pairScore(ref, src, ranges[i], options) }))
      .filter((c) => c.j !== i)
      .sort((a, b) => b.score - a.score || a.j - b.j);
    const best = ranked[0].score;
    return ranked
      .filter((c, k) => k === 0 || (c.score > 0 && c.score >= minRelativeScore * best))
      .slice(0, Math.max(1, maxSources))
      .map((c) => c.j);
  });
}
