/**
 * Tiny contract models for the `pointmap` role, generated from known geometry.
 *
 * The model "sees" a fixed two-view scene: a slanted plane n·X = c observed by camera A (view 0, the
 * world frame) and by camera B (view 1) at a known pose and a different focal. Which input is which is
 * decided from the images themselves, like a real network would have to: a sigmoid of the difference
 * of the mean intensities picks "A first" or "B first" (the test gives view 0 the brighter image).
 * For "A first" it outputs (A in frame A, B in frame A); for "B first" (B in frame B, A in frame B),
 * scaled by `scaleB` because DUSt3R-style models predict every pair at its own arbitrary scale.
 * Pointmaps are depth × ray (Mul) and a 1×1 Conv applies the rigid transform; confidence is
 * 1 + exp(|3×3 Conv(image)| · gain + bias), so it is ≥ 1 and follows the image texture.
 *
 * Ray convention (the engine's): pixel (col, row) has its centre at (col + 0.5, row + 0.5) and the
 * principal point is the image centre, so ray = ((col + 0.5 − W/2)/f, (row + 0.5 − H/2)/f, 1).
 */

import { expSO3 } from '../../src/engine/geometry/pointmap/rotation';
import { encodeModel, GraphBuilder, int, ints } from './onnx';

export interface PointmapScene {
  width: number;
  height: number;
  /** Focal lengths (pixels) of view 0 and view 1. */
  focal: [number, number];
  /** Camera 1 in camera 0's frame: row-major rotation (camera → world) and centre. */
  rotation1: number[];
  centre1: [number, number, number];
  /** Plane n·X = c in camera 0's frame. */
  planeNormal: [number, number, number];
  planeOffset: number;
  /** Scale of the "B first" prediction relative to the "A first" one. */
  scaleB: number;
}

/** Row-major rotation from axis-angle (radians). */
export function axisAngle(axis: [number, number, number], angle: number): number[] {
  const n = Math.hypot(...axis);
  return expSO3(axis.map((v) => (v / n) * angle));
}

export function defaultPointmapScene(width = 32, height = 24): PointmapScene {
  return {
    width,
    height,
    focal: [1.2 * width, 1.05 * width],
    rotation1: axisAngle([0.2, -1, 0.1], (12 * Math.PI) / 180),
    centre1: [0.35, -0.05, 0.08],
    planeNormal: [-0.25, 0.1, 1],
    planeOffset: 2,
    scaleB: 1.7,
  };
}

/** Rays [3,H,W] (channel-major) of a centred pinhole camera. */
export function rayGrid(width: number, height: number, focal: number): Float32Array {
  const out = new Float32Array(3 * width * height);
  const n = width * height;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      out[i] = (c + 0.5 - width / 2) / focal;
      out[n + i] = (r + 0.5 - height / 2) / focal;
      out[2 * n + i] = 1;
    }
  }
  return out;
}

/** Depth per pixel where each ray of a camera (rotation R, centre C in frame 0) meets the plane. */
export function planeDepth(scene: PointmapScene, view: 0 | 1): Float32Array {
  const { width: w, height: h } = scene;
  const rays = rayGrid(w, h, scene.focal[view]);
  const R = view === 0 ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : scene.rotation1;
  const C = view === 0 ? [0, 0, 0] : scene.centre1;
  const n = scene.planeNormal;
  const nc = n[0] * C[0] + n[1] * C[1] + n[2] * C[2];
  const out = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const r = [rays[i], rays[w * h + i], 1];
    let nd = 0;
    for (let k = 0; k < 3; k++) nd += n[k] * (R[k * 3] * r[0] + R[k * 3 + 1] * r[1] + R[k * 3 + 2] * r[2]);
    out[i] = (scene.planeOffset - nc) / nd;
  }
  return out;
}

/** Conv weight [3,3,1,1] and bias [3] for y = s·(M x + b) with M row-major. */
function affineConv(g: GraphBuilder, x: string, m: number[], b: number[], s: number): string {
  const w = g.constant(
    m.map((v) => v * s),
    [3, 3, 1, 1],
  );
  const bias = g.constant(
    b.map((v) => v * s),
    [3],
  );
  return g.op('Conv', [x, w, bias], { kernel_shape: ints([1, 1]) });
}

