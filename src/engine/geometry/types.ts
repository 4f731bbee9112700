import type { Camera } from './camera';

/** One input view after the geometry stage, whichever path (classical or pointmap model) produced it. */
export interface ViewGeometry {
  camera: Camera;
  /** RGBA of the working image (intrinsics refer to its size). */
  colors: Uint8ClampedArray;
  /** Depth along the optical axis per pixel, camera frame; 0 where unknown. */
  depth: Float32Array;
  /** World-frame point per pixel (H×W×3); NaN where unknown. */
  pointmap: Float32Array;
  /** Per-pixel confidence in [0, 1]. */
  confidence: Float32Array;
  /** 1 where the depth is extrapolated from neighbouring pixels (depth-fill.ts) rather than measured. */
  filled?: Uint8Array;
}

/** The merged global point cloud: confidence-filtered, de-duplicated across views, downsampled. */
export interface PointCloud {
  count: number;
  positions: Float32Array;
  /** RGB in [0, 1]. */
  colors: Float32Array;
  confidence: Float32Array;
}

export interface GeometryResult {
  views: ViewGeometry[];
  cloud: PointCloud;
  source: 'classical' | 'posed' | 'pointmap-model';
  /** Seconds per step (decode, features, matching, pose, stereo, fusion …). */
  timings: Record<string, number>;
}
