/**
 * Plain-TypeScript references of the stereo kernels (float64), for tests on small inputs. They follow
 * the kernels' definitions, not their implementation: the cost is computed tap by tap with the warp
 * done through camera.ts, and the semi-global pass is a direct loop over whole scanlines.
 */
import { GPU_CONSTANTS } from '../../gpu/constants';
import type { Camera } from '../camera';
import { type PlaneSet, planeDepth, sampleBilinear, sweepHomography } from './homography';
import type { SweepOptions } from './params';

const { STEREO_RADIUS } = GPU_CONSTANTS;

export function grayReference(rgba: ArrayLike<number>, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
  }
  return out;
}

/**
 * Cost volume (pixel-major, costs (1 − ZNCC)/2, `costOut` where the pixel centre leaves the source)
 * for all rows of the reference image.
 */
export function costReference(
  ref: Camera,
  src: Camera,
  refGray: Float32Array,
  srcGray: Float32Array,
  set: PlaneSet,
  options: Pick<SweepOptions, 'znccEps' | 'costOut'>,
): Float64Array {
  const { width, height } = ref.intrinsics;
  const ks = src.intrinsics;
  const { a, b } = sweepHomography(ref, src);
  const D = set.planes;
  const r = STEREO_RADIUS;
  const n = (2 * r + 1) ** 2;
  const out = new Float64Array(width * height * D);
  const warped = new Float64Array(width * height);
  const inside = new Uint8Array(width * height);
  const clampX = (x: number) => Math.min(Math.max(x, 0), width - 1);
  const clampY = (y: number) => Math.min(Math.max(y, 0), height - 1);
  for (let d = 0; d < D; d++) {
    const rho = set.rho0 + d * set.drho;
    // Sanity link between the homography and the plane depth: ρ must be 1/z of plane d.
    if (Math.abs(rho * planeDepth(set, d) - 1) > 1e-9) throw new Error('plane set mismatch');
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = x + 0.5;
        const v = y + 0.5;
        const h0 = a[0] * u + a[1] * v + a[2] + rho * b[0];
        const h1 = a[3] * u + a[4] * v + a[5] + rho * b[1];
        const h2 = a[6] * u + a[7] * v + a[8] + rho * b[2];
        const i = y * width + x;
        const front = h2 > 1e-6;
        const px = h0 / h2;
        const py = h1 / h2;
        warped[i] = front ? sampleBilinear(srcGray, ks.width, ks.height, px, py) : 0;
        inside[i] = front && px >= 0 && py >= 0 && px < ks.width && py < ks.height ? 1 : 0;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sr = 0;
        let ss = 0;
        let srr = 0;
        let sss = 0;
        let srs = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const j = clampY(y + dy) * width + clampX(x + dx);
            const rv = refGray[j];
            const sv = warped[j];
            sr += rv;
            ss += sv;
            srr += rv * rv;
            sss += sv * sv;
            srs += rv * sv;
          }
        }
        const mr = sr / n;
        const ms = ss / n;
        const vr = Math.max(srr / n - mr * mr, 0);
        const vs = Math.max(sss / n - ms * ms, 0);
        const zncc = (srs / n - mr * ms) / Math.sqrt((vr + options.znccEps) * (vs + options.znccEps));
        const k = (y * width + x) * D + d;
        out[k] = inside[y * width + x] ? Math.min(Math.max(0.5 - 0.5 * zncc, 0), 1) : options.costOut;
      }
    }
  }
  return out;
}

/** The 4 or 8 semi-global directions, in the order the GPU runs them. */
export function sgmDirections(paths: 4 | 8): [number, number][] {
  const four: [number, number][] = [
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
  ];
  return paths === 4 ? four : [...four, [1, 1], [-1, -1], [1, -1], [-1, 1]];
}

/** Sum over directions of the semi-global path costs (same recurrence and edge-aware P2 as the kernel). */
export function sgmReference(
  cost: ArrayLike<number>,
  gray: Float32Array,
  width: number,
  height: number,
  planes: number,
  options: Pick<SweepOptions, 'p1' | 'p2' | 'p2Grad' | 'paths'>,
): Float64Array {
  const agg = new Float64Array(width * height * planes);
  for (const [dx, dy] of sgmDirections(options.paths)) {
    const L = new Float64Array(width * height * planes);
    const minL = new Float64Array(width * height);
    // Visit pixels so that p − r is always done first.
    const ys = dy >= 0 ? [...Array(height).keys()] : [...Array(height).keys()].reverse();
    const xs = dx >= 0 ? [...Array(width).keys()] : [...Array(width).keys()].reverse();
    for (const y of ys) {
      for (const x of xs) {
        const i = y * width + x;
        const px = x - dx;
        const py = y - dy;
        const hasPrev = px >= 0 && py >= 0 && px < width && py < height;
        const j = py * width + px;
        let m = Infinity;
        const p2 = hasPrev
          ? Math.max(options.p2 / (1 + Math.abs(gray[i] - gray[j]) / options.p2Grad), options.p1)
          : 0;
        for (let d = 0; d < planes; d++) {
          let l = cost[i * planes + d];
          if (hasPrev) {
            const o = j * planes;
            let best = L[o + d];
            if (d > 0) best = Math.min(best, L[o + d - 1] + options.p1);
            if (d + 1 < planes) best = Math.min(best, L[o + d + 1] + options.p1);
            best = Math.min(best, minL[j] + p2);
            l += best - minL[j];
          }
          L[i * planes + d] = l;
          agg[i * planes + d] += l;
          m = Math.min(m, l);
        }
        minL[i] = m;
      }
    }
  }
  return agg;
}

export interface WinnerReference {
  /** Inverse depth (sub-plane), ZNCC at the winner, margin per path (−1 at the range ends), per pixel. */
  rho: Float64Array;
  zncc: Float64Array;
  margin: Float64Array;
  best: Int32Array;
}

export function winnerReference(
  cost: ArrayLike<number>,
  agg: ArrayLike<number>,
  pixels: number,
  set: PlaneSet,
  paths: number,
): WinnerReference {
  const D = set.planes;
  const out: WinnerReference = {
    rho: new Float64Array(pixels),
    zncc: new Float64Array(pixels),
    margin: new Float64Array(pixels),
    best: new Int32Array(pixels),
  };
  for (let i = 0; i < pixels; i++) {
    const c = (d: number) => agg[i * D + d];
    let best = 0;
    for (let d = 1; d < D; d++) if (c(d) < c(best)) best = d;
    let second = -Infinity;
    for (let d = 0; d < D; d++) second = Math.max(second, c(d));
    for (let d = 0; d < D; d++) {
      if (d === best) continue;
      const localMin = (d === 0 || c(d) <= c(d - 1)) && (d === D - 1 || c(d) < c(d + 1));
      if (localMin) second = Math.min(second, c(d));
    }
    let offset = 0;
    out.margin[i] = -1;
    if (best > 0 && best < D - 1) {
      out.margin[i] = (second - c(best)) / paths;
      const curvature = c(best - 1) - 2 * c(best) + c(best + 1);
      if (curvature > 0)
        offset = Math.min(Math.max((0.5 * (c(best - 1) - c(best + 1))) / curvature, -0.5), 0.5);
    }
    out.best[i] = best;
    out.rho[i] = set.rho0 + (best + offset) * set.drho;
    out.zncc[i] = 1 - 2 * cost[i * D + best];
  }
  return out;
}
