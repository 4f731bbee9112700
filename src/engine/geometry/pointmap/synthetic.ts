/**
 * Synthetic DUSt3R-style predictions with known answers, for tests and benchmarks: cameras inside a
 * box-shaped room (every ray hits a wall, the geometry is not planar), each directed pair predicted
 * exactly — or with noise — at its own random scale, as a pairwise network would.
 */
import { Rng } from './rng';
import { apply3, expSO3, transpose3 } from './rotation';
import type { PairPrediction, PointmapSize } from './types';

export interface SyntheticCamera {
  focal: number;
  /** Camera-to-world rotation (row-major) and centre. */
  R: number[];
  C: [number, number, number];
}

export interface SyntheticPointmaps {
  size: PointmapSize;
  cameras: SyntheticCamera[];
  /** True depth per view (H×W). */
  depths: Float32Array[];
  preds: PairPrediction[];
  /** Scale each directed pair was predicted at. */
  pairScales: number[];
}

export interface SyntheticOptions {
  views: number;
  width?: number;
  height?: number;
  seed?: number;
  /** Gaussian noise on predicted points, relative to their depth (default 0). */
  noise?: number;
  /** Fraction of pixels replaced by garbage points with low confidence (default 0). */
  outliers?: number;
}

const ROOM_MIN = [-2.5, -1.6, -1.5];
const ROOM_MAX = [2.5, 1.4, 4];

/** Distance along a unit-free ray (origin inside the room) to the first wall. */
function hitRoom(o: number[], d: number[]): number {
  let t = Number.POSITIVE_INFINITY;
  for (let a = 0; a < 3; a++) {
    if (d[a] > 0) t = Math.min(t, (ROOM_MAX[a] - o[a]) / d[a]);
    else if (d[a] < 0) t = Math.min(t, (ROOM_MIN[a] - o[a]) / d[a]);
  }
  return t;
}

function worldPoints(cam: SyntheticCamera, size: PointmapSize): { pts: Float64Array; depth: Float32Array } {
  const { width: w, height: h } = size;
  const pts = new Float64Array(w * h * 3);
  const depth = new Float32Array(w * h);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const i = row * w + col;
      const ray = [(col + 0.5 - w / 2) / cam.focal, (row + 0.5 - h / 2) / cam.focal, 1];
      const dir = apply3(cam.R, ray);
      const t = hitRoom(cam.C, dir);
      depth[i] = t;
      for (let a = 0; a < 3; a++) pts[i * 3 + a] = cam.C[a] + t * dir[a];
    }
  }
  return { pts, depth };
}

/** World points into camera `cam`'s frame, scaled. */
function toFrame(world: Float64Array, cam: SyntheticCamera, scale: number): Float32Array {
  const Rt = transpose3(cam.R);
  const out = new Float32Array(world.length);
  for (let k = 0; k < world.length; k += 3) {
    const q = apply3(Rt, [world[k] - cam.C[0], world[k + 1] - cam.C[1], world[k + 2] - cam.C[2]]);
    out[k] = q[0] * scale;
    out[k + 1] = q[1] * scale;
    out[k + 2] = q[2] * scale;
  }
  return out;
}

/** Cameras on a short arc around the room centre, looking roughly at +z, with different focals. */
export function syntheticCameras(views: number, width: number, rng: Rng): SyntheticCamera[] {
  const cams: SyntheticCamera[] = [];
  for (let v = 0; v < views; v++) {
    const yaw = v === 0 ? 0 : (v * 9 - 4) * (Math.PI / 180) + rng.normal() * 0.03;
    const pitch = v === 0 ? 0 : rng.normal() * 0.04;
    const roll = v === 0 ? 0 : rng.normal() * 0.03;
    const R = v === 0 ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : expSO3([pitch, yaw, roll]);
    const C: [number, number, number] =
      v === 0 ? [0, 0, 0] : [0.35 * v + rng.normal() * 0.05, rng.normal() * 0.08, rng.normal() * 0.1];
    cams.push({ focal: width * (0.9 + 0.3 * rng.uniform()), R, C });
  }
  return cams;
}

/** Every directed pair (i, j), i ≠ j, predicted at a random scale, with optional noise and outliers. */
export function syntheticPointmaps(options: SyntheticOptions): SyntheticPointmaps {
  const size = { width: options.width ?? 32, height: options.height ?? 24 };
  const pixels = size.width * size.height;
  const rng = new Rng(options.seed ?? 1);
  const cameras = syntheticCameras(options.views, size.width, rng);
  const world = cameras.map((c) => worldPoints(c, size));
  const preds: PairPrediction[] = [];
  const pairScales: number[] = [];
  for (let i = 0; i < options.views; i++) {
    for (let j = 0; j < options.views; j++) {
      if (i === j) continue;
      const scale = 0.3 + 1.5 * rng.uniform();
      const ptsI = toFrame(world[i].pts, cameras[i], scale);
      const ptsJ = toFrame(world[j].pts, cameras[i], scale);
      const confI = new Float32Array(pixels);
      const confJ = new Float32Array(pixels);
      for (let p = 0; p < pixels; p++) {
        confI[p] = 1 + Math.exp(1 + rng.uniform());
        confJ[p] = 1 + Math.exp(0.5 + rng.uniform());
      }
      for (const [pts, conf] of [
        [ptsI, confI],
        [ptsJ, confJ],
      ] as const) {
        for (let p = 0; p < pixels; p++) {
          const z = Math.abs(pts[p * 3 + 2]);
          if (options.noise) for (let a = 0; a < 3; a++) pts[p * 3 + a] += rng.normal() * options.noise * z;
          if (options.outliers && rng.uniform() < options.outliers) {
            for (let a = 0; a < 3; a++) pts[p * 3 + a] = (rng.uniform() - 0.5) * 4 * scale;
            pts[p * 3 + 2] = Math.abs(pts[p * 3 + 2]) + 0.1;
            conf[p] = 1.05;
          }
        }
      }
      preds.push({ i, j, ptsI, ptsJ, confI, confJ });
      pairScales.push(scale);
    }
  }
  return { size, cameras, depths: world.map((w) => w.depth), preds, pairScales };
}
