/**
 * Plain-TypeScript reference of the splat rasterizer, in double precision: the same projection, culling,
 * clamps, thresholds, tile test and compositing as the WGSL kernels (shaders/splat/*.wgsl). Used by the
 * tests (forward comparison, finite differences of the backward, binning) — not by the engine.
 */
import type { Camera } from '../geometry/camera';
import { GPU_CONSTANTS } from '../gpu/constants';
import { SH_C0 } from './cloud';
import { RASTER, type RenderMode, SH_C1, SH_C2, SH_C3 } from './raster-constants';
import { type CameraSetup, cameraSetup, type RasterOptions } from './raster-view';

export { type CameraSetup, cameraSetup, type RasterOptions } from './raster-view';

const { TILE_SIZE } = GPU_CONSTANTS;

/** A Gaussian scene in any numeric arrays (Float64Array for finite differences); GaussianCloud fits. */
export interface CloudLike {
  count: number;
  shDegree: number;
  means: ArrayLike<number>;
  logScales: ArrayLike<number>;
  rotations: ArrayLike<number>;
  opacityLogits: ArrayLike<number>;
  sh: ArrayLike<number>;
  renderMode?: RenderMode;
}

/** A splat as the rasterizer sees it in one view. */
export interface ProjectedSplat {
  id: number;
  /** Pixel coordinates of the mean (pixel (i, j) has its centre at (i + 0.5, j + 0.5)). */
  u: number;
  v: number;
  /** Camera-space z of the mean. */
  depth: number;
  /** Inverse 2D covariance, unique entries [a, b, c] of [[a, b], [b, c]]. */
  conic: [number, number, number];
  opacity: number;
  /** Largest σ = ½δᵀΣ⁻¹δ at which the splat still contributes. */
  cutoff: number;
  rgb: [number, number, number];
  /** Tiles the ellipse's bounding box touches: [x0, y0, x1, y1), clipped to the image. */
  rect: [number, number, number, number];
  /** Pixels of that bounding box: [i0, j0, i1, j1], inclusive. */
  box: [number, number, number, number];
}

