import type { Camera } from '../camera';
import { fromRotationTranslation, invertRigid } from '../mat4';
import { type RotationCheck, rotationOnlyCheck } from './baseline';
import { type DenseMatches, densifyMatches } from './densify';
import { sampsonSq } from './epipolar';
import { essentialFromPose } from './essential';
import { estimateFocal, type FocalSetup } from './focal';
import { mul3, mulVec3, transpose3 } from './linalg';
import {
  medianRayAngle,
  type PairData,
  type RelativeGeometry,
  refineTwoView,
  relativePose,
  type TwoViewRefined,
  verifyPair,
} from './pair';
import { fundamentalFromEssential, type PinholeK } from './pinhole';
import { type Reconstruction, reconstruct, type ViewSetup } from './reconstruct';
import { buildTracks, type TrackInput, type Tracks } from './tracks';
import type { Pose } from './triangulate';
import {
  type PairReport,
  PoseError,
  type PoseInput,
  type PoseOptions,
  type PoseResult,
  photo,
} from './types';

/**
 * Cameras from photo correspondences (the pose-free geometry stage):
 * 1. verify every pair with a fundamental-matrix RANSAC; pairs with too few verified matches are dropped,
 *    then, when the photos are given, densify the pairs by patch tracking (densify.ts): the dense
 *    tracks replace the matcher's matches in everything below (see withDense),
 * 2. estimate the shared focal of photos without EXIF from the best pairs (sweep + two-view adjustment),
 * 3. relative pose (five-point RANSAC) of the best-verified pairs,
 * 4. start from the pair with the most inliers and a real baseline, refine it (two-view adjustment),
 * 5. link inliers into tracks, register the other photos by PnP, and bundle-adjust everything jointly,
 * 6. express the result in photo 0's camera frame with the median depth of its points = 1.
 * Throws PoseError with a message for the user when the photos cannot be posed.
 */
export function estimateCameras(input: PoseInput, options: PoseOptions = {}): PoseResult {
  return estimateCamerasWithRefit(input, options).result;
}

/** The same tracks adjusted again with the shared focal held fixed (world and scale as in PoseResult). */
export interface FocalRefit {
  cameras: Camera[];
  points: Float32Array;
}

/**
 * estimateCameras, and `atFocal(factor)`: the cameras and points re-adjusted from the same tracks with the
 * shared unknown focal held at `factor` times the estimate (null when the photos do not register there).
 * A second cue for the focal (right-angle-focal.ts) compares reconstructions at neighbouring focals.
 */
