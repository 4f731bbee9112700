import { createBuffer, readU32 } from './gpu/buffers';
import { GpuTimer } from './gpu/timing';
import type { SelftestResult } from './protocol';
import { PrefixSum, prefixSumReference } from './sort/prefix-sum';

/** Runs the GPU prefix sum on pseudo-random data and checks every element against the CPU reference. */
export async function runSelftest(device: GPUDevice, elements: number): Promise<SelftestResult> {
  const values = new Uint32Array(elements);
  let s = 12345;
  for (let i = 0; i < elements; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = s >>> 20;
  }
  const data = createBuffer(device, 'selftest data', values);
  const scan = new PrefixSum(device, elements);
  const gpuMs = await new GpuTimer(device).time((encoder) => scan.encode(encoder, data, elements));
  const got = await readU32(device, data, elements);
  const want = prefixSumReference(values);
  let mismatches = 0;
  for (let i = 0; i < elements; i++) if (got[i] !== want[i]) mismatches++;
  scan.destroy();
  data.destroy();
  return { kernel: 'prefix-sum', elements, verified: mismatches === 0, mismatches, gpuMs };
}
