/**
 * Splat initialisation from the geometry stage's global point cloud (ReconX / InstantSplat): confidence
 * threshold, voxel downsampling to the splat budget, colour to SH DC, isotropic scale from the mean
 * distance to the 3 nearest neighbours (GPU spatial hash), identity rotation, opacity 0.1.
 */

import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import hashGridWgsl from '../../../shaders/spatial/hash_grid.wgsl?raw';
import knnWgsl from '../../../shaders/spatial/knn.wgsl?raw';
import knnQueryWgsl from '../../../shaders/spatial/knn_query.wgsl?raw';
import type { PointCloud } from '../geometry/types';
import { createBuffer, readF32, STORAGE, UNIFORM } from '../gpu/buffers';
import { dispatch1D } from '../gpu/dispatch';
import { bindMap, computePipeline } from '../gpu/pipelines';
import { PrefixSum } from '../sort/prefix-sum';
import { emptyCloud, type GaussianCloud, logit, SH_C0 } from './cloud';

export interface InitOptions {
  /** Splat budget: the point cloud is voxel-downsampled to at most this many points. */
  budget: number;
  /** Points below this confidence are dropped first (kept if nothing would remain). */
  minConfidence?: number;
  shDegree?: number;
  opacity?: number;
}

/** Integer voxel key per point (coordinates relative to the bounding-box minimum, < 2^17 cells a side). */
function voxelKeys(positions: Float32Array, voxel: number, min: number[]): Float64Array {
  const keys = new Float64Array(positions.length / 3);
  for (let i = 0; i < keys.length; i++) {
    const x = Math.floor((positions[3 * i] - min[0]) / voxel);
    const y = Math.floor((positions[3 * i + 1] - min[1]) / voxel);
    const z = Math.floor((positions[3 * i + 2] - min[2]) / voxel);
    keys[i] = x + y * 2 ** 17 + z * 2 ** 34;
  }
  return keys;
}

const countVoxels = (keys: Float64Array): number => new Set(keys).size;

/** Confidence-weighted voxel averaging with voxel size `voxel` (colour and position; max confidence). */
export function voxelAverage(cloud: PointCloud, voxel: number): PointCloud {
  const { min } = cloudExtent(cloud.positions);
  const keys = voxelKeys(cloud.positions, voxel, min);
  const slots = new Map<number, number>();
  for (const key of keys) if (!slots.has(key)) slots.set(key, slots.size);
  const n = slots.size;
  const sums = new Float64Array(n * 7);
  const out: PointCloud = {
    count: n,
    positions: new Float32Array(n * 3),
    colors: new Float32Array(n * 3),
    confidence: new Float32Array(n),
  };
  for (let i = 0; i < cloud.count; i++) {
    const slot = slots.get(keys[i])!;
    const w = Math.max(cloud.confidence[i], 1e-3);
    for (let c = 0; c < 3; c++) {
      sums[7 * slot + c] += w * cloud.positions[3 * i + c];
      sums[7 * slot + 3 + c] += w * cloud.colors[3 * i + c];
    }
    sums[7 * slot + 6] += w;
    out.confidence[slot] = Math.max(out.confidence[slot], cloud.confidence[i]);
  }
  for (let slot = 0; slot < n; slot++) {
    const w = sums[7 * slot + 6];
    for (let c = 0; c < 3; c++) {
      out.positions[3 * slot + c] = sums[7 * slot + c] / w;
      out.colors[3 * slot + c] = sums[7 * slot + 3 + c] / w;
    }
  }
  return out;
}

function filterByConfidence(cloud: PointCloud, minConfidence: number): PointCloud {
  const keep: number[] = [];
  for (let i = 0; i < cloud.count; i++) if (cloud.confidence[i] >= minConfidence) keep.push(i);
  if (keep.length === 0 || keep.length === cloud.count) return cloud;
  const out: PointCloud = {
    count: keep.length,
    positions: new Float32Array(keep.length * 3),
    colors: new Float32Array(keep.length * 3),
    confidence: new Float32Array(keep.length),
  };
  keep.forEach((src, i) => {
    out.positions.set(cloud.positions.subarray(3 * src, 3 * src + 3), 3 * i);
    out.colors.set(cloud.colors.subarray(3 * src, 3 * src + 3), 3 * i);
    out.confidence[i] = cloud.confidence[src];
  });
  return out;
}

/** Extent of the cloud: the diagonal of its bounding box. */
export function cloudExtent(positions: Float32Array): { min: number[]; max: number[]; diagonal: number } {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < positions.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      min[c] = Math.min(min[c], positions[i + c]);
      max[c] = Math.max(max[c], positions[i + c]);
    }
  }
  return { min, max, diagonal: Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) };
}

/**
 * Smallest voxel size (by bisection on a log scale) whose averaging leaves at most `budget` points.
 * Returns the cloud unchanged (voxel 0) when it is already within budget.
 */
export function downsampleToBudget(cloud: PointCloud, budget: number): { cloud: PointCloud; voxel: number } {
  if (cloud.count <= budget) return { cloud, voxel: 0 };
  const { min, diagonal } = cloudExtent(cloud.positions);
  let lo = diagonal * 1e-5;
  let hi = diagonal;
  // Bisect on counts only (cheap), then average once.
  for (let iter = 0; iter < 30 && hi / lo > 1.01; iter++) {
    const mid = Math.sqrt(lo * hi);
    if (countVoxels(voxelKeys(cloud.positions, mid, min)) <= budget) hi = mid;
    else lo = mid;
  }
  return { cloud: voxelAverage(cloud, hi), voxel: hi };
}

