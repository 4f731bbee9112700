/**
 * The neural geometry path: photos → symmetric pairwise pointmaps from a `pointmap` model → focal,
 * poses and depth maps in one world → GeometryResult (source 'pointmap-model').
 * World = camera 0, OpenCV axes, scale: median depth of view 0 = 1; confidence mapped to [0, 1]
 * by 1 − 1/conf (confidence.ts).
 */

import type { DecodedImage } from '../../io/image';
import type { Camera } from '../camera';
import { fusePointClouds } from '../fusion';
import { fromRotationTranslation } from '../mat4';
import type { GeometryResult, ViewGeometry } from '../types';
import { alignPointmaps } from './align';
import { unitConfidenceMap } from './confidence';
import { fitToModel, makePairs, type PointmapRunner, predictPairs, toModelTensor } from './infer';
import { pixelX, pixelY } from './state';
import type { AlignmentResult, AlignOptions, PointmapSize } from './types';

export interface PointmapGeometryOptions {
  /** The model's input size (manifest dims W, H). */
  size: PointmapSize;
  align?: AlignOptions;
  graph?: 'complete' | 'sequential';
  /** Points below this [0,1] confidence are left out of the merged cloud (default 0.5, raw conf 2). */
  minConfidence?: number;
  /** Cap on the merged cloud (default 200,000): fusion coarsens its voxels until it fits. */
  maxPoints?: number;
  onProgress?: (stage: 'inference' | 'alignment' | 'cloud', done: number, total: number) => void;
}

export interface PointmapGeometry extends GeometryResult {
  alignment: AlignmentResult;
}

function viewGeometry(
  result: AlignmentResult,
  v: number,
  colors: DecodedImage,
  size: PointmapSize,
): ViewGeometry {
  const { width: w, height: h } = size;
  const f = result.focals[v];
  const R = result.rotations[v];
  const C = result.centres[v];
  const camera: Camera = {
    intrinsics: { fx: f, fy: f, cx: w / 2, cy: h / 2, width: w, height: h },
    worldFromCamera: fromRotationTranslation(R, C),
  };
  const depth = result.depths[v];
  const pointmap = new Float32Array(w * h * 3);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const i = row * w + col;
      const d = depth[i];
      if (!(d > 0) || !Number.isFinite(d)) {
        pointmap.fill(Number.NaN, i * 3, i * 3 + 3);
        continue;
      }
      const x = (d * pixelX(col, w)) / f;
      const y = (d * pixelY(row, h)) / f;
      for (let a = 0; a < 3; a++)
        pointmap[i * 3 + a] = R[a * 3] * x + R[a * 3 + 1] * y + R[a * 3 + 2] * d + C[a];
    }
  }
  return {
    camera,
    colors: colors.data,
    depth,
    pointmap,
    confidence: unitConfidenceMap(result.confidence[v]),
  };
}

export async function pointmapGeometry(
  images: DecodedImage[],
  runner: PointmapRunner,
  options: PointmapGeometryOptions,
): Promise<PointmapGeometry> {
  if (images.length < 2) throw new Error(`the pointmap path needs at least 2 photos, got ${images.length}`);
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (now - t) / 1000;
    t = now;
  };
  const fitted = images.map((img) => fitToModel(img, options.size));
  const tensors = fitted.map(toModelTensor);
  lap('preprocess');
  const pairs = makePairs(images.length, options.graph ?? 'complete');
  const preds = await predictPairs(runner, tensors, options.size, pairs, (d, n) =>
    options.onProgress?.('inference', d, n),
  );
  lap('inference');
  options.onProgress?.('alignment', 0, 1);
  const alignment = alignPointmaps(preds, images.length, options.size, options.align);
  lap('alignment');
  const views = fitted.map((img, v) => viewGeometry(alignment, v, img, options.size));
  // The same fusion as the classical path, so both sources hand the later stages the same kind of cloud.
  const cloud = fusePointClouds(views, {
    minConfidence: options.minConfidence ?? 0.5,
    targetCount: options.maxPoints ?? 200_000,
  });
  lap('cloud');
  options.onProgress?.('cloud', 1, 1);
  return { views, cloud, source: 'pointmap-model', timings, alignment };
}
