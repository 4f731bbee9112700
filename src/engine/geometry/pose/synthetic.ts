import type { Camera } from '../camera';
import { invertRigid, lookAt, multiply, transformPoint, type Vec3 } from '../mat4';
import { Rng } from './rng';
import type { Matches, PoseInput } from './types';

/**
 * Synthetic correspondences from known cameras, for tests and benchmarks: cameras on an orbit around
 * a scene centre (each looking near, not exactly at, the centre, with some roll), exact
 * projections with Gaussian pixel noise (one noisy keypoint per view and point, shared by every pair),
 * plus uniformly random outlier matches.
 */
export interface SyntheticOptions {
  seed: number;
  views: number;
  width?: number;
  height?: number;
  /** Focal in pixels (default: random in [0.8, 1.2]·width). */
  focal?: number;
  points?: number;
  noisePx?: number;
  /** Fraction of each pair's matches that are outliers. */
  outlierRatio?: number;
  /** Orbit angle between consecutive views, degrees (random in the range). */
  stepDeg?: [number, number];
  /** All cameras at the same centre (rotation only). */
  pureRotation?: boolean;
  /** Multiplies every camera's offset from camera 0 (e.g. 0.002 for near-identical photos). */
  baselineScale?: number;
  /** Give the focal as a prior to every view. */
  withPrior?: boolean;
  /** Provide keypoint ids (ia/ib) with the matches. */
  withIds?: boolean;
}

export interface SyntheticScene {
  input: PoseInput;
  /** Ground truth, world = camera 0. */
  cameras: Camera[];
  points: Float64Array;
  focal: number;
}

