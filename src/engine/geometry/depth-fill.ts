/**
 * Depth for the pixels the stereo leaves empty, extrapolated from the confident pixels around them.
 *
 * Why: without densification a surface that gets no point in the cloud is only ever drawn by splats that
 * drift in from elsewhere. The empty pixels that matter most are those only one photo sees (image-border
 * strips, the wall and floor behind an object), and no stereo can reach them. They are mostly the
 * background continuing past an occluder or the frame's edge. So each empty pixel looks along 8 directions
 * for the first confident run, fits a line in inverse depth to it (exact for a plane seen along a straight
 * image line) and extrapolates it back to the pixel. Of those candidates the second-farthest is taken: the
 * farthest is often a plane carried past its horizon, the nearer ones an occluder. The result carries the
 * lowest confidence the fusion keeps, so it enters the cloud and the optimiser moves it fastest.
 */
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

/**
 * Inverse depth at (x, y) extrapolated from the confident run along (dx, dy), or NaN when there is none.
 */
function extrapolate(
  inverse: Float32Array,
  width: number,
  height: number,
  x: number,
  y: number,
  [dx, dy]: [number, number],
  o: DepthFillOptions,
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
  for (let s = first; s < first + o.span && n < o.samples; s++) {
    const q = inside(s);
    if (q < 0) break;
    const r = inverse[q];
    if (!(r > 0)) continue;
    if (last > 0 && Math.abs(r - last) > RUN_BREAK * last) break;
    last = r;
    smallest = Math.min(smallest, r);
    n++;
    sumS += s;
    sumR += r;
    sumSS += s * s;
    sumSR += s * r;
  }
  if (n < MIN_SAMPLES) return Number.NaN;
  const varS = sumSS - (sumS * sumS) / n;
  const slope = varS > 0 ? (sumSR - (sumS * sumR) / n) / varS : 0;
  const rho = (sumR - slope * sumS) / n;
  return rho > HORIZON * smallest ? rho : Number.NaN;
}

/**
 * Fills every view's empty pixels in place (depth, pointmap, confidence; `filled` marks them) and returns
 * how many it filled.
 * Only the confident pixels of the view itself are read, so the result does not depend on view order.
 */
export function fillEmptyDepth(views: ViewGeometry[], options: Partial<DepthFillOptions> = {}): number {
  const o = { ...DEPTH_FILL_DEFAULTS, ...options };
  let filled = 0;
  for (const v of views) {
    const { width, height } = v.camera.intrinsics;
    const inverse = new Float32Array(width * height);
    for (let p = 0; p < inverse.length; p++) {
      if (v.confidence[p] >= o.minConfidence && v.depth[p] > 0) inverse[p] = 1 / v.depth[p];
    }
    const mask = new Uint8Array(width * height);
    const candidates: number[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (inverse[p] > 0) continue;
        candidates.length = 0;
        for (const d of DIRECTIONS) {
          const rho = extrapolate(inverse, width, height, x, y, d, o);
          if (rho > 0) candidates.push(rho);
        }
        if (candidates.length === 0) continue;
        candidates.sort((a, b) => a - b);
        const z = 1 / candidates[Math.min(1, candidates.length - 1)];
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
