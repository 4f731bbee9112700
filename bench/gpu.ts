/**
 * `npm run bench -- gpu`: memory bandwidth of a WGSL copy kernel and of copyBufferToBuffer, and the
 * throughput of the multi-level prefix sum — the basic figures every later kernel is judged against.
 */
import copyWgsl from '../shaders/bench/copy.wgsl?raw';
import dispatchWgsl from '../shaders/common/dispatch.wgsl?raw';
import { createBuffer, STORAGE, uniformBuffer } from '../src/engine/gpu/buffers';
import { GPU_CONSTANTS } from '../src/engine/gpu/constants';
import { dispatch1D } from '../src/engine/gpu/dispatch';
import { bindBuffers, computePipeline } from '../src/engine/gpu/pipelines';
import { GpuTimer, median } from '../src/engine/gpu/timing';
import { PrefixSum } from '../src/engine/sort/prefix-sum';
import { adapterName, type Benchmark } from './types';

const WARMUP = 3;
const ITERATIONS = 10;

async function medianMs(timer: GpuTimer, work: (encoder: GPUCommandEncoder) => void): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await timer.time(work);
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) times.push(await timer.time(work));
  return median(times);
}

const bench: Benchmark = async ({ gpu, args }) => {
  const device = gpu.device;
  const timer = new GpuTimer(device);
  const mib = Number(args.find((a) => a.startsWith('--mib='))?.slice(6) ?? 64);
  const bytes = mib * 1024 * 1024;
  const src = createBuffer(device, 'bench src', bytes, STORAGE);
  const dst = createBuffer(device, 'bench dst', bytes, STORAGE);

  const vec4Count = bytes / 16;
  const copy = computePipeline(device, {
    label: 'copy',
    sources: [dispatchWgsl, copyWgsl],
    entryPoint: 'copy_vec4',
  });
  const params = uniformBuffer(device, 'copy params', new Uint32Array([vec4Count]));
  const bind = bindBuffers(device, copy, [src, dst, params]);
  const kernelMs = await medianMs(timer, (encoder) => {
    const pass = encoder.beginComputePass();
    pass.setPipeline(copy);
    pass.setBindGroup(0, bind);
    dispatch1D(pass, vec4Count, GPU_CONSTANTS.WG_SIZE);
    pass.end();
  });
  const builtinMs = await medianMs(timer, (encoder) => encoder.copyBufferToBuffer(src, 0, dst, 0, bytes));

  const scanCount = bytes / 4;
  const scan = new PrefixSum(device, scanCount);
  const scanMs = await medianMs(timer, (encoder) => scan.encode(encoder, dst, scanCount));

  // Bytes moved: read + write for copies; the scan reads and writes every element twice (scan, add).
  const gbps = (moved: number, ms: number) => moved / (ms * 1e6);
  const result = {
    adapter: adapterName(gpu.handle.report),
    timing: timer.usesTimestamps ? 'timestamp-query' : 'submitted-work-done',
    bytes,
    copy_kernel_ms: kernelMs,
    copy_kernel_gbps: gbps(2 * bytes, kernelMs),
    copy_builtin_ms: builtinMs,
    copy_builtin_gbps: gbps(2 * bytes, builtinMs),
    prefix_sum_elements: scanCount,
    prefix_sum_ms: scanMs,
    prefix_sum_gelem_per_s: scanCount / (scanMs * 1e6),
  };
  console.log(`adapter            ${result.adapter} (timing: ${result.timing})`);
  console.log(`buffer             ${mib} MiB`);
  console.log(`copy kernel        ${kernelMs.toFixed(2)} ms   ${result.copy_kernel_gbps.toFixed(2)} GB/s`);
  console.log(`copyBufferToBuffer ${builtinMs.toFixed(2)} ms   ${result.copy_builtin_gbps.toFixed(2)} GB/s`);
  console.log(
    `prefix sum         ${scanMs.toFixed(2)} ms   ${result.prefix_sum_gelem_per_s.toFixed(3)} Gelem/s (${scanCount} u32)`,
  );
  scan.destroy();
  src.destroy();
  dst.destroy();
  timer.destroy();
  return result;
};

export default bench;
