/**
 * Depth for the pixels the stereo leaves empty, extrapolated from the confident pixels around them.
 *
 * Why: without densification a surface that gets no point in the cloud is only ever drawn by splats that
 * drift in from elsewhere. The empty pixels that matter most are those only one photo sees (image-border
 * strips, the wall and floor behind an object), and no stereo can reach them. They are mostly the
 * background continuing past an occluder or the frame's edge. So each empty pixel looks along 8 directions
 * for the first confident run. A run lying on one of the scene's dominant planes (background-planes.ts)
 * gives that plane's depth along the pixel's ray; any other run a line fitted in inverse depth (exact for a
 * plane seen along a straight image line), extrapolated back to the pixel.
 * Of those candidates the farthest one that does not pass the nearest bounding plane (floor, wall) the ray
 * meets is taken: the background rather than an occluder, and never a wall carried behind the floor. Where
 * no bounding plane is met, the second-farthest: the farthest is often a line carried past its horizon.
 * The result carries the lowest confidence the fusion keeps, so it enters the cloud and the optimiser
 * moves it fastest.
 */
import {
  findScenePlanes,
  PLANE_DEFAULTS,
  type Plane,
  planeInCamera,
  rayPlaneDepth,
  type ScenePlanes,
} from './background-planes';
import { unprojectPixel } from './camera';
import { FUSION_MIN_CONFIDENCE } from './fusion';
import type { ViewGeometry } from './types';

export interface DepthFillOptions {
  /** Pixels at or above this confidence are known; the rest are filled (default: the fusion's threshold). */
  minConfidence: number;
  /** Confidence given to a filled pixel. */
  confidence: number;
  /** How far (pixels) a direction looks for the first confident pixel. */
  reach: number;
  /** Confident pixels fitted per direction, within `span` pixels of the first one. */
  samples: number;
  span: number;
}

export const DEPTH_FILL_DEFAULTS: DepthFillOptions = {
  minConfidence: FUSION_MIN_CONFIDENCE,
  // Exactly the fusion's threshold: a filled pixel enters the cloud, as its least trusted (fastest-moving)
  // points. Any lower and the cloud never sees it (0.4 changed nothing on tabletop).
  confidence: FUSION_MIN_CONFIDENCE,
  reach: 96,
  samples: 24,
  span: 64,
};

const DIRECTIONS: [number, number][] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
];

/** Fewest confident pixels a direction's line is fitted to. */
const MIN_SAMPLES = 4;
/** A run stops at a jump of more than this (relative, in inverse depth): past it lies another surface. */
const RUN_BREAK = 0.05;
/** Extrapolated inverse depth below this share of the run's smallest: the line heads for its horizon. */
const HORIZON = 0.3;
/** Share of a run's pixels that must lie on one plane for the run to count as that plane. */
const ON_PLANE = 0.8;
/** A candidate may lie this far (relative) past the bounding plane and still count as in front of it. */
const BOUND_SLACK = 0.03;

/** What a view knows about the scene's planes: each confident pixel's plane, the planes in its frame. */
interface ViewPlanes {
  /** Index of the plane a confident pixel lies on, −1 for none. */
  label: Int8Array;
  planes: Plane[];
  bounding: boolean[];
}

/**
 * Inverse depth at (x, y) from the confident run along (dx, dy): its plane's where the run lies on one,
 * else its line's; NaN when there is no run. (rx, ry) is the pixel's ray at depth 1.
 */
function extrapolate(
  inverse: Float32Array,
  width: number,
  height: number,
  x: number,
  y: number,
  [dx, dy]: [number, number],
  o: DepthFillOptions,
  view: ViewPlanes,
  votes: Int32Array,
  rx: number,
  ry: number,
): number {
  const inside = (s: number) => {
    const xx = x + dx * s;
    const yy = y + dy * s;
    return xx >= 0 && yy >= 0 && xx < width && yy < height ? yy * width + xx : -1;
  };
  let first = 0;
  for (let s = 1; s <= o.reach; s++) {
    const q = inside(s);
    if (q < 0) return Number.NaN;
    if (inverse[q] > 0) {
      first = s;
      break;
    }
  }
  if (first === 0) return Number.NaN;
  // Least-squares line rho(s) = a + b s over the run, evaluated at s = 0.
  let n = 0;
  let sumS = 0;
  let sumR = 0;
  let sumSS = 0;
  let sumSR = 0;
  let last = 0;
  let smallest = Number.POSITIVE_INFINITY;
  votes.fill(0);
  for (let s = first; s < first + o.span && n < o.samples; s++) {
    const q = inside(s);
    if (q < 0) break;
    const r = inverse[q];
    if (!(r > 0)) continue;
    if (last > 0 && Math.abs(r - last) > RUN_BREAK * last) break;
    last = r;
    smallest = Math.min(smallest, r);
    if (view.label[q] >= 0) votes[view.label[q]]++;
    n++;
    sumS += s;
    sumR += r;
    sumSS += s * s;
    sumSR += s * r;
  }
  if (n < MIN_SAMPLES) return Number.NaN;
  for (let j = 0; j < view.planes.length; j++) {
    if (votes[j] < ON_PLANE * n) continue;
    const z = rayPlaneDepth(view.planes[j], rx, ry);
    if (z > 0) return 1 / z;
  }
  const varS = sumSS - (sumS * sumS) / n;
  const slope = varS > 0 ? (sumSR - (sumS * sumR) / n) / varS : 0;
  const rho = (sumR - slope * sumS) / n;
  return rho > HORIZON * smallest ? rho : Number.NaN;
}

