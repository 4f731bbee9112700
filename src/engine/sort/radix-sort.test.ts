import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuffer, readU32, STORAGE, USAGE } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { RadixSort, type RadixSortOptions, radixSortReference, type SortCount } from './radix-sort';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

function randomKeys(n: number, seed: number, modulo?: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    // xorshift32: all 32 bits are random (an LCG's low bits would be too regular for a radix sort test).
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = modulo ? s % modulo : s;
  }
  return out;
}

const iota = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

/** The spec's oracle: Array.prototype.sort on (masked key, original index), i.e. a stable sort. */
function expectedOrder(keys: Uint32Array, keyBits: number): Uint32Array {
  const mask = keyBits >= 32 ? 0xffffffff : (2 ** keyBits - 1) >>> 0;
  const order = Array.from({ length: keys.length }, (_, i) => i);
  order.sort((a, b) => ((keys[a] & mask) >>> 0) - ((keys[b] & mask) >>> 0) || a - b);
  return Uint32Array.from(order);
}

function countMismatches(got: Uint32Array, want: Uint32Array): number {
  let bad = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) bad++;
  return bad;
}

interface SortRun {
  keys: Uint32Array;
  values: Uint32Array;
  count?: number;
  keyBits?: number;
  gpuCount?: boolean;
  capacity?: number;
  options?: RadixSortOptions;
}

/** Sorts on the GPU and returns the whole key/value buffers (including entries past the count). */
async function gpuSort(run: SortRun): Promise<{ keys: Uint32Array; values: Uint32Array }> {
  const device = gpu.device;
  const n = run.keys.length;
  const count = run.count ?? n;
  const keys = createBuffer(device, 'test keys', run.keys);
  const values = createBuffer(device, 'test values', run.values);
  const sort = new RadixSort(device, run.capacity ?? n, run.options);
  // Put the count at a non-zero, non-256-aligned offset to check the offset handling.
  const countBuffer = createBuffer(device, 'test count', Uint32Array.of(0xdead, count), STORAGE);
  const sortCount: SortCount = run.gpuCount ? { buffer: countBuffer, offset: 4 } : count;
  const encoder = device.createCommandEncoder();
  sort.encode(encoder, keys, values, sortCount, run.keyBits);
  device.queue.submit([encoder.finish()]);
  const out = { keys: await readU32(device, keys, n), values: await readU32(device, values, n) };
  for (const b of [keys, values, countBuffer]) b.destroy();
  sort.destroy();
  return out;
}

/** GPU result vs the stable oracle, with values = original indices. */
async function checkAgainstOracle(run: SortRun): Promise<void> {
  const count = run.count ?? run.keys.length;
  const keyBits = run.keyBits ?? 32;
  const got = await gpuSort(run);
  const order = expectedOrder(run.keys.subarray(0, count), keyBits);
  const wantValues = order.map((i) => run.values[i]);
  const wantKeys = order.map((i) => run.keys[i]);
  expect(countMismatches(got.values.subarray(0, count), wantValues)).toBe(0);
  expect(countMismatches(got.keys.subarray(0, count), wantKeys)).toBe(0);
  // Entries past the count are untouched.
  expect(countMismatches(got.keys.subarray(count), run.keys.subarray(count))).toBe(0);
  expect(countMismatches(got.values.subarray(count), run.values.subarray(count))).toBe(0);
}

describe('radixSortReference', () => {
  it('matches a stable Array.prototype.sort, masking to keyBits', () => {
    const keys = randomKeys(5000, 9);
    for (const keyBits of [32, 12, 5, 0]) {
      const ref = radixSortReference(keys, iota(keys.length), keyBits);
      expect(Array.from(ref.values)).toEqual(Array.from(expectedOrder(keys, keyBits)));
    }
  });
});

