/**
 * nerfstudio / instant-ngp `transforms.json`: camera-to-world matrices in OpenGL camera axes (x right, y up,
 * z backward), intrinsics at the top level with per-frame overrides. We convert to our OpenCV cameras
 * (x right, y down, z forward) by flipping the camera's y and z axes: worldFromCamera = c2w_gl · diag(1,−1,−1,1).
 * The world frame is kept as the file defines it. Pure functions over parsed JSON; file access goes through
 * a path resolver so this runs in a Worker and in Node alike.
 */
import type { Camera, Intrinsics } from '../geometry/camera';
import type { Mat4 } from '../geometry/mat4';

export type TransformsErrorKind =
  | 'not-object'
  | 'no-frames'
  | 'bad-frame'
  | 'bad-matrix'
  | 'missing-intrinsics'
  | 'missing-size'
  | 'unsupported-camera-model';

export class TransformsError extends Error {
  override readonly name = 'TransformsError';
  constructor(
    readonly kind: TransformsErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Lens distortion as nerfstudio writes it (OPENCV model); our pinhole cameras ignore it. */
export interface Distortion {
  k1: number;
  k2: number;
  k3: number;
  k4: number;
  p1: number;
  p2: number;
}

export interface TransformsFrame {
  camera: Camera;
  /** file_path exactly as written in the json. */
  filePath: string;
  /** file_path passed through the resolver. */
  imagePath: string;
  depthPath?: string;
  maskPath?: string;
  /** Present only when some coefficient is non-zero. */
  distortion?: Distortion;
}

export interface TransformsScene {
  frames: TransformsFrame[];
  cameraModel: string;
}

export interface ReadTransformsOptions {
  /** Maps a frame's relative path to a usable one (see `relativeTo`); default: unchanged. */
  resolve?: (path: string) => string;
  /** Image size when the json has no w/h (e.g. Blender synthetic scenes); receives the resolved path. */
  sizeOf?: (imagePath: string) => { width: number; height: number } | undefined;
}

const SUPPORTED_MODELS = new Set(['OPENCV', 'PINHOLE', 'SIMPLE_PINHOLE', 'SIMPLE_RADIAL', 'RADIAL']);
const DISTORTION_KEYS = ['k1', 'k2', 'k3', 'k4', 'p1', 'p2'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Joins `path` onto the folder of `jsonPath` (POSIX or URL-like); absolute paths and URLs pass through. */
export function relativeTo(jsonPath: string): (path: string) => string {
  const slash = Math.max(jsonPath.lastIndexOf('/'), jsonPath.lastIndexOf('\\'));
  const folder = slash >= 0 ? jsonPath.slice(0, slash) : '';
  return (path: string) => {
    if (/^([a-zA-Z][a-zA-Z0-9+.-]*:|\/|\\)/.test(path)) return path; // URL, drive letter or absolute
    const parts = folder === '' ? [] : folder.split(/[/\\]/);
    const absolute = parts.length > 0 && parts[0] === '';
    for (const p of path.split(/[/\\]/)) {
      if (p === '' || p === '.') continue;
      if (p !== '..') parts.push(p);
      else if (absolute && parts.length === 1)
        continue; // cannot climb above the root
      else if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else parts.push(p);
    }
    return parts.join('/');
  };
}

/** Row-major nested 4×4 → our column-major Float64Array, checking it is a rigid transform. */
function parseMatrix(v: unknown, where: string): Mat4 {
  const rows = Array.isArray(v) ? v : undefined;
  if (!rows || rows.length < 3 || rows.length > 4) {
    throw new TransformsError(
      'bad-matrix',
      `${where}: transform_matrix must be a 4×4 (or 3×4) array of numbers`,
    );
  }
  const m = new Float64Array(16);
  m[15] = 1;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) || row.length !== 4 || row.some((x) => num(x) === undefined)) {
      throw new TransformsError('bad-matrix', `${where}: transform_matrix row ${r} is not 4 finite numbers`);
    }
    for (let c = 0; c < 4; c++) m[c * 4 + r] = row[c] as number;
  }
  if (
    rows.length === 4 &&
    (Math.abs(m[3]) + Math.abs(m[7]) + Math.abs(m[11]) > 1e-6 || Math.abs(m[15] - 1) > 1e-6)
  ) {
    throw new TransformsError('bad-matrix', `${where}: transform_matrix last row must be [0, 0, 0, 1]`);
  }
  // RᵀR = I within a tolerance that admits the 6–7 digit values real files carry.
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let d = 0;
      for (let k = 0; k < 3; k++) d += m[i * 4 + k] * m[j * 4 + k];
      if (Math.abs(d - (i === j ? 1 : 0)) > 1e-3) {
        throw new TransformsError(
          'bad-matrix',
          `${where}: transform_matrix rotation is not orthonormal (scaled or sheared)`,
        );
      }
    }
  }
  return m;
}

/** OpenGL camera axes ↔ OpenCV camera axes: negate the camera's y and z columns (self-inverse). */
export function flipCameraYZ(m: Mat4): Mat4 {
  const out = new Float64Array(m);
  for (let r = 0; r < 4; r++) {
    out[4 + r] = 0 - m[4 + r]; // 0 − x, not −x: no negative zeros in written files
    out[8 + r] = 0 - m[8 + r];
  }
  return out;
}

