/**
 * antimatter15 `.splat`: 32 bytes a splat, little-endian — 3×f32 position, 3×f32 LINEAR scale, RGBA u8
 * (RGB = 0.5 + SH_C0·DC, A = sigmoid(opacity)), quaternion u8 as q·128+128 in w,x,y,z order. Viewers
 * stream it front to back, so the writer puts the splats that matter most (volume × opacity) first.
 * Only the DC colour survives; higher SH bands are dropped.
 */
import { emptyCloud, type GaussianCloud, logit, SH_C0, shCoeffs, sigmoid } from '../splats/cloud';

export const SPLAT_ROW_BYTES = 32;

export type SplatErrorKind = 'empty' | 'bad-size';

export class SplatError extends Error {
  override readonly name = 'SplatError';
  constructor(
    readonly kind: SplatErrorKind,
    message: string,
  ) {
    super(message);
  }
}

const toByte = (v: number): number => (v >= 255 ? 255 : v <= 0 ? 0 : Math.round(v)); // NaN → 0

/**
 * Indices that sort `key` descending, ties in index order: a stable LSD radix sort (4 × 16-bit digits) on
 * the order-preserving 64-bit image of each double, far faster than a comparator sort for millions of keys.
 */
export function argsortDescending(key: Float64Array): Uint32Array {
  const n = key.length;
  // Order-preserving bits via an explicit little-endian DataView (host byte order does not matter).
  const dv = new DataView(new ArrayBuffer(n * 8));
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    dv.setFloat64(i * 8, key[i], true);
    let h = dv.getUint32(i * 8 + 4, true);
    let l = dv.getUint32(i * 8, true);
    if (h & 0x80000000) {
      h = ~h;
      l = ~l;
    } else h ^= 0x80000000;
    // Ascending order of (h, l) is ascending key; complement it for descending.
    hi[i] = ~h >>> 0;
    lo[i] = ~l >>> 0;
  }
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (const [words, shift] of [
    [lo, 0],
    [lo, 16],
    [hi, 0],
    [hi, 16],
  ] as const) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(words[idx[i]] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) tmp[count[(words[idx[i]] >>> shift) & 0xffff]++] = idx[i];
    [idx, tmp] = [tmp, idx];
  }
  return idx;
}

/**
 * Splat order for progressive loading: descending volume × opacity, compared in log space
 * (sum of log-scales + log sigmoid) so large scales cannot overflow. Ties keep the input order.
 */
export function splatOrder(cloud: GaussianCloud): Uint32Array {
  const key = new Float64Array(cloud.count);
  for (let i = 0; i < cloud.count; i++) {
    const s = cloud.logScales[i * 3] + cloud.logScales[i * 3 + 1] + cloud.logScales[i * 3 + 2];
    // log sigmoid(x) = −log(1 + e^{−x}), written to stay finite for large |x|.
    const x = cloud.opacityLogits[i];
    const logOpacity = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    const k = s + logOpacity;
    key[i] = Number.isNaN(k) ? -Infinity : k;
  }
  return argsortDescending(key);
}

export interface WriteSplatOptions {
  /** Sort by volume × opacity, descending (default true); false keeps the cloud's order. */
  sort?: boolean;
}

/** Encodes a cloud as `.splat` rows. */
export function writeSplat(cloud: GaussianCloud, options: WriteSplatOptions = {}): Uint8Array {
  const n = cloud.count;
  const K = shCoeffs(cloud.shDegree);
  const order = options.sort === false ? null : splatOrder(cloud);
  const out = new Uint8Array(n * SPLAT_ROW_BYTES);
  const view = new DataView(out.buffer);
  for (let r = 0; r < n; r++) {
    const i = order ? order[r] : r;
    const o = r * SPLAT_ROW_BYTES;
    for (let a = 0; a < 3; a++) {
      view.setFloat32(o + a * 4, cloud.means[i * 3 + a], true);
      view.setFloat32(o + 12 + a * 4, Math.exp(cloud.logScales[i * 3 + a]), true);
      out[o + 24 + a] = toByte((0.5 + SH_C0 * cloud.sh[i * K * 3 + a]) * 255);
    }
    out[o + 27] = toByte(sigmoid(cloud.opacityLogits[i]) * 255);
    const q = cloud.rotations;
    const [qw, qx, qy, qz] = [q[i * 4], q[i * 4 + 1], q[i * 4 + 2], q[i * 4 + 3]];
    const len = Math.sqrt(qw * qw + qx * qx + qy * qy + qz * qz); // Math.hypot is slow in V8
    for (let a = 0; a < 4; a++) {
      const v = len > 0 && Number.isFinite(len) ? q[i * 4 + a] / len : a === 0 ? 1 : 0;
      out[o + 28 + a] = toByte(v * 128 + 128);
    }
  }
  return out;
}

/** Smallest linear scale the reader maps back to a log-scale (a zero scale would give −∞). */
const MIN_SCALE = 1e-30;
/** Alpha 0 and 255 map to these opacities so that writing the result again gives the same bytes. */
const ALPHA_EPS = 0.25 / 255;

/** Decodes `.splat` rows into a degree-0 cloud (inverse of the writer's mappings). Throws SplatError. */
export function readSplat(bytes: Uint8Array): GaussianCloud {
  if (bytes.length === 0) throw new SplatError('empty', 'the .splat file is empty (0 bytes)');
  if (bytes.length % SPLAT_ROW_BYTES !== 0) {
    throw new SplatError(
      'bad-size',
      `a .splat file is a sequence of 32-byte rows, but this one has ${bytes.length} bytes ` +
        `(${bytes.length % SPLAT_ROW_BYTES} bytes left over); it is truncated or not a .splat file`,
    );
  }
  const n = bytes.length / SPLAT_ROW_BYTES;
  const cloud = emptyCloud(n, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    const o = i * SPLAT_ROW_BYTES;
    for (let a = 0; a < 3; a++) {
      cloud.means[i * 3 + a] = view.getFloat32(o + a * 4, true);
      cloud.logScales[i * 3 + a] = Math.log(Math.max(view.getFloat32(o + 12 + a * 4, true), MIN_SCALE));
      cloud.sh[i * 3 + a] = (bytes[o + 24 + a] / 255 - 0.5) / SH_C0;
    }
    const alpha = bytes[o + 27] / 255;
    cloud.opacityLogits[i] = logit(Math.min(Math.max(alpha, ALPHA_EPS), 1 - ALPHA_EPS));
    let len = 0;
    for (let a = 0; a < 4; a++) {
      const v = (bytes[o + 28 + a] - 128) / 128;
      cloud.rotations[i * 4 + a] = v;
      len += v * v;
    }
    len = Math.sqrt(len);
    if (len > 0) for (let a = 0; a < 4; a++) cloud.rotations[i * 4 + a] /= len;
    else cloud.rotations[i * 4] = 1;
  }
  return cloud;
}
