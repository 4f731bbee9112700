import { describe, expect, it } from 'vitest';
import type { Camera } from '../geometry/camera';
import { lookAt, rotationOf, type Vec3 } from '../geometry/mat4';
import { makeSyntheticScene } from '../geometry/synthetic';
import type { PointCloud } from '../geometry/types';
import {
  azimuth,
  cameraCentre,
  cameraQuat,
  extrapolateTrajectory,
  interpolateTrajectory,
  loop360Trajectory,
  orbitTrajectory,
  quatAngle,
  robustCentre,
} from './trajectory';

const K = { fx: 100, fy: 100, cx: 64, cy: 48, width: 128, height: 96 };

function camera(eye: Vec3, target: Vec3, k = K): Camera {
  return { intrinsics: { ...k }, worldFromCamera: lookAt(eye, target) };
}

const a = camera([0, 0, 0], [0.1, 0, 3]);
const b = camera([0.8, -0.2, 0.3], [-0.3, 0.1, 3], { ...K, fx: 120, fy: 118, cx: 66 });
const c = camera([1.6, -0.1, 1.0], [-0.6, 0, 3]);

function cloudAround(centre: Vec3, n = 501): PointCloud {
  const positions = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    // Points on a jittered shell plus a few far outliers that a mean would follow but a median ignores.
    const t = (i * 2.399963) % (2 * Math.PI);
    const u = ((i * 0.618034) % 1) * 2 - 1;
    const r = i % 50 === 0 ? 50 : 0.5;
    positions[3 * i] = centre[0] + r * Math.sqrt(1 - u * u) * Math.cos(t);
    positions[3 * i + 1] = centre[1] + r * u;
    positions[3 * i + 2] = centre[2] + r * Math.sqrt(1 - u * u) * Math.sin(t);
  }
  return { count: n, positions, colors: new Float32Array(3 * n), confidence: new Float32Array(n).fill(1) };
}

const maxAbsDiff = (x: ArrayLike<number>, y: ArrayLike<number>) =>
  Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i])));

describe('interpolateTrajectory', () => {
  const traj = interpolateTrajectory([a, b, c], 25);

  it('has (n−1)(K′−1)+1 frames whose segment ends equal the inputs exactly', () => {
    expect(traj.cameras.length).toBe(49);
    expect(traj.segments).toEqual([
      { start: 0, end: 24, from: 0, to: 1 },
      { start: 24, end: 48, from: 1, to: 2 },
    ]);
    for (const [frame, input] of [
      [0, a],
      [24, b],
      [48, c],
    ] as const) {
      expect(Array.from(traj.cameras[frame].worldFromCamera)).toEqual(Array.from(input.worldFromCamera));
      expect(traj.cameras[frame].intrinsics).toEqual(input.intrinsics);
    }
    expect(traj.inputIndex.filter((i) => i >= 0)).toEqual([0, 1, 2]);
  });

  it('slerps: unit rotations, constant angular step, linear centres and intrinsics', () => {
    const total = quatAngle(cameraQuat(a), cameraQuat(b));
    expect(total).toBeGreaterThan(0.1);
    for (let i = 0; i < 24; i++) {
      const r = rotationOf(traj.cameras[i + 1].worldFromCamera);
      // Orthonormal rotation: RᵀR = I.
      for (let p = 0; p < 3; p++)
        for (let q = 0; q < 3; q++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += r[k * 3 + p] * r[k * 3 + q];
          expect(s).toBeCloseTo(p === q ? 1 : 0, 9);
        }
      const step = quatAngle(cameraQuat(traj.cameras[i]), cameraQuat(traj.cameras[i + 1]));
      expect(step).toBeCloseTo(total / 24, 9);
    }
    const mid = traj.cameras[12];
    const ca = cameraCentre(a);
    const cb = cameraCentre(b);
    expect(
      maxAbsDiff(
        cameraCentre(mid),
        [0, 1, 2].map((i) => (ca[i] + cb[i]) / 2),
      ),
    ).toBeLessThan(1e-12);
    expect(mid.intrinsics.fx).toBeCloseTo(110, 12);
    expect(mid.intrinsics.cx).toBeCloseTo(65, 12);
  });
});

describe('extrapolateTrajectory', () => {
  it('continues the last segment with the same angular and linear step', () => {
    const traj = extrapolateTrajectory([a, b], { fraction: 0.5, framesPerSegment: 25 });
    expect(traj.cameras.length).toBe(13);
    expect(Array.from(traj.cameras[0].worldFromCamera)).toEqual(Array.from(b.worldFromCamera));
    const stepAngle = quatAngle(cameraQuat(a), cameraQuat(b)) / 24;
    const ca = cameraCentre(a);
    const cb = cameraCentre(b);
    for (let i = 1; i < 13; i++) {
      expect(quatAngle(cameraQuat(traj.cameras[i - 1]), cameraQuat(traj.cameras[i]))).toBeCloseTo(
        stepAngle,
        9,
      );
      const want = [0, 1, 2].map((k) => cb[k] + ((cb[k] - ca[k]) * i) / 24);
      expect(maxAbsDiff(cameraCentre(traj.cameras[i]), want)).toBeLessThan(1e-12);
    }
  });
});