export function estimateCamerasWithRefit(
  input: PoseInput,
  options: PoseOptions = {},
): { result: PoseResult; atFocal: (factor: number) => FocalRefit | null } {
  const o = {
    thresholdPx: options.thresholdPx ?? 2,
    seed: options.seed ?? 1,
    minVerified: options.minVerifiedMatches ?? 30,
    minRatio: options.minInlierRatio ?? 0.15,
    refineFocalPriors: options.refineFocalPriors ?? false,
    minAngle: options.minTriangulationAngleDeg ?? 1,
    loss: options.loss ?? ('huber' as const),
    densify: options.densify ?? true,
  };
  const nv = validate(input);
  const po = { thresholdPx: o.thresholdPx, seed: o.seed, loss: o.loss };

  // 1. Verification.
  const pairs = input.matches.map((m, index) => verifyPair(m, index, po));
  const isGood = (p: PairData) =>
    p.verified.length >= o.minVerified && p.verified.length >= o.minRatio * p.matches;
  if (!pairs.some(isGood)) {
    const best = [...pairs].sort((x, y) => y.verified.length - x.verified.length)[0];
    throw tooFew(best);
  }

  const size = input.sizes.map((s) => Math.max(s.width, s.height));
  const centre = input.sizes.map((s) => [s.width / 2, s.height / 2] as [number, number]);
  const unknown = input.focalPriors.map((f) => f === null || !(f > 0));
  const shared = unknown.map((u) => u || o.refineFocalPriors);
  const setupOf = (p: PairData): FocalSetup => ({
    priorA: unknown[p.i] ? null : input.focalPriors[p.i],
    priorB: unknown[p.j] ? null : input.focalPriors[p.j],
    sizeA: size[p.i],
    sizeB: size[p.j],
    cA: centre[p.i],
    cB: centre[p.j],
  });
  // Decided on the matcher's correspondences: densification adds nothing to a same-viewpoint test.
  const checks = new Map<number, RotationCheck>();
  const rotationOnly = (p: PairData): boolean => {
    if (!checks.has(p.index)) checks.set(p.index, rotationOnlyCheck(pairs[p.index], setupOf(p), po));
    return checks.get(p.index)!.rotationOnly;
  };

  // 1b. Densification by patch tracking (when the photos are given), on pairs with a real baseline.
  // Dense matches are appended after the input's; `denseTracks` holds their track ids per pair. A pair
  // the matcher left just short of the verified minimum joins when its photos really overlap: it then
  // gives many tracks that correlate, survive the round trip and fit its epipolar geometry.
  const denseTracks = new Map<number, Uint32Array>();
  const promoted = new Set<number>();
  let work = pairs;
  if (input.images && o.densify) {
    const extra = densifyMatches(
      input.images,
      pairs.map((p) => ({
        i: p.i,
        j: p.j,
        a: p.a,
        b: p.b,
        verified: p.verified,
        fundamental: p.fundamental && !rotationOnly(p) ? p.fundamental : null,
      })),
      { thresholdPx: o.thresholdPx },
    );
    work = pairs.map((p, q) => withDense(p, extra[q], o.minVerified));
    extra.forEach((e, q) => {
      if (e.track.length > 0) denseTracks.set(q, e.track);
      if (!isGood(pairs[q]) && e.track.length >= PROMOTE * o.minVerified) promoted.add(q);
    });
  }
  const used = (p: PairData) => isGood(pairs[p.index]) || promoted.has(p.index);
  const good = work.filter(used);
  checkConnected(nv, pairs, good);

  // 2. Focal.
  const byVerified = [...good].sort((x, y) => y.verified.length - x.verified.length);
  let factor = 1;
  const focalEstimated = unknown.some((u) => u);
  // Two-view refinements done for the focal, reused if the same pair starts the reconstruction.
  const refinedPairs = new Map<number, TwoViewRefined>();
  if (focalEstimated) {
    // The best-connected pair gives the initial focal; the joint adjustment of all photos refines it.
    const estimates: { factor: number; weight: number }[] = [];
    for (const p of byVerified) {
      if (estimates.length >= FOCAL_PAIRS) break;
      if (!unknown[p.i] && !unknown[p.j]) continue;
      if (rotationOnly(p)) continue;
      const e = estimateFocal(p, setupOf(p), po);
      if (!e) continue;
      estimates.push({ factor: e.factor, weight: p.verified.length });
      refinedPairs.set(p.index, e.refined);
    }
    if (estimates.length === 0) throw noBaseline(byVerified[0]);
    factor = weightedMedian(estimates);
  }
  const kOf = (v: number): PinholeK => ({
    f: unknown[v] ? factor * size[v] : input.focalPriors[v]!,
    cx: centre[v][0],
    cy: centre[v][1],
  });

  // 3–4. Relative pose (five-point RANSAC) of the best-verified pairs, then the initial pair: most
  // inliers, weighted down when the triangulation angle is small, with a real baseline. Pairs beyond
  // the first few are only needed for tracks, where their verified matches suffice.
  const relative = new Map<number, RelativeGeometry>();
  const poseOf = (p: PairData) => {
    if (relative.has(p.index)) return;
    const done = refinedPairs.get(p.index);
    const r = done
      ? {
          pose: done.pose,
          inliers: done.inliers,
          medianAngleDeg: medianRayAngle(done.pose, p.a, p.b, done.ka, done.kb, done.inliers),
          score: done.score,
        }
      : relativePose(p, kOf(p.i), kOf(p.j), po, false);
    if (r) relative.set(p.index, r);
  };
  const score = (p: PairData) => {
    const r = relative.get(p.index);
    return r ? r.inliers.length * Math.min(1, r.medianAngleDeg / 5) : -1;
  };
  let init: { pair: PairData; pose: Pose } | null = null;
  const tried = new Set<number>();
  for (const batch of [byVerified.slice(0, Math.max(6, 2 * nv)), byVerified]) {
    for (const p of batch) poseOf(p);
    const ranked = batch
      .filter((p) => relative.has(p.index) && !tried.has(p.index))
      .sort((x, y) => score(y) - score(x));
    for (const p of ranked) {
      tried.add(p.index);
      const r = relative.get(p.index)!;
      if (r.medianAngleDeg < o.minAngle || rotationOnly(p)) continue;
      const free: [boolean, boolean] = [shared[p.i], shared[p.j]];
      let refined = refinedPairs.get(p.index) ?? null;
      if (!refined) {
        // The starting pair gets the thorough RANSAC before its two-view adjustment.
        const start = relativePose(p, kOf(p.i), kOf(p.j), po, true) ?? r;
        refined = refineTwoView(p, start.pose, kOf(p.i), kOf(p.j), free, po);
      }
      if (!refined) continue;
      if (medianRayAngle(refined.pose, p.a, p.b, refined.ka, refined.kb, refined.inliers) < o.minAngle)
        continue;
      if (focalEstimated) {
        factor = unknown[p.i] ? refined.ka.f / size[p.i] : unknown[p.j] ? refined.kb.f / size[p.j] : factor;
      }
      init = { pair: p, pose: refined.pose };
      break;
    }
    if (init) break;
  }
  if (!init) throw noBaseline(byVerified[0]);

  // 5. Tracks and incremental reconstruction. Dense track ids start after the matcher's keypoint ids.
  let firstDenseId = 0;
  for (const m of input.matches) {
    for (const ids of [m.ia, m.ib])
      if (ids) for (const id of ids) firstDenseId = Math.max(firstDenseId, id + 1);
  }
  const tracks = buildTracks(
    good.flatMap((p) => {
      const m = input.matches[p.index];
      const n0 = pairs[p.index].matches;
      const use = Array.from(relative.get(p.index)?.inliers ?? p.verified);
      const links: TrackInput[] = [
        { i: p.i, j: p.j, a: p.a, b: p.b, ia: m.ia, ib: m.ib, use: use.filter((k) => k < n0) },
      ];
      const tracked = denseTracks.get(p.index);
      // Dense points carry their own track ids (one corner followed into several photos).
      const ids = tracked?.map((t) => t + firstDenseId);
      if (ids)
        links.push({
          i: p.i,
          j: p.j,
          a: p.a.subarray(2 * n0),
          b: p.b.subarray(2 * n0),
          ia: ids,
          ib: ids,
          use: use.filter((k) => k >= n0).map((k) => k - n0),
        });
      return links;
    }),
  );
  const views: ViewSetup[] = Array.from({ length: nv }, (_, v) => ({ k: kOf(v), shared: shared[v] }));
  // A const for the closures (init is reassigned above).
  const start = init;
  const reconstructWith = (setup: ViewSetup[], refineFocal: boolean) =>
    reconstruct(
      tracks,
      setup,
      { i: start.pair.i, j: start.pair.j, pose: start.pose },
      {
        thresholdPx: o.thresholdPx,
        seed: o.seed,
        loss: o.loss,
        refineFocal,
        minTriangulationAngleDeg: o.minAngle,
      },
    );
  const rec = reconstructWith(
    views,
    shared.some((s) => s),
  );

  // 6. World = photo 0, median depth of photo 0's points = 1.
  const { cameras, poses, points, observations } = normalised(rec, tracks, input.sizes);
  const reports: PairReport[] = pairs.map((p) => ({
    ...pairReport(p, poses, rec.k, o.thresholdPx, used(p)),
    dense: denseTracks.get(p.index)?.length ?? 0,
  }));
  const unknownView = unknown.findIndex((u) => u);
  const atFocal = (factor: number): FocalRefit | null => {
    const held = views.map((v, i) => ({
      k: v.shared ? { ...rec.k[i], f: rec.k[i].f * factor } : { ...rec.k[i] },
      shared: false,
    }));
    try {
      const again = reconstructWith(held, false);
      if (again.poses.some((p) => !p)) return null;
      const n = normalised(again, tracks, input.sizes);
      return { cameras: n.cameras, points: n.points };
    } catch (err) {
      if (err instanceof PoseError) return null;
      throw err;
    }
  };
  const result: PoseResult = {
    cameras,
    points,
    observations,
    pairs: reports,
    focalEstimated,
    focalFactor: unknownView >= 0 ? rec.k[unknownView].f / size[unknownView] : null,
    focalRelStd: rec.focalStd,
    rmsPx: rec.rmsPx,
    registrationOrder: rec.order,
  };
  return { result, atFocal };
}

