/**
 * Camera trajectories for view synthesis (ReconX / ViewCrafter stage B), returned as plain data so the UI
 * can draw them: interpolation between consecutive inputs (rotation slerp, linear centre and intrinsics,
 * uniform t — not ViewCrafter's double-length last step, method.md §8.17), extrapolation past the last
 * input, an orbit around the cloud's robust centre, and ReconX's sliding-window 360° loop from two inputs.
 */
import { type Camera, type Intrinsics, scaleIntrinsics } from '../geometry/camera';
import {
  fromRotationTranslation,
  type Mat4,
  multiply,
  quatToRotation,
  rotationOf,
  rotationToQuat,
  translationOf,
  type Vec3,
} from '../geometry/mat4';
import type { PointCloud } from '../geometry/types';

export type Quat = [number, number, number, number];
export type TrajectoryKind = 'interpolate' | 'extrapolate' | 'orbit' | 'loop360';

/** A run of consecutive frames (indices into `cameras`, both inclusive); windows share their end frames. */
export interface TrajectorySegment {
  start: number;
  end: number;
  /** Input camera indices at the ends, -1 where an end is not an input. */
  from: number;
  to: number;
}

export interface Trajectory {
  kind: TrajectoryKind;
  cameras: Camera[];
  segments: TrajectorySegment[];
  /** Per frame: index of the input camera this frame equals exactly, else -1. */
  inputIndex: number[];
  /** Orbit / loop centre (world). */
  centre?: Vec3;
  /** Orbit / loop axis (world, unit, pointing "up"). */
  axis?: Vec3;
}

// ---------- small vector and quaternion maths ----------

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const normalize = (a: Vec3): Vec3 => scale(a, 1 / Math.hypot(...a));

export const cameraCentre = (c: Camera): Vec3 => translationOf(c.worldFromCamera);
export const cameraQuat = (c: Camera): Quat => rotationToQuat(rotationOf(c.worldFromCamera));

/**
 * Spherical interpolation on the shortest arc; t outside [0, 1] continues along the same great circle
 * (used for extrapolation). Falls back to normalised lerp for nearly equal rotations.
 */
export function slerp(a: Quat, b: Quat, t: number): Quat {
  let d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
  const s = d < 0 ? -1 : 1;
  d = Math.min(1, Math.abs(d));
  const theta = Math.acos(d);
  let wa: number;
  let wb: number;
  if (theta < 1e-6) {
    wa = 1 - t;
    wb = t;
  } else {
    const sin = Math.sin(theta);
    wa = Math.sin((1 - t) * theta) / sin;
    wb = Math.sin(t * theta) / sin;
  }
  const q = [0, 1, 2, 3].map((i) => wa * a[i] + wb * s * b[i]) as Quat;
  const n = Math.hypot(...q);
  return q.map((v) => v / n) as Quat;
}

/** Angle in radians between two rotations given as unit quaternions. */
export function quatAngle(a: Quat, b: Quat): number {
  const d = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
  return 2 * Math.acos(Math.min(1, d));
}

function poseFrom(q: Quat, centre: Vec3): Mat4 {
  return fromRotationTranslation(quatToRotation(...q), centre);
}

function lerpIntrinsics(a: Intrinsics, b: Intrinsics, t: number): Intrinsics {
  // Different image sizes: interpolate b's intrinsics expressed at a's size.
  const bb = a.width === b.width && a.height === b.height ? b : scaleIntrinsics(b, a.width, a.height);
  const l = (x: number, y: number) => x + (y - x) * t;
  return {
    fx: l(a.fx, bb.fx),
    fy: l(a.fy, bb.fy),
    cx: l(a.cx, bb.cx),
    cy: l(a.cy, bb.cy),
    width: a.width,
    height: a.height,
  };
}

