/**
 * Cover points through the orchestrator: a tiny posed run (two synthetic photos, warp-and-fill frames, one
 * step). The synthesis stage finds the pixels the point cloud leaves uncovered, and the optimisation starts
 * from the cloud plus those points; with synthesis off there are none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSyntheticScene } from '../geometry/synthetic';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { decodeImage } from '../io/decode-node';
import { Reconstruction } from './reconstruction';
import { scenePhotos } from './test-photos';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

describe('cover points in the pipeline', () => {
  it('adds splats where the cloud leaves the frames uncovered, and only with synthesis on', async () => {
    const s = makeSyntheticScene({ seed: 2, views: 2, width: 96, height: 72 });
    const photos = scenePhotos(s, { samples: 1, shadows: false });
    const run = async (synthesis: boolean) => {
      const r = new Reconstruction(gpu.device, photos, decodeImage, () => {}, { knownCameras: s.cameras });
      await r.run({ preset: 'fast', steps: 1, workingSize: 96, synthesis });
      const cloud = r.outputs.geometry!.cloud;
      const kept = cloud.confidence.filter((c) => c >= 0.3).length;
      const splats = (await r.currentSplats())!.count;
      const cover = r.outputs.synthesis!.cover?.count ?? 0;
      r.dispose();
      return { kept, splats, cover };
    };
    const on = await run(true);
    console.log(`cloud ${on.kept} points (confidence ≥ 0.3), cover ${on.cover}, splats ${on.splats}`);
    expect(on.cover).toBeGreaterThan(0);
    expect(on.splats).toBe(on.kept + on.cover);
    const off = await run(false);
    expect(off.cover).toBe(0);
    expect(off.splats).toBe(off.kept);
  });
});
