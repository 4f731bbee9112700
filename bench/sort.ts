/**
 * `npm run bench -- sort [--n=100000,1048576] [--bits=32,16] [--iterations=10] [--warmup=2]`: GPU radix
 * sort throughput of u32 key/value pairs (the rasterizer's depth sort uses 32-bit keys, its tile sort
 * about 16). Each iteration restores the same random keys first (untimed), so every run sorts unsorted data.
 */
import { createBuffer, STORAGE } from '../src/engine/gpu/buffers';
import { GpuTimer, median } from '../src/engine/gpu/timing';
import { RadixSort } from '../src/engine/sort/radix-sort';
import { adapterName, type Benchmark } from './types';

function listArg(args: string[], name: string, fallback: number[]): number[] {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg
    ? arg
        .slice(name.length + 3)
        .split(',')
        .map(Number)
    : fallback;
}

function randomKeys(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s >>> 0;
  }
  return out;
}

const bench: Benchmark = async ({ gpu, args }) => {
  const device = gpu.device;
  const timer = new GpuTimer(device);
  const sizes = listArg(args, 'n', [100_000, 1 << 20]);
  const bits = listArg(args, 'bits', [32, 16]);
  const [iterations] = listArg(args, 'iterations', [10]);
  const [warmup] = listArg(args, 'warmup', [2]);

  const cases: { n: number; keyBits: number; ms: number; mkeys_per_s: number }[] = [];
  for (const n of sizes) {
    const source = randomKeys(n, n);
    const pristineKeys = createBuffer(device, 'bench pristine keys', source, STORAGE);
    const pristineValues = createBuffer(device, 'bench pristine values', Uint32Array.from(source.keys()));
    const keys = createBuffer(device, 'bench keys', n * 4, STORAGE);
    const values = createBuffer(device, 'bench values', n * 4, STORAGE);
    const sort = new RadixSort(device, n);
    for (const keyBits of bits) {
      const times: number[] = [];
      for (let i = 0; i < warmup + iterations; i++) {
        const restore = device.createCommandEncoder({ label: 'restore keys' });
        restore.copyBufferToBuffer(pristineKeys, 0, keys, 0, n * 4);
        restore.copyBufferToBuffer(pristineValues, 0, values, 0, n * 4);
        device.queue.submit([restore.finish()]);
        await device.queue.onSubmittedWorkDone();
        const ms = await timer.time((encoder) => sort.encode(encoder, keys, values, n, keyBits));
        if (i >= warmup) times.push(ms);
      }
      const ms = median(times);
      cases.push({ n, keyBits, ms, mkeys_per_s: n / (ms * 1e3) });
      console.log(
        `sort n=${n.toLocaleString('en')} keyBits=${keyBits}: ${ms.toFixed(2)} ms median of ${iterations}` +
          ` → ${(n / (ms * 1e3)).toPrecision(3)} Mkeys/s`,
      );
    }
    sort.destroy();
    for (const b of [pristineKeys, pristineValues, keys, values]) b.destroy();
  }
  timer.destroy();
  return {
    adapter: adapterName(gpu.handle.report),
    timing: timer.usesTimestamps ? 'timestamp-query' : 'submitted-work-done',
    iterations,
    cases,
  };
};

export default bench;
