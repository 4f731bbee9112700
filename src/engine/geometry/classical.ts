/**
 * The classical (weight-free) geometry path: features and matching for every pair, robust cameras on
 * the CPU, dense plane-sweep depth and confidence on the GPU, and fusion into one global point cloud.
 * Scale convention: median depth of view 0 = 1. The feature front-end is pluggable (GPU SIFT-like by
 * default; XFeat through onnxruntime-web is the alternative, see models/xfeat.ts).
 */

import { findScenePlanes } from './background-planes';
import type { Camera } from './camera';
import { applyDepthConsensus } from './depth-consensus';
import { fillEmptyDepth } from './depth-fill';
import {
  type ExtractorOptions,
  FeatureExtractor,
  type Features,
  Matcher,
  type RgbaImage,
  toCorrespondences,
} from './features';
import { fusePointClouds } from './fusion';
import { invertRigid, multiply } from './mat4';
import {
  estimateCamerasWithRefit,
  type FocalRefit,
  type Matches,
  type PoseOptions,
  type PoseResult,
} from './pose';
import { triangulateWithCameras } from './posed-points';
import { type RightAngleFocal, rightAngleFocal } from './right-angle-focal';
import { computeDepth } from './stereo/compute-depth';
import { depthRangeFromPoints } from './stereo/neighbours';
import type { GeometryResult, ViewGeometry } from './types';

export interface GeometryPhoto {
  name: string;
  /** The working image (EXIF orientation applied, resized). */
  image: RgbaImage;
  /** Focal length in pixels of the working image, from EXIF; null when unknown. */
  focalPrior: number | null;
}

/** Anything that turns an image into keypoints + unit descriptors the GPU matcher can compare. */
export interface FeatureFrontEnd {
  readonly name: string;
  extract(image: RgbaImage): Promise<Features>;
}

export interface MatchingOptions {
  /** Lowe's ratio of the first pass (default 0.85). */
  ratio?: number;
  /** Looser ratio retried when the first pass gives fewer than `minMatches` (default 0.92). */
  fallbackRatio?: number;
  /** Default 80. */
  minMatches?: number;
}

export interface ClassicalOptions {
  stereoPlanes?: number;
  /** Global point-cloud size after fusion. */
  targetPoints?: number;
  /** Known cameras (a transforms.json scene): skip pose, triangulate matches with them for the sweep range. */
  cameras?: Camera[];
  /** Feature front-end (default: the GPU SIFT-like extractor with `features` options). */
  frontEnd?: FeatureFrontEnd;
  features?: ExtractorOptions;
  matching?: MatchingOptions;
  pose?: PoseOptions;
  signal?: AbortSignal;
  /** Named step and fraction of the whole stage. */
  onProgress?: (step: string, fraction: number) => void;
}

/** Per pair: putative matches out of the matcher (pose reports the verified ones). */
export interface PairMatchCount {
  i: number;
  j: number;
  matches: number;
}

export type ClassicalResult = GeometryResult & {
  /** Null in posed mode. */
  pose: PoseResult | null;
  matchCounts: PairMatchCount[];
  /** Sparse points that bounded the sweep (pose's points, or the posed-mode triangulation). */
  sparsePoints: Float32Array;
  /** Set when the scene's right angles replaced the bundle adjustment's uncertain focal. */
  rightAngles: RightAngleFocal | null;
};

/**
 * The bundle adjustment's relative focal uncertainty above which the scene's right angles are consulted
 * (right-angle-focal.ts); below it the photos pin the focal well enough, and a second stereo pass is not
 * worth its cost.
 */
const RIGHT_ANGLE_MIN_STD = 0.01;

/**
 * Posed mode: fewer triangulated points than MIN_POSED_POINTS cannot bound the sweep. Below
 * FEW_POSED_POINTS (small or plain photos) their whole depth span, widened, bounds it instead of the
 * 2–98 % percentiles: a few points say little about the ends of the range, and 96 inverse-depth planes
 * afford a 4× wider one.
 */
const MIN_POSED_POINTS = 8;
const FEW_POSED_POINTS = 20;
const FEW_POINTS_RANGE = { lo: 0, hi: 1, nearFactor: 0.5, farFactor: 2, minPoints: 3 };

