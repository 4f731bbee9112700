import { sampsonSq } from './epipolar';
import { ldltSolve } from './linalg';
import { grayImage, gridCorners, makeTracker, trackBoth } from './patch-track';
import { type ParallaxOptions, parallaxConsistent } from './plane-parallax';
import {
  type ConsistencyOptions,
  epipolarConsistent,
  type FlowOptions,
  flowConsistent,
} from './track-filter';
import type { PoseImage } from './types';

/**
 * Denser and more precise correspondences by patch tracking, for the pose stage. The feature matcher
 * gives a few hundred matches a pair with about 0.3 px of keypoint noise, which leaves the shared focal
 * poorly determined when the photos' optical axes nearly meet (the usual way people photograph a scene):
 * its uncertainty falls with the number and precision of the correspondences, and only they can pin it
 * down. Here every photo gets evenly spread corners (Shi–Tomasi, one a grid cell); each corner is
 * predicted in every other photo by a local affine fit to the verified matches around it, found by a
 * small ZNCC search, then refined by affine Lucas–Kanade with gain and bias to sub-pixel precision.
 * A corner is kept in a photo when the refined patch correlates well, tracking it back lands on the
 * corner again (occlusion edges and ambiguous texture fail this) and it agrees with the pair's
 * fundamental matrix. One corner followed into several photos forms one multi-view track. A second
 * pass predicts the corners that failed from everything tracked so far, which grows the tracked area
 * into regions the matcher left sparse (repetitive or weak texture). Last, per pair, correspondences
 * whose distance from their epipolar line departs from their neighbours', then those whose displacement
 * departs from their neighbours' local affine motion, are dropped (track-filter.ts): patches on
 * occlusion edges and T-junctions that still correlated well and came back. On pairs dominated by one
 * plane, a cluster of such tracks off the plane can still pass (they are each other's neighbours) and
 * steer the cameras: plane-parallax.ts drops it when it disagrees with the epipole of the other tracks.
 *
 * On the synthetic scenes (256×192) this gives ~1000 tracks a pair with ~0.1 px of error across the
 * epipolar lines, against ~150 matches with ~0.2 px (and a tail of 1–3 px) from the matcher.
 */

export interface DensifyPair {
  i: number;
  j: number;
  /** Pixel coordinates in image i and j (2 per match). */
  a: Float64Array;
  b: Float64Array;
  /** Indices of the verified matches (the affine predictor's support). */
  verified: ArrayLike<number>;
  /** Fundamental matrix (row-major) with x_jᵀ·F·x_i = 0 in pixels, or null (pair not densified). */
  fundamental: Float64Array | null;
}

export interface DensifyOptions {
  /** Epipolar (Sampson) tolerance of a tracked point, pixels. */
  thresholdPx: number;
  /** Grid cell of the corner selection, pixels (default: about 1400 cells an image, at least 6 px). */
  cellPx?: number;
  /** Patch radius (default 5: 11×11 patches). */
  radius?: number;
  /** Integer search range around the prediction, pixels (default 3). */
  searchPx?: number;
  /** Minimum ZNCC of the refined patch (default 0.9). */
  minNcc?: number;
  /** Tracking passes; each one predicts from everything tracked before it (default 2). */
  passes?: number;
  /** Forward–backward check: the point tracked back must land this close to the corner (default 0.3 px). */
  maxRoundTripPx?: number;
  /** Neighbour consistency across the epipolar lines (track-filter.ts); false: off (and `flow` too). */
  consistency?: ConsistencyOptions | false;
  /** Then neighbour consistency of the whole displacement (track-filter.ts); false: off. */
  flow?: FlowOptions | false;
  /** Then, on pairs dominated by one plane, plane-and-parallax consistency (plane-parallax.ts); false: off. */
  parallax?: ParallaxOptions | false;
}

/** New correspondences of one input pair; `track` links the same corner across pairs. */
export interface DenseMatches {
  a: Float64Array;
  b: Float64Array;
  track: Uint32Array;
}

/** Support points of one pair orientation bucketed on a grid, for k-nearest-neighbour queries. */
class SupportGrid {
  private readonly cols: number;
  private readonly rows: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;
  /** Squared distances of the last query, indexed by support point. */
  readonly d2: Float64Array;

