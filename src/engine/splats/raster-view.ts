/**
 * What the rasterizer needs of one view: the caller's options and the camera in the form the kernels
 * (the Camera uniform in shaders/splat/common.wgsl) and the reference renderer use.
 */
import type { Camera } from '../geometry/camera';
import { GPU_CONSTANTS } from '../gpu/constants';
import { RASTER, type SplatExtent } from './raster-constants';

const { TILE_SIZE } = GPU_CONSTANTS;

export interface RasterOptions {
  /** Colour behind everything (linear RGB). */
  background: [number, number, number];
  /** SH degree used for colour (≤ the scene's). */
  shDegree: number;
  /** Near-plane distance in world units (choose it relative to the scene scale). Must be > 0. */
  near: number;
  /** Splat extent: 'opacity' (ln(255·o), the default) or '3sigma' (also capped at 3σ). */
  extent?: SplatExtent;
}

/** What the rasterizer needs of a camera, derived once per view. */
export interface CameraSetup {
  /** cameraFromWorld, row-major 3×3 rotation and translation: t = R·μ + τ. */
  R: number[];
  tau: number[];
  /** Camera centre in world coordinates. */
  center: number[];
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  width: number;
  height: number;
  tilesX: number;
  tilesY: number;
  /** tx/tz ∈ [lim[0], lim[1]], ty/tz ∈ [lim[2], lim[3]]. */
  lim: [number, number, number, number];
}

export function cameraSetup(camera: Camera): CameraSetup {
  const m = camera.worldFromCamera; // column-major, rigid
  const Rw = [m[0], m[4], m[8], m[1], m[5], m[9], m[2], m[6], m[10]]; // worldFromCamera rotation, row-major
  const R = [Rw[0], Rw[3], Rw[6], Rw[1], Rw[4], Rw[7], Rw[2], Rw[5], Rw[8]]; // transpose
  const center = [m[12], m[13], m[14]];
  const tau = [0, 1, 2].map(
    (r) => -(R[r * 3] * center[0] + R[r * 3 + 1] * center[1] + R[r * 3 + 2] * center[2]),
  );
  const { fx, fy, cx, cy, width, height } = camera.intrinsics;
  const mx = RASTER.FOV_CLAMP_MARGIN * 0.5 * (width / fx);
  const my = RASTER.FOV_CLAMP_MARGIN * 0.5 * (height / fy);
  return {
    R,
    tau,
    center,
    fx,
    fy,
    cx,
    cy,
    width,
    height,
    tilesX: Math.ceil(width / TILE_SIZE),
    tilesY: Math.ceil(height / TILE_SIZE),
    lim: [-cx / fx - mx, (width - cx) / fx + mx, -cy / fy - my, (height - cy) / fy + my],
  };
}