describe('GPU radix sort', () => {
  it('sorts 2^20 keys with many ties (key % 1000, keyBits 16) stably', async () => {
    const n = 1 << 20;
    await checkAgainstOracle({ keys: randomKeys(n, 1, 1000), values: iota(n), keyBits: 16 });
  });

  it('sorts 2^20 full 32-bit keys through a GPU-side count', async () => {
    const n = 1 << 20;
    await checkAgainstOracle({ keys: randomKeys(n, 2), values: iota(n), gpuCount: true });
  });

  it('sorts by the low 12 bits only (3 passes, odd: copied back) and keeps ties stable', async () => {
    const n = 40_000;
    const keys = randomKeys(n, 3); // high bits random: they must be ignored
    await checkAgainstOracle({ keys, values: iota(n), keyBits: 12 });
    await checkAgainstOracle({ keys, values: iota(n), keyBits: 12, gpuCount: true });
  });

  it('honours a keyBits that is not a multiple of the digit width', async () => {
    const n = 5000;
    await checkAgainstOracle({ keys: randomKeys(n, 4), values: iota(n), keyBits: 6 });
  });

  it('sorts a GPU-side count smaller than the capacity and leaves the rest untouched', async () => {
    const n = 20_000;
    const keys = randomKeys(n, 5, 300);
    const values = randomKeys(n, 6);
    for (const keyBits of [16, 12]) {
      await checkAgainstOracle({ keys, values, count: 12_345, keyBits, gpuCount: true, capacity: n });
    }
  });

  it.each([0, 1, 1023, 1025])('sorts a count of %i (CPU and GPU counts)', async (count) => {
    const n = 3000;
    const keys = randomKeys(n, count + 10, 50);
    const values = randomKeys(n, count + 20);
    for (const gpuCount of [false, true]) {
      await checkAgainstOracle({ keys, values, count, keyBits: 8, gpuCount, capacity: n });
      await checkAgainstOracle({ keys, values, count, keyBits: 12, gpuCount, capacity: n });
    }
  });

  it('clamps a GPU count above the capacity', async () => {
    const n = 4000;
    const keys = randomKeys(n, 11, 77);
    const got = await gpuSort({ keys, values: iota(n), count: 1 << 30, gpuCount: true, capacity: 2500 });
    const want = expectedOrder(keys.subarray(0, 2500), 32);
    expect(countMismatches(got.values.subarray(0, 2500), want)).toBe(0);
    expect(countMismatches(got.values.subarray(2500), iota(n).subarray(2500))).toBe(0);
  });

  it('splits dispatches into a 2D grid (CPU and GPU counts)', async () => {
    // A lowered per-dimension limit forces the split that real sorts only need above 67M keys.
    const n = 9 * 1024 + 100; // 10 blocks → grid 5 × 2 with a limit of 7
    const keys = randomKeys(n, 12, 4096);
    for (const gpuCount of [false, true]) {
      await checkAgainstOracle({
        keys,
        values: iota(n),
        keyBits: 12,
        gpuCount,
        options: { maxWorkgroupsPerDim: 7 },
      });
    }
  });

  it('sorts positive f32 depths by their bit patterns', async () => {
    // A positive IEEE-754 float's bits, read as a u32, order like the float itself (sign 0, then exponent,
    // then mantissa), so depths in front of the camera need no key transform. Negative floats would not.
    const n = 30_000;
    const depths = new Float32Array(n);
    const r = randomKeys(n, 13);
    for (let i = 0; i < n; i++) depths[i] = i % 7 === 0 ? 2.5 : 0.01 + (r[i] / 2 ** 32) * 100;
    const keys = new Uint32Array(depths.buffer);
    const got = await gpuSort({ keys: keys.slice(), values: iota(n) });
    const sortedDepths = new Float32Array(got.keys.buffer);
    let ascending = true;
    for (let i = 1; i < n; i++) if (!(sortedDepths[i - 1] <= sortedDepths[i])) ascending = false;
    expect(ascending).toBe(true);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => depths[a] - depths[b] || a - b);
    expect(Array.from(got.values)).toEqual(order);
  });

  it('runs two sorts in one submit on different instances and reuses an instance across submits', async () => {
    const device = gpu.device;
    const n = 6000;
    const keysA = randomKeys(n, 21, 500);
    const keysB = randomKeys(n, 22);
    const bufKA = createBuffer(device, 'a keys', keysA);
    const bufVA = createBuffer(device, 'a values', iota(n));
    const bufKB = createBuffer(device, 'b keys', keysB);
    const bufVB = createBuffer(device, 'b values', iota(n));
    const sortA = new RadixSort(device, n);
    const sortB = new RadixSort(device, n);
    const encoder = device.createCommandEncoder();
    sortA.encode(encoder, bufKA, bufVA, n, 12);
    sortB.encode(encoder, bufKB, bufVB, 4000, 32);
    device.queue.submit([encoder.finish()]);
    expect(Array.from(await readU32(device, bufVA, n))).toEqual(Array.from(expectedOrder(keysA, 12)));
    const gotB = await readU32(device, bufVB, n);
    expect(Array.from(gotB.subarray(0, 4000))).toEqual(
      Array.from(expectedOrder(keysB.subarray(0, 4000), 32)),
    );
    // Sorting the already sorted A again (same instance, cached bind groups) keeps it unchanged.
    const again = device.createCommandEncoder();
    sortA.encode(again, bufKA, bufVA, n, 12);
    device.queue.submit([again.finish()]);
    expect(Array.from(await readU32(device, bufVA, n))).toEqual(Array.from(expectedOrder(keysA, 12)));
    for (const b of [bufKA, bufVA, bufKB, bufVB]) b.destroy();
    sortA.destroy();
    sortB.destroy();
  });

  it('rejects bad arguments', () => {
    const device = gpu.device;
    const sort = new RadixSort(device, 100);
    const buf = createBuffer(device, 'keys', 400, STORAGE | USAGE.COPY_SRC);
    const encoder = device.createCommandEncoder();
    expect(() => sort.encode(encoder, buf, buf, 101)).toThrow(/capacity/);
    expect(() => sort.encode(encoder, buf, buf, 10, 33)).toThrow(/keyBits/);
    expect(() => sort.encode(encoder, buf, buf, { buffer: buf, offset: 2 })).toThrow(/offset/);
    sort.destroy();
    buf.destroy();
  });
});