/** Row-major rotation of a normalised quaternion (w, x, y, z). */
export function quatRotation(w: number, x: number, y: number, z: number): number[] {
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/** Real SH basis values Y_0..Y_{(deg+1)²−1} of a unit direction (graphdeco's order and signs). */
export function shBasis(x: number, y: number, z: number, degree: number): number[] {
  const out = [SH_C0];
  if (degree < 1) return out;
  out.push(-SH_C1 * y, SH_C1 * z, -SH_C1 * x);
  if (degree < 2) return out;
  const xx = x * x;
  const yy = y * y;
  const zz = z * z;
  out.push(
    SH_C2[0] * x * y,
    SH_C2[1] * y * z,
    SH_C2[2] * (2 * zz - xx - yy),
    SH_C2[3] * x * z,
    SH_C2[4] * (xx - yy),
  );
  if (degree < 3) return out;
  out.push(
    SH_C3[0] * y * (3 * xx - yy),
    SH_C3[1] * x * y * z,
    SH_C3[2] * y * (4 * zz - xx - yy),
    SH_C3[3] * z * (2 * zz - 3 * xx - 3 * yy),
    SH_C3[4] * x * (4 * zz - xx - yy),
    SH_C3[5] * z * (xx - yy),
    SH_C3[6] * x * (xx - 3 * yy),
  );
  return out;
}

/** σ = ½(a δx² + c δy²) + b δx δy. */
export const sigmaAt = (con: readonly number[], dx: number, dy: number): number =>
  0.5 * (con[0] * dx * dx + con[2] * dy * dy) + con[1] * dx * dy;

/** The cutoff the tile test uses: never smaller than the per-pixel one, whatever the FP error. */
export const binCutoff = (cutoff: number): number => cutoff * (1 + RASTER.BIN_SLACK) + RASTER.BIN_SLACK;

/** Inclusive pixel box [i0, j0, i1, j1] of {σ ≤ binCutoff}, clipped to the image; i0 > i1 when empty. */
export function pixelBox(
  u: number,
  v: number,
  con: readonly number[],
  cutoff: number,
  width: number,
  height: number,
): [number, number, number, number] {
  const det = con[0] * con[2] - con[1] * con[1];
  const lim = 2 * binCutoff(cutoff);
  const rx = Math.sqrt((lim * con[2]) / det);
  const ry = Math.sqrt((lim * con[0]) / det);
  // Pixel i is covered when |i + 0.5 − u| ≤ rx.
  const i0 = Math.max(Math.ceil(u - rx - 0.5), 0);
  const i1 = Math.min(Math.floor(u + rx - 0.5), width - 1);
  const j0 = Math.max(Math.ceil(v - ry - 0.5), 0);
  const j1 = Math.min(Math.floor(v + ry - 0.5), height - 1);
  if (!(i0 <= i1 && j0 <= j1)) return [1, 1, 0, 0];
  return [i0, j0, i1, j1];
}

/** Tile rectangle [x0, y0, x1, y1) of the pixel box (tile_rect in common.wgsl); empty when x0 = x1. */
export function tileRect(box: readonly number[]): [number, number, number, number] {
  if (!(box[0] <= box[2] && box[1] <= box[3])) return [0, 0, 0, 0];
  return [
    Math.floor(box[0] / TILE_SIZE),
    Math.floor(box[1] / TILE_SIZE),
    Math.floor(box[2] / TILE_SIZE) + 1,
    Math.floor(box[3] / TILE_SIZE) + 1,
  ];
}

/** Smallest σ over δ in the box [lo, hi]: 0 inside, else the best point of the four edges (σ is convex). */
export function minSigmaBox(
  con: readonly number[],
  lox: number,
  loy: number,
  hix: number,
  hiy: number,
): number {
  if (lox <= 0 && hix >= 0 && loy <= 0 && hiy >= 0) return 0;
  const clamp = (x: number, a: number, b: number) => Math.min(Math.max(x, a), b);
  const [a, b, c] = con;
  return Math.min(
    sigmaAt(con, lox, clamp((-b * lox) / c, loy, hiy)),
    sigmaAt(con, hix, clamp((-b * hix) / c, loy, hiy)),
    sigmaAt(con, clamp((-b * loy) / a, lox, hix), loy),
    sigmaAt(con, clamp((-b * hiy) / a, lox, hix), hiy),
  );
}

/** Smallest σ of the splat over the pixel centres of tile (tx, ty). */
export function tileMinSigma(
  s: ProjectedSplat,
  tx: number,
  ty: number,
  width: number,
  height: number,
): number {
  const px0 = tx * TILE_SIZE + 0.5;
  const py0 = ty * TILE_SIZE + 0.5;
  const px1 = Math.min(tx * TILE_SIZE + TILE_SIZE - 1, width - 1) + 0.5;
  const py1 = Math.min(ty * TILE_SIZE + TILE_SIZE - 1, height - 1) + 0.5;
  return minSigmaBox(s.conic, s.u - px1, s.v - py1, s.u - px0, s.v - py0);
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Project splat i into the view, or null when it is culled (the GPU culls exactly the same cases). */
export function projectSplat(
  cloud: CloudLike,
  i: number,
  cam: CameraSetup,
  opts: RasterOptions,
): ProjectedSplat | null {
  const mu = [cloud.means[3 * i], cloud.means[3 * i + 1], cloud.means[3 * i + 2]];
  const { R, tau } = cam;
  const t = [0, 1, 2].map((r) => R[r * 3] * mu[0] + R[r * 3 + 1] * mu[1] + R[r * 3 + 2] * mu[2] + tau[r]);
  if (!(t[2] > opts.near)) return null;
  const q = [0, 1, 2, 3].map((k) => cloud.rotations[4 * i + k]);
  const qn = Math.hypot(q[0], q[1], q[2], q[3]);
  if (!(qn > 0)) return null;
  const Rq = quatRotation(q[0] / qn, q[1] / qn, q[2] / qn, q[3] / qn);
  const s = [0, 1, 2].map((k) => Math.exp(cloud.logScales[3 * i + k]));
  // M = Rq·S, Σ3 = M·Mᵀ, Σc = R·Σ3·Rᵀ.
  const M = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((e) => Rq[e] * s[e % 3]);
  const S3 = mulABt(M, M);
  const Sc = mulABt(mul3(R, S3), R);

  const tz = t[2];
  const xr = Math.min(Math.max(t[0] / tz, cam.lim[0]), cam.lim[1]);
  const yr = Math.min(Math.max(t[1] / tz, cam.lim[2]), cam.lim[3]);
  // J = [[fx/tz, 0, −fx·xr/tz], [0, fy/tz, −fy·yr/tz]]
  const J = [cam.fx / tz, 0, (-cam.fx * xr) / tz, 0, cam.fy / tz, (-cam.fy * yr) / tz];
  const JS = [0, 1].flatMap((r) =>
    [0, 1, 2].map((c) => J[r * 3] * Sc[c] + J[r * 3 + 1] * Sc[3 + c] + J[r * 3 + 2] * Sc[6 + c]),
  );
  const mip = cloud.renderMode === 'mip';
  const dil = mip ? RASTER.MIP_DILATION : RASTER.COV2D_DILATION;
  const s00 = JS[0] * J[0] + JS[1] * J[1] + JS[2] * J[2] + dil;
  const s01 = JS[0] * J[3] + JS[1] * J[4] + JS[2] * J[5];
  const s11 = JS[3] * J[3] + JS[4] * J[4] + JS[5] * J[5] + dil;
  const det = s00 * s11 - s01 * s01;
  if (!(det > 0)) return null;
  const conic: [number, number, number] = [s11 / det, -s01 / det, s00 / det];
  // Mip mode: opacity × √det(I − d·Σ2⁻¹), the filter's energy factor (as opacity_compensation in WGSL).
  const rho2 = 1 - dil * (conic[0] + conic[2]) + dil * dil * (conic[0] * conic[2] - conic[1] * conic[1]);
  const opacity = sigmoid(cloud.opacityLogits[i]) * (mip ? Math.sqrt(Math.max(rho2, 0)) : 1);
  if (!(opacity >= RASTER.ALPHA_MIN)) return null;
  let cutoff = Math.log(opacity / RASTER.ALPHA_MIN);
  if (opts.extent === '3sigma') cutoff = Math.min(cutoff, RASTER.SIGMA3_CUTOFF);
  const u = (cam.fx * t[0]) / tz + cam.cx;
  const v = (cam.fy * t[1]) / tz + cam.cy;
  const box = pixelBox(u, v, conic, cutoff, cam.width, cam.height);
  const rect = tileRect(box);
  if (rect[0] >= rect[2]) return null;

  const degree = Math.min(opts.shDegree, cloud.shDegree);
  const stride = (cloud.shDegree + 1) ** 2;
  const dir = [mu[0] - cam.center[0], mu[1] - cam.center[1], mu[2] - cam.center[2]];
  const dn = Math.hypot(dir[0], dir[1], dir[2]);
  const Y = shBasis(dir[0] / dn, dir[1] / dn, dir[2] / dn, degree);
  const rgb: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let acc = 0;
    for (let k = 0; k < Y.length; k++) acc += Y[k] * cloud.sh[(i * stride + k) * 3 + c];
    rgb[c] = Math.max(acc + 0.5, 0);
  }
  return { id: i, u, v, depth: tz, conic, opacity, cutoff, rgb, rect, box };
}

/** Visible splats sorted front to back (ties by id, as a stable sort of ids in order would). */
export function projectReference(cloud: CloudLike, camera: Camera | CameraSetup, opts: RasterOptions) {
  const cam = 'R' in camera ? camera : cameraSetup(camera);
  const out: ProjectedSplat[] = [];
  for (let i = 0; i < cloud.count; i++) {
    const p = projectSplat(cloud, i, cam, opts);
    if (p) out.push(p);
  }
  out.sort((a, b) => Math.fround(a.depth) - Math.fround(b.depth) || a.id - b.id);
  return out;
}

export interface ReferenceImage {
  width: number;
  height: number;
  /** RGB per pixel, row-major, background composited. */
  rgb: Float64Array;
  /** 1 − final transmittance. */
  alpha: Float64Array;
  /** Expected depth of the visible surface: Σ wᵢzᵢ / Σ wᵢ (0 where nothing was drawn). */
  depth: Float64Array;
  /**
   * 1 where a threshold decision (σ vs cutoff, α vs ALPHA_MIN, T vs T_MIN) was within FP reach of its
   * boundary: there the image is discontinuous and f32 may rightly decide the other way.
   */
  ambiguous: Uint8Array;
}

/** Relative distance below which a threshold decision counts as ambiguous. */
const NEAR_BOUNDARY = 1e-5;
const nearBoundary = (x: number, edge: number): boolean =>
  Math.abs(x - edge) <= NEAR_BOUNDARY * Math.max(1, Math.abs(edge));

/** Front-to-back compositing of every pixel centre (x + 0.5, y + 0.5), same rules as the GPU. */
export function renderReference(cloud: CloudLike, camera: Camera, opts: RasterOptions): ReferenceImage {
  const cam = cameraSetup(camera);
  const splats = projectReference(cloud, cam, opts);
  const { width, height } = cam;
  const rgb = new Float64Array(width * height * 3);
  const alpha = new Float64Array(width * height);
  const depth = new Float64Array(width * height);
  const ambiguous = new Uint8Array(width * height);
  const bg = opts.background;
  // Per tile, only splats whose tile rectangle covers it (the σ test below decides the rest).
  const perTile: ProjectedSplat[][] = Array.from({ length: cam.tilesX * cam.tilesY }, () => []);
  for (const s of splats) {
    for (let ty = s.rect[1]; ty < s.rect[3]; ty++)
      for (let tx = s.rect[0]; tx < s.rect[2]; tx++) perTile[ty * cam.tilesX + tx].push(s);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const list = perTile[Math.floor(y / TILE_SIZE) * cam.tilesX + Math.floor(x / TILE_SIZE)];
      const px = x + 0.5;
      const py = y + 0.5;
      let T = 1;
      let r = 0;
      let g = 0;
      let b = 0;
      let d = 0;
      let w = 0;
      let unsure = false;
      for (const s of list) {
        // The box holds every pixel with σ ≤ binCutoff ≥ cutoff: skipping outside it changes nothing.
        if (x < s.box[0] || x > s.box[2] || y < s.box[1] || y > s.box[3]) continue;
        const sigma = sigmaAt(s.conic, s.u - px, s.v - py);
        const a = Math.min(RASTER.ALPHA_MAX, s.opacity * Math.exp(-sigma));
        const nextT = T * (1 - a);
        if (
          nearBoundary(sigma, s.cutoff) ||
          nearBoundary(a / RASTER.ALPHA_MIN, 1) ||
          nearBoundary(nextT / RASTER.T_MIN, 1)
        )
          unsure = true;
        if (sigma > s.cutoff || a < RASTER.ALPHA_MIN) continue;
        if (nextT < RASTER.T_MIN) break;
        const wt = a * T;
        r += wt * s.rgb[0];
        g += wt * s.rgb[1];
        b += wt * s.rgb[2];
        d += wt * s.depth;
        w += wt;
        T = nextT;
      }
      const p = y * width + x;
      rgb[3 * p] = r + T * bg[0];
      rgb[3 * p + 1] = g + T * bg[1];
      rgb[3 * p + 2] = b + T * bg[2];
      alpha[p] = 1 - T;
      depth[p] = w > 0 ? d / w : 0;
      ambiguous[p] = unsure ? 1 : 0;
    }
  }
  return { width, height, rgb, alpha, depth, ambiguous };
}