/** Converts parsed transforms.json to OpenCV cameras. Throws TransformsError with the frame index. */
export function readTransforms(json: unknown, options: ReadTransformsOptions = {}): TransformsScene {
  if (!isRecord(json)) throw new TransformsError('not-object', 'transforms.json must contain a JSON object');
  const resolve = options.resolve ?? ((p: string) => p);
  const frames = json.frames;
  if (!Array.isArray(frames) || frames.length === 0) {
    throw new TransformsError('no-frames', "transforms.json has no 'frames' (a non-empty array is required)");
  }
  const cameraModel = typeof json.camera_model === 'string' ? json.camera_model : 'OPENCV';
  if (!SUPPORTED_MODELS.has(cameraModel)) {
    throw new TransformsError(
      'unsupported-camera-model',
      `camera_model '${cameraModel}' is not supported (pinhole models only: ${[...SUPPORTED_MODELS].join(', ')})`,
    );
  }
  const out: TransformsFrame[] = frames.map((frame, i): TransformsFrame => {
    const where = `frames[${i}]`;
    if (!isRecord(frame)) throw new TransformsError('bad-frame', `${where} is not an object`);
    if (typeof frame.file_path !== 'string' || frame.file_path === '') {
      throw new TransformsError('bad-frame', `${where} has no file_path`);
    }
    const pick = (key: string): number | undefined => num(frame[key]) ?? num(json[key]);
    const worldFromGl = parseMatrix(frame.transform_matrix, where);
    const imagePath = resolve(frame.file_path);
    let width = pick('w');
    let height = pick('h');
    if (width === undefined || height === undefined) {
      const size = options.sizeOf?.(imagePath);
      width ??= size?.width;
      height ??= size?.height;
    }
    if (!(width && width > 0 && height && height > 0)) {
      throw new TransformsError(
        'missing-size',
        `${where}: image size unknown (no 'w'/'h' in the json and no size for '${imagePath}')`,
      );
    }
    // Per-frame values override the top level; a focal beats a field-of-view angle at the same level.
    const focal = (
      src: Record<string, unknown>,
      fl: string,
      angle: string,
      size: number,
    ): number | undefined => {
      const a = num(src[angle]);
      return num(src[fl]) ?? (a !== undefined ? (0.5 * size) / Math.tan(0.5 * a) : undefined);
    };
    let fx = focal(frame, 'fl_x', 'camera_angle_x', width) ?? focal(json, 'fl_x', 'camera_angle_x', width);
    let fy = focal(frame, 'fl_y', 'camera_angle_y', height) ?? focal(json, 'fl_y', 'camera_angle_y', height);
    fx ??= fy;
    fy ??= fx;
    if (!(fx && fx > 0 && fy && fy > 0)) {
      throw new TransformsError(
        'missing-intrinsics',
        `${where}: no focal length (need fl_x/fl_y or camera_angle_x, at the top level or in the frame)`,
      );
    }
    const intrinsics: Intrinsics = {
      fx,
      fy,
      cx: pick('cx') ?? width / 2,
      cy: pick('cy') ?? height / 2,
      width,
      height,
    };
    const result: TransformsFrame = {
      camera: { intrinsics, worldFromCamera: flipCameraYZ(worldFromGl) },
      filePath: frame.file_path,
      imagePath,
    };
    if (typeof frame.depth_file_path === 'string') result.depthPath = resolve(frame.depth_file_path);
    if (typeof frame.mask_path === 'string') result.maskPath = resolve(frame.mask_path);
    const d = Object.fromEntries(DISTORTION_KEYS.map((k) => [k, pick(k) ?? 0])) as unknown as Distortion;
    if (DISTORTION_KEYS.some((k) => d[k] !== 0)) result.distortion = d;
    return result;
  });
  return { frames: out, cameraModel };
}

export interface WriteTransformsFrame {
  camera: Camera;
  /** Path relative to the json's folder. */
  filePath: string;
  depthPath?: string;
}

const sameIntrinsics = (a: Intrinsics, b: Intrinsics): boolean =>
  a.fx === b.fx &&
  a.fy === b.fy &&
  a.cx === b.cx &&
  a.cy === b.cy &&
  a.width === b.width &&
  a.height === b.height;

/** Row-major nested array of an OpenCV worldFromCamera converted to OpenGL axes. */
function glRows(worldFromCamera: Mat4): number[][] {
  const m = flipCameraYZ(worldFromCamera);
  return [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => m[c * 4 + r]));
}

/**
 * The transforms.json object for OpenCV cameras (ready for JSON.stringify). Shared intrinsics go to the top
 * level (with camera_angle_x for instant-ngp), otherwise into each frame.
 */
export function writeTransforms(frames: WriteTransformsFrame[]): Record<string, unknown> {
  if (frames.length === 0) throw new TransformsError('no-frames', 'writeTransforms needs at least one frame');
  const k0 = frames[0].camera.intrinsics;
  const shared = frames.every((f) => sameIntrinsics(f.camera.intrinsics, k0));
  const intr = (k: Intrinsics): Record<string, number> => ({
    fl_x: k.fx,
    fl_y: k.fy,
    cx: k.cx,
    cy: k.cy,
    w: k.width,
    h: k.height,
  });
  const json: Record<string, unknown> = { camera_model: 'PINHOLE' };
  if (shared) Object.assign(json, intr(k0), { camera_angle_x: 2 * Math.atan(k0.width / (2 * k0.fx)) });
  json.frames = frames.map((f) => {
    const frame: Record<string, unknown> = { file_path: f.filePath };
    if (!shared) Object.assign(frame, intr(f.camera.intrinsics));
    frame.transform_matrix = glRows(f.camera.worldFromCamera);
    if (f.depthPath !== undefined) frame.depth_file_path = f.depthPath;
    return frame;
  });
  return json;
}
