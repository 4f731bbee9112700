/**
 * Plane-sweep geometry: fronto-parallel planes of the reference camera, uniform in inverse depth, and
 * the homography that carries a reference pixel onto the source image through each plane.
 */
import { type Camera, cameraFromWorld, projectPoint, unprojectPixel } from '../camera';
import { type Mat4, multiply } from '../mat4';

/**
 * Source pixel (homogeneous) of reference pixel x = (u, v, 1) on the plane z = 1/ρ of the reference
 * camera: h = A·x + ρ·b, with A = Ks·R·Kr⁻¹ and b = Ks·t for source_from_ref = [R | t]. Both images use
 * the +0.5 pixel-centre convention, so x for pixel index (i, j) is (i + 0.5, j + 0.5, 1).
 */
export interface SweepHomography {
  /** A, row-major 3×3. */
  a: Float64Array;
  b: [number, number, number];
}

/** source_from_ref as a column-major rigid 4×4. */
export const sourceFromReference = (ref: Camera, src: Camera): Mat4 =>
  multiply(cameraFromWorld(src), ref.worldFromCamera);

export function sweepHomography(ref: Camera, src: Camera): SweepHomography {
  const m = sourceFromReference(ref, src);
  const kr = ref.intrinsics;
  const ks = src.intrinsics;
  // Kr⁻¹ columns: x/fx − cx/fx, y/fy − cy/fy, 1.
  const kinv = [1 / kr.fx, 0, -kr.cx / kr.fx, 0, 1 / kr.fy, -kr.cy / kr.fy, 0, 0, 1];
  const ksm = [ks.fx, 0, ks.cx, 0, ks.fy, ks.cy, 0, 0, 1];
  // R row-major from the column-major 4×4.
  const r = [m[0], m[4], m[8], m[1], m[5], m[9], m[2], m[6], m[10]];
  const t = [m[12], m[13], m[14]];
  const mul3 = (x: number[], y: number[]) => {
    const out = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += x[i * 3 + k] * y[k * 3 + j];
    return out;
  };
  const a = Float64Array.from(mul3(mul3(ksm, r), kinv));
  const b: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) b[i] += ksm[i * 3 + k] * t[k];
  return { a, b };
}

/** Planes uniform in inverse depth from the far bound (plane 0) to the near bound (plane D − 1). */
export interface PlaneSet {
  planes: number;
  /** Inverse depth of plane 0 (= 1/far). */
  rho0: number;
  /** Inverse-depth step between consecutive planes. */
  drho: number;
}

export function planeSet(near: number, far: number, planes: number): PlaneSet {
  if (!(near > 0 && far > near)) throw new Error(`plane sweep: bad depth range [${near}, ${far}]`);
  if (!(planes >= 3 && Number.isInteger(planes))) throw new Error(`plane sweep: bad plane count ${planes}`);
  return { planes, rho0: 1 / far, drho: (1 / near - 1 / far) / (planes - 1) };
}

export const planeDepth = (set: PlaneSet, d: number): number => 1 / (set.rho0 + d * set.drho);

/**
 * Bilinear sample of an image at a continuous position (pixel centres at +0.5), edges replicated. Grey by
 * default; `channels`/`channel` pick one channel of an interleaved image (e.g. 4 and 0–2 for RGBA).
 */
export function sampleBilinear(
  img: ArrayLike<number>,
  width: number,
  height: number,
  x: number,
  y: number,
  channels = 1,
  channel = 0,
) {
  const qx = Math.min(Math.max(x - 0.5, 0), width - 1);
  const qy = Math.min(Math.max(y - 0.5, 0), height - 1);
  const x0 = Math.floor(qx);
  const y0 = Math.floor(qy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = qx - x0;
  const fy = qy - y0;
  const at = (xx: number, yy: number) => img[(yy * width + xx) * channels + channel];
  const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
  const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * CPU reference of the warp kernel, computed the long way (unproject at depth 1/ρ, then project with
 * camera.ts) rather than through the homography: the source image seen through plane `d` at each
 * reference pixel, and 1 where the pixel centre lands inside the source image.
 */
export function warpReference(
  ref: Camera,
  src: Camera,
  srcGray: Float32Array,
  set: PlaneSet,
  d: number,
): { value: Float32Array; inside: Uint8Array } {
  const { width, height } = ref.intrinsics;
  const ks = src.intrinsics;
  const fromWorld = cameraFromWorld(src);
  const z = planeDepth(set, d);
  const value = new Float32Array(width * height);
  const inside = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v, zs] = projectPoint(src, unprojectPixel(ref, x + 0.5, y + 0.5, z), fromWorld);
      const i = y * width + x;
      if (!(zs > 0)) continue;
      value[i] = sampleBilinear(srcGray, ks.width, ks.height, u, v);
      inside[i] = u >= 0 && v >= 0 && u < ks.width && v < ks.height ? 1 : 0;
    }
  }
  return { value, inside };
}