/**
 * A reconstruction in photo 0's camera frame, scaled so that the median depth of photo 0's points is 1:
 * cameras, poses (world to camera), points and their active observations.
 */
function normalised(rec: Reconstruction, tracks: Tracks, sizes: PoseInput['sizes']) {
  const p0 = rec.poses[0]!;
  const toWorld0 = (x: ArrayLike<number>) => {
    const y = mulVec3(p0.R, x);
    return [y[0] + p0.t[0], y[1] + p0.t[1], y[2] + p0.t[2]];
  };
  const depths: number[] = [];
  for (let t = 0; t < tracks.count; t++) {
    if (!rec.hasPoint[t]) continue;
    for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++) {
      if (tracks.view[m] === 0 && rec.active[m])
        depths.push(toWorld0(rec.points.subarray(3 * t, 3 * t + 3))[2]);
    }
  }
  depths.sort((x, y) => x - y);
  const scale = depths.length ? depths[depths.length >> 1] : 1;
  const poses: Pose[] = rec.poses.map((p) => {
    const R = mul3(p!.R, transpose3(p0.R));
    const rt = mulVec3(R, p0.t);
    return {
      R,
      t: Float64Array.of((p!.t[0] - rt[0]) / scale, (p!.t[1] - rt[1]) / scale, (p!.t[2] - rt[2]) / scale),
    };
  });
  const cameras: Camera[] = poses.map((p, v) => ({
    intrinsics: {
      fx: rec.k[v].f,
      fy: rec.k[v].f,
      cx: rec.k[v].cx,
      cy: rec.k[v].cy,
      width: sizes[v].width,
      height: sizes[v].height,
    },
    worldFromCamera: invertRigid(fromRotationTranslation(p.R, p.t)),
  }));
  const pts: number[] = [];
  const start = [0];
  const obsView: number[] = [];
  const obsXY: number[] = [];
  for (let t = 0; t < tracks.count; t++) {
    if (!rec.hasPoint[t]) continue;
    const x = toWorld0(rec.points.subarray(3 * t, 3 * t + 3));
    pts.push(x[0] / scale, x[1] / scale, x[2] / scale);
    for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++) {
      if (!rec.active[m]) continue;
      obsView.push(tracks.view[m]);
      obsXY.push(tracks.xy[2 * m], tracks.xy[2 * m + 1]);
    }
    start.push(obsView.length);
  }
  return {
    cameras,
    poses,
    points: Float32Array.from(pts),
    observations: {
      start: Uint32Array.from(start),
      view: Uint16Array.from(obsView),
      xy: Float32Array.from(obsXY),
    },
  };
}

