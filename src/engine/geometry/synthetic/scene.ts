/**
 * Scene description for the synthetic ground-truth scenes and the ray–primitive intersection core of the
 * reference ray caster. Geometry lives in a "layout" frame (metres, y up); `layoutFromWorld` maps the
 * project's world (= camera 0, OpenCV axes, scaled so the median depth of view 0 is 1) into it. Rays are
 * intersected in the layout frame with their parameter t kept in world units, so t of a ray whose
 * camera-space direction has z = 1 is exactly the depth along the optical axis.
 */
import type { Mat4, Vec3 } from '../mat4';
import type { Rgb, TextureSpec } from './textures';

export type Shape =
  /** Rectangle origin + s·uAxis + t·vAxis for s, t ∈ [0, 1]; uAxis ⟂ vAxis; seen from both sides. */
  | { kind: 'quad'; origin: Vec3; uAxis: Vec3; vAxis: Vec3 }
  /** Box rotated by `yaw` radians about the vertical (y) axis through its centre. */
  | { kind: 'box'; center: Vec3; halfSize: Vec3; yaw: number }
  | { kind: 'sphere'; center: Vec3; radius: number };

export interface Primitive {
  name: string;
  shape: Shape;
  texture: TextureSpec;
  /** True for the deliberately near-uniform surface (stereo/matching cannot work there). */
  texturePoor: boolean;
}

/** A fixed sun plus hemispherical ambient: Lambertian shading that is identical from every view. */
export interface Light {
  /** Unit vector towards the sun, layout frame. */
  direction: Vec3;
  sun: Rgb;
  skyAmbient: Rgb;
  groundAmbient: Rgb;
}

export interface Scene {
  preset: string;
  seed: number;
  primitives: Primitive[];
  light: Light;
  sky: { zenith: Rgb; horizon: Rgb };
  /** Affine similarity from world (camera 0 frame, scaled) to the layout frame. */
  layoutFromWorld: Mat4;
  /** World units per layout metre (1 / median depth of view 0 in metres). */
  scale: number;
}

/** Nearest hit and its surface attributes (normal is unit, layout frame, facing the ray). */
export interface Hit {
  t: number;
  prim: number;
  u: number;
  v: number;
  w: number;
  solid: boolean;
  nx: number;
  ny: number;
  nz: number;
}

export const newHit = (): Hit => ({ t: 0, prim: -1, u: 0, v: 0, w: 0, solid: false, nx: 0, ny: 0, nz: 0 });

const QUAD = 0;
const BOX = 1;
const SPHERE = 2;

/** Flattened primitive with precomputed fields for the hot loop. */
interface Compiled {
  kind: number;
  cx: number;
  cy: number;
  cz: number;
  // quad: unit axes, lengths, normal; box: half sizes, yaw cos/sin; sphere: radius
  ux: number;
  uy: number;
  uz: number;
  vx: number;
  vy: number;
  vz: number;
  nx: number;
  ny: number;
  nz: number;
  lu: number;
  lv: number;
  hx: number;
  hy: number;
  hz: number;
  cos: number;
  sin: number;
  r: number;
}

export type CompiledScene = Compiled[];

function norm3(a: Vec3): [number, number, number, number] {
  const l = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / l, a[1] / l, a[2] / l, l];
}

export function compileScene(scene: Scene): CompiledScene {
  return scene.primitives.map(({ shape }) => {
    const c: Compiled = {
      kind: 0,
      cx: 0,
      cy: 0,
      cz: 0,
      ux: 0,
      uy: 0,
      uz: 0,
      vx: 0,
      vy: 0,
      vz: 0,
      nx: 0,
      ny: 0,
      nz: 0,
      lu: 0,
      lv: 0,
      hx: 0,
      hy: 0,
      hz: 0,
      cos: 1,
      sin: 0,
      r: 0,
    };
    if (shape.kind === 'quad') {
      const [ux, uy, uz, lu] = norm3(shape.uAxis);
      const [vx, vy, vz, lv] = norm3(shape.vAxis);
      const [nx, ny, nz] = norm3([uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx]);
      [c.cx, c.cy, c.cz] = shape.origin;
      Object.assign(c, { kind: QUAD, ux, uy, uz, vx, vy, vz, nx, ny, nz, lu, lv });
    } else if (shape.kind === 'box') {
      [c.cx, c.cy, c.cz] = shape.center;
      [c.hx, c.hy, c.hz] = shape.halfSize;
      Object.assign(c, { kind: BOX, cos: Math.cos(shape.yaw), sin: Math.sin(shape.yaw) });
    } else {
      [c.cx, c.cy, c.cz] = shape.center;
      Object.assign(c, { kind: SPHERE, r: shape.radius });
    }
    return c;
  });
}

