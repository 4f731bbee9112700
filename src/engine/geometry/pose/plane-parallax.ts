import { symmetricEigen } from './linalg';
import { ransac } from './ransac';
import { robustHomography } from './two-view';

/**
 * Rejection of dense correspondences that disagree with a plane-and-parallax epipolar geometry, for
 * pairs whose tracks are dominated by one plane (a table top, a floor, a wall).
 *
 * Tracks on a plane satisfy x_j ~ H·x_i and so constrain the fundamental matrix only up to the plane's
 * homography (F = [e_j]×·H for any epipole e_j): the cameras then hinge on the few off-plane tracks,
 * where a cluster of wrong tracks (T-junctions along an object's edges correlate well and come back on
 * the round trip, and being each other's neighbours they also pass the neighbour tests of
 * track-filter.ts) can pull the epipole by many degrees. Fitting H to the plane first, every off-plane
 * track x_j lies on the line through H·x_i and the epipole: the epipole is found robustly from those
 * lines (two-line samples, MSAC), where a cluster of wrong tracks is a minority that points elsewhere,
 * and tracks whose distance from their line through the epipole is large against the robust spread are
 * dropped, provided that together they shift the epipole significantly. Without a dominant plane the
 * general fundamental matrix is well conditioned and nothing is done.
 */

export interface ParallaxOptions {
  /** Transfer tolerance of a plane track, pixels (default 1). */
  planePx?: number;
  /** A plane is dominant when it holds at least this fraction of the tracks (default 0.5). */
  minPlaneFraction?: number;
  /** Off-plane tracks needed to locate the epipole (default 20). */
  minOffPlane?: number;
  /** MSAC tolerance of the epipole search, pixels (default 1). */
  epipolePx?: number;
  /** Rejection beyond this many robust standard deviations (default 3). */
  sigmas?: number;
  /**
   * Reject only when the least-squares epipole of all off-plane tracks lies this many standard errors
   * from the robust one (default 3: about the 99 % level of χ² with 2 degrees of freedom).
   */
  minShiftSigmas?: number;
  /** Never reject below this distance, pixels (default 0.5: well above the tracker's ~0.1 px noise). */
  floorPx?: number;
  seed?: number;
}

export interface ParallaxResult {
  /** Indices of the kept correspondences. */
  keep: number[];
  /** Whether a dominant plane was found (otherwise all are kept). */
  planar: boolean;
  /** Epipole in image j (homogeneous, unit), or null. */
  epipole: Float64Array | null;
  /** Shift of the epipole caused by the rejected tracks, in standard errors (0 when not planar). */
  shift: number;
}

const cross = (u: ArrayLike<number>, v: ArrayLike<number>) =>
  Float64Array.of(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]);

