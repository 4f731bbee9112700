/**
 * 4×4 matrices as column-major Float64Array(16) for maths on the CPU (element (row r, col c) at
 * c*4 + r); converted to Float32Array only when uploaded. Rigid transforms are named by what they map:
 * `worldFromCamera` maps camera coordinates to world coordinates.
 */
export type Mat4 = Float64Array;
export type Vec3 = [number, number, number];

export const identity = (): Mat4 => {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
};

export const get = (m: Mat4, r: number, c: number): number => m[c * 4 + r];

export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      out[c * 4 + r] = s;
    }
  }
  return out;
}

/** Rigid transform from a row-major 3×3 rotation and a translation. */
export function fromRotationTranslation(R: ArrayLike<number>, t: ArrayLike<number>): Mat4 {
  const m = identity();
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) m[c * 4 + r] = R[r * 3 + c];
    m[12 + r] = t[r];
  }
  return m;
}

/** Row-major 3×3 rotation block. */
export function rotationOf(m: Mat4): number[] {
  const R: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) R.push(m[c * 4 + r]);
  return R;
}

export const translationOf = (m: Mat4): Vec3 => [m[12], m[13], m[14]];

/** Inverse of a rigid transform (rotation + translation): Rᵀ, −Rᵀt. */
export function invertRigid(m: Mat4): Mat4 {
  const out = identity();
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) out[c * 4 + r] = m[r * 4 + c];
  for (let r = 0; r < 3; r++) {
    out[12 + r] = -(out[r] * m[12] + out[4 + r] * m[13] + out[8 + r] * m[14]);
  }
  return out;
}

export function transformPoint(m: Mat4, p: ArrayLike<number>): Vec3 {
  return [
    m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12],
    m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13],
    m[2] * p[0] + m[6] * p[1] + m[10] * p[2] + m[14],
  ];
}

export function transformDirection(m: Mat4, d: ArrayLike<number>): Vec3 {
  return [
    m[0] * d[0] + m[4] * d[1] + m[8] * d[2],
    m[1] * d[0] + m[5] * d[1] + m[9] * d[2],
    m[2] * d[0] + m[6] * d[1] + m[10] * d[2],
  ];
}

/** Row-major 3×3 rotation of a unit quaternion (w, x, y, z). */
export function quatToRotation(w: number, x: number, y: number, z: number): number[] {
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/** Unit quaternion (w, x, y, z) of a row-major rotation matrix (Shepperd's method, stable for all angles). */
export function rotationToQuat(R: ArrayLike<number>): [number, number, number, number] {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = Array.from(R);
  const trace = m00 + m11 + m22;
  let q: [number, number, number, number];
  if (trace > 0) {
    const s = Math.sqrt(trace + 1) * 2;
    q = [0.25 * s, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = [(m21 - m12) / s, 0.25 * s, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = [(m02 - m20) / s, (m01 + m10) / s, 0.25 * s, (m12 + m21) / s];
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, 0.25 * s];
  }
  const n = Math.hypot(...q);
  const sign = q[0] < 0 ? -1 : 1;
  return q.map((v) => (sign * v) / n) as [number, number, number, number];
}

/** Camera looking from `eye` at `target` (OpenCV axes: x right, y down, z forward). Returns worldFromCamera. */
export function lookAt(eye: Vec3, target: Vec3, up: Vec3 = [0, -1, 0]): Mat4 {
  const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const norm = (a: Vec3): Vec3 => {
    const l = Math.hypot(...a);
    return [a[0] / l, a[1] / l, a[2] / l];
  };
  const cross = (a: Vec3, b: Vec3): Vec3 => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
  const z = norm(sub(target, eye));
  // y points down in OpenCV, so "up" in the world is −y of the camera.
  const x = norm(cross(z, up));
  const y = cross(z, x);
  // Columns of R are the camera axes in world coordinates.
  return fromRotationTranslation([x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]], eye);
}

export const toFloat32 = (m: Mat4): Float32Array => new Float32Array(m);
