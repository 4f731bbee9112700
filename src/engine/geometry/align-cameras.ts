/**
 * Similarity transform (scale s, rotation R, translation t: x ↦ s·R·x + t) that maps estimated cameras onto
 * given ones, from camera orientations and centres. Works from two cameras up: the rotation is the chordal
 * mean of R_given·R_estᵀ (a single camera's orientation already fixes it), the scale the ratio of the
 * centres' spreads, the translation the centroids.
 */
import type { Camera } from './camera';
import { fromRotationTranslation, type Mat4, multiply, rotationOf, translationOf } from './mat4';
import { svd3 } from './pose/linalg';

export interface Similarity {
  scale: number;
  /** Row-major 3×3. */
  rotation: number[];
  translation: [number, number, number];
}

const centre = (c: Camera) => translationOf(c.worldFromCamera);

export function alignSimilarity(estimated: Camera[], given: Camera[]): Similarity {
  if (estimated.length !== given.length || estimated.length < 2)
    throw new Error('alignSimilarity: needs two or more pairs of cameras');
  // Σ R_g R_eᵀ, projected onto SO(3).
  const M = new Array(9).fill(0);
  for (let k = 0; k < given.length; k++) {
    const Rg = rotationOf(given[k].worldFromCamera);
    const Re = rotationOf(estimated[k].worldFromCamera);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) for (let i = 0; i < 3; i++) M[r * 3 + c] += Rg[r * 3 + i] * Re[c * 3 + i];
  }
  // svd3 returns proper rotations u, v (det +1, the last singular value signed): u·vᵀ is the closest rotation.
  const { u, v } = svd3(M);
  const R = new Array(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) for (let i = 0; i < 3; i++) R[r * 3 + c] += u[r * 3 + i] * v[c * 3 + i];
  const ce = estimated.map(centre);
  const cg = given.map(centre);
  const mean = (cs: number[][]) => [0, 1, 2].map((k) => cs.reduce((s, c) => s + c[k], 0) / cs.length);
  const me = mean(ce);
  const mg = mean(cg);
  const spread = (cs: number[][], m: number[]) =>
    Math.sqrt(cs.reduce((s, c) => s + (c[0] - m[0]) ** 2 + (c[1] - m[1]) ** 2 + (c[2] - m[2]) ** 2, 0));
  const scale = spread(cg, mg) / Math.max(spread(ce, me), 1e-12);
  const rm = [0, 1, 2].map((r) => R[r * 3] * me[0] + R[r * 3 + 1] * me[1] + R[r * 3 + 2] * me[2]);
  const translation: [number, number, number] = [
    mg[0] - scale * rm[0],
    mg[1] - scale * rm[1],
    mg[2] - scale * rm[2],
  ];
  return { scale, rotation: R, translation };
}

/** A camera of the target frame expressed in the source frame of `sim` (the inverse map, s⁻¹Rᵀ(x − t)). */
export function cameraIntoSource(sim: Similarity, camera: Camera): Camera {
  const Rt = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => sim.rotation[c * 3 + r]));
  const inv: Mat4 = fromRotationTranslation(Rt, [0, 0, 0]);
  const c = centre(camera);
  const d = [c[0] - sim.translation[0], c[1] - sim.translation[1], c[2] - sim.translation[2]];
  const rotated = multiply(inv, camera.worldFromCamera);
  rotated[12] = (Rt[0] * d[0] + Rt[1] * d[1] + Rt[2] * d[2]) / sim.scale;
  rotated[13] = (Rt[3] * d[0] + Rt[4] * d[1] + Rt[5] * d[2]) / sim.scale;
  rotated[14] = (Rt[6] * d[0] + Rt[7] * d[1] + Rt[8] * d[2]) / sim.scale;
  return { intrinsics: camera.intrinsics, worldFromCamera: rotated };
}
