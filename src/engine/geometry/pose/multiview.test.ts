import { describe, expect, it } from 'vitest';
import { estimateCameras } from './estimate';
import { Rng } from './rng';
import { syntheticScene } from './synthetic';
import { poseErrors } from './test-metrics';
import { PoseError } from './types';

/** Same synthetic protocol as the two-view tests (512×384, 0.5–1 px noise, 20–40% outliers, 5–20° steps). */
const scene = (seed: number, views: number, points: number, withPrior = false) =>
  syntheticScene({
    seed,
    views,
    points,
    noisePx: 0.5 + ((seed * 7) % 10) / 20,
    outlierRatio: 0.2 + ((seed * 3) % 5) / 20,
    withPrior,
  });

describe('estimateCameras, several views', () => {
  it('three views without a focal prior: rotation ≤ 1°, translation direction ≤ 3°, focal ≤ 3%', () => {
    const seen: string[] = [];
    for (let seed = 1; seed <= 3; seed++) {
      const sc = scene(seed, 3, 600);
      const r = estimateCameras(sc.input);
      const e = poseErrors(r.cameras, sc.cameras);
      seen.push(
        `${seed}: ${e.maxRotationDeg.toFixed(3)}° ${e.maxTranslationDeg.toFixed(3)}° ${(100 * e.maxFocal).toFixed(2)}%`,
      );
      expect(e.maxRotationDeg).toBeLessThanOrEqual(1);
      expect(e.maxTranslationDeg).toBeLessThanOrEqual(3);
      expect(e.maxFocal).toBeLessThanOrEqual(0.03);
      // One shared focal for every photo.
      for (const c of r.cameras) expect(c.intrinsics.fx).toBe(r.cameras[0].intrinsics.fx);
      expect([...r.registrationOrder].sort()).toEqual([0, 1, 2]);
    }
    console.info(`three views, no prior: ${seen.join(' | ')}`);
  });

  it('three views with the true focal as prior: rotation ≤ 0.5°', () => {
    const sc = scene(4, 3, 600, true);
    const r = estimateCameras(sc.input);
    const e = poseErrors(r.cameras, sc.cameras);
    expect(e.maxRotationDeg).toBeLessThanOrEqual(0.5);
    expect(e.maxTranslationDeg).toBeLessThanOrEqual(3);
    expect(r.focalEstimated).toBe(false);
  });

  it('five views chain by PnP and refine jointly (keypoint ids given)', () => {
    const sc = syntheticScene({
      seed: 6,
      views: 5,
      points: 600,
      noisePx: 0.8,
      outlierRatio: 0.3,
      withIds: true,
    });
    const r = estimateCameras(sc.input);
    const e = poseErrors(r.cameras, sc.cameras);
    console.info(
      `five views: rotation ${e.maxRotationDeg.toFixed(3)}°, translation ${e.maxTranslationDeg.toFixed(3)}°, ` +
        `focal ${(100 * e.maxFocal).toFixed(2)}%, rms ${r.rmsPx.toFixed(3)} px, order ${r.registrationOrder}`,
    );
    expect(r.registrationOrder).toHaveLength(5);
    expect(e.maxRotationDeg).toBeLessThanOrEqual(0.5);
    expect(e.maxTranslationDeg).toBeLessThanOrEqual(2);
    expect(e.maxFocal).toBeLessThanOrEqual(0.02);
    // Joint refinement: reprojection error at the noise level (σ = 0.8 px per coordinate).
    expect(r.rmsPx).toBeLessThan(1.2);
    // Camera centres agree with the truth once both are at the same scale (median depth of photo 0 = 1).
    const depth0 = (() => {
      const z: number[] = [];
      for (let p = 0; p < sc.points.length / 3; p++) z.push(sc.points[3 * p + 2]);
      return z.sort((a, b) => a - b)[z.length >> 1];
    })();
    for (let v = 1; v < 5; v++) {
      const est = r.cameras[v].worldFromCamera;
      const tru = sc.cameras[v].worldFromCamera;
      const d = Math.hypot(
        est[12] - tru[12] / depth0,
        est[13] - tru[13] / depth0,
        est[14] - tru[14] / depth0,
      );
      // The two medians are taken over different point sets, so allow a few percent of the depth.
      expect(d).toBeLessThan((0.05 * Math.hypot(tru[12], tru[13], tru[14])) / depth0 + 0.03);
    }
    // Multi-view tracks were built: some points are seen by three or more photos.
    let long = 0;
    for (let p = 0; p + 1 < r.observations.start.length; p++)
      long += r.observations.start[p + 1] - r.observations.start[p] >= 3 ? 1 : 0;
    expect(long).toBeGreaterThan(100);
  });

  it('a photo of something else cannot be connected and is named', () => {
    const sc = scene(7, 3, 400);
    // Photo 3 (index 2) only has random matches with the others.
    const rng = new Rng(99);
    for (const m of sc.input.matches) {
      if (m.j !== 2 && m.i !== 2) continue;
      for (let k = 0; k < m.b.length; k += 2) {
        m.b[k] = rng.uniform(0, 512);
        m.b[k + 1] = rng.uniform(0, 384);
      }
    }
    try {
      estimateCameras(sc.input);
      throw new Error('expected a PoseError');
    } catch (e) {
      expect(e).toBeInstanceOf(PoseError);
      expect((e as PoseError).kind).toBe('disconnected-view');
      expect((e as PoseError).views).toEqual([2]);
      expect((e as PoseError).message).toMatch(/^photo 3 could not be connected to the other photos/);
    }
  });
});
