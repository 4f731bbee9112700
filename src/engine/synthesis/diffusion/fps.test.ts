/** The FPS kernel against the plain-TS reference (Dawn; SwiftShader without a GPU). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import { farthestPointSample, farthestPointSampleCpu } from './fps';
import { gaussianNoise } from './sampler';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

function cloud(count: number, seed: number) {
  const positions = Float32Array.from(gaussianNoise(3 * count, seed), (v, i) => v * (1 + (i % 3)));
  const colors = Float32Array.from({ length: 3 * count }, (_, i) => (i * 0.137) % 1);
  return { count, positions, colors, confidence: new Float32Array(count).fill(1) };
}

describe('farthest point sampling', () => {
  it.each([
    [3000, 64, 0],
    [777, 200, 5],
    [40, 40, 3],
  ])('%i points, P = %i from %i: same picks as the CPU reference', async (count, samples, start) => {
    const c = cloud(count, count);
    const gpuRes = await farthestPointSample(gpu.device, c, samples, { start });
    const cpu = farthestPointSampleCpu(c.positions, count, samples, start);
    expect([...gpuRes.indices]).toEqual([...cpu]);
    // The [P,6] tensor holds each pick's position and colour.
    for (let s = 0; s < samples; s++) {
      const i = gpuRes.indices[s];
      expect([...gpuRes.points.subarray(6 * s, 6 * s + 6)]).toEqual([
        ...c.positions.subarray(3 * i, 3 * i + 3),
        ...c.colors.subarray(3 * i, 3 * i + 3),
      ]);
    }
    expect(new Set(gpuRes.indices).size).toBe(samples);
  });

  it('picks spread out: the covering radius beats a random subset', async () => {
    const c = cloud(2000, 9);
    const res = await farthestPointSample(gpu.device, c, 32);
    const cover = (idx: ArrayLike<number>) => {
      let worst = 0;
      for (let i = 0; i < c.count; i++) {
        let best = Number.POSITIVE_INFINITY;
        for (let k = 0; k < idx.length; k++) {
          const j = idx[k];
          const d = Math.hypot(
            c.positions[3 * i] - c.positions[3 * j],
            c.positions[3 * i + 1] - c.positions[3 * j + 1],
            c.positions[3 * i + 2] - c.positions[3 * j + 2],
          );
          best = Math.min(best, d);
        }
        worst = Math.max(worst, best);
      }
      return worst;
    };
    const random = Array.from({ length: 32 }, (_, k) => k * 61);
    expect(cover(res.indices)).toBeLessThan(cover(random));
  });
});
