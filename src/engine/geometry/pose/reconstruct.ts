import { type BundleView, bundleAdjust } from './bundle';
import type { PinholeK } from './pinhole';
import { robustPnP } from './pnp';
import type { Tracks } from './tracks';
import { centreOf, type Pose, toCamera, triangulateDLT, triangulationAngleDeg } from './triangulate';
import { PoseError, photo } from './types';

/**
 * Incremental multi-view reconstruction from tracks: start from a refined two-view pair, register the
 * other views one by one by robust PnP against the triangulated tracks (most 2D–3D correspondences
 * first), triangulate new tracks, and run a joint bundle adjustment (all cameras, the shared focal
 * when unknown, and the points) after each step, removing observations that do not fit.
 */

export interface ViewSetup {
  k: PinholeK;
  /** Member of the shared unknown focal. */
  shared: boolean;
}

export interface ReconstructOptions {
  thresholdPx: number;
  seed: number;
  loss: 'huber' | 'cauchy';
  /** Refine the shared focal in bundle adjustment. */
  refineFocal: boolean;
  minTriangulationAngleDeg: number;
  /** Fewest 2D–3D correspondences to register a view. */
  minRegistration?: number;
}

export interface Reconstruction {
  poses: (Pose | null)[];
  k: PinholeK[];
  /** Per track: world point (3 per track), valid where hasPoint. */
  points: Float64Array;
  hasPoint: Uint8Array;
  /** Per observation: still trusted after outlier removal. */
  active: Uint8Array;
  order: number[];
  rmsPx: number;
  /** Std of log(focal) from the final adjustment when the shared focal was refined. */
  focalStd: number | null;
}