export function syntheticScene(o: SyntheticOptions): SyntheticScene {
  const rng = new Rng(o.seed);
  const width = o.width ?? 512;
  const height = o.height ?? 384;
  const focal = o.focal ?? rng.uniform(0.8, 1.2) * width;
  const nPoints = o.points ?? 500;
  const noise = o.noisePx ?? 0.75;
  const outlierRatio = o.outlierRatio ?? 0.3;
  const [stepLo, stepHi] = o.stepDeg ?? [5, 20];

  const poses = [];
  let azimuth = rng.uniform(0, 2 * Math.PI);
  const baseDistance = rng.uniform(3.2, 4.2);
  let first: Vec3 | null = null;
  for (let v = 0; v < o.views; v++) {
    if (v > 0) azimuth += (rng.uniform(stepLo, stepHi) * Math.PI) / 180;
    const elevation = (rng.uniform(-12, 12) * Math.PI) / 180;
    const distance = baseDistance * rng.uniform(0.9, 1.1);
    let eye: Vec3 = [
      distance * Math.cos(elevation) * Math.cos(azimuth),
      distance * Math.sin(elevation),
      distance * Math.cos(elevation) * Math.sin(azimuth),
    ];
    if (!first) first = eye;
    if (o.pureRotation) eye = first;
    else if (o.baselineScale !== undefined) {
      eye = [
        first[0] + (eye[0] - first[0]) * o.baselineScale,
        first[1] + (eye[1] - first[1]) * o.baselineScale,
        first[2] + (eye[2] - first[2]) * o.baselineScale,
      ];
    }
    // Aim near the centre; with a fixed eye, rotate the aim so the views still differ.
    const aimOffset = o.pureRotation ? 0.25 * v : 0;
    const target: Vec3 = [
      rng.uniform(-0.25, 0.25) + aimOffset,
      rng.uniform(-0.25, 0.25),
      rng.uniform(-0.25, 0.25) - aimOffset,
    ];
    const roll = (rng.uniform(-6, 6) * Math.PI) / 180;
    poses.push(lookAt(eye, target, [Math.sin(roll), -Math.cos(roll), 0]));
  }
  // Re-express everything with camera 0 as the world.
  const worldFromOrig = invertRigid(poses[0]);
  const cameras: Camera[] = poses.map((p) => ({
    intrinsics: { fx: focal, fy: focal, cx: width / 2, cy: height / 2, width, height },
    worldFromCamera: multiply(worldFromOrig, p),
  }));
  // Points fill the images, as a textured scene would: back-project a random pixel of a random view at
  // a depth within ±35% of that view's distance to the scene centre.
  const points = new Float64Array(3 * nPoints);
  const centre = transformPoint(worldFromOrig, [0, 0, 0]);
  for (let i = 0; i < nPoints; i++) {
    const cam = cameras[rng.int(cameras.length)];
    const c = transformPoint(invertRigid(cam.worldFromCamera), centre);
    const depth = c[2] * rng.uniform(0.65, 1.35);
    const u = rng.uniform(0, width);
    const w = rng.uniform(0, height);
    const p = transformPoint(cam.worldFromCamera, [
      ((u - width / 2) / focal) * depth,
      ((w - height / 2) / focal) * depth,
      depth,
    ]);
    points.set(p, 3 * i);
  }

  // One noisy observation per (view, point), NaN when not visible.
  const obs = cameras.map((cam) => {
    const fromWorld = invertRigid(cam.worldFromCamera);
    const uv = new Float64Array(2 * nPoints).fill(Number.NaN);
    for (let i = 0; i < nPoints; i++) {
      const [x, y, z] = transformPoint(fromWorld, points.subarray(3 * i, 3 * i + 3));
      if (z <= 0.1) continue;
      const u = (focal * x) / z + width / 2 + noise * rng.gaussian();
      const w = (focal * y) / z + height / 2 + noise * rng.gaussian();
      if (u >= 0 && u < width && w >= 0 && w < height) {
        uv[2 * i] = u;
        uv[2 * i + 1] = w;
      }
    }
    return uv;
  });

  const matches: Matches[] = [];
  let nextId = nPoints;
  for (let i = 0; i < o.views; i++) {
    for (let j = i + 1; j < o.views; j++) {
      const rows: number[][] = [];
      for (let p = 0; p < nPoints; p++) {
        if (Number.isNaN(obs[i][2 * p]) || Number.isNaN(obs[j][2 * p])) continue;
        rows.push([obs[i][2 * p], obs[i][2 * p + 1], obs[j][2 * p], obs[j][2 * p + 1], p, p]);
      }
      const nOut = Math.round((outlierRatio / (1 - outlierRatio)) * rows.length);
      for (let k = 0; k < nOut; k++) {
        rows.push([
          rng.uniform(0, width),
          rng.uniform(0, height),
          rng.uniform(0, width),
          rng.uniform(0, height),
          nextId++,
          nextId++,
        ]);
      }
      // Shuffle so outliers are not at the end.
      for (let k = rows.length - 1; k > 0; k--) {
        const r = rng.int(k + 1);
        [rows[k], rows[r]] = [rows[r], rows[k]];
      }
      matches.push({
        i,
        j,
        a: Float32Array.from(rows.flatMap((r) => [r[0], r[1]])),
        b: Float32Array.from(rows.flatMap((r) => [r[2], r[3]])),
        ...(o.withIds
          ? { ia: Uint32Array.from(rows.map((r) => r[4])), ib: Uint32Array.from(rows.map((r) => r[5])) }
          : {}),
      });
    }
  }
  return {
    input: {
      sizes: cameras.map(() => ({ width, height })),
      focalPriors: cameras.map(() => (o.withPrior ? focal : null)),
      matches,
    },
    cameras,
    points,
    focal,
  };
}

/** Random unrelated matches between two images (no geometry at all). */
export function randomMatches(seed: number, count: number, width = 512, height = 384): PoseInput {
  const rng = new Rng(seed);
  const a = new Float32Array(2 * count);
  const b = new Float32Array(2 * count);
  for (let k = 0; k < count; k++) {
    a[2 * k] = rng.uniform(0, width);
    a[2 * k + 1] = rng.uniform(0, height);
    b[2 * k] = rng.uniform(0, width);
    b[2 * k + 1] = rng.uniform(0, height);
  }
  return {
    sizes: [
      { width, height },
      { width, height },
    ],
    focalPriors: [null, null],
    matches: [{ i: 0, j: 1, a, b }],
  };
}
