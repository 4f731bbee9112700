/**
 * onnxruntime-web's WebGPU execution provider in Node, on the engine's own Dawn GPUDevice: which EP
 * ran is reported truthfully, its outputs equal the wasm EP's and the known geometry, the engine's
 * device keeps working, and 'auto' falls back to wasm (saying why) only when WebGPU is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPointmapScene, planeDepth, pointmapModel, rayGrid } from '../../../tools/onnx/pointmap-model';
import type { GpuContext } from '../gpu/context';
import { nodeGpu } from '../gpu/node-gpu';
import { testGpu } from '../gpu/test-gpu';
import { ModelError } from './errors';
import { setupNodeRuntime } from './node-runtime';
import { createOrtSession, type HostTensor } from './runtime';
import { ModelSession } from './session';

const scene = defaultPointmapScene(32, 24);
const { width: w, height: h } = scene;

function image(level: number, phase: number): HostTensor {
  const data = new Float32Array(3 * w * h).map((_, i) => level + 0.2 * Math.sin(0.37 * i + phase));
  return { data, dims: [1, 3, h, w] };
}

describe('WebGPU execution provider on the engine device', () => {
  let gpu: GpuContext;
  const bytes = pointmapModel(scene).bytes;
  const feeds = { img1: image(0.3, 0), img2: image(-0.3, 1) };

  beforeAll(async () => {
    setupNodeRuntime(nodeGpu());
    gpu = await testGpu();
  });
  afterAll(() => gpu?.dispose());

  it('runs the model on the engine device with the same results as the wasm EP', async () => {
    const onGpu = await ModelSession.create(bytes, 'pointmap', {
      device: gpu.device,
      executionProvider: 'webgpu',
    });
    const onCpu = await ModelSession.create(bytes, 'pointmap', { executionProvider: 'wasm' });
    expect(onGpu.runtime).toMatchObject({ ep: 'webgpu', device: 'engine', ortVersion: '1.30.0' });
    expect(onCpu.runtime).toMatchObject({ ep: 'wasm', device: null });
    const a = await onGpu.run(feeds);
    const b = await onCpu.run(feeds);
    for (const name of ['pts3d_1', 'conf_1', 'pts3d_2', 'conf_2']) {
      expect(a[name].dims).toEqual(b[name].dims);
      let worst = 0;
      for (let i = 0; i < a[name].data.length; i++) {
        worst = Math.max(
          worst,
          Math.abs(a[name].data[i] - b[name].data[i]) / (1 + Math.abs(b[name].data[i])),
        );
      }
      expect(worst).toBeLessThan(1e-5);
    }
    // pts3d_1 is the known plane: depth × ray, channel-last.
    const depth = planeDepth(scene, 0);
    const rays = rayGrid(w, h, scene.focal[0]);
    for (let p = 0; p < w * h; p += 17) {
      for (let c = 0; c < 3; c++)
        expect(a.pts3d_1.data[p * 3 + c]).toBeCloseTo(depth[p] * rays[c * w * h + p], 5);
    }
    console.log(
      `WebGPU EP: create ${onGpu.runtime.createMs.toFixed(0)} ms, run ${onGpu.lastRunMs.toFixed(0)} ms; ` +
        `wasm EP: create ${onCpu.runtime.createMs.toFixed(0)} ms, run ${onCpu.lastRunMs.toFixed(0)} ms`,
    );
    await onGpu.release();
    await onCpu.release();

    // The engine's device survives ORT's use and release of it.
    const buffer = gpu.device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    });
    gpu.device.queue.writeBuffer(buffer, 0, new Float32Array([1, 2, 3, 4]));
    await buffer.mapAsync(GPUMapMode.READ);
    expect([...new Float32Array(buffer.getMappedRange())]).toEqual([1, 2, 3, 4]);
    buffer.destroy();
  });

  it("'auto' falls back to wasm and says why only when WebGPU is missing; 'webgpu' then fails", async () => {
    const nav = globalThis.navigator as unknown as { gpu?: GPU };
    const saved = nav.gpu;
    Object.defineProperty(nav, 'gpu', { value: undefined, configurable: true });
    try {
      const { session, report } = await createOrtSession(bytes, { executionProvider: 'auto' });
      expect(report.ep).toBe('wasm');
      expect(report.webgpuError).toContain('navigator.gpu is missing');
      await session.release();
      await expect(createOrtSession(bytes, { executionProvider: 'webgpu', label: 'tiny' })).rejects.toThrow(
        ModelError,
      );
    } finally {
      Object.defineProperty(nav, 'gpu', { value: saved, configurable: true });
    }
    // With WebGPU present, 'auto' picks it.
    const { session, report } = await createOrtSession(bytes, {
      executionProvider: 'auto',
      device: gpu.device,
    });
    expect(report).toMatchObject({ ep: 'webgpu', device: 'engine' });
    expect(report.webgpuError).toBeUndefined();
    await session.release();
  });
});
