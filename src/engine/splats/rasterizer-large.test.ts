import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuffer, readF32, STORAGE } from '../gpu/buffers';
import { nodeGpu } from '../gpu/node-gpu';
import { orbitCamera, randomCloud, rng } from './random-scene';
import { Rasterizer } from './rasterizer';
import type { RasterOptions } from './reference';
import { GpuScene } from './scene';

const MiB = 1024 * 1024;
let device: GPUDevice;

beforeAll(async () => {
  // The WebGPU default limits: 128 MiB per storage binding, 256 MiB per buffer.
  const adapter = await nodeGpu().requestAdapter();
  if (!adapter) throw new Error('no adapter');
  device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB },
  });
});
afterAll(() => device?.destroy());

describe('splat rasterizer at scale', () => {
  it('renders and differentiates 1M splats at 512×512 within a 128 MiB storage-binding limit', async () => {
    expect(device.limits.maxStorageBufferBindingSize).toBe(128 * MiB);
    const n = 1_000_000;
    const cloud = randomCloud(n, 0, 77, { extent: 1, logScale: [Math.log(0.004), Math.log(0.02)] });
    const camera = orbitCamera(512, 512, [0, -0.3, -3.2], [0, 0, 0], 50);
    const opts: RasterOptions = { background: [0, 0, 0], shDegree: 0, near: 0.05 };
    const scene = GpuScene.fromCloud(device, cloud);
    const raster = new Rasterizer(device, { maxSplats: n, width: 512, height: 512 });
    expect(raster.capacity * 4).toBeLessThanOrEqual(128 * MiB);
    const u = rng(5);
    const gradImage = createBuffer(
      device,
      'grad image',
      Float32Array.from({ length: 512 * 512 * 4 }, () => u() - 0.5),
      STORAGE,
    );

    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    const encoder = device.createCommandEncoder();
    raster.forward(encoder, scene, camera, opts);
    raster.backward(encoder, scene, gradImage);
    device.queue.submit([encoder.finish()]);
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    expect(oom).toBeNull();
    expect(invalid).toBeNull();

    const stats = await raster.readStats();
    expect(stats.visible).toBeGreaterThan(0.9 * n);
    expect(stats.overflow).toBe(false);
    const image = await readF32(device, raster.image, 512 * 512 * 4);
    let covered = 0;
    let finite = true;
    let mean = 0;
    for (let p = 0; p < 512 * 512; p++) {
      for (let c = 0; c < 4; c++) if (!Number.isFinite(image[4 * p + c])) finite = false;
      if (image[4 * p + 3] > 0.9) covered++;
      mean += image[4 * p] / (512 * 512);
    }
    expect(finite).toBe(true);
    // The cloud fills the middle of the view: a solid blob, not an empty or saturated image.
    expect(covered / (512 * 512)).toBeGreaterThan(0.2);
    expect(covered / (512 * 512)).toBeLessThan(0.95);
    expect(mean).toBeGreaterThan(0.05);
    expect(mean).toBeLessThan(1.5);

    const grads = await scene.downloadGradients();
    let nonzero = 0;
    let nonFinite = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(grads.means[3 * i]) || !Number.isFinite(grads.logScales[3 * i])) nonFinite++;
      if (grads.opacityLogits[i] !== 0) nonzero++;
    }
    expect(nonFinite).toBe(0);
    // Most of a million overlapping splats are hidden behind others (the T < T_MIN stop); ~10% are reached.
    expect(nonzero).toBeGreaterThan(0.05 * n);
    raster.destroy();
    scene.destroy();
    gradImage.destroy();
  });
});
