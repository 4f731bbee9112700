/**
 * `refinePoses` through the orchestrator: RunOptions → preset settings → the trainer. A tiny posed run
 * (two synthetic photos, warp-and-fill frames, a few steps): with the flag the second input's camera moves
 * and the first input and the synthesized frames keep theirs; without it nothing moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSyntheticScene } from '../geometry/synthetic';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { decodeImage } from '../io/decode-node';
import type { RunOptions } from '../protocol';
import { poseDistance } from '../splats/pose-refine';
import { resolveSettings } from './presets';
import { Reconstruction } from './reconstruction';
import { scenePhotos } from './test-photos';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

describe('pose refinement in the pipeline', () => {
  it('is off by default and, when asked for, refines the non-first input cameras only', async () => {
    expect(resolveSettings({ preset: 'balanced' }).refinePoses).toBe(false);
    expect(resolveSettings({ preset: 'fast', refinePoses: true }).refinePoses).toBe(true);

    const s = makeSyntheticScene({ seed: 2, views: 2, width: 96, height: 72 });
    const photos = scenePhotos(s, { samples: 1, shadows: false });
    const reconstruction = new Reconstruction(gpu.device, photos, decodeImage, () => {}, {
      knownCameras: s.cameras,
    });
    const options: RunOptions = { preset: 'fast', steps: 8, workingSize: 96, refinePoses: true };
    await reconstruction.run(options);
    const frames = reconstruction.outputs.synthesis!.frames;
    let trainer = reconstruction.outputs.trainer!;
    expect(trainer.options.refinePoses).toBe(true);
    const inputs = frames.flatMap((f, i) => (f.source === 'input' ? [i] : []));
    expect(inputs.length).toBe(2);
    expect(frames.length).toBeGreaterThan(2);
    const moved = (await trainer.cameras()).map((c, i) => poseDistance(c, frames[i].camera));
    console.log(
      `after 8 steps: input 1 moved ${moved[inputs[1]].rotationDeg.toExponential(2)}° / ` +
        `${moved[inputs[1]].translation.toExponential(2)}`,
    );
    moved.forEach((d, i) => {
      if (i === inputs[1]) {
        expect(d.rotationDeg + d.translation).toBeGreaterThan(0);
        expect(d.rotationDeg).toBeLessThan(1);
      } else {
        expect(d.rotationDeg).toBe(0);
        expect(d.translation).toBe(0);
      }
    });

    // Switching the flag off replaces the trainer; its cameras are the given ones.
    await reconstruction.run({ ...options, refinePoses: false }, undefined, 'optimization');
    trainer = reconstruction.outputs.trainer!;
    expect(trainer.options.refinePoses).toBe(false);
    for (const [i, c] of (await trainer.cameras()).entries()) expect(c).toBe(frames[i].camera);
    reconstruction.dispose();
  });
});
