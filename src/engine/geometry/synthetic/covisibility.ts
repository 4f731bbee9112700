/**
 * Ground-truth co-visibility from depth maps: which pixels of view A show a surface point that view B
 * also sees (inside B's image, in front of B, and not hidden behind something nearer in B).
 */
import { type Camera, cameraFromWorld } from '../camera';
import { multiply } from '../mat4';

export interface CovisibilityOptions {
  /** Relative depth tolerance of the occlusion test (default 0.01 = 1 % of the depth). */
  relTol?: number;
}

/**
 * Mask over A's pixels (1 = co-visible). A pixel counts when its centre, unprojected with depthA,
 * projects inside B with positive depth zB and B's depth there agrees with zB within relTol·zB, either
 * at the nearest pixel or bilinearly interpolated in inverse depth (exact within a plane, so slanted
 * surfaces between pixel centres pass). Depth maps are z along the optical axis, Infinity for sky.
 */
export function covisibleMask(
  depthA: Float32Array,
  camA: Camera,
  depthB: Float32Array,
  camB: Camera,
  options: CovisibilityOptions = {},
): Uint8Array {
  const tol = options.relTol ?? 0.01;
  const ka = camA.intrinsics;
  const kb = camB.intrinsics;
  const wa = ka.width;
  const wb = kb.width;
  const hb = kb.height;
  if (depthA.length !== wa * ka.height || depthB.length !== wb * hb) {
    throw new Error('covisibleMask: depth map size does not match the camera intrinsics');
  }
  const m = multiply(cameraFromWorld(camB), camA.worldFromCamera);
  const mask = new Uint8Array(depthA.length);
  const near = (zb: number, d: number) => Math.abs(d - zb) <= tol * zb;
  for (let y = 0; y < ka.height; y++) {
    for (let x = 0; x < wa; x++) {
      const z = depthA[y * wa + x];
      if (!Number.isFinite(z)) continue;
      const ax = ((x + 0.5 - ka.cx) / ka.fx) * z;
      const ay = ((y + 0.5 - ka.cy) / ka.fy) * z;
      const bx = m[0] * ax + m[4] * ay + m[8] * z + m[12];
      const by = m[1] * ax + m[5] * ay + m[9] * z + m[13];
      const zb = m[2] * ax + m[6] * ay + m[10] * z + m[14];
      if (!(zb > 0)) continue;
      const u = (kb.fx * bx) / zb + kb.cx;
      const v = (kb.fy * by) / zb + kb.cy;
      if (!(u >= 0 && u < wb && v >= 0 && v < hb)) continue;
      if (near(zb, depthB[Math.floor(v) * wb + Math.floor(u)])) {
        mask[y * wa + x] = 1;
        continue;
      }
      // Bilinear in inverse depth between the four surrounding pixel centres (clamped at the border).
      const fx = Math.min(Math.max(u - 0.5, 0), wb - 1);
      const fy = Math.min(Math.max(v - 0.5, 0), hb - 1);
      const x0 = Math.min(Math.floor(fx), wb - 2);
      const y0 = Math.min(Math.floor(fy), hb - 2);
      const tx = fx - x0;
      const ty = fy - y0;
      const i = y0 * wb + x0;
      const d00 = depthB[i];
      const d10 = depthB[i + 1];
      const d01 = depthB[i + wb];
      const d11 = depthB[i + wb + 1];
      if (!(Number.isFinite(d00) && Number.isFinite(d10) && Number.isFinite(d01) && Number.isFinite(d11)))
        continue;
      const inv = (1 - ty) * ((1 - tx) / d00 + tx / d10) + ty * ((1 - tx) / d01 + tx / d11);
      if (near(zb, 1 / inv)) mask[y * wa + x] = 1;
    }
  }
  return mask;
}