/** Entry parameter of a ray into a rotated box, or Infinity. */
function boxEntry(
  p: Compiled,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
): number {
  const qx = ox - p.cx;
  const qz = oz - p.cz;
  // Local-from-layout rotation about y (inverse of x' = c·x + s·z, z' = −s·x + c·z).
  const lox = p.cos * qx - p.sin * qz;
  const loz = p.sin * qx + p.cos * qz;
  const loy = oy - p.cy;
  const ldx = p.cos * dx - p.sin * dz;
  const ldz = p.sin * dx + p.cos * dz;
  // Slab test, unrolled (no closures: this is the hot loop).
  let tn = -Infinity;
  let tf = Infinity;
  if (Math.abs(ldx) < 1e-15) {
    if (Math.abs(lox) > p.hx) return Infinity;
  } else {
    const a = (-p.hx - lox) / ldx;
    const b = (p.hx - lox) / ldx;
    tn = Math.min(a, b);
    tf = Math.max(a, b);
  }
  if (Math.abs(dy) < 1e-15) {
    if (Math.abs(loy) > p.hy) return Infinity;
  } else {
    const a = (-p.hy - loy) / dy;
    const b = (p.hy - loy) / dy;
    tn = Math.max(tn, Math.min(a, b));
    tf = Math.min(tf, Math.max(a, b));
  }
  if (Math.abs(ldz) < 1e-15) {
    if (Math.abs(loz) > p.hz) return Infinity;
  } else {
    const a = (-p.hz - loz) / ldz;
    const b = (p.hz - loz) / ldz;
    tn = Math.max(tn, Math.min(a, b));
    tf = Math.min(tf, Math.max(a, b));
  }
  if (tn > tf) return Infinity;
  return tn;
}

/** Ray parameter of the first intersection with primitive p beyond tMin, or Infinity. */
function intersectOne(
  p: Compiled,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
): number {
  if (p.kind === QUAD) {
    const denom = p.nx * dx + p.ny * dy + p.nz * dz;
    if (Math.abs(denom) < 1e-15) return Infinity;
    const t = (p.nx * (p.cx - ox) + p.ny * (p.cy - oy) + p.nz * (p.cz - oz)) / denom;
    if (!(t > tMin)) return Infinity;
    const qx = ox + t * dx - p.cx;
    const qy = oy + t * dy - p.cy;
    const qz = oz + t * dz - p.cz;
    const s = qx * p.ux + qy * p.uy + qz * p.uz;
    const r = qx * p.vx + qy * p.vy + qz * p.vz;
    return s >= 0 && s <= p.lu && r >= 0 && r <= p.lv ? t : Infinity;
  }
  if (p.kind === BOX) {
    const t = boxEntry(p, ox, oy, oz, dx, dy, dz);
    return t > tMin ? t : Infinity;
  }
  const qx = ox - p.cx;
  const qy = oy - p.cy;
  const qz = oz - p.cz;
  const a = dx * dx + dy * dy + dz * dz;
  const b = qx * dx + qy * dy + qz * dz;
  const c = qx * qx + qy * qy + qz * qz - p.r * p.r;
  const disc = b * b - a * c;
  if (disc < 0) return Infinity;
  const sq = Math.sqrt(disc);
  const t0 = (-b - sq) / a;
  if (t0 > tMin) return t0;
  const t1 = (-b + sq) / a;
  return t1 > tMin ? t1 : Infinity;
}

/**
 * Nearest intersection of the ray o + t·d (layout frame, d need not be unit) with t in (tMin, tMax).
 * Fills `hit` (surface coordinates, normal facing the ray) and returns true, or returns false.
 */
