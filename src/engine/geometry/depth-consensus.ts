/**
 * Multi-view depth consensus: each confident pixel's depth becomes the confidence-weighted mean of its
 * own depth and the depths that the nearest other views' maps give the same surface point, where they
 * agree.
 *
 * Why: each view's depth comes from its own stereo pairs, so one surface seen by several photos arrives
 * at fusion as several slightly different layers. Splats from those layers overlap with small offsets,
 * which the optimiser turns into blur. Averaging the agreeing observations pulls the layers together
 * (more of them then share a fusion voxel) and averages their noise. Observations that disagree
 * (occlusions, outliers, depth edges) are left out rather than averaged.
 */
import { cameraFromWorld } from './camera';
import { FUSION_MIN_CONFIDENCE } from './fusion';
import { translationOf } from './mat4';
import type { ViewGeometry } from './types';

export interface DepthConsensusOptions {
  /** Pixels below this confidence neither change nor vote (default FUSION_MIN_CONFIDENCE, the fusion's threshold). */
  minConfidence?: number;
  /** Largest relative depth difference that counts as the same surface (default 0.02). */
  tolerance?: number;
  /** Views that vote on each view's pixels: the nearest by camera centre (default 4). */
  maxVoters?: number;
}

/**
 * Depth of `v` at sub-pixel (u, w) by bilinear interpolation of its pixel centres, or NaN when a corner is
 * unknown or unconfident or the corners straddle a depth edge (more than `tolerance` apart).
 */
function sampleDepth(
  v: ViewGeometry,
  u: number,
  w: number,
  minConfidence: number,
  tolerance: number,
): number {
  const { width, height } = v.camera.intrinsics;
  const x0 = Math.floor(u - 0.5);
  const y0 = Math.floor(w - 0.5);
  if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) return Number.NaN;
  const i = y0 * width + x0;
  const a = v.depth[i];
  const b = v.depth[i + 1];
  const c = v.depth[i + width];
  const d = v.depth[i + width + 1];
  const conf = v.confidence;
  if (!(conf[i] >= minConfidence && conf[i + 1] >= minConfidence)) return Number.NaN;
  if (!(conf[i + width] >= minConfidence && conf[i + width + 1] >= minConfidence)) return Number.NaN;
  const lo = Math.min(a, b, c, d);
  if (!(lo > 0) || Math.max(a, b, c, d) - lo > tolerance * lo) return Number.NaN;
  const fx = u - 0.5 - x0;
  const fy = w - 0.5 - y0;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/** For each view, the indices of the `max` other views whose centres are nearest to its own. */
function nearestViews(views: ViewGeometry[], max: number): number[][] {
  const centres = views.map((v) => translationOf(v.camera.worldFromCamera));
  return centres.map((c, i) =>
    centres
      .map((o, j) => ({ j, d: Math.hypot(o[0] - c[0], o[1] - c[1], o[2] - c[2]) }))
      .filter((e) => e.j !== i)
      .sort((p, q) => p.d - q.d || p.j - q.j)
      .slice(0, max)
      .map((e) => e.j),
  );
}

/**
 * Replace each view's depth and pointmap by the multi-view consensus, in place. Every view votes with its
 * depth from before the call, so the result does not depend on the views' order. Confidence is left as it
 * is. Returns the share of confident pixels that found at least one agreeing view.
 */
export function applyDepthConsensus(views: ViewGeometry[], options: DepthConsensusOptions = {}): number {
  const minConfidence = options.minConfidence ?? FUSION_MIN_CONFIDENCE;
  const tolerance = options.tolerance ?? 0.02;
  const voters = nearestViews(views, options.maxVoters ?? 4);
  const before = views.map((v) => ({ ...v, depth: Float32Array.from(v.depth) }));
  const fromWorld = views.map((v) => cameraFromWorld(v.camera));
  let confident = 0;
  let agreed = 0;
  for (const [i, v] of views.entries()) {
    const { width, fx, fy, cx, cy } = v.camera.intrinsics;
    const toI = fromWorld[i];
    const worldFromI = v.camera.worldFromCamera;
    for (let p = 0; p < v.depth.length; p++) {
      const d = before[i].depth[p];
      const c = v.confidence[p];
      if (!(d > 0) || !(c >= minConfidence)) continue;
      confident++;
      const X = v.pointmap[3 * p];
      const Y = v.pointmap[3 * p + 1];
      const Z = v.pointmap[3 * p + 2];
      let sumW = c;
      let sumZ = c * d;
      for (const j of voters[i]) {
        const o = before[j];
        const m = fromWorld[j];
        const z = m[2] * X + m[6] * Y + m[10] * Z + m[14];
        if (!(z > 0)) continue;
        const k = o.camera.intrinsics;
        const u = (k.fx * (m[0] * X + m[4] * Y + m[8] * Z + m[12])) / z + k.cx;
        const w = (k.fy * (m[1] * X + m[5] * Y + m[9] * Z + m[13])) / z + k.cy;
        const dj = sampleDepth(o, u, w, minConfidence, tolerance);
        if (!(Math.abs(dj - z) <= tolerance * z)) continue;
        // View j's surface point on its ray through X (X scaled about j's centre), as a depth along i's axis.
        const s = dj / z;
        const mj = o.camera.worldFromCamera;
        const px = mj[12] + (X - mj[12]) * s;
        const py = mj[13] + (Y - mj[13]) * s;
        const pz = mj[14] + (Z - mj[14]) * s;
        const weight = o.confidence[Math.floor(w) * k.width + Math.floor(u)];
        sumW += weight;
        sumZ += weight * (toI[2] * px + toI[6] * py + toI[10] * pz + toI[14]);
      }
      if (sumW === c) continue;
      agreed++;
      const z = sumZ / sumW;
      v.depth[p] = z;
      const x = p % width;
      const rx = ((x + 0.5 - cx) / fx) * z;
      const ry = (((p - x) / width + 0.5 - cy) / fy) * z;
      const m = worldFromI;
      v.pointmap[3 * p] = m[0] * rx + m[4] * ry + m[8] * z + m[12];
      v.pointmap[3 * p + 1] = m[1] * rx + m[5] * ry + m[9] * z + m[13];
      v.pointmap[3 * p + 2] = m[2] * rx + m[6] * ry + m[10] * z + m[14];
    }
  }
  return confident === 0 ? 0 : agreed / confident;
}
