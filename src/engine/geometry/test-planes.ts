/**
 * Hand-made views of one tilted plane for the geometry tests (no GPU): exact depth and pointmaps, with
 * optional multiplicative depth noise and a confidence pattern.
 */
import { type Camera, unprojectPixel } from './camera';
import { lookAt, type Vec3 } from './mat4';
import type { ViewGeometry } from './types';

export const W = 96;
export const H = 72;

export function camera(eye: Vec3, target: Vec3): Camera {
  return {
    intrinsics: { fx: 80, fy: 80, cx: W / 2, cy: H / 2, width: W, height: H },
    worldFromCamera: lookAt(eye, target, [0, -1, 0]),
  };
}

/** Plane through P0 with unit normal N; depth along each pixel ray by intersection. */
const P0: Vec3 = [0, 0, 2];
const N: Vec3 = (() => {
  const n = [0.25, -0.3, -1];
  const l = Math.hypot(n[0], n[1], n[2]);
  return [n[0] / l, n[1] / l, n[2] / l] as Vec3;
})();

/** Deterministic uniform noise in [−1, 1]. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/** A W×H view of `cam` with no depth yet (grey colours, NaN pointmap, zero confidence). */
export function emptyView(cam: Camera): ViewGeometry {
  const n = W * H;
  return {
    camera: cam,
    colors: new Uint8ClampedArray(n * 4).fill(200),
    depth: new Float32Array(n),
    pointmap: new Float32Array(n * 3).fill(Number.NaN),
    confidence: new Float32Array(n),
  };
}

/**
 * Depth at every pixel centre from `hit(o, d)`, the t at which the ray o + t·d meets the scene: d is the
 * pixel's ray scaled to reach depth 1, so t is the depth.
 */
function castRays(cam: Camera, hit: (o: Vec3, d: Vec3) => number): Float32Array {
  const depth = new Float32Array(W * H);
  const o = unprojectPixel(cam, cam.intrinsics.cx, cam.intrinsics.cy, 0);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const q = unprojectPixel(cam, x + 0.5, y + 0.5, 1);
      depth[y * W + x] = hit(o, [q[0] - o[0], q[1] - o[1], q[2] - o[2]]);
    }
  }
  return depth;
}

/** Sets one pixel's depth, world point and confidence. */
function setPixel(view: ViewGeometry, x: number, y: number, z: number, confidence: number): void {
  const p = y * W + x;
  view.depth[p] = z;
  view.pointmap.set(unprojectPixel(view.camera, x + 0.5, y + 0.5, z), 3 * p);
  view.confidence[p] = confidence;
}

/** A view of the plane: exact depth times (1 + relNoise·u), confidence from `conf(x, y)`. */
export function planeView(
  cam: Camera,
  relNoise: number,
  seed: number,
  conf = (_x: number, _y: number) => 1,
): ViewGeometry {
  const rnd = noise(seed);
  const view = emptyView(cam);
  // (o + t·d − P0)·N = 0.
  const truth = castRays(
    cam,
    (o, d) =>
      ((P0[0] - o[0]) * N[0] + (P0[1] - o[1]) * N[1] + (P0[2] - o[2]) * N[2]) /
      (d[0] * N[0] + d[1] * N[1] + d[2] * N[2]),
  );
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) setPixel(view, x, y, truth[y * W + x] * (1 + relNoise * rnd()), conf(x, y));
  }
  return view;
}

export const distanceToPlane = (p: ArrayLike<number>, i: number) =>
  (p[3 * i] - P0[0]) * N[0] + (p[3 * i + 1] - P0[1]) * N[1] + (p[3 * i + 2] - P0[2]) * N[2];

/**
 * A room corner: the floor (y = 1, world y points down), a back wall (z = 5) and a board standing on the
 * floor in front of it (z = 3 at its foot, x in [−0.6, 0.4], y in [0.2, 1]), leaning back by `boardTiltDeg`.
 * Exact depth where `hole` is false (confidence 0.9), nothing where it is true; `truth` has the depth
 * everywhere.
 */
export function roomView(
  cam: Camera,
  hole = (_x: number, _y: number) => false,
  boardTiltDeg = 0,
): { view: ViewGeometry; truth: Float32Array } {
  const lean = Math.tan((boardTiltDeg * Math.PI) / 180);
  const view = emptyView(cam);
  const truth = castRays(cam, (o, d) => {
    const floor = (1 - o[1]) / d[1];
    const wall = (5 - o[2]) / d[2];
    const t = Math.min(
      floor > 0 ? floor : Number.POSITIVE_INFINITY,
      wall > 0 ? wall : Number.POSITIVE_INFINITY,
    );
    // The board: z = 3 + lean·(1 − y).
    const board = (3 + lean * (1 - o[1]) - o[2]) / (d[2] + lean * d[1]);
    const bx = o[0] + board * d[0];
    const by = o[1] + board * d[1];
    return board > 0 && board < t && bx >= -0.6 && bx <= 0.4 && by >= 0.2 && by <= 1 ? board : t;
  });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) if (!hole(x, y)) setPixel(view, x, y, truth[y * W + x], 0.9);
  }
  return { view, truth };
}