export function intersect(
  scene: CompiledScene,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
  tMax: number,
  hit: Hit,
): boolean {
  let best = tMax;
  let prim = -1;
  for (let i = 0; i < scene.length; i++) {
    const t = intersectOne(scene[i], ox, oy, oz, dx, dy, dz, tMin);
    if (t < best) {
      best = t;
      prim = i;
    }
  }
  if (prim < 0) return false;
  hit.t = best;
  hit.prim = prim;
  const p = scene[prim];
  const px = ox + best * dx - p.cx;
  const py = oy + best * dy - p.cy;
  const pz = oz + best * dz - p.cz;
  if (p.kind === QUAD) {
    hit.u = px * p.ux + py * p.uy + pz * p.uz;
    hit.v = px * p.vx + py * p.vy + pz * p.vz;
    hit.w = 0;
    hit.solid = false;
    hit.nx = p.nx;
    hit.ny = p.ny;
    hit.nz = p.nz;
  } else if (p.kind === BOX) {
    const lx = p.cos * px - p.sin * pz;
    const lz = p.sin * px + p.cos * pz;
    const ax = Math.abs(lx) / p.hx;
    const ay = Math.abs(py) / p.hy;
    const az = Math.abs(lz) / p.hz;
    let nlx = 0;
    let nly = 0;
    let nlz = 0;
    // Per-face offsets decorrelate the texture between faces; v runs up from the box's base.
    if (ax >= ay && ax >= az) {
      nlx = Math.sign(lx);
      hit.u = lz + (nlx > 0 ? 10 : 20);
      hit.v = py + p.hy;
    } else if (az >= ay) {
      nlz = Math.sign(lz);
      hit.u = lx + (nlz > 0 ? 30 : 40);
      hit.v = py + p.hy;
    } else {
      nly = Math.sign(py);
      hit.u = lx + (nly > 0 ? 50 : 60);
      hit.v = lz;
    }
    hit.w = 0;
    hit.solid = false;
    // Back to layout: x' = c·x + s·z, z' = −s·x + c·z.
    hit.nx = p.cos * nlx + p.sin * nlz;
    hit.ny = nly;
    hit.nz = -p.sin * nlx + p.cos * nlz;
  } else {
    hit.u = px;
    hit.v = py;
    hit.w = pz;
    hit.solid = true;
    hit.nx = px / p.r;
    hit.ny = py / p.r;
    hit.nz = pz / p.r;
  }
  if (hit.nx * dx + hit.ny * dy + hit.nz * dz > 0) {
    hit.nx = -hit.nx;
    hit.ny = -hit.ny;
    hit.nz = -hit.nz;
  }
  return true;
}

/** True when anything lies on the ray within (tMin, tMax) (shadow rays). */
export function occluded(
  scene: CompiledScene,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tMin: number,
  tMax: number,
): boolean {
  for (let i = 0; i < scene.length; i++) {
    if (intersectOne(scene[i], ox, oy, oz, dx, dy, dz, tMin) < tMax) return true;
  }
  return false;
}

/**
 * Unsigned distance (layout metres) from point p to the surface of a shape. Independent of the ray
 * caster, so tests can check that unprojected depths land on the surface they claim to.
 */
export function distanceToSurface(shape: Shape, p: Vec3): number {
  if (shape.kind === 'sphere') {
    const c = shape.center;
    return Math.abs(Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]) - shape.radius);
  }
  if (shape.kind === 'quad') {
    const [ux, uy, uz, lu] = norm3(shape.uAxis);
    const [vx, vy, vz, lv] = norm3(shape.vAxis);
    const q = [p[0] - shape.origin[0], p[1] - shape.origin[1], p[2] - shape.origin[2]];
    const s = Math.min(Math.max(q[0] * ux + q[1] * uy + q[2] * uz, 0), lu);
    const r = Math.min(Math.max(q[0] * vx + q[1] * vy + q[2] * vz, 0), lv);
    return Math.hypot(q[0] - s * ux - r * vx, q[1] - s * uy - r * vy, q[2] - s * uz - r * vz);
  }
  const c = Math.cos(shape.yaw);
  const s = Math.sin(shape.yaw);
  const qx = p[0] - shape.center[0];
  const qz = p[2] - shape.center[2];
  const local = [c * qx - s * qz, p[1] - shape.center[1], s * qx + c * qz];
  const d = local.map((x, i) => Math.abs(x) - shape.halfSize[i]);
  const outside = Math.hypot(Math.max(d[0], 0), Math.max(d[1], 0), Math.max(d[2], 0));
  const inside = Math.min(Math.max(d[0], d[1], d[2]), 0);
  return Math.abs(outside + inside);
}