  constructor(
    readonly src: Float64Array,
    readonly dst: Float64Array,
    width: number,
    height: number,
    private readonly cell = 16,
  ) {
    const n = src.length / 2;
    this.cols = Math.max(1, Math.ceil(width / cell));
    this.rows = Math.max(1, Math.ceil(height / cell));
    const cellOf = (q: number) =>
      Math.min(this.rows - 1, Math.max(0, Math.floor(src[2 * q + 1] / cell))) * this.cols +
      Math.min(this.cols - 1, Math.max(0, Math.floor(src[2 * q] / cell)));
    this.start = new Int32Array(this.cols * this.rows + 1);
    for (let q = 0; q < n; q++) this.start[cellOf(q) + 1]++;
    for (let c = 0; c < this.cols * this.rows; c++) this.start[c + 1] += this.start[c];
    const fill = this.start.slice(0, -1);
    this.items = new Int32Array(n);
    for (let q = 0; q < n; q++) this.items[fill[cellOf(q)]++] = q;
    this.d2 = new Float64Array(n);
  }

  /** Indices of the k support points nearest to p (fewer if there are fewer). */
  nearest(p: [number, number], k: number): Int32Array {
    const cx = Math.min(this.cols - 1, Math.max(0, Math.floor(p[0] / this.cell)));
    const cy = Math.min(this.rows - 1, Math.max(0, Math.floor(p[1] / this.cell)));
    const found: number[] = [];
    const maxRing = Math.max(this.cols, this.rows);
    for (let r = 0; r <= maxRing; r++) {
      for (let y = cy - r; y <= cy + r; y++) {
        if (y < 0 || y >= this.rows) continue;
        for (let x = cx - r; x <= cx + r; x++) {
          if (x < 0 || x >= this.cols || (Math.abs(x - cx) < r && Math.abs(y - cy) < r)) continue;
          const c = y * this.cols + x;
          for (let i = this.start[c]; i < this.start[c + 1]; i++) {
            const q = this.items[i];
            this.d2[q] = (this.src[2 * q] - p[0]) ** 2 + (this.src[2 * q + 1] - p[1]) ** 2;
            found.push(q);
          }
        }
      }
      // Points beyond ring r are at least r cells away.
      if (found.length >= k) {
        found.sort((u, v) => this.d2[u] - this.d2[v]);
        if (this.d2[found[k - 1]] <= (r * this.cell) ** 2) break;
      }
    }
    found.sort((u, v) => this.d2[u] - this.d2[v]);
    return Int32Array.from(found.slice(0, k));
  }
}

/**
 * Local affine prediction x_t ≈ M·(x − p) + c around p from the k nearest support matches (s → t).
 * Neighbours whose displacement strays from their median (mismatches that passed the epipolar test,
 * other surfaces) are left out; with too few left, or a distorted fit, it falls back to the median
 * displacement.
 */
function predict(
  p: [number, number],
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  near: Int32Array,
  d2: Float64Array,
): { m: [number, number, number, number]; c: [number, number] } | null {
  if (near.length < 3) return null;
  const mid = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1];
  const mx = mid(Array.from(near, (q) => dst[2 * q] - src[2 * q]));
  const my = mid(Array.from(near, (q) => dst[2 * q + 1] - src[2 * q + 1]));
  const fallback = {
    m: [1, 0, 0, 1] as [number, number, number, number],
    c: [p[0] + mx, p[1] + my] as [number, number],
  };
  let sigma2 = 1;
  for (const q of near) sigma2 = Math.max(sigma2, d2[q]);
  // Weighted least squares in centred coordinates over the consistent neighbours: two 3×3 systems
  // sharing one matrix.
  const A = new Float64Array(9);
  const bx = new Float64Array(3);
  const by = new Float64Array(3);
  const r = [0, 0, 1];
  let used = 0;
  for (const q of near) {
    const dx = dst[2 * q] - src[2 * q] - mx;
    const dy = dst[2 * q + 1] - src[2 * q + 1] - my;
    // Parallax grows with the distance from p; allow for it.
    if (dx * dx + dy * dy > 4 + 0.04 * d2[q]) continue;
    used++;
    const wgt = Math.exp(-d2[q] / sigma2);
    r[0] = src[2 * q] - p[0];
    r[1] = src[2 * q + 1] - p[1];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) A[3 * i + j] += wgt * r[i] * r[j];
      bx[i] += wgt * r[i] * dst[2 * q];
      by[i] += wgt * r[i] * dst[2 * q + 1];
    }
  }
  if (used < 4) return fallback;
  const sx = ldltSolve(A, 3, bx);
  const sy = ldltSolve(A, 3, by);
  if (!sx || !sy) return fallback;
  const m: [number, number, number, number] = [sx[0], sx[1], sy[0], sy[1]];
  const det = m[0] * m[3] - m[1] * m[2];
  const fro = m[0] ** 2 + m[1] ** 2 + m[2] ** 2 + m[3] ** 2;
  // A local map between two photos of the same surface is a mild distortion; otherwise the fit is
  // unreliable (collinear neighbours).
  if (!(det > 0.25 && det < 4 && fro < 8)) return fallback;
  return { m, c: [sx[2], sy[2]] };
}

