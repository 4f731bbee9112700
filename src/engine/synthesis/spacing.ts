/**
 * Point spacing for the splat radius. Clouds fused from pointmaps are about one source pixel apart, so
 * the spacing grows with the distance to the camera that saw them: spacing_i = k · (distance from point i
 * to the nearest input camera), with k the median over a sample of (nearest-neighbour distance /
 * camera distance). Nearest neighbours come from a uniform grid over the robust bounding box.
 */
import type { Camera } from '../geometry/camera';
import type { PointCloud } from '../geometry/types';
import { cameraCentre } from './trajectory';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return quantile(s, 0.5);
}

/** Distance from each point to the nearest camera centre. */
function cameraDistances(cloud: PointCloud, cameras: Camera[]): Float32Array {
  const centres = cameras.map(cameraCentre);
  const out = new Float32Array(cloud.count);
  const p = cloud.positions;
  for (let i = 0; i < cloud.count; i++) {
    let best = Infinity;
    for (const c of centres) {
      best = Math.min(best, Math.hypot(p[3 * i] - c[0], p[3 * i + 1] - c[1], p[3 * i + 2] - c[2]));
    }
    out[i] = best;
  }
  return out;
}

/** Nearest-neighbour distance of `sample` points within the cloud, via a grid of ≤ 256³ cells. */
export function nearestNeighbourDistances(cloud: PointCloud, sample: number[]): number[] {
  const p = cloud.positions;
  const n = cloud.count;
  const axes = [0, 1, 2].map((a) => {
    const v: number[] = [];
    const stride = Math.max(1, Math.floor(n / 20000));
    for (let i = 0; i < n; i += stride) if (Number.isFinite(p[3 * i + a])) v.push(p[3 * i + a]);
    v.sort((x, y) => x - y);
    return [quantile(v, 0.02), quantile(v, 0.98)];
  });
  const extent = Math.max(...axes.map(([lo, hi]) => hi - lo), 1e-9);
  const dims = Math.min(256, Math.max(1, Math.round(Math.cbrt(n))));
  const h = extent / dims;
  const cellOf = (v: number, a: number) =>
    Math.min(dims + 1, Math.max(0, Math.floor((v - axes[a][0]) / h) + 1));
  const side = dims + 2;
  const cells = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const x = p[3 * i];
    const y = p[3 * i + 1];
    const z = p[3 * i + 2];
    if (!Number.isFinite(x + y + z)) continue;
    const key = (cellOf(x, 0) * side + cellOf(y, 1)) * side + cellOf(z, 2);
    let list = cells.get(key);
    if (!list) cells.set(key, (list = []));
    list.push(i);
  }
  return sample.map((i) => {
    const x = p[3 * i];
    const y = p[3 * i + 1];
    const z = p[3 * i + 2];
    const cx = cellOf(x, 0);
    const cy = cellOf(y, 1);
    const cz = cellOf(z, 2);
    let best = Infinity;
    // Grow the searched cube until the best distance found is inside it (boundary cells are unbounded).
    for (let ring = 1; ring <= side; ring++) {
      for (let dx = -ring; dx <= ring; dx++)
        for (let dy = -ring; dy <= ring; dy++)
          for (let dz = -ring; dz <= ring; dz++) {
            if (Math.max(Math.abs(dx), Math.abs(dy), Math.abs(dz)) !== ring && ring > 1) continue;
            const list = cells.get(((cx + dx) * side + cy + dy) * side + cz + dz);
            if (!list) continue;
            for (const j of list) {
              if (j === i) continue;
              const d = Math.hypot(p[3 * j] - x, p[3 * j + 1] - y, p[3 * j + 2] - z);
              if (d > 0 && d < best) best = d;
            }
          }
      if (best < (ring - 1) * h || ring >= side) break;
      if (ring > 4 && Number.isFinite(best)) break;
    }
    return best;
  });
}

/** Per-point world spacing (see the module comment). */
export function estimatePointSpacing(cloud: PointCloud, cameras: Camera[], sampleSize = 2000): Float32Array {
  const dist = cameraDistances(cloud, cameras);
  const stride = Math.max(1, Math.floor(cloud.count / sampleSize));
  const sample: number[] = [];
  for (let i = 0; i < cloud.count; i += stride) if (Number.isFinite(dist[i]) && dist[i] > 0) sample.push(i);
  const nn = nearestNeighbourDistances(cloud, sample);
  const ratios = sample.flatMap((i, s) => (Number.isFinite(nn[s]) ? [nn[s] / dist[i]] : []));
  const k = ratios.length > 0 ? median(ratios) : 0;
  const out = new Float32Array(cloud.count);
  for (let i = 0; i < cloud.count; i++) out[i] = Number.isFinite(dist[i]) ? k * dist[i] : 0;
  return out;
}
