import type { Camera } from '../camera';
import { invertRigid, multiply, rotationOf, translationOf } from '../mat4';
import { angleDeg, mul3, rotationAngleDeg, transpose3 } from './linalg';

/**
 * Accuracy of estimated cameras against ground truth (both with world = camera 0), for tests and
 * benchmarks: per view v ≥ 1, the error of the relative pose camera v ← camera 0 (rotation angle and
 * translation direction), and the relative focal error.
 */
export interface PoseErrors {
  rotationDeg: number[];
  translationDeg: number[];
  focal: number[];
  maxRotationDeg: number;
  maxTranslationDeg: number;
  maxFocal: number;
}

export function poseErrors(estimated: Camera[], truth: Camera[]): PoseErrors {
  const rotationDeg: number[] = [];
  const translationDeg: number[] = [];
  const focal = estimated.map((c, v) => Math.abs(c.intrinsics.fx / truth[v].intrinsics.fx - 1));
  for (let v = 1; v < truth.length; v++) {
    const relT = multiply(invertRigid(truth[v].worldFromCamera), truth[0].worldFromCamera);
    const relE = multiply(invertRigid(estimated[v].worldFromCamera), estimated[0].worldFromCamera);
    const rT = Float64Array.from(rotationOf(relT));
    const rE = Float64Array.from(rotationOf(relE));
    rotationDeg.push(rotationAngleDeg(mul3(rE, transpose3(rT))));
    translationDeg.push(angleDeg(translationOf(relE), translationOf(relT)));
  }
  return {
    rotationDeg,
    translationDeg,
    focal,
    maxRotationDeg: Math.max(...rotationDeg),
    maxTranslationDeg: Math.max(...translationDeg),
    maxFocal: Math.max(...focal),
  };
}