/**
 * Tracks corners of every photo into the photos it shares a densified pair with. Corners of later
 * photos near points already tracked into them are skipped, so one surface point gives one track.
 * Returns, per input pair, the new correspondences (empty for pairs without a fundamental matrix).
 */
export function densifyMatches(
  images: PoseImage[],
  pairs: DensifyPair[],
  options: DensifyOptions,
): DenseMatches[] {
  const nv = images.length;
  const radius = options.radius ?? 5;
  const tr = makeTracker(radius, options.searchPx ?? 3, options.minNcc ?? 0.9);
  const gray = images.map(grayImage);
  const cellOf = (v: number) =>
    options.cellPx ?? Math.max(6, Math.round(Math.sqrt((images[v].width * images[v].height) / 1400)));

  // Oriented links s → t with their support (verified matches) and F.
  const links = new Map<string, { pair: number; forward: boolean }>();
  pairs.forEach((p, q) => {
    if (!p.fundamental || p.verified.length < 8) return;
    links.set(`${p.i},${p.j}`, { pair: q, forward: true });
    links.set(`${p.j},${p.i}`, { pair: q, forward: false });
  });

  // Occupancy per photo (one flag a cell) of points already tracked into it.
  const occupied = images.map((im, v) => {
    const cell = cellOf(v);
    return {
      cell,
      cols: Math.ceil(im.width / cell),
      flags: new Uint8Array(Math.ceil(im.width / cell) * Math.ceil(im.height / cell)),
    };
  });
  const mark = (v: number, x: number, y: number) => {
    const o = occupied[v];
    o.flags[Math.floor(y / o.cell) * o.cols + Math.floor(x / o.cell)] = 1;
  };
  const isMarked = (v: number, x: number, y: number) => {
    const o = occupied[v];
    return o.flags[Math.floor(y / o.cell) * o.cols + Math.floor(x / o.cell)] === 1;
  };

  const out: { a: number[]; b: number[]; track: number[] }[] = pairs.map(() => ({ a: [], b: [], track: [] }));
  // Support of the affine predictor per pair: the verified matches, then also the points tracked so far.
  const support = pairs.map((p) => {
    const a: number[] = [];
    const b: number[] = [];
    for (let q = 0; q < p.verified.length; q++) {
      const k = p.verified[q];
      a.push(p.a[2 * k], p.a[2 * k + 1]);
      b.push(p.b[2 * k], p.b[2 * k + 1]);
    }
    return { a, b };
  });
  const corners = images.map((_, v) => gridCorners(gray[v], cellOf(v), radius));
  // Pass-1 predictions per (corner, target): pass 2 retries only where the prediction moved.
  const tried = new Map<number, [number, number]>();
  let nextTrack = 0;
  const fb = options.maxRoundTripPx ?? 0.3;
  // The second pass retries the corners that failed, predicted from the denser support: it grows the
  // tracked area into regions the matcher left sparse (repetitive or weak texture).
  for (let pass = 0; pass < (options.passes ?? 2); pass++) {
    const grids = support.map((sp, q) => {
      const a = Float64Array.from(sp.a);
      const b = Float64Array.from(sp.b);
      const [ii, jj] = [images[pairs[q].i], images[pairs[q].j]];
      return {
        forward: new SupportGrid(a, b, ii.width, ii.height),
        backward: new SupportGrid(b, a, jj.width, jj.height),
      };
    });
    for (let s = 0; s < nv; s++) {
      const targets: { t: number; pair: number; forward: boolean }[] = [];
      for (let t = 0; t < nv; t++) {
        const l = links.get(`${s},${t}`);
        if (l) targets.push({ t, ...l });
      }
      if (targets.length === 0) continue;
      const cs = corners[s];
      for (let k = 0; k < cs.length / 2; k++) {
        const p: [number, number] = [cs[2 * k], cs[2 * k + 1]];
        if (isMarked(s, p[0], p[1])) continue;
        const found: { t: number; pair: number; forward: boolean; q: [number, number] }[] = [];
        for (const tg of targets) {
          const pd = pairs[tg.pair];
          const grid = tg.forward ? grids[tg.pair].forward : grids[tg.pair].backward;
          const pred = predict(p, grid.src, grid.dst, grid.nearest(p, 16), grid.d2);
          if (!pred) continue;
          const key = (k * nv + s) * nv + tg.t;
          const before = tried.get(key);
          if (before && Math.hypot(before[0] - pred.c[0], before[1] - pred.c[1]) < 0.5) continue;
          tried.set(key, pred.c);
          const q = trackBoth(tr, gray[s], gray[tg.t], p, pred.m, pred.c, fb);
          if (!q) continue;
          const [xi, xj] = tg.forward ? [p, q] : [q, p];
          if (sampsonSq(pd.fundamental!, xi[0], xi[1], xj[0], xj[1]) > options.thresholdPx ** 2) continue;
          found.push({ ...tg, q });
        }
        if (found.length === 0) continue;
        const id = nextTrack++;
        mark(s, p[0], p[1]);
        const add = (pair: number, xi: [number, number], xj: [number, number]) => {
          const o = out[pair];
          o.a.push(xi[0], xi[1]);
          o.b.push(xj[0], xj[1]);
          o.track.push(id);
          support[pair].a.push(xi[0], xi[1]);
          support[pair].b.push(xj[0], xj[1]);
        };
        for (const f of found) {
          mark(f.t, f.q[0], f.q[1]);
          const [xi, xj] = f.forward ? [p, f.q] : [f.q, p];
          add(f.pair, xi, xj);
        }
        // Targets reached from the same corner are matched to each other too (through the corner).
        for (let x = 0; x < found.length; x++) {
          for (let y = x + 1; y < found.length; y++) {
            const l = links.get(`${found[x].t},${found[y].t}`);
            if (!l) continue;
            const [xi, xj] = l.forward ? [found[x].q, found[y].q] : [found[y].q, found[x].q];
            const f = pairs[l.pair].fundamental!;
            if (sampsonSq(f, xi[0], xi[1], xj[0], xj[1]) > options.thresholdPx ** 2) continue;
            add(l.pair, xi, xj);
          }
        }
      }
    }
  }
  return out.map((o, q) => {
    const f = pairs[q].fundamental;
    if (!f || options.consistency === false || o.track.length === 0)
      return { a: Float64Array.from(o.a), b: Float64Array.from(o.b), track: Uint32Array.from(o.track) };
    let keep = epipolarConsistent(o.a, o.b, f, options.consistency);
    // Each further filter sees only the survivors; its indices map back through `keep`.
    const narrow = (filter: (a: Float64Array, b: Float64Array) => number[]) => {
      const before = keep;
      keep = filter(pick(o.a, before), pick(o.b, before)).map((k) => before[k]);
    };
    if (options.flow !== false) narrow((a, b) => flowConsistent(a, b, options.flow || undefined));
    if (options.parallax !== false)
      narrow((a, b) => parallaxConsistent(a, b, options.parallax || undefined).keep);
    return { a: pick(o.a, keep), b: pick(o.b, keep), track: Uint32Array.from(keep, (k) => o.track[k]) };
  });
}

/** The points `keep` of an x, y interleaved list. */
function pick(xy: ArrayLike<number>, keep: number[]): Float64Array {
  const out = new Float64Array(2 * keep.length);
  keep.forEach((k, n) => {
    out[2 * n] = xy[2 * k];
    out[2 * n + 1] = xy[2 * k + 1];
  });
  return out;
}
