import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readF32 } from '../../gpu/buffers';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import {
  GaussianPyramid,
  gaussianTaps,
  LEVELS,
  levelIncrements,
  pyramidLayout,
  pyramidReference,
} from './pyramid';
import { makeTexture, renderTexture } from './test-images';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

describe('feature pyramid', () => {
  it('has Gaussian taps that sum to one and levels whose blur composes to sigma0 · 2^(l/S)', () => {
    for (const sigma of [0.7, 1.25, 3.1]) {
      const t = gaussianTaps(sigma);
      expect(t[0] + 2 * t.slice(1).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    const inc = levelIncrements(1.6);
    let variance = 0.5 * 0.5;
    for (let l = 0; l < LEVELS; l++) {
      variance += inc[l] * inc[l];
      expect(Math.sqrt(variance)).toBeCloseTo(1.6 * 2 ** (l / (LEVELS - 3)), 6);
    }
  });

  it.each([
    [false, 97, 70],
    [true, 97, 70],
    [false, 128, 96],
  ])('matches the CPU reference (upsample %s, %i × %i, odd sizes included)', async (upsample, w, h) => {
    const layout = pyramidLayout(w, h, 1.6, upsample);
    expect(layout.firstOctave).toBe(upsample ? -1 : 0);
    expect(layout.octaves[0].width).toBe(upsample ? 2 * w - 1 : w);
    // Each octave halves (rounding up) and none is smaller than 32 pixels.
    for (let o = 1; o < layout.octaves.length; o++) {
      expect(layout.octaves[o].width).toBe(Math.ceil(layout.octaves[o - 1].width / 2));
      expect(Math.min(layout.octaves[o].width, layout.octaves[o].height)).toBeGreaterThanOrEqual(32);
    }
    const image = renderTexture(makeTexture(5, 0, 0, w, h), w, h, { samples: 1 });
    const pyramid = new GaussianPyramid(gpu.device, layout);
    gpu.device.queue.writeBuffer(pyramid.rgba, 0, image.data);
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pyramid.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    const got = await readF32(gpu.device, pyramid.buffer, layout.size);
    const want = pyramidReference(layout, image.data);
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    expect(maxErr).toBeLessThan(1e-5);
    // Not trivially flat: the image has structure at the first level.
    const first = want.subarray(0, layout.octaves[0].width * layout.octaves[0].height);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(0.3);
    pyramid.destroy();
  });
});
