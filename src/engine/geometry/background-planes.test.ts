/** The scene-plane search on two exact views of a room corner with a board in front of the wall. */
import { describe, expect, it } from 'vitest';
import { findScenePlanes, planeInCamera, rayPlaneDepth } from './background-planes';
import { camera, roomView } from './test-planes';

const views = [camera([-0.3, 0, 0], [0, 0.3, 5]), camera([0.3, 0, 0], [0, 0.3, 5])].map(
  (c) => roomView(c).view,
);

describe('findScenePlanes', () => {
  it('finds the floor, the wall and the board, and only the floor and the wall bound the scene', () => {
    const { planes, bounding } = findScenePlanes(views);
    expect(planes.length).toBe(3);
    // Each plane as (normal, offset) with the cameras on the positive side, to compare with the truth.
    const oriented = planes.map((q) => (q[3] > 0 ? q : q.map((x) => -x)));
    const expected = [
      { plane: [0, -1, 0, 1], bounds: true }, // floor y = 1
      { plane: [0, 0, -1, 5], bounds: true }, // wall z = 5
      { plane: [0, 0, -1, 3], bounds: false }, // board z = 3: the wall lies behind it
    ];
    for (const e of expected) {
      const i = oriented.findIndex((q) => q.every((x, k) => Math.abs(x - e.plane[k]) < 1e-3));
      expect(i, `plane ${e.plane}`).toBeGreaterThanOrEqual(0);
      expect(bounding[i]).toBe(e.bounds);
    }
  });

  it('ignores what is filled or not confident, and finds nothing in too few points', () => {
    const v = roomView(camera([0, 0, 0], [0, 0.3, 5])).view;
    v.filled = new Uint8Array(v.depth.length).fill(1);
    expect(findScenePlanes([v]).planes).toEqual([]);
    v.filled = undefined;
    v.confidence.fill(0.2);
    expect(findScenePlanes([v]).planes).toEqual([]);
  });

  it('puts a plane into a camera frame and meets rays with it', () => {
    const cam = camera([0.3, 0, 0], [0, 0.3, 5]);
    const { view, truth } = roomView(cam);
    const floor = planeInCamera([0, 1, 0, -1], cam);
    const { fx, fy, cx, cy, width } = cam.intrinsics;
    // The bottom row sees the floor: the ray meets it at the true depth.
    const x = 10;
    const y = 70;
    const z = rayPlaneDepth(floor, (x + 0.5 - cx) / fx, (y + 0.5 - cy) / fy);
    expect(z).toBeCloseTo(truth[y * width + x], 4);
    expect(view.depth[y * width + x]).toBeCloseTo(z, 4);
    // A ray pointing away from the floor (upwards) never meets it.
    expect(rayPlaneDepth(floor, 0, -10)).toBeNaN();
  });
});
