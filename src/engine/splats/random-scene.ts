/**
 * Seeded random Gaussian scenes and cameras for the rasterizer's tests and benchmark: splats in a box
 * around the origin, cameras on a circle looking at it (OpenCV axes).
 */
import type { Camera } from '../geometry/camera';
import { lookAt, type Vec3 } from '../geometry/mat4';
import { mulberry32 } from '../util/random';
import { emptyCloud, type GaussianCloud, shCoeffs } from './cloud';

/** Seeded uniform numbers in [0, 1). */
export const rng = mulberry32;

export function gaussianRng(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export interface RandomSceneOptions {
  /** Half edge of the box the means fill. Default 1. */
  extent?: number;
  /** Range of log-scales. Default [log 0.03, log 0.25]. */
  logScale?: [number, number];
  /** Range of opacity logits. Default [−2, 3]. */
  opacityLogit?: [number, number];
  /** Std of the SH DC coefficients and of the higher bands. Default 0.8 and 0.25. */
  dcStd?: number;
  restStd?: number;
}

export function randomCloud(
  count: number,
  shDegree: number,
  seed: number,
  o: RandomSceneOptions = {},
): GaussianCloud {
  const u = mulberry32(seed);
  const g = gaussianRng(seed ^ 0x9e3779b9);
  const extent = o.extent ?? 1;
  const [s0, s1] = o.logScale ?? [Math.log(0.03), Math.log(0.25)];
  const [o0, o1] = o.opacityLogit ?? [-2, 3];
  const dcStd = o.dcStd ?? 0.8;
  const restStd = o.restStd ?? 0.25;
  const cloud = emptyCloud(count, shDegree);
  const k = shCoeffs(shDegree);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) {
      cloud.means[3 * i + c] = (2 * u() - 1) * extent;
      cloud.logScales[3 * i + c] = s0 + (s1 - s0) * u();
    }
    // Unnormalised on purpose (length 0.5–2): the rasterizer normalises.
    const q = [g(), g(), g(), g()];
    const len = Math.hypot(...q) / (0.5 + 1.5 * u());
    for (let c = 0; c < 4; c++) cloud.rotations[4 * i + c] = q[c] / len;
    cloud.opacityLogits[i] = o0 + (o1 - o0) * u();
    for (let j = 0; j < k; j++) {
      for (let c = 0; c < 3; c++) cloud.sh[(i * k + j) * 3 + c] = g() * (j === 0 ? dcStd : restStd);
    }
  }
  return cloud;
}

/** A pinhole camera at `eye` looking at `target`, horizontal field of view `fovDeg`. */
export function orbitCamera(
  width: number,
  height: number,
  eye: Vec3,
  target: Vec3 = [0, 0, 0],
  fovDeg = 60,
  principal: [number, number] = [width / 2, height / 2],
): Camera {
  const fx = width / 2 / Math.tan((fovDeg * Math.PI) / 360);
  return {
    intrinsics: { fx, fy: fx, cx: principal[0], cy: principal[1], width, height },
    worldFromCamera: lookAt(eye, target),
  };
}

/** `n` cameras on a circle of `radius` around the origin at height `y` (OpenCV: y down). */
export function ringCameras(
  n: number,
  width: number,
  height: number,
  radius = 3,
  y = -0.6,
  phase = 0,
): Camera[] {
  return Array.from({ length: n }, (_, i) => {
    const a = phase + (2 * Math.PI * i) / n;
    return orbitCamera(width, height, [radius * Math.sin(a), y, -radius * Math.cos(a)]);
  });
}
