import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuffer, readU32 } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { PrefixSum, prefixSumReference } from './prefix-sum';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

function randomValues(n: number, seed: number, max: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % max;
  }
  return out;
}

async function gpuScan(values: Uint32Array, maxPerDim?: number): Promise<Uint32Array> {
  const device = gpu.device;
  const buffer = createBuffer(device, 'scan data', values);
  const scan = new PrefixSum(device, values.length, maxPerDim);
  const encoder = device.createCommandEncoder();
  scan.encode(encoder, buffer, values.length);
  device.queue.submit([encoder.finish()]);
  const out = await readU32(device, buffer, values.length);
  scan.destroy();
  buffer.destroy();
  return out;
}

describe('GPU prefix sum', () => {
  it.each([1, 7, 511, 512, 513, 100_003])('matches the reference for %i elements', async (n) => {
    const values = randomValues(n, n, 1000);
    expect(Array.from(await gpuScan(values))).toEqual(Array.from(prefixSumReference(values)));
  });

  it('scans 2^20 elements with more than one level and wraps like u32', async () => {
    const values = randomValues(1 << 20, 42, 0xffffffff);
    const got = await gpuScan(values);
    const want = prefixSumReference(values);
    let mismatches = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('splits dispatches that exceed the per-dimension workgroup limit into a 2D grid', async () => {
    // The real limit (65,535) would need 134M elements here; a limit of 5 takes the same 2D path
    // (x = 5, y = ceil(blocks / 5), with idle workgroups past the end) on every level.
    const n = 97 * GPU_CONSTANTS.SCAN_BLOCK + 17;
    const values = randomValues(n, 7, 3);
    const got = await gpuScan(values, 5);
    const want = prefixSumReference(values);
    let mismatches = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
    expect(mismatches).toBe(0);
    expect(got[n - 1]).toBe(want[n - 1]);
  });

  it('scans a prefix of a larger buffer without touching the rest', async () => {
    const values = randomValues(5000, 3, 10);
    const device = gpu.device;
    const buffer = createBuffer(device, 'scan data', values);
    const scan = new PrefixSum(device, 5000);
    const encoder = device.createCommandEncoder();
    scan.encode(encoder, buffer, 1234);
    device.queue.submit([encoder.finish()]);
    const out = await readU32(device, buffer, 5000);
    expect(Array.from(out.subarray(0, 1234))).toEqual(
      Array.from(prefixSumReference(values.subarray(0, 1234))),
    );
    expect(Array.from(out.subarray(1234))).toEqual(Array.from(values.subarray(1234)));
  });
});