/** Labels each confident pixel of the view with the first plane it lies on, and moves the planes into its frame. */
function viewPlanes(
  v: ViewGeometry,
  inverse: Float32Array,
  scene: ScenePlanes,
  tolerance: number,
): ViewPlanes {
  const { width, fx, fy, cx, cy } = v.camera.intrinsics;
  const planes = scene.planes.map((q) => planeInCamera(q, v.camera));
  const label = new Int8Array(inverse.length).fill(-1);
  for (let p = 0; p < inverse.length; p++) {
    if (!(inverse[p] > 0)) continue;
    const z = 1 / inverse[p];
    const X = (((p % width) + 0.5 - cx) / fx) * z;
    const Y = ((Math.floor(p / width) + 0.5 - cy) / fy) * z;
    for (let j = 0; j < planes.length; j++) {
      const q = planes[j];
      if (Math.abs(q[0] * X + q[1] * Y + q[2] * z + q[3]) < tolerance * z) {
        label[p] = j;
        break;
      }
    }
  }
  return { label, planes, bounding: scene.bounding };
}

/** Depth of the nearest bounding plane along the ray (rx, ry, 1), Infinity when it meets none. */
function boundingDepth(view: ViewPlanes, rx: number, ry: number): number {
  let nearest = Number.POSITIVE_INFINITY;
  for (let j = 0; j < view.planes.length; j++) {
    if (view.bounding[j])
      nearest = Math.min(nearest, rayPlaneDepth(view.planes[j], rx, ry) || Number.POSITIVE_INFINITY);
  }
  return nearest;
}

/**
 * The depth to give a pixel from its candidates (inverse depths, sorted ascending: farthest first): the
 * farthest not past the bounding plane (that plane itself when all are), else the second-farthest.
 */
function choose(candidates: number[], bound: number): number {
  if (Number.isFinite(bound)) {
    for (const rho of candidates) if (1 / rho <= bound * (1 + BOUND_SLACK)) return 1 / rho;
    return bound;
  }
  return 1 / candidates[Math.min(1, candidates.length - 1)];
}

/**
 * Fills every view's empty pixels in place (depth, pointmap, confidence; `filled` marks them) and returns
 * how many it filled. The planes come from all views' confident pixels; the runs from the view's own.
 */
export function fillEmptyDepth(views: ViewGeometry[], options: Partial<DepthFillOptions> = {}): number {
  const o = { ...DEPTH_FILL_DEFAULTS, ...options };
  const scene = findScenePlanes(views);
  const votes = new Int32Array(scene.planes.length);
  let filled = 0;
  for (const v of views) {
    const { width, height, fx, fy, cx, cy } = v.camera.intrinsics;
    const inverse = new Float32Array(width * height);
    for (let p = 0; p < inverse.length; p++) {
      if (v.confidence[p] >= o.minConfidence && v.depth[p] > 0) inverse[p] = 1 / v.depth[p];
    }
    const planes = viewPlanes(v, inverse, scene, PLANE_DEFAULTS.tolerance);
    const mask = new Uint8Array(width * height);
    const candidates: number[] = [];
    for (let y = 0; y < height; y++) {
      const ry = (y + 0.5 - cy) / fy;
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (inverse[p] > 0) continue;
        const rx = (x + 0.5 - cx) / fx;
        candidates.length = 0;
        for (const d of DIRECTIONS) {
          const rho = extrapolate(inverse, width, height, x, y, d, o, planes, votes, rx, ry);
          if (rho > 0) candidates.push(rho);
        }
        if (candidates.length === 0) continue;
        candidates.sort((a, b) => a - b);
        const z = choose(candidates, boundingDepth(planes, rx, ry));
        v.depth[p] = z;
        v.confidence[p] = o.confidence;
        v.pointmap.set(unprojectPixel(v.camera, x + 0.5, y + 0.5, z), 3 * p);
        mask[p] = 1;
        filled++;
      }
    }
    v.filled = mask;
  }
  return filled;
}