const now = () => performance.now();

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DOMException('The reconstruction was cancelled.', 'AbortError');
}

/** Scale the scene so that the median valid depth of view 0 is 1 (cameras, depths and pointmaps). */
export function normaliseScale(views: ViewGeometry[]): number {
  const d = Array.from(views[0].depth).filter((z) => z > 0 && Number.isFinite(z));
  if (d.length === 0) return 1;
  d.sort((a, b) => a - b);
  const s = 1 / d[d.length >> 1];
  for (const v of views) {
    const m = v.camera.worldFromCamera;
    m[12] *= s;
    m[13] *= s;
    m[14] *= s;
    for (let i = 0; i < v.depth.length; i++) v.depth[i] *= s;
    for (let i = 0; i < v.pointmap.length; i++) v.pointmap[i] *= s;
  }
  return s;
}

/** Re-express every camera relative to camera 0 (world = first view). */
function rebaseToFirst(cameras: Camera[]): Camera[] {
  const zeroFromWorld = invertRigid(cameras[0].worldFromCamera);
  return cameras.map((c) => ({
    intrinsics: { ...c.intrinsics },
    worldFromCamera: multiply(zeroFromWorld, c.worldFromCamera),
  }));
}

/** The default front-end: GPU DoG keypoints with RootSIFT descriptors. */
export function gpuFeatureFrontEnd(device: GPUDevice, options?: ExtractorOptions): FeatureFrontEnd {
  let extractor: FeatureExtractor | null = null;
  return {
    name: 'gpu-sift',
    extract: (image) => {
      extractor ??= new FeatureExtractor(device, options);
      return extractor.extract(image);
    },
  };
}

/** Features of every photo and matches of every pair, with their timings. */
async function matchAll(
  device: GPUDevice,
  photos: GeometryPhoto[],
  options: ClassicalOptions,
  timings: Record<string, number>,
  progress: (step: string, fraction: number) => void,
): Promise<Matches[]> {
  let t = now();
  const frontEnd = options.frontEnd ?? gpuFeatureFrontEnd(device, options.features);
  const features: Features[] = [];
  for (const [i, p] of photos.entries()) {
    checkAborted(options.signal);
    progress('features', (0.25 * i) / photos.length);
    features.push(await frontEnd.extract(p.image));
  }
  timings.features = (now() - t) / 1000;

  t = now();
  const { ratio = 0.85, fallbackRatio = 0.92, minMatches = 80 } = options.matching ?? {};
  const matcher = new Matcher(device);
  const matches: Matches[] = [];
  const pairs = (photos.length * (photos.length - 1)) / 2;
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      checkAborted(options.signal);
      progress('matching', 0.25 + (0.15 * matches.length) / pairs);
      // Repetitive texture (bricks, tiles) fails a strict ratio test; RANSAC verifies the looser set.
      let m = await matcher.match(features[i], features[j], { ratio });
      if (m.ia.length < minMatches && fallbackRatio > ratio)
        m = await matcher.match(features[i], features[j], { ratio: fallbackRatio });
      const { a, b } = toCorrespondences(features[i], features[j], m);
      matches.push({ i, j, a, b, ia: m.ia, ib: m.ib });
    }
  }
  timings.matching = (now() - t) / 1000;
  return matches;
}