export function reconstruct(
  tracks: Tracks,
  views: ViewSetup[],
  init: { i: number; j: number; pose: Pose },
  o: ReconstructOptions,
): Reconstruction {
  const nv = views.length;
  const poses: (Pose | null)[] = Array.from({ length: nv }, () => null);
  const k = views.map((v) => ({ ...v.k }));
  const points = new Float64Array(3 * tracks.count);
  const hasPoint = new Uint8Array(tracks.count);
  const active = new Uint8Array(tracks.view.length).fill(1);
  const maxErr2 = (2 * o.thresholdPx) ** 2;
  const minReg = o.minRegistration ?? 12;
  poses[init.i] = { R: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), t: new Float64Array(3) };
  poses[init.j] = init.pose;
  const order = [init.i, init.j];
  let focalStd: number | null = null;

  const reprojSq = (v: number, x: ArrayLike<number>, obs: number): number => {
    const c = toCamera(poses[v]!, x);
    if (!(c[2] > 0)) return Number.POSITIVE_INFINITY;
    return (
      ((k[v].f * c[0]) / c[2] + k[v].cx - tracks.xy[2 * obs]) ** 2 +
      ((k[v].f * c[1]) / c[2] + k[v].cy - tracks.xy[2 * obs + 1]) ** 2
    );
  };

  /** Triangulates a track from its active registered observations; false if unfit. */
  const triangulate = (t: number): boolean => {
    hasPoint[t] = 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      const obs: number[] = [];
      for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++)
        if (active[m] && poses[tracks.view[m]]) obs.push(m);
      if (obs.length < 2) return false;
      const xy = new Float64Array(2 * obs.length);
      obs.forEach((m, q) => {
        const v = tracks.view[m];
        xy[2 * q] = (tracks.xy[2 * m] - k[v].cx) / k[v].f;
        xy[2 * q + 1] = (tracks.xy[2 * m + 1] - k[v].cy) / k[v].f;
      });
      const x = triangulateDLT(
        obs.map((m) => poses[tracks.view[m]]!),
        xy,
      );
      if (!x) return false;
      // Drop the worst observation once if it does not fit, then retry.
      let worst = -1;
      let worstErr = maxErr2;
      for (const m of obs) {
        const e = reprojSq(tracks.view[m], x, m);
        if (e > worstErr) {
          worstErr = e;
          worst = m;
        }
      }
      if (worst >= 0) {
        if (obs.length > 2) active[worst] = 0;
        else return false;
        continue;
      }
      let angle = 0;
      const centres = obs.map((m) => centreOf(poses[tracks.view[m]]!));
      for (let p = 0; p < centres.length; p++) {
        for (let q = p + 1; q < centres.length; q++)
          angle = Math.max(angle, triangulationAngleDeg(centres[p], centres[q], x));
      }
      if (angle < o.minTriangulationAngleDeg) return false;
      points.set(x, 3 * t);
      hasPoint[t] = 1;
      return true;
    }
    return false;
  };

  /**
   * Scale of the robust loss: a few times the noise of the observations (the median reprojection
   * distance / 1.18 estimates σ for isotropic 2-D noise), at most the inlier threshold. Precise
   * correspondences then keep stray ones (a pixel off) from pulling the focal.
   */
  const lossScale = (): number => {
    const d: number[] = [];
    for (let t = 0; t < tracks.count; t++) {
      if (!hasPoint[t]) continue;
      for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++) {
        if (active[m] && poses[tracks.view[m]])
          d.push(reprojSq(tracks.view[m], points.subarray(3 * t, 3 * t + 3), m));
      }
    }
    if (d.length < 20) return o.thresholdPx;
    d.sort((x, y) => x - y);
    const sigma = Math.sqrt(d[d.length >> 1]) / 1.18;
    return Math.min(o.thresholdPx, Math.max(0.15 * o.thresholdPx, 2.5 * sigma));
  };

  const bundle = (refineFocal: boolean, iterations: number, uncertainty = false): number => {
    const viewIndex = new Int32Array(nv).fill(-1);
    const bviews: BundleView[] = [];
    for (let v = 0; v < nv; v++) {
      if (!poses[v]) continue;
      viewIndex[v] = bviews.length;
      bviews.push({
        pose: poses[v]!,
        focal: k[v].f,
        cx: k[v].cx,
        cy: k[v].cy,
        gauge: v === init.i ? 'fixed' : v === init.j ? 'sphere' : 'free',
        sharedFocal: views[v].shared,
      });
    }
    const pointIndex = new Int32Array(tracks.count).fill(-1);
    const pts: number[] = [];
    const ov: number[] = [];
    const op: number[] = [];
    const uv: number[] = [];
    for (let t = 0; t < tracks.count; t++) {
      if (!hasPoint[t]) continue;
      for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++) {
        const v = tracks.view[m];
        if (!active[m] || viewIndex[v] < 0) continue;
        if (pointIndex[t] < 0) {
          pointIndex[t] = pts.length / 3;
          pts.push(points[3 * t], points[3 * t + 1], points[3 * t + 2]);
        }
        ov.push(viewIndex[v]);
        op.push(pointIndex[t]);
        uv.push(tracks.xy[2 * m], tracks.xy[2 * m + 1]);
      }
    }
    const p = Float64Array.from(pts);
    const report = bundleAdjust(
      bviews,
      p,
      { view: Int32Array.from(ov), point: Int32Array.from(op), uv: Float64Array.from(uv) },
      { refineFocal, loss: o.loss, lossScale: lossScale(), maxIterations: iterations, uncertainty },
    );
    focalStd = report.focalStd ?? null;
    // The shared focal moves as one factor: apply it to every member, registered or not yet.
    let ratio = 1;
    for (let v = 0; v < nv; v++) {
      if (viewIndex[v] < 0) continue;
      poses[v] = bviews[viewIndex[v]].pose;
      if (views[v].shared) ratio = bviews[viewIndex[v]].focal / k[v].f;
      else k[v].f = bviews[viewIndex[v]].focal;
    }
    for (let v = 0; v < nv; v++) if (views[v].shared) k[v].f *= ratio;
    for (let t = 0; t < tracks.count; t++)
      if (pointIndex[t] >= 0) points.set(p.subarray(3 * pointIndex[t], 3 * pointIndex[t] + 3), 3 * t);
    return report.finalRms;
  };

  /** Deactivates observations that no longer fit; returns how many. */
  const filter = (): number => {
    let removed = 0;
    for (let t = 0; t < tracks.count; t++) {
      if (!hasPoint[t]) continue;
      let left = 0;
      for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++) {
        const v = tracks.view[m];
        if (!active[m] || !poses[v]) continue;
        if (reprojSq(v, points.subarray(3 * t, 3 * t + 3), m) > maxErr2) {
          active[m] = 0;
          removed++;
        } else left++;
      }
      if (left < 2) hasPoint[t] = 0;
    }
    return removed;
  };

  /** Adjust, drop observations that do not fit, adjust again. Intermediate rounds stop early. */
  const adjust = (refineFocal: boolean, iterations: number, final = false): number => {
    let rms = bundle(refineFocal, iterations);
    if (filter() > 0 || final) rms = bundle(refineFocal, iterations, final);
    return rms;
  };

  for (let t = 0; t < tracks.count; t++) triangulate(t);
  const anyShared = views.some((v) => v.shared);
  let rms = adjust(o.refineFocal && anyShared, 10);

  const failed = new Set<number>();
  while (order.length < nv) {
    // Views by number of 2D–3D correspondences.
    const counts = new Array<number>(nv).fill(0);
    for (let t = 0; t < tracks.count; t++) {
      if (!hasPoint[t]) continue;
      for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++)
        if (active[m] && !poses[tracks.view[m]]) counts[tracks.view[m]]++;
    }
    const candidates = counts
      .map((c, v) => ({ c, v }))
      .filter(({ v }) => !poses[v] && !failed.has(v))
      .sort((x, y) => y.c - x.c);
    const next = candidates[0];
    if (!next || next.c < minReg) {
      const missing = Array.from({ length: nv }, (_, v) => v).filter((v) => !poses[v]);
      const one = missing.length === 1;
      const reason = next
        ? `only ${next.c} of ${one ? 'its' : 'their'} points match the reconstructed scene (at least ${minReg} are needed)`
        : `${one ? 'its' : 'their'} matches do not agree with the reconstructed scene`;
      throw new PoseError(
        'disconnected-view',
        `${missing.map(photo).join(', ')} could not be connected to the other photos: ${reason}. ` +
          `Add photos that overlap with ${one ? 'it' : 'them'}, or remove ${one ? 'it' : 'them'}.`,
        missing,
      );
    }
    const v = next.v;
    const ms: number[] = [];
    const X: number[] = [];
    const uv: number[] = [];
    for (let t = 0; t < tracks.count; t++) {
      if (!hasPoint[t]) continue;
      for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++) {
        if (tracks.view[m] !== v || !active[m]) continue;
        ms.push(m);
        X.push(points[3 * t], points[3 * t + 1], points[3 * t + 2]);
        uv.push(tracks.xy[2 * m], tracks.xy[2 * m + 1]);
      }
    }
    const pnp = robustPnP(Float64Array.from(X), Float64Array.from(uv), k[v], {
      thresholdPx: 2 * o.thresholdPx,
      seed: o.seed + 101 * v,
    });
    if (!pnp || pnp.inliers.length < minReg) {
      // Try the other views first; if none can be registered the loop ends with an error.
      failed.add(v);
      continue;
    }
    poses[v] = pnp.pose;
    const inl = new Set(pnp.inliers);
    ms.forEach((m, q) => {
      if (!inl.has(q)) active[m] = 0;
    });
    order.push(v);
    failed.clear();
    for (let t = 0; t < tracks.count; t++) {
      if (hasPoint[t]) continue;
      let touches = false;
      for (let m = tracks.start[t]; m < tracks.start[t + 1]; m++) if (tracks.view[m] === v) touches = true;
      if (touches) triangulate(t);
    }
    rms = adjust(o.refineFocal && anyShared, 10);
  }
  // Final joint adjustment: retriangulate what the refined cameras now support, then adjust again.
  for (let t = 0; t < tracks.count; t++) if (!hasPoint[t]) triangulate(t);
  rms = adjust(o.refineFocal && anyShared, 60, true);
  return { poses, k, points, hasPoint, active, order, rmsPx: rms, focalStd };
}