/** Pairs used for the initial focal when EXIF is missing. */
const FOCAL_PAIRS = 1;
/** A pair below the verified minimum is used when densification gives this many times the minimum. */
const PROMOTE = 3;

/**
 * A pair with dense correspondences appended to its matches (all consistent with its F). With enough
 * of them they alone are the pair's verified set: the matcher's keypoints are several times less
 * precise (DoG centres shift with the viewpoint; errors up to a few pixels pass the epipolar test), and
 * mixed in they bias the focal. The matcher's matches remain the predictor's support and the
 * verification.
 */
function withDense(p: PairData, d: DenseMatches, minVerified: number): PairData {
  const n1 = d.track.length;
  if (n1 === 0) return p;
  const a = new Float64Array(2 * (p.matches + n1));
  const b = new Float64Array(2 * (p.matches + n1));
  a.set(p.a);
  a.set(d.a, 2 * p.matches);
  b.set(p.b);
  b.set(d.b, 2 * p.matches);
  const keep = n1 >= minVerified ? 0 : p.verified.length;
  const verified = new Int32Array(keep + n1);
  verified.set(p.verified.subarray(0, keep));
  for (let k = 0; k < n1; k++) verified[keep + k] = p.matches + k;
  return { ...p, a, b, matches: p.matches + n1, verified };
}

