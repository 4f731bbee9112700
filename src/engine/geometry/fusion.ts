/**
 * Fusion of per-view pointmaps into one global point cloud: confidence filter, then a voxel grid that
 * merges the points of all views falling into one cell (confidence-weighted mean of position and
 * colour), so a surface seen by several views becomes one layer; the grid coarsens until the cloud
 * fits the target count. Nothing is normalised here (the caller owns the scene scale).
 */
import type { PointCloud, ViewGeometry } from './types';

/** The default confidence below which a pixel does not enter the cloud. */
export const FUSION_MIN_CONFIDENCE = 0.5;

export interface FusionOptions {
  /** Pixels below this confidence are dropped (default FUSION_MIN_CONFIDENCE). */
  minConfidence?: number;
  /** Most points in the result; the voxel grid grows until the cloud fits. */
  targetCount: number;
  /**
   * Voxel edge in world units. Default: VOXEL_FOOTPRINTS × the median pixel footprint (depth / focal)
   * of the kept pixels, so points of different views on one surface share cells.
   */
  voxel?: number;
  /** The default voxel's edge in pixel footprints (default VOXEL_FOOTPRINTS); ignored with `voxel`. */
  voxelFootprints?: number;
}

/** Default voxel edge in pixel footprints: wide enough to absorb stereo noise between views. */
export const VOXEL_FOOTPRINTS = 2;

interface Samples {
  count: number;
  positions: Float64Array;
  colors: Float64Array;
  weights: Float64Array;
  /** Σ weight·confidence for merged samples (= confidence² for raw pixels). */
  confMass: Float64Array;
}

function gather(views: ViewGeometry[], minConfidence: number): { samples: Samples; footprints: number[] } {
  let count = 0;
  for (const v of views) for (const c of v.confidence) if (c >= minConfidence) count++;
  const s: Samples = {
    count: 0,
    positions: new Float64Array(count * 3),
    colors: new Float64Array(count * 3),
    weights: new Float64Array(count),
    confMass: new Float64Array(count),
  };
  const footprints: number[] = [];
  for (const v of views) {
    const { fx, fy } = v.camera.intrinsics;
    const focal = Math.sqrt(fx * fy);
    for (let i = 0; i < v.confidence.length; i++) {
      const c = v.confidence[i];
      if (!(c >= minConfidence)) continue;
      const x = v.pointmap[3 * i];
      const y = v.pointmap[3 * i + 1];
      const z = v.pointmap[3 * i + 2];
      if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) continue;
      const k = s.count++;
      s.positions.set([x, y, z], 3 * k);
      s.colors.set([v.colors[4 * i] / 255, v.colors[4 * i + 1] / 255, v.colors[4 * i + 2] / 255], 3 * k);
      s.weights[k] = c;
      s.confMass[k] = c * c;
      if (v.depth[i] > 0 && (k & 7) === 0) footprints.push(v.depth[i] / focal);
    }
  }
  return { samples: s, footprints };
}

/**
 * Merge samples by voxel: weighted sums per occupied cell, in first-seen order (deterministic). Cells
 * are anchored at the world origin, so the grid does not depend on which views are fused.
 */
function voxelMerge(s: Samples, voxel: number): Samples {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let k = 0; k < s.count; k++) {
    for (let a = 0; a < 3; a++) {
      const c = Math.floor(s.positions[3 * k + a] / voxel);
      lo[a] = Math.min(lo[a], c);
      hi[a] = Math.max(hi[a], c);
    }
  }
  const dims = s.count === 0 ? [1, 1, 1] : hi.map((h, a) => h - lo[a] + 1);
  if (dims[0] * dims[1] * dims[2] > Number.MAX_SAFE_INTEGER) {
    throw new Error(`fusePointClouds: voxel ${voxel} is too small for the cloud's extent`);
  }
  const cells = new Map<number, number>();
  const out: Samples = {
    count: 0,
    positions: new Float64Array(s.count * 3),
    colors: new Float64Array(s.count * 3),
    weights: new Float64Array(s.count),
    confMass: new Float64Array(s.count),
  };
  for (let k = 0; k < s.count; k++) {
    const ix = Math.floor(s.positions[3 * k] / voxel) - lo[0];
    const iy = Math.floor(s.positions[3 * k + 1] / voxel) - lo[1];
    const iz = Math.floor(s.positions[3 * k + 2] / voxel) - lo[2];
    const key = ix + dims[0] * (iy + dims[1] * iz);
    let j = cells.get(key);
    if (j === undefined) {
      j = out.count++;
      cells.set(key, j);
    }
    const w = s.weights[k];
    for (let a = 0; a < 3; a++) {
      out.positions[3 * j + a] += w * s.positions[3 * k + a];
      out.colors[3 * j + a] += w * s.colors[3 * k + a];
    }
    out.weights[j] += w;
    out.confMass[j] += s.confMass[k];
  }
  // Back from sums to means.
  for (let j = 0; j < out.count; j++) {
    const w = out.weights[j];
    for (let a = 0; a < 3; a++) {
      out.positions[3 * j + a] /= w;
      out.colors[3 * j + a] /= w;
    }
  }
  return out;
}

function medianOf(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const v = [...values].sort((a, b) => a - b);
  return v[v.length >> 1];
}

/**
 * The global point cloud of all views: pixels with confidence ≥ minConfidence and a known world point,
 * merged per voxel across views (confidence-weighted), coarsened until at most targetCount points.
 * Each point's confidence is the confidence-weighted mean of the merged pixels' confidences.
 */
export function fusePointClouds(views: ViewGeometry[], options: FusionOptions): PointCloud {
  const minConfidence = options.minConfidence ?? FUSION_MIN_CONFIDENCE;
  const target = Math.floor(options.targetCount);
  if (!(target >= 1)) throw new Error(`fusePointClouds: bad targetCount ${options.targetCount}`);
  const { samples, footprints } = gather(views, minConfidence);
  let voxel = options.voxel ?? (options.voxelFootprints ?? VOXEL_FOOTPRINTS) * medianOf(footprints);
  let cloud = samples;
  if (samples.count > 0) {
    if (!(voxel > 0)) throw new Error(`fusePointClouds: bad voxel size ${voxel}`);
    cloud = voxelMerge(samples, voxel);
    // Surfaces are 2D: the count falls roughly with the square of the voxel edge.
    while (cloud.count > target) {
      voxel *= Math.max(1.05, Math.sqrt(cloud.count / target));
      cloud = voxelMerge(samples, voxel);
    }
  }
  const n = cloud.count;
  const confidence = new Float32Array(n);
  for (let j = 0; j < n; j++) confidence[j] = cloud.confMass[j] / cloud.weights[j];
  return {
    count: n,
    positions: Float32Array.from(cloud.positions.subarray(0, 3 * n)),
    colors: Float32Array.from(cloud.colors.subarray(0, 3 * n)),
    confidence,
  };
}