/** Per tile, the ids of the splats that overlap it, front to back, plus pairs too close to call. */
export interface ReferenceBins {
  tiles: number[][];
  /** Every (tile, id) pair in emission order: splats front to back, each one's tiles row by row. */
  sequence: [number, number][];
  /** `${tile}:${id}` pairs whose tile test is within FP reach of the threshold (either answer is right). */
  borderline: Set<string>;
  /** `${a}:${b}` (both orders) for splats adjacent in depth order whose depths tie within f32 rounding. */
  depthTies: Set<string>;
}

/** The binning the GPU must produce: exact tile/ellipse test over the bounding-box tiles. */
export function binReference(cloud: CloudLike, camera: Camera, opts: RasterOptions): ReferenceBins {
  const cam = cameraSetup(camera);
  const splats = projectReference(cloud, cam, opts);
  const tiles: number[][] = Array.from({ length: cam.tilesX * cam.tilesY }, () => []);
  const sequence: [number, number][] = [];
  const borderline = new Set<string>();
  const depthTies = new Set<string>();
  for (let k = 1; k < splats.length; k++) {
    const [a, b] = [splats[k - 1], splats[k]];
    if (Math.abs(a.depth - b.depth) <= 4e-7 * Math.abs(b.depth)) {
      depthTies.add(`${a.id}:${b.id}`);
      depthTies.add(`${b.id}:${a.id}`);
    }
  }
  for (const s of splats) {
    const limit = binCutoff(s.cutoff);
    // Rectangle with a little margin so that tiles the f32 bounding box may add are looked at too.
    for (let ty = Math.max(s.rect[1] - 1, 0); ty < Math.min(s.rect[3] + 1, cam.tilesY); ty++) {
      for (let tx = Math.max(s.rect[0] - 1, 0); tx < Math.min(s.rect[2] + 1, cam.tilesX); tx++) {
        const inRect = tx >= s.rect[0] && tx < s.rect[2] && ty >= s.rect[1] && ty < s.rect[3];
        const m = tileMinSigma(s, tx, ty, cam.width, cam.height);
        const tile = ty * cam.tilesX + tx;
        if (Math.abs(m - limit) <= 1e-3 * (1 + limit)) borderline.add(`${tile}:${s.id}`);
        if (inRect && m <= limit) {
          tiles[tile].push(s.id);
          sequence.push([tile, s.id]);
        }
      }
    }
  }
  return { tiles, sequence, borderline, depthTies };
}

/** Row-major 3×3 product. */
function mul3(A: readonly number[], B: readonly number[]): number[] {
  const out = new Array<number>(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out[r * 3 + c] = A[r * 3] * B[c] + A[r * 3 + 1] * B[3 + c] + A[r * 3 + 2] * B[6 + c];
  return out;
}

/** A·Bᵀ for row-major 3×3. */
function mulABt(A: readonly number[], B: readonly number[]): number[] {
  const out = new Array<number>(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out[r * 3 + c] = A[r * 3] * B[c * 3] + A[r * 3 + 1] * B[c * 3 + 1] + A[r * 3 + 2] * B[c * 3 + 2];
  return out;
}