/** The camera at parameter t of the SE(3) path from a to b (t = 0 → a, t = 1 → b; beyond: extrapolated). */
export function interpolateCamera(a: Camera, b: Camera, t: number): Camera {
  if (t === 0) return cloneCamera(a);
  if (t === 1 && a.intrinsics.width === b.intrinsics.width && a.intrinsics.height === b.intrinsics.height)
    return cloneCamera(b);
  const q = slerp(cameraQuat(a), cameraQuat(b), t);
  const ca = cameraCentre(a);
  const centre = add(ca, scale(sub(cameraCentre(b), ca), t));
  return { intrinsics: lerpIntrinsics(a.intrinsics, b.intrinsics, t), worldFromCamera: poseFrom(q, centre) };
}

const cloneCamera = (c: Camera): Camera => ({
  intrinsics: { ...c.intrinsics },
  worldFromCamera: new Float64Array(c.worldFromCamera),
});

// ---------- interpolation and extrapolation ----------

/**
 * `framesPerSegment` frames (both inputs included, uniform t) between each pair of consecutive inputs.
 * Consecutive segments share their common input frame, so n inputs give (n−1)(K'−1)+1 frames.
 */
export function interpolateTrajectory(inputs: Camera[], framesPerSegment = 25): Trajectory {
  if (inputs.length < 2) throw new Error('interpolateTrajectory: needs at least 2 cameras');
  if (!(framesPerSegment >= 2)) throw new Error('interpolateTrajectory: framesPerSegment must be ≥ 2');
  const cameras: Camera[] = [cloneCamera(inputs[0])];
  const inputIndex = [0];
  const segments: TrajectorySegment[] = [];
  for (let s = 0; s + 1 < inputs.length; s++) {
    const start = cameras.length - 1;
    for (let i = 1; i < framesPerSegment; i++) {
      const last = i === framesPerSegment - 1;
      cameras.push(
        last
          ? cloneCamera(inputs[s + 1])
          : interpolateCamera(inputs[s], inputs[s + 1], i / (framesPerSegment - 1)),
      );
      inputIndex.push(last ? s + 1 : -1);
    }
    segments.push({ start, end: cameras.length - 1, from: s, to: s + 1 });
  }
  return { kind: 'interpolate', cameras, segments, inputIndex };
}

export interface ExtrapolateOptions {
  /** How far to continue, as a fraction of the last segment's motion (default 0.5). */
  fraction?: number;
  /** Frames per full segment length; the extrapolated run gets round(fraction·(K'−1)) new frames. */
  framesPerSegment?: number;
}

/**
 * Continue the motion of the last segment (second-last → last input) beyond the last camera: the same
 * great-circle rotation and straight-line centre path, for `fraction` of that segment.
 */
export function extrapolateTrajectory(inputs: Camera[], options: ExtrapolateOptions = {}): Trajectory {
  if (inputs.length < 2) throw new Error('extrapolateTrajectory: needs at least 2 cameras');
  const fraction = options.fraction ?? 0.5;
  const perSegment = options.framesPerSegment ?? 25;
  const a = inputs[inputs.length - 2];
  const b = inputs[inputs.length - 1];
  const steps = Math.max(1, Math.round(fraction * (perSegment - 1)));
  const cameras: Camera[] = [cloneCamera(b)];
  const inputIndex = [inputs.length - 1];
  for (let i = 1; i <= steps; i++) {
    cameras.push(interpolateCamera(a, b, 1 + (fraction * i) / steps));
    inputIndex.push(-1);
  }
  return {
    kind: 'extrapolate',
    cameras,
    segments: [{ start: 0, end: steps, from: inputs.length - 1, to: -1 }],
    inputIndex,
  };
}

// ---------- orbit and the 360° loop ----------

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Coordinate-wise median of the cloud's finite points (on a strided sample of at most `sample`). */
export function robustCentre(cloud: PointCloud, sample = 50_000): Vec3 {
  const stride = Math.max(1, Math.floor(cloud.count / sample));
  const xs: number[] = [];
  const ys: number[] = [];
  const zs: number[] = [];
  for (let i = 0; i < cloud.count; i += stride) {
    const x = cloud.positions[3 * i];
    const y = cloud.positions[3 * i + 1];
    const z = cloud.positions[3 * i + 2];
    if (!Number.isFinite(x + y + z)) continue;
    xs.push(x);
    ys.push(y);
    zs.push(z);
  }
  if (xs.length === 0) throw new Error('robustCentre: the cloud has no finite points');
  return [median(xs), median(ys), median(zs)];
}

