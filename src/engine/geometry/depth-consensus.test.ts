/**
 * Multi-view depth consensus on exact, hand-made views of one plane (no GPU): agreeing views average
 * their noise away and pull their layers together; a view that disagrees (an occluder, an outlier) and
 * low-confidence pixels neither vote nor move; the views' order does not matter.
 */
import { describe, expect, it } from 'vitest';
import { projectPoint } from './camera';
import { applyDepthConsensus } from './depth-consensus';
import type { Vec3 } from './mat4';
import { camera, distanceToPlane, H, planeView, W } from './test-planes';
import type { ViewGeometry } from './types';

const cams = [
  camera([0, 0, 0], [0, 0, 2]),
  camera([0.15, 0.03, 0.02], [0.05, 0, 2]),
  camera([-0.12, -0.04, 0.05], [-0.03, 0, 2]),
];

/** Mean distance of a view's confident points to the plane. */
function meanError(v: ViewGeometry): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < v.depth.length; p++) {
    if (!(v.confidence[p] >= 0.5)) continue;
    sum += Math.abs(distanceToPlane(v.pointmap, p));
    n++;
  }
  return sum / n;
}

/**
 * Mean distance, in view `c`'s pixels, between where view a's points and view b's nearest-pixel points
 * land in `c`: how far apart the two layers of one surface are when seen from a third camera.
 */
function layerGap(a: ViewGeometry, b: ViewGeometry, c: ViewGeometry): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < a.depth.length; p += 7) {
    const X: Vec3 = [a.pointmap[3 * p], a.pointmap[3 * p + 1], a.pointmap[3 * p + 2]];
    const [u, v] = projectPoint(b.camera, X);
    const q = Math.floor(v) * W + Math.floor(u);
    if (!(u >= 1 && v >= 1 && u < W - 1 && v < H - 1)) continue;
    // b's point on its ray through X, at b's own depth there: the same surface as b sees it.
    const zb = projectPoint(b.camera, X)[2];
    const s = b.depth[q] / zb;
    const m = b.camera.worldFromCamera;
    const Y = X.map((x, k) => m[12 + k] + (x - m[12 + k]) * s) as Vec3;
    const pa = projectPoint(c.camera, X);
    const pb = projectPoint(c.camera, Y);
    sum += Math.hypot(pa[0] - pb[0], pa[1] - pb[1]);
    n++;
  }
  return sum / n;
}

describe('applyDepthConsensus', () => {
  it('averages the noise of agreeing views and pulls their layers together', () => {
    const views = cams.map((c, i) => planeView(c, 0.006, 10 + i));
    const errorBefore = views.map(meanError);
    const gapBefore = layerGap(views[0], views[1], views[2]);
    const agreed = applyDepthConsensus(views);
    const errorAfter = views.map(meanError);
    const gapAfter = layerGap(views[0], views[1], views[2]);
    console.log(
      `agreed ${(100 * agreed).toFixed(1)} %; mean error to the plane ${errorBefore.map((e) => e.toFixed(5))} → ` +
        `${errorAfter.map((e) => e.toFixed(5))}; layer gap in view 2 ${gapBefore.toFixed(3)} → ${gapAfter.toFixed(3)} px`,
    );
    // The views overlap on most of the plane.
    expect(agreed).toBeGreaterThan(0.7);
    // Three independent samples: the error falls towards 1/√3 of one view's.
    for (const [i, e] of errorAfter.entries()) expect(e).toBeLessThan(0.75 * errorBefore[i]);
    expect(gapAfter).toBeLessThan(0.6 * gapBefore);
    // Pointmaps stay on their pixel rays, at the new depth.
    const v = views[1];
    const p = 40 * W + 50;
    const [u, w, z] = projectPoint(v.camera, [
      v.pointmap[3 * p],
      v.pointmap[3 * p + 1],
      v.pointmap[3 * p + 2],
    ]);
    expect(u).toBeCloseTo(50.5, 4);
    expect(w).toBeCloseTo(40.5, 4);
    expect(z).toBeCloseTo(v.depth[p], 5);
  });

  it('leaves out views that disagree and pixels below the confidence threshold', () => {
    const a = planeView(cams[0], 0, 1, (x) => (x < 8 ? 0.3 : 1));
    // b sees something 10 % nearer over its left half (an occluder), the plane elsewhere.
    const b = planeView(cams[1], 0, 2);
    for (let p = 0; p < b.depth.length; p++) {
      if (p % W >= W / 2) continue;
      b.depth[p] *= 0.9;
      for (let k = 0; k < 3; k++) b.pointmap[3 * p + k] = Number.NaN;
    }
    // An exact plane in a, shifted 1 % in c: where b disagrees, a and c meet halfway.
    const c = planeView(cams[2], 0, 3);
    for (let p = 0; p < c.depth.length; p++) c.depth[p] *= 1.01;
    const depthA = Float32Array.from(a.depth);
    applyDepthConsensus([a, b, c], { tolerance: 0.02 });
    let checked = 0;
    for (let p = 0; p < a.depth.length; p++) {
      const x = p % W;
      if (x < 8) {
        // Unconfident: unchanged.
        expect(a.depth[p]).toBe(depthA[p]);
        continue;
      }
      const X: Vec3 = [a.pointmap[3 * p], a.pointmap[3 * p + 1], a.pointmap[3 * p + 2]];
      const [ub, vb] = projectPoint(b.camera, X);
      const [uc, vc] = projectPoint(c.camera, X);
      const inB = ub >= 2 && vb >= 2 && ub < W - 2 && vb < H - 2;
      const inC = uc >= 2 && vc >= 2 && uc < W - 2 && vc < H - 2;
      if (!inC || !inB || ub < W / 2 + 2) continue;
      checked++;
      // b agrees here: a, b (exact) and c (+1 %) vote with equal weight.
      expect(a.depth[p] / depthA[p]).toBeCloseTo(1 + 0.01 / 3, 3);
    }
    expect(checked).toBeGreaterThan(500);
    // Over b's occluder only a and c vote: the 10 % nearer depth is not averaged in.
    let occluded = 0;
    for (let p = 0; p < a.depth.length; p++) {
      if (p % W < 8) continue;
      const [ub, vb] = projectPoint(b.camera, [
        a.pointmap[3 * p],
        a.pointmap[3 * p + 1],
        a.pointmap[3 * p + 2],
      ]);
      const [uc, vc] = projectPoint(c.camera, [
        a.pointmap[3 * p],
        a.pointmap[3 * p + 1],
        a.pointmap[3 * p + 2],
      ]);
      if (!(ub >= 2 && vb >= 2 && ub < W / 2 - 2 && vb < H - 2)) continue;
      if (!(uc >= 2 && vc >= 2 && uc < W - 2 && vc < H - 2)) continue;
      occluded++;
      expect(a.depth[p] / depthA[p]).toBeCloseTo(1 + 0.01 / 2, 3);
    }
    expect(occluded).toBeGreaterThan(300);
  });

  it('does not depend on the order of the views', () => {
    const make = () => cams.map((c, i) => planeView(c, 0.006, 20 + i));
    const forward = make();
    const reversed = make().reverse();
    applyDepthConsensus(forward);
    applyDepthConsensus(reversed);
    for (const [i, v] of forward.entries()) expect(reversed[cams.length - 1 - i].depth).toEqual(v.depth);
  });
});