describe('orbit and 360° loop', () => {
  const centre: Vec3 = [0.2, 0.1, 3];
  const cloud = cloudAround(centre);

  it('robust centre is the median, not pulled by outliers', () => {
    const got = robustCentre(cloud);
    expect(maxAbsDiff(got, centre)).toBeLessThan(0.05);
  });

  it('orbit: constant radius about the centre, cameras look at it, full turn', () => {
    const traj = orbitTrajectory([a, b], cloud, { frames: 36 });
    const axis = traj.axis!;
    const e = [...cameraCentre(a)].map((v, i) => v - traj.centre![i]) as Vec3;
    const e1 = e.map((v, i) => v - axis[i] * (e[0] * axis[0] + e[1] * axis[1] + e[2] * axis[2])) as Vec3;
    const radii: number[] = [];
    let turned = 0;
    for (let i = 0; i < traj.cameras.length; i++) {
      const cam = traj.cameras[i];
      const p = cameraCentre(cam);
      const v = p.map((x, k) => x - traj.centre![k]) as Vec3;
      const h = v[0] * axis[0] + v[1] * axis[1] + v[2] * axis[2];
      radii.push(Math.hypot(v[0] - h * axis[0], v[1] - h * axis[1], v[2] - h * axis[2]));
      // Optical axis (third column) points at the centre.
      const m = cam.worldFromCamera;
      const len = Math.hypot(...v);
      expect(-(m[8] * v[0] + m[9] * v[1] + m[10] * v[2]) / len).toBeCloseTo(1, 9);
      if (i > 0) {
        const prev = azimuth(cameraCentre(traj.cameras[i - 1]), traj.centre!, axis, e1);
        let d = azimuth(p, traj.centre!, axis, e1) - prev;
        if (d > Math.PI) d -= 2 * Math.PI;
        if (d < -Math.PI) d += 2 * Math.PI;
        expect(Math.abs(d)).toBeCloseTo((2 * Math.PI) / 36, 6);
        turned += d;
      }
    }
    expect(Math.max(...radii) - Math.min(...radii)).toBeLessThan(1e-9);
    expect(Math.abs(turned)).toBeCloseTo((2 * Math.PI * 35) / 36, 6);
  });

  it('the sliding-window loop closes: windows chain, last frame is input 0, one full turn', () => {
    const traj = loop360Trajectory([a, b], cloud, { framesPerWindow: 9 });
    const { segments, cameras, axis } = traj;
    expect(segments.length).toBeGreaterThan(3);
    for (let w = 1; w < segments.length; w++) expect(segments[w].start).toBe(segments[w - 1].end);
    expect(segments[0]).toMatchObject({ start: 0, end: 8, from: 0, to: 1 });
    expect(segments.at(-1)!.end).toBe(cameras.length - 1);
    expect(Array.from(cameras.at(-1)!.worldFromCamera)).toEqual(Array.from(a.worldFromCamera));
    expect(Array.from(cameras[8].worldFromCamera)).toEqual(Array.from(b.worldFromCamera));
    expect(traj.inputIndex[8]).toBe(1);
    expect(traj.inputIndex.at(-1)).toBe(0);
    const p0 = cameraCentre(a);
    const v0 = p0.map((x, k) => x - traj.centre![k]) as Vec3;
    const h0 = v0[0] * axis![0] + v0[1] * axis![1] + v0[2] * axis![2];
    const e1 = v0.map((x, k) => x - h0 * axis![k]) as Vec3;
    let turned = 0;
    let sign = 0;
    for (let i = 1; i < cameras.length; i++) {
      let d =
        azimuth(cameraCentre(cameras[i]), traj.centre!, axis!, e1) -
        azimuth(cameraCentre(cameras[i - 1]), traj.centre!, axis!, e1);
      if (d > Math.PI) d -= 2 * Math.PI;
      if (d < -Math.PI) d += 2 * Math.PI;
      // Monotone turn in one direction; every step small.
      if (sign === 0) sign = Math.sign(d);
      expect(Math.sign(d)).toBe(sign);
      expect(Math.abs(d)).toBeLessThan(Math.PI / 8);
      turned += d;
    }
    expect(Math.abs(turned)).toBeCloseTo(2 * Math.PI, 9);
  });

  it('works on a synthetic scene rig', () => {
    const s = makeSyntheticScene({ seed: 1, views: 2, width: 64, height: 48 });
    const traj = loop360Trajectory(s.cameras, cloud, { windowDeg: 45 });
    expect(traj.segments.length).toBeGreaterThanOrEqual(8);
    expect(Array.from(traj.cameras.at(-1)!.worldFromCamera)).toEqual(
      Array.from(s.cameras[0].worldFromCamera),
    );
  });
});
