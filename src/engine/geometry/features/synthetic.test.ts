import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import { projectPoint, unprojectPixel } from '../camera';
import { makeDepthProbe, makeSyntheticScene, PRESETS, renderView } from '../synthetic/index';
import { FeatureExtractor, Matcher, toCorrespondences } from './index';

// Features on the project's synthetic scenes (real parallax, occlusion, shading and repetitive
// textures): matches are checked against ground-truth depth and cameras.
const W = 256;
const H = 192;
const TOLERANCE_PX = 3;

let gpu: GpuContext;
let extractor: FeatureExtractor;
let matcher: Matcher;
beforeAll(async () => {
  gpu = await testGpu();
  extractor = new FeatureExtractor(gpu.device);
  matcher = new Matcher(gpu.device);
});
afterAll(() => {
  extractor?.destroy();
  gpu?.dispose();
});

describe('features on synthetic scene views', () => {
  it.each(PRESETS.map((preset, seed) => ({ preset, seed })))(
    '$preset: matches agree with ground-truth depth and poses',
    async ({ preset, seed }) => {
      const s = makeSyntheticScene({ preset, seed, views: 2, width: W, height: H });
      const [fa, fb] = [
        await extractor.extract({ width: W, height: H, data: renderView(s.scene, s.cameras[0]).rgba }),
        await extractor.extract({ width: W, height: H, data: renderView(s.scene, s.cameras[1]).rgba }),
      ];
      const m = await matcher.match(fa, fb);
      const { a, b } = toCorrespondences(fa, fb, m);
      // A match is an inlier when the surface point seen at its pixel in view 0 projects, unoccluded,
      // within TOLERANCE_PX of its pixel in view 1.
      const depth0 = makeDepthProbe(s.scene, s.cameras[0]);
      const depth1 = makeDepthProbe(s.scene, s.cameras[1]);
      let inliers = 0;
      const errors: number[] = [];
      for (let k = 0; k < m.ia.length; k++) {
        const [z] = depth0(a[2 * k], a[2 * k + 1]);
        if (!Number.isFinite(z)) continue; // sky: no ground truth, counted as an outlier
        const [u, v, z1] = projectPoint(
          s.cameras[1],
          unprojectPixel(s.cameras[0], a[2 * k], a[2 * k + 1], z),
        );
        const [seen] = depth1(u, v);
        const error = Math.hypot(u - b[2 * k], v - b[2 * k + 1]);
        errors.push(error);
        if (error < TOLERANCE_PX && Math.abs(seen - z1) < 0.02 * z1) inliers++;
      }
      errors.sort((p, q) => p - q);
      const fraction = inliers / m.ia.length;
      console.log(
        `${preset}: ${fa.count}/${fb.count} keypoints, ${m.ia.length} matches, inlier fraction ` +
          `${fraction.toFixed(3)} (< ${TOLERANCE_PX} px), median error ${errors[errors.length >> 1]?.toFixed(2)} px`,
      );
      expect(fa.count).toBeGreaterThan(250);
      expect(m.ia.length).toBeGreaterThanOrEqual(20);
      expect(fraction).toBeGreaterThanOrEqual(0.7);
    },
  );
});
