import { describe, expect, it } from 'vitest';
import { alignSimilarity, cameraIntoSource } from './align-cameras';
import type { Camera } from './camera';
import { fromRotationTranslation, lookAt, multiply, quatToRotation, rotationOf, translationOf } from './mat4';

const K = { fx: 100, fy: 100, cx: 64, cy: 48, width: 128, height: 96 };

/** Applies x ↦ s·R·x + t to a camera (its orientation rotates by R). */
function transformCamera(c: Camera, s: number, R: number[], t: number[]): Camera {
  const m = multiply(fromRotationTranslation(R, [0, 0, 0]), c.worldFromCamera);
  const p = translationOf(c.worldFromCamera);
  for (let r = 0; r < 3; r++)
    m[12 + r] = s * (R[r * 3] * p[0] + R[r * 3 + 1] * p[1] + R[r * 3 + 2] * p[2]) + t[r];
  return { intrinsics: K, worldFromCamera: m };
}

describe('camera similarity alignment', () => {
  const q = [0.9, 0.1, -0.3, 0.2];
  const n = Math.hypot(...q);
  const R = quatToRotation(q[0] / n, q[1] / n, q[2] / n, q[3] / n);
  const estimated: Camera[] = [
    { intrinsics: K, worldFromCamera: lookAt([0, 0, 0], [0, 0, 1]) },
    { intrinsics: K, worldFromCamera: lookAt([0.3, 0.05, 0], [0, 0, 1.2]) },
    { intrinsics: K, worldFromCamera: lookAt([-0.2, 0.1, 0.1], [0.1, 0, 1]) },
  ];
  const given = estimated.map((c) => transformCamera(c, 2.5, R, [1, -2, 3]));

  it.each([2, 3])('recovers a known similarity from %i cameras', (count) => {
    const sim = alignSimilarity(estimated.slice(0, count), given.slice(0, count));
    expect(sim.scale).toBeCloseTo(2.5, 9);
    for (let i = 0; i < 9; i++) expect(sim.rotation[i]).toBeCloseTo(R[i], 9);
    expect(sim.translation[0]).toBeCloseTo(1, 9);
    expect(sim.translation[2]).toBeCloseTo(3, 9);
  });

  it('maps a given (test) camera back into the estimated frame', () => {
    const sim = alignSimilarity(estimated, given);
    const back = cameraIntoSource(sim, given[2]);
    const want = estimated[2].worldFromCamera;
    for (let i = 0; i < 16; i++) expect(back.worldFromCamera[i]).toBeCloseTo(want[i], 9);
    expect(rotationOf(back.worldFromCamera).length).toBe(9);
  });
});