export async function classicalGeometry(
  device: GPUDevice,
  photos: GeometryPhoto[],
  options: ClassicalOptions = {},
): Promise<ClassicalResult> {
  if (photos.length < 2) throw new Error('Geometry needs at least two photos.');
  if (options.cameras && options.cameras.length !== photos.length)
    throw new Error(`Geometry: ${options.cameras.length} known cameras for ${photos.length} photos.`);
  const timings: Record<string, number> = {};
  const progress = options.onProgress ?? (() => undefined);
  let cameras: Camera[];
  let sparse: Float32Array;
  let pose: PoseResult | null = null;
  let depthRange: [number, number][] | undefined;
  let atFocal: ((factor: number) => FocalRefit | null) | null = null;
  let rightAngles: RightAngleFocal | null = null;

  const matches = await matchAll(device, photos, options, timings, progress);
  const matchCounts = matches.map((m) => ({ i: m.i, j: m.j, matches: m.a.length / 2 }));
  let t = now();
  progress('pose', 0.4);
  if (options.cameras) {
    cameras = rebaseToFirst(options.cameras);
    for (const [i, c] of cameras.entries()) {
      const { width, height } = photos[i].image;
      if (c.intrinsics.width !== width || c.intrinsics.height !== height)
        throw new Error(
          `Geometry: camera ${i + 1} is for a ${c.intrinsics.width}×${c.intrinsics.height} image, photo ${i + 1} is ${width}×${height}.`,
        );
    }
    sparse = triangulateWithCameras(cameras, matches);
    const count = sparse.length / 3;
    if (count < MIN_POSED_POINTS)
      throw new Error(
        `Geometry: only ${count} matched features agree with the given cameras (${MIN_POSED_POINTS} needed to bound the depth); check that the cameras belong to these photos, and that the photos are not too small or plain.`,
      );
    if (count < FEW_POSED_POINTS) {
      depthRange = cameras.map((c, i) => {
        const range = depthRangeFromPoints(c, sparse, FEW_POINTS_RANGE);
        if (!range)
          throw new Error(
            `Geometry: photo ${i + 1} sees too few of the ${count} features that agree with the given cameras to bound its depth.`,
          );
        return range;
      });
    }
    timings.triangulation = (now() - t) / 1000;
  } else {
    ({ result: pose, atFocal } = estimateCamerasWithRefit(
      {
        sizes: photos.map((p) => ({ width: p.image.width, height: p.image.height })),
        focalPriors: photos.map((p) => p.focalPrior),
        matches,
        images: photos.map((p) => p.image),
      },
      options.pose,
    ));
    cameras = pose.cameras;
    sparse = pose.points;
    timings.pose = (now() - t) / 1000;
  }

  checkAborted(options.signal);
  t = now();
  progress('stereo', 0.5);
  const stereo = (share: number, offset: number) =>
    computeDepth(
      device,
      photos.map((p, i) => ({ camera: cameras[i], image: p.image.data })),
      {
        ...(depthRange ? { depthRange } : { points: sparse }),
        sweep: options.stereoPlanes ? { planes: options.stereoPlanes } : undefined,
        onProgress: (done, total) => progress('stereo', offset + (share * done) / total),
      },
    );
  let views = await stereo(0.4, 0.5);
  timings.stereo = (now() - t) / 1000;
  if (pose?.focalEstimated && atFocal && (pose.focalRelStd ?? 0) > RIGHT_ANGLE_MIN_STD) {
    // An uncertain focal: if the scene's right angles settle it, adjust the cameras there and run the
    // stereo again with them.
    t = now();
    const refit = atFocal;
    const found = rightAngleFocal(
      views,
      findScenePlanes(views).planes,
      pose.focalRelStd!,
      (f) => refit(f)?.cameras ?? null,
    );
    const chosen = found && refit(found.factor);
    timings.rightAngles = (now() - t) / 1000;
    if (found && chosen) {
      checkAborted(options.signal);
      rightAngles = found;
      cameras = chosen.cameras;
      sparse = chosen.points;
      pose = { ...pose, cameras, points: sparse, focalFactor: pose.focalFactor! * found.factor };
      t = now();
      views = await stereo(0.02, 0.9);
      timings.stereo += (now() - t) / 1000;
    }
  }
  t = now();
  // A guess for what the stereo left empty, chiefly what only one photo sees, at the lowest confidence the
  // fusion keeps (depth-fill.ts).
  fillEmptyDepth(views);
  timings.fill = (now() - t) / 1000;
  normaliseScale(views);

  t = now();
  progress('fusion', 0.92);
  // Pull each surface's per-view layers together before they are merged (depth-consensus.ts).
  applyDepthConsensus(views);
  const cloud = fusePointClouds(views, { targetCount: options.targetPoints ?? 300_000 });
  timings.fusion = (now() - t) / 1000;
  progress('fusion', 1);
  return {
    views,
    cloud,
    source: options.cameras ? 'posed' : 'classical',
    timings,
    pose,
    matchCounts,
    sparsePoints: sparse,
    rightAngles,
  };
}