/**
 * Mean distance from every point to its 3 nearest neighbours, on the GPU: a spatial hash of cells of
 * size `cellSize` (neighbours farther than one cell may be missed; they then count as `fallback`).
 */
export async function meanNeighbourDistance(
  device: GPUDevice,
  positions: Float32Array,
  cellSize: number,
  fallback = cellSize,
): Promise<Float32Array> {
  const count = positions.length / 3;
  if (count === 0) return new Float32Array(0);
  const tableSize = Math.max(64, 2 * count);
  const { min } = cloudExtent(positions);
  const paramsData = new ArrayBuffer(32);
  new Uint32Array(paramsData, 0, 2).set([count, tableSize]);
  new Float32Array(paramsData, 8, 5).set([cellSize, fallback, min[0], min[1], min[2]]);

  const buffers = {
    positions: createBuffer(device, 'knn positions', positions),
    counts: createBuffer(device, 'knn bucket counts', tableSize * 4),
    bucket: createBuffer(device, 'knn point bucket', count * 4),
    slot: createBuffer(device, 'knn point slot', count * 4),
    params: createBuffer(device, 'knn params', new Uint8Array(paramsData), UNIFORM),
    sorted: createBuffer(device, 'knn sorted points', count * 4),
    distance: createBuffer(device, 'knn mean distance', count * 4, STORAGE),
  };
  const countPipe = computePipeline(device, {
    label: 'knn count',
    sources: [dispatchWgsl, hashGridWgsl, knnWgsl],
    entryPoint: 'count_buckets',
  });
  const querySources = [dispatchWgsl, hashGridWgsl, knnQueryWgsl];
  const scatterPipe = computePipeline(device, {
    label: 'knn query',
    sources: querySources,
    entryPoint: 'scatter',
  });
  const queryPipe = computePipeline(device, {
    label: 'knn query',
    sources: querySources,
    entryPoint: 'query',
  });
  const scan = new PrefixSum(device, tableSize);

  const encoder = device.createCommandEncoder({ label: 'knn' });
  let pass = encoder.beginComputePass({ label: 'knn count' });
  pass.setPipeline(countPipe);
  pass.setBindGroup(
    0,
    bindMap(device, countPipe, {
      0: buffers.positions,
      1: buffers.counts,
      2: buffers.bucket,
      3: buffers.slot,
      4: buffers.params,
    }),
  );
  dispatch1D(pass, count);
  pass.end();
  scan.encode(encoder, buffers.counts, tableSize);
  pass = encoder.beginComputePass({ label: 'knn scatter + query' });
  pass.setPipeline(scatterPipe);
  pass.setBindGroup(
    0,
    bindMap(device, scatterPipe, {
      1: buffers.counts,
      2: buffers.bucket,
      3: buffers.slot,
      4: buffers.params,
      5: buffers.sorted,
    }),
  );
  dispatch1D(pass, count);
  pass.setPipeline(queryPipe);
  pass.setBindGroup(
    0,
    bindMap(device, queryPipe, {
      0: buffers.positions,
      1: buffers.counts,
      4: buffers.params,
      5: buffers.sorted,
      6: buffers.distance,
    }),
  );
  dispatch1D(pass, count);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const result = await readF32(device, buffers.distance, count);
  scan.destroy();
  for (const b of Object.values(buffers)) b.destroy();
  return result;
}

/** Brute-force reference of meanNeighbourDistance (O(n²): tests only). */
export function meanNeighbourDistanceReference(positions: Float32Array): Float32Array {
  const n = positions.length / 3;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const best = [Infinity, Infinity, Infinity];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = Math.hypot(
        positions[3 * i] - positions[3 * j],
        positions[3 * i + 1] - positions[3 * j + 1],
        positions[3 * i + 2] - positions[3 * j + 2],
      );
      if (d < best[2]) {
        best[2] = d;
        best.sort((a, b) => a - b);
      }
    }
    out[i] = (best[0] + best[1] + best[2]) / 3;
  }
  return out;
}

/** Gaussians from a point cloud, ready for optimisation. */
export async function initSplats(
  device: GPUDevice,
  input: PointCloud,
  options: InitOptions,
): Promise<{ splats: GaussianCloud; confidence: Float32Array }> {
  if (input.count === 0)
    throw new Error('The point cloud is empty: there is nothing to initialise splats from.');
  const filtered = filterByConfidence(input, options.minConfidence ?? 0);
  const { cloud, voxel } = downsampleToBudget(filtered, options.budget);
  const { diagonal } = cloudExtent(cloud.positions);
  // Cells of about two voxels hold the 3 nearest neighbours of a downsampled surface.
  const cell = voxel > 0 ? 2 * voxel : Math.max(diagonal / Math.cbrt(cloud.count), diagonal * 1e-6);
  const distances = await meanNeighbourDistance(device, cloud.positions, cell);
  const out = emptyCloud(cloud.count, options.shDegree ?? 0);
  const coeffs = out.sh.length / (3 * cloud.count);
  const opacity = logit(options.opacity ?? 0.1);
  const minScale = diagonal * 1e-6;
  for (let i = 0; i < cloud.count; i++) {
    out.means.set(cloud.positions.subarray(3 * i, 3 * i + 3), 3 * i);
    const s = Math.log(Math.max(distances[i], minScale));
    out.logScales.set([s, s, s], 3 * i);
    out.rotations.set([1, 0, 0, 0], 4 * i);
    out.opacityLogits[i] = opacity;
    for (let c = 0; c < 3; c++) out.sh[i * coeffs * 3 + c] = (cloud.colors[3 * i + c] - 0.5) / SH_C0;
  }
  return { splats: out, confidence: cloud.confidence };
}