/** World "up" shared by the cameras: the mean of their −y axes (OpenCV y points down). */
export function meanUp(cameras: Camera[]): Vec3 {
  let u: Vec3 = [0, 0, 0];
  for (const c of cameras) {
    const m = c.worldFromCamera;
    u = sub(u, [m[4], m[5], m[6]]);
  }
  return normalize(u);
}

/** Rigid rotation by `angle` radians about the line through `centre` along unit `axis`. */
export function rotationAbout(centre: Vec3, axis: Vec3, angle: number): Mat4 {
  const [x, y, z] = axis;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const C = 1 - c;
  const R = [
    c + x * x * C,
    x * y * C - z * s,
    x * z * C + y * s,
    y * x * C + z * s,
    c + y * y * C,
    y * z * C - x * s,
    z * x * C - y * s,
    z * y * C + x * s,
    c + z * z * C,
  ];
  const rc: Vec3 = [
    R[0] * centre[0] + R[1] * centre[1] + R[2] * centre[2],
    R[3] * centre[0] + R[4] * centre[1] + R[5] * centre[2],
    R[6] * centre[0] + R[7] * centre[1] + R[8] * centre[2],
  ];
  return fromRotationTranslation(R, sub(centre, rc));
}

const rotateCamera = (c: Camera, m: Mat4): Camera => ({
  intrinsics: { ...c.intrinsics },
  worldFromCamera: multiply(m, c.worldFromCamera),
});

/** Signed azimuth (radians) of `p` about the axis through `centre`, measured from reference direction `e1`. */
export function azimuth(p: Vec3, centre: Vec3, axis: Vec3, e1: Vec3): number {
  const v = sub(p, centre);
  const e2 = cross(axis, e1);
  return Math.atan2(dot(v, e2), dot(v, e1));
}

function orbitFrame(first: Vec3, centre: Vec3, axis: Vec3): Vec3 {
  const v = sub(first, centre);
  const h = sub(v, scale(axis, dot(v, axis)));
  if (Math.hypot(...h) < 1e-9) throw new Error('orbit: the first camera sits on the orbit axis');
  return normalize(h);
}

export interface OrbitOptions {
  /** Number of frames (default 60). */
  frames?: number;
  /** Swept angle in degrees (default 360: frames evenly spaced, the start not repeated). */
  arcDeg?: number;
  centre?: Vec3;
  axis?: Vec3;
}

/**
 * Cameras on a circle around the cloud's robust centre, looking at it: radius and height are the means
 * of the inputs' horizontal distance and height relative to the centre; starts at the first camera's
 * azimuth and turns towards the second; intrinsics of the first camera.
 */
export function orbitTrajectory(inputs: Camera[], cloud: PointCloud, options: OrbitOptions = {}): Trajectory {
  const centre = options.centre ?? robustCentre(cloud);
  const axis = normalize(options.axis ?? meanUp(inputs));
  const frames = options.frames ?? 60;
  const arc = ((options.arcDeg ?? 360) * Math.PI) / 180;
  const e1 = orbitFrame(cameraCentre(inputs[0]), centre, axis);
  let radius = 0;
  let height = 0;
  for (const c of inputs) {
    const v = sub(cameraCentre(c), centre);
    const up = dot(v, axis);
    height += up / inputs.length;
    radius += Math.hypot(...sub(v, scale(axis, up))) / inputs.length;
  }
  const sign = inputs.length > 1 && azimuth(cameraCentre(inputs[1]), centre, axis, e1) < 0 ? -1 : 1;
  const e2 = cross(axis, e1);
  const closed = arc >= 2 * Math.PI - 1e-9;
  const cameras: Camera[] = [];
  for (let i = 0; i < frames; i++) {
    const phi = sign * arc * (closed ? i / frames : i / Math.max(1, frames - 1));
    const dir = add(scale(e1, Math.cos(phi)), scale(e2, Math.sin(phi)));
    const eye = add(add(centre, scale(dir, radius)), scale(axis, height));
    cameras.push({ intrinsics: { ...inputs[0].intrinsics }, worldFromCamera: lookAtUp(eye, centre, axis) });
  }
  return {
    kind: 'orbit',
    cameras,
    segments: [{ start: 0, end: frames - 1, from: -1, to: -1 }],
    inputIndex: cameras.map(() => -1),
    centre,
    axis,
  };
}

