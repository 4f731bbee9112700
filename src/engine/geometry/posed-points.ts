/**
 * Sparse points for posed mode (cameras known, e.g. from transforms.json): matched features are
 * triangulated with the given cameras and kept when they lie in front of both, reproject within a few
 * pixels and have a real triangulation angle. They bound each view's plane-sweep range.
 */
import { type Camera, cameraFromWorld } from './camera';
import type { Matches } from './pose';
import { angleDeg } from './pose/linalg';
import { type Pose, toCamera, triangulateDLT } from './pose/triangulate';

export interface PosedPointsOptions {
  /** Largest reprojection error in either view, pixels (default 2). */
  maxErrorPx?: number;
  /** Smallest angle between the two viewing rays, degrees (default 0.5). */
  minAngleDeg?: number;
}

function poseOf(camera: Camera): Pose {
  const m = cameraFromWorld(camera);
  // Column-major 4×4 → row-major 3×3 rotation and translation.
  return {
    R: Float64Array.of(m[0], m[4], m[8], m[1], m[5], m[9], m[2], m[6], m[10]),
    t: Float64Array.of(m[12], m[13], m[14]),
  };
}

/** World points (xyz packed) triangulated from every pair's matches under the known cameras. */
export function triangulateWithCameras(
  cameras: Camera[],
  matches: Matches[],
  options: PosedPointsOptions = {},
): Float32Array {
  const maxError = options.maxErrorPx ?? 2;
  const minAngle = options.minAngleDeg ?? 0.5;
  const poses = cameras.map(poseOf);
  const centres = cameras.map((c) => [c.worldFromCamera[12], c.worldFromCamera[13], c.worldFromCamera[14]]);
  const out: number[] = [];
  const xy = new Float64Array(4);
  for (const m of matches) {
    const ka = cameras[m.i].intrinsics;
    const kb = cameras[m.j].intrinsics;
    const pair = [poses[m.i], poses[m.j]];
    for (let k = 0; k < m.a.length / 2; k++) {
      const ua = m.a[2 * k];
      const va = m.a[2 * k + 1];
      const ub = m.b[2 * k];
      const vb = m.b[2 * k + 1];
      xy[0] = (ua - ka.cx) / ka.fx;
      xy[1] = (va - ka.cy) / ka.fy;
      xy[2] = (ub - kb.cx) / kb.fx;
      xy[3] = (vb - kb.cy) / kb.fy;
      const x = triangulateDLT(pair, xy);
      if (!x) continue;
      const pa = toCamera(pair[0], x);
      const pb = toCamera(pair[1], x);
      if (!(pa[2] > 0 && pb[2] > 0)) continue;
      const ea = Math.hypot((ka.fx * pa[0]) / pa[2] + ka.cx - ua, (ka.fy * pa[1]) / pa[2] + ka.cy - va);
      const eb = Math.hypot((kb.fx * pb[0]) / pb[2] + kb.cx - ub, (kb.fy * pb[1]) / pb[2] + kb.cy - vb);
      if (ea > maxError || eb > maxError) continue;
      const ca = centres[m.i];
      const cb = centres[m.j];
      const rayA = [x[0] - ca[0], x[1] - ca[1], x[2] - ca[2]];
      const rayB = [x[0] - cb[0], x[1] - cb[1], x[2] - cb[2]];
      if (angleDeg(rayA, rayB) < minAngle) continue;
      out.push(x[0], x[1], x[2]);
    }
  }
  return Float32Array.from(out);
}
