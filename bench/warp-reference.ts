/**
 * A reference figure for scenes that come with true depth (the project's synthetic scenes): every test pixel's
 * true surface point is looked up in the nearest training photo that sees it (bilinear), and the result is
 * scored by PSNR over the pixels some training photo sees. It measures how much of a test view the training
 * photos hold at their resolution with perfect geometry, so that an evaluation figure can be read against it:
 * a reconstruction from those photos can exceed it only by combining several of them.
 */
import { type Camera, projectPoint, unprojectPixel } from '../src/engine/geometry/camera';
import { transformPoint } from '../src/engine/geometry/mat4';
import { sampleBilinear } from '../src/engine/geometry/stereo/homography';

export interface DepthView {
  camera: Camera;
  /** RGBA8 of camera.intrinsics' size. */
  rgba: Uint8Array | Uint8ClampedArray;
  /** z along the optical axis at each pixel centre; non-finite where nothing is hit. */
  depth: Float32Array;
}

export interface WarpReference {
  /** PSNR (RGB in [0,1]) over the covered pixels; Infinity when they match exactly. */
  psnr: number;
  /** Share of the test view's pixels that some training view sees. */
  coverage: number;
  /** 1 at the pixels some training view sees (row-major, the test view's size), else 0. */
  seen: Uint8Array;
}

/** A point counts as seen when its depth is within this fraction of the training view's true depth. */
const VISIBLE_TOLERANCE = 0.02;

const centre = (c: Camera) => transformPoint(c.worldFromCamera, [0, 0, 0]);

export function warpReference(test: DepthView, train: DepthView[]): WarpReference {
  const { width, height } = test.camera.intrinsics;
  const at = centre(test.camera);
  const order = [...train].sort((a, b) => distance(centre(a.camera), at) - distance(centre(b.camera), at));
  let squared = 0;
  let covered = 0;
  const seen = new Uint8Array(width * height);
  const sample: number[] = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const z = test.depth[y * width + x];
      if (!Number.isFinite(z)) continue;
      const point = unprojectPixel(test.camera, x + 0.5, y + 0.5, z);
      if (!order.some((view) => lookUp(view, point, sample))) continue;
      seen[y * width + x] = 1;
      for (let c = 0; c < 3; c++) squared += ((sample[c] - test.rgba[(y * width + x) * 4 + c]) / 255) ** 2;
      covered++;
    }
  }
  return {
    psnr: covered === 0 ? Number.NaN : -10 * Math.log10(squared / (3 * covered)),
    coverage: covered / (width * height),
    seen,
  };
}

/**
 * PSNR of a render (RGBA floats, unclamped like the evaluation's loss) against a photo over the pixels
 * `seen` marks: a reconstruction's figure on the same pixels as the reference's.
 */
export function psnrOver(
  render: Float32Array,
  rgba: Uint8Array | Uint8ClampedArray,
  seen: Uint8Array,
): number {
  let squared = 0;
  let count = 0;
  for (let p = 0; p < seen.length; p++) {
    if (!seen[p]) continue;
    for (let c = 0; c < 3; c++) squared += (render[4 * p + c] - rgba[4 * p + c] / 255) ** 2;
    count++;
  }
  return count === 0 ? Number.NaN : -10 * Math.log10(squared / (3 * count));
}

/** Bilinear colour of `point` in `view` into `out` when the view sees it; false otherwise. */
function lookUp(view: DepthView, point: [number, number, number], out: number[]): boolean {
  const { width, height } = view.camera.intrinsics;
  const [u, v, z] = projectPoint(view.camera, point);
  if (!(z > 0)) return false;
  if (!(u >= 0 && u < width && v >= 0 && v < height)) return false;
  const seen = view.depth[Math.floor(v) * width + Math.floor(u)];
  if (!(Math.abs(seen - z) <= VISIBLE_TOLERANCE * z)) return false;
  for (let c = 0; c < 3; c++) out[c] = sampleBilinear(view.rgba, width, height, u, v, 4, c);
  return true;
}

const distance = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
