/**
 * Camera rigs for synthetic scenes: hand-held-like photos around a scene centre with realistic
 * baselines (consecutive views 5–12° apart), small elevation/roll/distance jitter, one shared phone-like
 * intrinsics (fx ≈ 0.9·width). Poses are returned with world = camera 0.
 */
import type { Camera, Intrinsics } from '../camera';
import {
  fromRotationTranslation,
  identity,
  invertRigid,
  lookAt,
  type Mat4,
  multiply,
  type Vec3,
} from '../mat4';
import { Rng } from './noise';

export type CameraKind = 'pair' | 'triplet' | 'orbit';

export interface CameraRigOptions {
  width?: number;
  height?: number;
  /** fx = fy = focalFactor · width (0.9 ≈ a phone's main camera, ~58° horizontal FOV). */
  focalFactor?: number;
  /** Point the cameras look at, layout frame (metres, y up). */
  target?: Vec3;
  /** Camera distance from the target, metres. */
  distance?: number;
  /** Elevation of the middle view above the target, degrees. */
  elevationDeg?: number;
  /** Range of the angular step between consecutive views, degrees. */
  stepDeg?: [number, number];
}

export interface CameraRig {
  /** Cameras with world = camera 0 (layout metres, not yet normalised to median depth 1). */
  cameras: Camera[];
  /** Rigid transform from that world (camera 0) to the layout frame, i.e. camera 0's layout pose. */
  layoutFromWorld: Mat4;
  /** Azimuth of each view around the target, degrees (for reports). */
  azimuthDeg: number[];
}

const DEG = Math.PI / 180;

export function phoneIntrinsics(width: number, height: number, focalFactor = 0.9): Intrinsics {
  return { fx: focalFactor * width, fy: focalFactor * width, cx: width / 2, cy: height / 2, width, height };
}

/** Rotation about the camera's optical axis (OpenCV z), as a rigid 4×4. */
function roll(angle: number): Mat4 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return fromRotationTranslation([c, -s, 0, s, c, 0, 0, 0, 1], [0, 0, 0]);
}

/**
 * `count` cameras of the given kind ('pair' needs 2, 'triplet' 3, 'orbit' ≥ 2), deterministic in `seed`.
 * Views sweep left to right along an arc around the target; camera 0 is the leftmost.
 */
export function makeCameras(
  kind: CameraKind,
  count: number = kind === 'pair' ? 2 : kind === 'triplet' ? 3 : 8,
  seed = 0,
  options: CameraRigOptions = {},
): CameraRig {
  if (kind === 'pair' && count !== 2) throw new Error(`makeCameras: 'pair' needs 2 views, got ${count}`);
  if (kind === 'triplet' && count !== 3)
    throw new Error(`makeCameras: 'triplet' needs 3 views, got ${count}`);
  if (!(count >= 2) || !Number.isInteger(count)) throw new Error(`makeCameras: bad view count ${count}`);
  const width = options.width ?? 256;
  const height = options.height ?? 192;
  const target = options.target ?? [0, 0.3, 0];
  const distance = options.distance ?? 2.5;
  const elevation = options.elevationDeg ?? 20;
  const [stepLo, stepHi] = options.stepDeg ?? (kind === 'orbit' ? [5, 10] : [6, 12]);
  const rng = new Rng(seed * 7919 + 17);
  const intrinsics = phoneIntrinsics(width, height, options.focalFactor ?? 0.9);

  const azimuth = [0];
  for (let i = 1; i < count; i++) azimuth.push(azimuth[i - 1] + rng.range(stepLo, stepHi));
  const mid = azimuth[count - 1] / 2;
  const phase = rng.range(0, 2 * Math.PI);

  const layoutFromCamera: Mat4[] = [];
  for (let i = 0; i < count; i++) {
    const az = (azimuth[i] - mid) * DEG;
    // A hand-held sweep: elevation wanders by a few degrees, distance by a few percent, and the
    // photographer never aims at exactly the same point.
    const wobble = kind === 'orbit' ? 4 * Math.sin(phase + i * 0.9) : 0;
    const el = (elevation + wobble + rng.range(-1.5, 1.5)) * DEG;
    const dist = distance * rng.range(0.95, 1.05);
    const eye: Vec3 = [
      target[0] + dist * Math.sin(az) * Math.cos(el),
      target[1] + dist * Math.sin(el),
      target[2] + dist * Math.cos(az) * Math.cos(el),
    ];
    const aim: Vec3 = [
      target[0] + rng.range(-0.03, 0.03) * distance,
      target[1] + rng.range(-0.03, 0.03) * distance,
      target[2] + rng.range(-0.03, 0.03) * distance,
    ];
    layoutFromCamera.push(multiply(lookAt(eye, aim, [0, 1, 0]), roll(rng.range(-1.5, 1.5) * DEG)));
  }
  const layoutFromWorld = layoutFromCamera[0];
  const worldFromLayout = invertRigid(layoutFromWorld);
  // Camera 0 is the world exactly (not inv(L0)·L0 with rounding residue).
  const cameras = layoutFromCamera.map((m, i) => ({
    intrinsics: { ...intrinsics },
    worldFromCamera: i === 0 ? identity() : multiply(worldFromLayout, m),
  }));
  return { cameras, layoutFromWorld, azimuthDeg: azimuth.map((a) => a - mid) };
}

/** The rig kind a given number of views implies: 2 → pair, 3 → triplet, more → orbit. */
export const kindForViews = (views: number): CameraKind =>
  views === 2 ? 'pair' : views === 3 ? 'triplet' : 'orbit';
