/** Row-major 3×3 rotation helpers for the alignment (small and allocation-light). */

export function mul3(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out = new Array<number>(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++)
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  }
  return out;
}

export const transpose3 = (a: ArrayLike<number>): number[] => [
  a[0],
  a[3],
  a[6],
  a[1],
  a[4],
  a[7],
  a[2],
  a[5],
  a[8],
];

export function apply3(R: ArrayLike<number>, v: ArrayLike<number>): [number, number, number] {
  return [
    R[0] * v[0] + R[1] * v[1] + R[2] * v[2],
    R[3] * v[0] + R[4] * v[1] + R[5] * v[2],
    R[6] * v[0] + R[7] * v[1] + R[8] * v[2],
  ];
}

/** Rodrigues: rotation by the axis-angle vector w (radians). */
export function expSO3(w: ArrayLike<number>): number[] {
  const th = Math.hypot(w[0], w[1], w[2]);
  if (th < 1e-12) return [1, -w[2], w[1], w[2], 1, -w[0], -w[1], w[0], 1];
  const [x, y, z] = [w[0] / th, w[1] / th, w[2] / th];
  const c = Math.cos(th);
  const s = Math.sin(th);
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

/** Angle (degrees) of the rotation taking a to b. */
export function rotationDistanceDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let tr = 0;
  for (let k = 0; k < 9; k++) tr += a[k] * b[k];
  return (Math.acos(Math.min(1, Math.max(-1, (tr - 1) / 2))) * 180) / Math.PI;
}

/** Nearest rotation by re-orthonormalising rows (Gram–Schmidt); keeps accumulated updates on SO(3). */
export function orthonormalise(R: number[]): number[] {
  const r0 = [R[0], R[1], R[2]];
  let n = Math.hypot(r0[0], r0[1], r0[2]);
  for (let k = 0; k < 3; k++) r0[k] /= n;
  const d = r0[0] * R[3] + r0[1] * R[4] + r0[2] * R[5];
  const r1 = [R[3] - d * r0[0], R[4] - d * r0[1], R[5] - d * r0[2]];
  n = Math.hypot(r1[0], r1[1], r1[2]);
  for (let k = 0; k < 3; k++) r1[k] /= n;
  const r2 = [r0[1] * r1[2] - r0[2] * r1[1], r0[2] * r1[0] - r0[0] * r1[2], r0[0] * r1[1] - r0[1] * r1[0]];
  return [...r0, ...r1, ...r2];
}