/** Indices of the correspondences (a in image i, b in image j, x, y interleaved) kept by the test above. */
export function parallaxConsistent(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: ParallaxOptions = {},
): ParallaxResult {
  const n = a.length / 2;
  const all = Array.from({ length: n }, (_, q) => q);
  const none: ParallaxResult = { keep: all, planar: false, epipole: null, shift: 0 };
  const planePx = options.planePx ?? 1;
  const minOff = options.minOffPlane ?? 20;
  if (n < 2 * minOff) return none;
  const seed = options.seed ?? 1;
  const h = robustHomography(a, b, { thresholdPx: planePx, seed });
  if (!h || h.inliers.length < (options.minPlaneFraction ?? 0.5) * n) return none;
  const H = h.model;
  // Homogeneous H·x_i and the line through it and x_j (the parallax line) of every track.
  const hx = new Float64Array(3 * n);
  const lines = new Float64Array(3 * n);
  const onPlane = new Uint8Array(n);
  for (const q of h.inliers) onPlane[q] = 1;
  const off: number[] = [];
  for (let q = 0; q < n; q++) {
    const x = a[2 * q];
    const y = a[2 * q + 1];
    const w = H[6] * x + H[7] * y + H[8];
    const p = Float64Array.of((H[0] * x + H[1] * y + H[2]) / w, (H[3] * x + H[4] * y + H[5]) / w, 1);
    hx.set(p, 3 * q);
    lines.set(cross(p, [b[2 * q], b[2 * q + 1], 1]), 3 * q);
    if (!onPlane[q]) off.push(q);
  }
  if (off.length < minOff) return none;
  // Distance of x_j from the line through H·x_i and the epipole e.
  const residual = (e: ArrayLike<number>, q: number): number => {
    const l = cross(e, hx.subarray(3 * q, 3 * q + 3));
    const nl = Math.hypot(l[0], l[1]);
    return nl > 0 ? (l[0] * b[2 * q] + l[1] * b[2 * q + 1] + l[2]) / nl : 0;
  };
  // Least-squares epipole of a set of tracks: min Σ (e·m_q)² / D_q² over |e| = 1, with D_q (which turns
  // e·m_q into the distance above) from the previous estimate.
  const fitEpipole = (idx: ArrayLike<number>, start: Float64Array | null): Float64Array | null => {
    let e = start;
    for (let iter = 0; iter < (start ? 3 : 1); iter++) {
      const m = new Float64Array(9);
      for (let k = 0; k < idx.length; k++) {
        const q = idx[k];
        const l = lines.subarray(3 * q, 3 * q + 3);
        let d2 = l[0] ** 2 + l[1] ** 2;
        if (e) {
          const el = cross(e, hx.subarray(3 * q, 3 * q + 3));
          d2 = el[0] ** 2 + el[1] ** 2;
        }
        if (!(d2 > 0)) continue;
        for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[3 * r + c] += (l[r] * l[c]) / d2;
      }
      const { vectors } = symmetricEigen(m, 3);
      e = Float64Array.of(vectors[0], vectors[3], vectors[6]);
    }
    return e;
  };
  const offIdx = Int32Array.from(off);
  const t = options.epipolePx ?? 1;
  const search = ransac<Float64Array>(
    {
      count: off.length,
      sampleSize: 2,
      minimal: (s) => {
        const e = cross(lines.subarray(3 * off[s[0]]), lines.subarray(3 * off[s[1]]));
        const ne = Math.hypot(e[0], e[1], e[2]);
        return ne > 0 ? [e.map((x) => x / ne)] : [];
      },
      refine: (inl, cur) => {
        const e = fitEpipole(
          Array.from(inl, (k) => offIdx[k]),
          cur,
        );
        return e ? [e] : [];
      },
      errors: (e, out) => {
        for (let k = 0; k < off.length; k++) out[k] = residual(e, off[k]) ** 2;
      },
    },
    { threshold: t, seed, minIterations: 100 },
  );
  if (!search) return none;
  const e = search.model;
  const r = all.map((q) => Math.abs(residual(e, q)));
  const offR = Float64Array.from(off, (q) => r[q]).sort();
  const sigma = 1.4826 * offR[offR.length >> 1];
  const limit = Math.max(options.floorPx ?? 0.5, (options.sigmas ?? 3) * sigma);
  const shift = epipoleShift(
    e,
    fitEpipole(off, e),
    off.filter((q) => r[q] <= limit),
    residual,
  );
  // The rejected tracks are dropped only when they move the epipole beyond its noise: a cluster that
  // pulls the cameras. Scattered tail errors that do not are left alone (removing them only reshuffles
  // noise).
  if (!(shift > (options.minShiftSigmas ?? 3))) return { keep: all, planar: true, epipole: e, shift };
  return { keep: all.filter((q) => r[q] <= limit), planar: true, epipole: e, shift };
}

/**
 * How far the epipole `other` lies from `e`, in standard errors of `e` as fitted to the tracks `inl`
 * (Gauss–Newton covariance on the tangent plane of the unit sphere at e, residual variance from the
 * same tracks): the Mahalanobis distance, √χ² with 2 degrees of freedom.
 */
function epipoleShift(
  e: Float64Array,
  other: Float64Array | null,
  inl: number[],
  residual: (e: ArrayLike<number>, q: number) => number,
): number {
  if (!other || inl.length < 3) return 0;
  const sign = Math.sign(other[0] * e[0] + other[1] * e[1] + other[2] * e[2]) || 1;
  const u = cross(e, Math.abs(e[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0]);
  const un = Math.hypot(u[0], u[1], u[2]);
  for (let c = 0; c < 3; c++) u[c] /= un;
  const v = cross(e, u);
  const step = 1e-6;
  const eu = e.map((x, c) => x + step * u[c]);
  const ev = e.map((x, c) => x + step * v[c]);
  let a11 = 0;
  let a12 = 0;
  let a22 = 0;
  let ss = 0;
  for (const q of inl) {
    const r0 = residual(e, q);
    const j1 = (residual(eu, q) - r0) / step;
    const j2 = (residual(ev, q) - r0) / step;
    ss += r0 * r0;
    a11 += j1 * j1;
    a12 += j1 * j2;
    a22 += j2 * j2;
  }
  const s2 = ss / (inl.length - 2);
  if (!(s2 > 0)) return 0;
  const d1 = sign * (other[0] * u[0] + other[1] * u[1] + other[2] * u[2]);
  const d2 = sign * (other[0] * v[0] + other[1] * v[1] + other[2] * v[2]);
  return Math.sqrt((a11 * d1 * d1 + 2 * a12 * d1 * d2 + a22 * d2 * d2) / s2);
}