/** Confidence 1 + exp(gain·|conv3×3(image)| + bias), reshaped to [1,H,W]. */
function confidence(g: GraphBuilder, img: string, h: number, w: number, out: string): void {
  // A Laplacian-of-luminance kernel: high confidence on texture, low on flat regions.
  const lap = [0, -1, 0, -1, 4, -1, 0, -1, 0];
  const kernel: number[] = [];
  for (let ch = 0; ch < 3; ch++) for (const v of lap) kernel.push(v / 3);
  const k = g.constant(kernel, [1, 3, 3, 3]);
  const conv = g.op('Conv', [img, k], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
  const mag = g.op('Abs', [conv]);
  const scaled = g.op('Add', [g.op('Mul', [mag, g.constant([2], [1])]), g.constant([0.5], [1])]);
  const e = g.op('Exp', [scaled]);
  const c = g.op('Add', [e, g.constant([1], [1])]);
  g.op('Reshape', [c, g.constantInt64([1, h, w])], {}, out);
}

export interface GeneratedModel {
  bytes: Uint8Array;
  scene: PointmapScene;
}

/** The `pointmap` contract model for `scene` (inputs img1/img2 [1,3,H,W], see file comment). */
export function pointmapModel(scene: PointmapScene = defaultPointmapScene()): GeneratedModel {
  const { width: w, height: h } = scene;
  const g = new GraphBuilder('pointmap_contract');
  const img1 = g.input('img1', 'float32', [1, 3, h, w]);
  const img2 = g.input('img2', 'float32', [1, 3, h, w]);

  // Own-frame pointmaps: depth [1,1,H,W] × rays [1,3,H,W].
  const own0 = g.op('Mul', [
    g.constant(planeDepth(scene, 0), [1, 1, h, w]),
    g.constant(rayGrid(w, h, scene.focal[0]), [1, 3, h, w]),
  ]);
  const own1 = g.op('Mul', [
    g.constant(planeDepth(scene, 1), [1, 1, h, w]),
    g.constant(rayGrid(w, h, scene.focal[1]), [1, 3, h, w]),
  ]);
  const R = scene.rotation1;
  const C = scene.centre1;
  const Rt = [R[0], R[3], R[6], R[1], R[4], R[7], R[2], R[5], R[8]];
  const RtC = [0, 1, 2].map((r) => -(Rt[r * 3] * C[0] + Rt[r * 3 + 1] * C[1] + Rt[r * 3 + 2] * C[2]));
  // "A first": view 1 in frame 0 = R·X1 + C. "B first": view 0 in frame 1 = s·Rᵀ(X0 − C).
  const oneIn0 = affineConv(g, own1, R, C, 1);
  const zeroIn1 = affineConv(g, own0, Rt, RtC, scene.scaleB);
  const own1Scaled = g.op('Mul', [own1, g.constant([scene.scaleB], [1])]);

  // Which image came first: sigmoid(k·(mean(img1) − mean(img2))), saturating to exactly 0 or 1.
  const mean1 = g.op('ReduceMean', [img1], { axes: ints([1, 2, 3]), keepdims: int(1) });
  const mean2 = g.op('ReduceMean', [img2], { axes: ints([1, 2, 3]), keepdims: int(1) });
  const gate = g.op('Sigmoid', [g.op('Mul', [g.op('Sub', [mean1, mean2]), g.constant([200], [1])])]);
  const inv = g.op('Sub', [g.constant([1], [1]), gate]);
  const blend = (a: string, b: string) => g.op('Add', [g.op('Mul', [gate, a]), g.op('Mul', [inv, b])]);
  const first = blend(own0, own1Scaled);
  const second = blend(oneIn0, zeroIn1);

  g.op('Transpose', [first], { perm: ints([0, 2, 3, 1]) }, 'pts3d_1');
  g.op('Transpose', [second], { perm: ints([0, 2, 3, 1]) }, 'pts3d_2');
  confidence(g, img1, h, w, 'conf_1');
  confidence(g, img2, h, w, 'conf_2');

  g.output('pts3d_1', 'float32', [1, h, w, 3]);
  g.output('conf_1', 'float32', [1, h, w]);
  g.output('pts3d_2', 'float32', [1, h, w, 3]);
  g.output('conf_2', 'float32', [1, h, w]);
  return {
    bytes: encodeModel(g, { docString: 'splat-studio pointmap contract model (known plane geometry)' }),
    scene,
  };
}

/**
 * A deliberately wrong `pointmap` model for the contract-error test: its second input is called
 * `image2`, `conf_1` has rank 4 and `conf_2` is missing. It still runs (Identity/Transpose ops).
 */
export function wrongPointmapModel(width = 8, height = 6): Uint8Array {
  const g = new GraphBuilder('pointmap_wrong');
  const a = g.input('img1', 'float32', [1, 3, height, width]);
  const b = g.input('image2', 'float32', [1, 3, height, width]);
  g.op('Transpose', [a], { perm: ints([0, 2, 3, 1]) }, 'pts3d_1');
  g.op('Transpose', [b], { perm: ints([0, 2, 3, 1]) }, 'pts3d_2');
  g.op('ReduceMean', [a], { axes: ints([1]), keepdims: int(1) }, 'conf_1');
  g.output('pts3d_1', 'float32', [1, height, width, 3]);
  g.output('conf_1', 'float32', [1, 1, height, width]);
  g.output('pts3d_2', 'float32', [1, height, width, 3]);
  return encodeModel(g);
}