function validate(input: PoseInput): number {
  const nv = input.sizes.length;
  const bad = (why: string) => new PoseError('invalid-input', why);
  if (nv < 2) throw bad('at least two photos are needed');
  if (input.focalPriors.length !== nv) throw bad('one focal prior (or null) is needed per photo');
  if (input.images) {
    if (input.images.length !== nv) throw bad('one image is needed per photo');
    input.images.forEach((im, v) => {
      const { width, height } = input.sizes[v];
      if (im.width !== width || im.height !== height || im.data.length !== 4 * width * height)
        throw bad(`image ${v + 1} is not a ${width}×${height} RGBA image`);
    });
  }
  for (const m of input.matches) {
    if (!(m.i >= 0 && m.i < nv && m.j >= 0 && m.j < nv) || m.i === m.j)
      throw bad(`invalid photo pair (${m.i}, ${m.j})`);
    if (m.a.length !== m.b.length || m.a.length % 2 !== 0)
      throw bad(`mismatched match arrays for photos ${m.i + 1} and ${m.j + 1}`);
    const n = m.a.length / 2;
    if ((m.ia && m.ia.length !== n) || (m.ib && m.ib.length !== n))
      throw bad('keypoint ids must have one entry per match');
  }
  if (input.matches.length === 0)
    throw new PoseError('too-few-matches', 'no matches between the photos were given', []);
  return nv;
}

function tooFew(p: PairData): PoseError {
  return new PoseError(
    'too-few-matches',
    `only ${p.verified.length} verified matches between ${photo(p.i)} and ${photo(p.j)}; they may not show the same scene`,
    [p.i, p.j],
  );
}

function noBaseline(p: PairData): PoseError {
  return new PoseError(
    'no-baseline',
    `${photo(p.i)} and ${photo(p.j)} were taken from (almost) the same position: the parallax between them is too ` +
      'small to measure depth. Move sideways between shots instead of only turning the camera.',
    [p.i, p.j],
  );
}

/** Every photo must be linked to the rest through verified pairs. */
function checkConnected(nv: number, pairs: PairData[], good: PairData[]): void {
  const parent = Array.from({ length: nv }, (_, v) => v);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (const p of good) parent[find(p.i)] = find(p.j);
  const sizes = new Map<number, number>();
  for (let v = 0; v < nv; v++) sizes.set(find(v), (sizes.get(find(v)) ?? 0) + 1);
  const main = [...sizes.entries()].sort((x, y) => y[1] - x[1])[0][0];
  const outside = Array.from({ length: nv }, (_, v) => v).filter((v) => find(v) !== main);
  if (outside.length === 0) return;
  const v = outside[0];
  const candidates = pairs.filter(
    (p) => (p.i === v && find(p.j) === main) || (p.j === v && find(p.i) === main),
  );
  const best = candidates.sort((x, y) => y.verified.length - x.verified.length)[0];
  const detail = best
    ? `its best link (with ${photo(best.i === v ? best.j : best.i)}) has only ${best.verified.length} verified matches`
    : 'no matches with the other photos were given';
  throw new PoseError(
    'disconnected-view',
    `${photo(v)} could not be connected to the other photos: ${detail}. It may not show the same scene.`,
    outside,
  );
}

function weightedMedian(xs: { factor: number; weight: number }[]): number {
  const s = [...xs].sort((a, b) => a.factor - b.factor);
  const total = s.reduce((acc, x) => acc + x.weight, 0);
  let acc = 0;
  for (const x of s) {
    acc += x.weight;
    if (acc >= total / 2) return x.factor;
  }
  return s[s.length - 1].factor;
}

function pairReport(
  p: PairData,
  poses: Pose[],
  k: PinholeK[],
  thresholdPx: number,
  used: boolean,
): Omit<PairReport, 'dense'> {
  const R = mul3(poses[p.j].R, transpose3(poses[p.i].R));
  const rt = mulVec3(R, poses[p.i].t);
  const t = [poses[p.j].t[0] - rt[0], poses[p.j].t[1] - rt[1], poses[p.j].t[2] - rt[2]];
  const f = fundamentalFromEssential(essentialFromPose(R, t), k[p.i], k[p.j]);
  const t2 = thresholdPx ** 2;
  const inl: number[] = [];
  for (let m = 0; m < p.matches; m++) {
    if (sampsonSq(f, p.a[2 * m], p.a[2 * m + 1], p.b[2 * m], p.b[2 * m + 1]) < t2) inl.push(m);
  }
  const inliers = Uint32Array.from(inl);
  return {
    i: p.i,
    j: p.j,
    matches: p.matches,
    verified: p.verified.length,
    inliers,
    medianAngleDeg: inl.length
      ? medianRayAngle({ R, t: Float64Array.from(t) }, p.a, p.b, k[p.i], k[p.j], Int32Array.from(inl))
      : 0,
    used,
  };
}