/** worldFromCamera looking from eye at target with world `up` (camera −y ≈ up, OpenCV axes). */
function lookAtUp(eye: Vec3, target: Vec3, up: Vec3): Mat4 {
  const z = normalize(sub(target, eye));
  const x = normalize(cross(z, scale(up, -1)));
  const y = cross(z, x);
  return fromRotationTranslation([x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]], eye);
}

export interface Loop360Options {
  /** Frames per window, both ends included (default 25, the video model's clip length). */
  framesPerWindow?: number;
  /** Angle each window turns, degrees; default the inputs' own azimuth gap clamped to [20°, 90°]. */
  windowDeg?: number;
  centre?: Vec3;
  axis?: Vec3;
}

/**
 * ReconX's incremental 360°: a chain of windows around the centre, each starting where the previous one
 * ended. Window 0 goes from input 0 to input 1; the following keyframes are input 1 rotated about the
 * axis; the last window ends exactly at input 0, closing the loop. Inside a window the path is the SE(3)
 * interpolation taken in a frame that co-rotates about the axis, so it follows the arc, not the chord.
 */
export function loop360Trajectory(
  inputs: Camera[],
  cloud: PointCloud,
  options: Loop360Options = {},
): Trajectory {
  if (inputs.length < 2) throw new Error('loop360Trajectory: needs 2 cameras');
  const [a, b] = inputs;
  const centre = options.centre ?? robustCentre(cloud);
  const axis = normalize(options.axis ?? meanUp([a, b]));
  const perWindow = options.framesPerWindow ?? 25;
  const e1 = orbitFrame(cameraCentre(a), centre, axis);
  let delta = azimuth(cameraCentre(b), centre, axis, e1);
  if (Math.abs(delta) < 1e-3) delta = 1e-3; // coincident azimuths: turn in +direction
  const sign = Math.sign(delta);
  const gapDeg = (Math.abs(delta) * 180) / Math.PI;
  const stepDeg = options.windowDeg ?? Math.min(90, Math.max(20, gapDeg));
  const remaining = 2 * Math.PI - Math.abs(delta);
  const m = Math.max(1, Math.ceil(remaining / ((stepDeg * Math.PI) / 180) - 1e-9));
  const step = (sign * remaining) / m;

  // Keyframes and the angle each window turns.
  const keys: { cam: Camera; input: number }[] = [
    { cam: a, input: 0 },
    { cam: b, input: 1 },
  ];
  const turns = [delta];
  for (let j = 1; j < m; j++) {
    keys.push({ cam: rotateCamera(b, rotationAbout(centre, axis, j * step)), input: -1 });
    turns.push(step);
  }
  keys.push({ cam: a, input: 0 });
  turns.push(step);

  const cameras: Camera[] = [cloneCamera(a)];
  const inputIndex = [0];
  const segments: TrajectorySegment[] = [];
  for (let w = 0; w + 1 < keys.length; w++) {
    const from = keys[w];
    const to = keys[w + 1];
    const phi = turns[w];
    const unrotatedEnd = rotateCamera(to.cam, rotationAbout(centre, axis, -phi));
    const start = cameras.length - 1;
    for (let i = 1; i < perWindow; i++) {
      const last = i === perWindow - 1;
      const t = i / (perWindow - 1);
      cameras.push(
        last
          ? cloneCamera(to.cam)
          : rotateCamera(interpolateCamera(from.cam, unrotatedEnd, t), rotationAbout(centre, axis, t * phi)),
      );
      inputIndex.push(last ? to.input : -1);
    }
    segments.push({ start, end: cameras.length - 1, from: from.input, to: to.input });
  }
  return { kind: 'loop360', cameras, segments, inputIndex, centre, axis };
}
