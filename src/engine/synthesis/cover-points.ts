/**
 * Cover points: splats for what the global cloud leaves uncovered. Without densification the optimiser only
 * moves the splats it starts with, so a pixel that no point reaches (a disocclusion that warp-and-fill
 * filled, sky, a wall the stereo gave up on) keeps the background colour in every view. Each uncovered
 * pixel of a frame becomes a point at the frame's filled depth, which is biased to the far side, so the
 * point sits behind the occluder that made the hole. It takes the frame's colour. Points near the cloud
 * are dropped; the rest are merged per voxel and given a low confidence.
 */
import { unprojectPixel } from '../geometry/camera';
import { fusePointClouds } from '../geometry/fusion';
import type { PointCloud, ViewGeometry } from '../geometry/types';
import type { SynthesizedFrame } from './warp-fill';

export interface CoverOptions {
  /** A frame pixel is uncovered when its confidence is at most this (warp-and-fill's filled confidence). */
  uncoveredConfidence: number;
  /** Confidence given to cover points (low: faster position updates in the trainer). */
  confidence: number;
  /** Most cover points; the merge grid coarsens until they fit. */
  maxCount: number;
}

type CoverFrame = Pick<SynthesizedFrame, 'camera' | 'rgba' | 'depth' | 'confidence'>;

/** Cell key of a point on a grid of edge `voxel` (cells anchored at the origin). */
const cellOf = (x: number, y: number, z: number, voxel: number) =>
  `${Math.floor(x / voxel)},${Math.floor(y / voxel)},${Math.floor(z / voxel)}`;

/**
 * Points for the uncovered pixels of `frames` (rendered from `cloud` by warp-and-fill), without those whose
 * voxel or a neighbouring one already holds a point of `cloud`.
 */
export function coverPoints(frames: CoverFrame[], cloud: PointCloud, options: CoverOptions): PointCloud {
  // Confidences come from the GPU as f32, where 0.1 rounds up.
  const limit = Math.fround(options.uncoveredConfidence);
  const views: ViewGeometry[] = frames.map((f) => {
    const { width, height } = f.camera.intrinsics;
    const pointmap = new Float32Array(3 * width * height).fill(Number.NaN);
    const confidence = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const z = f.depth[i];
        if (!(f.confidence[i] <= limit && z > 0 && Number.isFinite(z))) continue;
        pointmap.set(unprojectPixel(f.camera, x + 0.5, y + 0.5, z), 3 * i);
        confidence[i] = 1;
      }
    }
    return { camera: f.camera, colors: new Uint8ClampedArray(f.rgba), depth: f.depth, pointmap, confidence };
  });
  const merged = fusePointClouds(views, { targetCount: Math.max(1, options.maxCount) });
  if (merged.count === 0) return merged;
  // The voxel the merge settled on is unknown here; the cover points' own spacing stands in for it.
  const voxel = medianSpacing(merged);
  const occupied = new Set<string>();
  for (let i = 0; i < cloud.count; i++) {
    const p = cloud.positions;
    occupied.add(cellOf(p[3 * i], p[3 * i + 1], p[3 * i + 2], voxel));
  }
  const keep: number[] = [];
  for (let i = 0; i < merged.count; i++) {
    const [x, y, z] = merged.positions.subarray(3 * i, 3 * i + 3);
    if (!nearOccupied(occupied, x, y, z, voxel)) keep.push(i);
  }
  return {
    count: keep.length,
    positions: Float32Array.from(keep.flatMap((i) => [...merged.positions.subarray(3 * i, 3 * i + 3)])),
    colors: Float32Array.from(keep.flatMap((i) => [...merged.colors.subarray(3 * i, 3 * i + 3)])),
    confidence: new Float32Array(keep.length).fill(options.confidence),
  };
}

function nearOccupied(occupied: Set<string>, x: number, y: number, z: number, voxel: number): boolean {
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++)
        if (occupied.has(cellOf(x + dx * voxel, y + dy * voxel, z + dz * voxel, voxel))) return true;
  return false;
}

/** Median distance from a sample of points to their nearest other point (brute force on ≤ 256 samples). */
function medianSpacing(cloud: PointCloud): number {
  const n = cloud.count;
  const p = cloud.positions;
  const step = Math.max(1, Math.floor(n / 256));
  const d: number[] = [];
  for (let i = 0; i < n; i += step) {
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      best = Math.min(
        best,
        Math.hypot(p[3 * i] - p[3 * j], p[3 * i + 1] - p[3 * j + 1], p[3 * i + 2] - p[3 * j + 2]),
      );
    }
    if (Number.isFinite(best)) d.push(best);
  }
  d.sort((a, b) => a - b);
  return d.length > 0 ? d[d.length >> 1] : 1;
}

/** `a` followed by the points of `b` (a when b is absent or empty). */
export function joinClouds(a: PointCloud, b?: PointCloud): PointCloud {
  if (!b || b.count === 0) return a;
  const join = (x: Float32Array, y: Float32Array) => {
    const out = new Float32Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return {
    count: a.count + b.count,
    positions: join(a.positions, b.positions),
    colors: join(a.colors, b.colors),
    confidence: join(a.confidence, b.confidence),
  };
}
