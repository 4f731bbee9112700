import { describe, expect, it } from 'vitest';
import { findScenePlanes } from './background-planes';
import type { Camera } from './camera';
import { rightAngleFocal } from './right-angle-focal';
import { camera, planeView, roomView } from './test-planes';

// Two views of a room corner (floor, back wall, a board parallel to the wall) from 9° apart, axes meeting.
// The board holds under a fifth of the pixels, so only the floor and the wall are held to be square.
const truth = [camera([-0.3, 0, 0], [0, 0.6, 4]), camera([0.3, 0, 0], [0, 0.6, 4])];
const views = truth.map((c) => roomView(c).view);
const planes = findScenePlanes(views).planes;

/** The cameras with their focal length `scale` times the true one (poses unchanged). */
const zoomed = (scale: number): Camera[] =>
  truth.map((c) => ({
    ...c,
    intrinsics: { ...c.intrinsics, fx: c.intrinsics.fx * scale, fy: c.intrinsics.fy * scale },
  }));

describe('rightAngleFocal', () => {
  it('finds the focal at which the floor and the wall meet square', () => {
    expect(planes).toHaveLength(3);
    // An estimate 6 % long (±5 % uncertain): the reconstruction at factor f uses 1.06·f times the truth.
    const found = rightAngleFocal(views, planes, 0.05, (f) => zoomed(1.06 * f));
    expect(found).not.toBeNull();
    expect(Math.abs(1.06 * found!.factor - 1)).toBeLessThan(0.005);
    expect(found!.pairs).toBe(1);
    // With the poses held, 6 % of focal bends these right angles by 0.3°; refitted poses bend them more.
    expect(found!.residualBeforeDeg).toBeGreaterThan(0.25);
    expect(found!.residualAfterDeg).toBeLessThan(0.02);
  });

  it('goes by the big planes only: a small plane that is not square does not pull the focal', () => {
    const leaning = truth.map((c) => roomView(c, undefined, 5).view);
    const found = (share: number) =>
      rightAngleFocal(leaning, findScenePlanes(leaning).planes, 0.05, (f) => zoomed(1.06 * f), {
        minPlaneShare: share,
      });
    const big = found(0.2);
    expect(big).not.toBeNull();
    expect(Math.abs(1.06 * big!.factor - 1)).toBeLessThan(0.005);
    // Counted, the board (5° off square to the floor) leaves no focal at which the pairs are square.
    expect(found(0)).toBeNull();
  });

  it('keeps a focal that already squares the scene', () => {
    expect(rightAngleFocal(views, planes, 0.05, (f) => zoomed(f))).toBeNull();
  });

  it('gives up when the truth lies outside the uncertainty it is allowed to search', () => {
    // ±1 % around an estimate 6 % long: the best candidate sits on the edge of the span.
    expect(rightAngleFocal(views, planes, 0.01 / 3, (f) => zoomed(1.06 * f))).toBeNull();
  });

  it('needs a pair of perpendicular planes', () => {
    const flat = truth.map((c, k) => planeView(c, 0, k + 1));
    const one = findScenePlanes(flat).planes;
    expect(one).toHaveLength(1);
    expect(rightAngleFocal(flat, one, 0.05, (f) => zoomed(1.06 * f))).toBeNull();
  });
});
