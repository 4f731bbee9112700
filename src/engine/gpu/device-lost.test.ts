import { describe, expect, it } from 'vitest';
import { PrefixSum } from '../sort/prefix-sum';
import { createBuffer, readU32 } from './buffers';
import { GpuContext } from './context';
import { acquireGpu } from './device';
import { GpuError } from './errors';
import { nodeGpu } from './node-gpu';

async function scanWorks(device: GPUDevice): Promise<boolean> {
  const data = createBuffer(device, 'check', new Uint32Array([3, 1, 4, 1, 5]));
  const scan = new PrefixSum(device, 5);
  const encoder = device.createCommandEncoder();
  scan.encode(encoder, data, 5);
  device.queue.submit([encoder.finish()]);
  const out = Array.from(await readU32(device, data, 5));
  return JSON.stringify(out) === JSON.stringify([0, 3, 4, 8, 9]);
}

describe('GPU device layer', () => {
  it('reports the adapter and raises limits to the adapter maxima', async () => {
    const handle = await acquireGpu({ gpu: nodeGpu() });
    expect(handle.report.software).toBe(true); // SwiftShader here
    expect(handle.device.limits.maxStorageBufferBindingSize).toBe(
      handle.report.limits.maxStorageBufferBindingSize,
    );
    expect(handle.device.limits.maxBufferSize).toBe(handle.report.limits.maxBufferSize);
    expect(handle.has.timestampQuery).toBe(handle.adapter.features.has('timestamp-query'));
    handle.device.destroy();
  });

  it('gives a typed error when there is no WebGPU at all', async () => {
    const g = globalThis as { navigator?: unknown };
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    try {
      await expect(acquireGpu()).rejects.toMatchObject({ code: 'no-webgpu' });
    } finally {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete g.navigator;
    }
  });

  it('gives a typed error when no adapter is granted', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const err = await acquireGpu({ gpu }).catch((e) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect(err.code).toBe('no-adapter');
    expect(err.hint).toMatch(/acceleration/);
  });

  it('names the limit, what the GPU has and what the engine needs', async () => {
    const real = await nodeGpu().requestAdapter();
    const limits = new Proxy(real!.limits, {
      get: (t, p) => (p === 'maxStorageBufferBindingSize' ? 1 << 20 : Reflect.get(t, p)),
    });
    const adapter = new Proxy(real!, { get: (t, p) => (p === 'limits' ? limits : Reflect.get(t, p)) });
    const gpu = { requestAdapter: async () => adapter } as unknown as GPU;
    const err = await acquireGpu({ gpu }).catch((e) => e);
    expect(err.code).toBe('limit-too-low');
    expect(err.message).toContain('maxStorageBufferBindingSize is 1048576');
    expect(err.details).toMatchObject({ have: 1 << 20, need: 128 * 1024 * 1024 });
  });

  it('turns a lost device into a typed event and recovers with a working device and restored state', async () => {
    const ctx = await GpuContext.create({ gpu: nodeGpu() }, true);
    const first = ctx.device;
    const state = new Uint32Array([7, 7, 7]);
    let uploaded: GPUBuffer = createBuffer(first, 'state', state);
    ctx.onRestore((handle) => {
      uploaded = createBuffer(handle.device, 'state', state);
    });
    const lost = new Promise<GpuError>((resolve) => ctx.onLost(resolve));
    const recovered = new Promise<void>((resolve) => ctx.onRecovered(() => resolve()));

    first.destroy(); // what a driver reset looks like to the page

    const error = await lost;
    expect(error).toBeInstanceOf(GpuError);
    expect(error.code).toBe('device-lost');
    expect(error.message).toMatch(/lost/);
    await recovered;
    expect(ctx.device).not.toBe(first);
    expect(await scanWorks(ctx.device)).toBe(true);
    expect(Array.from(await readU32(ctx.device, uploaded, 3))).toEqual([7, 7, 7]);
    ctx.dispose();
  });

  it('does not report its own disposal as a loss', async () => {
    const ctx = await GpuContext.create({ gpu: nodeGpu() }, true);
    let events = 0;
    ctx.onLost(() => events++);
    ctx.dispose();
    await ctx.device.lost;
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toBe(0);
  });
});
