import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import prefixSumWgsl from '../../../shaders/sort/prefix_sum.wgsl?raw';
import { createBuffer, STORAGE, UNIFORM } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import { splitDispatch } from '../gpu/dispatch';
import { bindBuffers, computePipeline } from '../gpu/pipelines';

const SOURCES = [dispatchWgsl, prefixSumWgsl];
const { SCAN_BLOCK } = GPU_CONSTANTS;

interface Level {
  count: number;
  blocks: number;
  sums: GPUBuffer;
  params: GPUBuffer;
}

/**
 * Exclusive prefix sum of up to `capacity` u32 values in place on the GPU. Buffers for every level are
 * allocated once; `encode` may be called once per submit per instance (its uniforms are queue writes).
 */
export class PrefixSum {
  readonly capacity: number;
  private readonly device: GPUDevice;
  private readonly levels: Level[] = [];
  private readonly scan: GPUComputePipeline;
  private readonly add: GPUComputePipeline;
  private readonly maxPerDim: number;

  /** `maxWorkgroupsPerDim` defaults to the device limit; tests lower it to exercise the 2D split cheaply. */
  constructor(
    device: GPUDevice,
    capacity: number,
    maxWorkgroupsPerDim = device.limits.maxComputeWorkgroupsPerDimension,
  ) {
    this.device = device;
    this.capacity = capacity;
    this.maxPerDim = maxWorkgroupsPerDim;
    this.scan = computePipeline(device, { label: 'prefix-sum', sources: SOURCES, entryPoint: 'scan_blocks' });
    this.add = computePipeline(device, { label: 'prefix-sum', sources: SOURCES, entryPoint: 'add_offsets' });
    let count = capacity;
    do {
      const blocks = Math.ceil(count / SCAN_BLOCK);
      this.levels.push({
        count,
        blocks,
        sums: createBuffer(device, `scan sums ${this.levels.length}`, blocks * 4, STORAGE),
        params: createBuffer(device, `scan params ${this.levels.length}`, 8, UNIFORM),
      });
      count = blocks;
    } while (count > 1);
  }

  /** Scan the first `count` elements of `data` (count ≤ capacity). */
  encode(encoder: GPUCommandEncoder, data: GPUBuffer, count: number = this.capacity): void {
    if (count > this.capacity)
      throw new Error(`PrefixSum: ${count} elements exceed capacity ${this.capacity}`);
    const active: { level: Level; data: GPUBuffer; count: number; blocks: number }[] = [];
    let n = count;
    let buffer = data;
    for (const level of this.levels) {
      const blocks = Math.ceil(n / SCAN_BLOCK);
      this.device.queue.writeBuffer(level.params, 0, new Uint32Array([n, blocks]));
      active.push({ level, data: buffer, count: n, blocks });
      if (blocks <= 1) break;
      buffer = level.sums;
      n = blocks;
    }
    const pass = encoder.beginComputePass({ label: 'prefix-sum' });
    for (const step of active) {
      pass.setPipeline(this.scan);
      pass.setBindGroup(
        0,
        bindBuffers(this.device, this.scan, [step.data, step.level.sums, step.level.params]),
      );
      pass.dispatchWorkgroups(...splitDispatch(step.blocks, this.maxPerDim));
    }
    for (let i = active.length - 2; i >= 0; i--) {
      const step = active[i];
      pass.setPipeline(this.add);
      pass.setBindGroup(
        0,
        bindBuffers(this.device, this.add, [step.data, step.level.sums, step.level.params]),
      );
      pass.dispatchWorkgroups(...splitDispatch(step.blocks, this.maxPerDim));
    }
    pass.end();
  }

  destroy(): void {
    for (const level of this.levels) {
      level.sums.destroy();
      level.params.destroy();
    }
  }
}

/** Plain TypeScript reference: exclusive prefix sum with u32 wrap-around. */
export function prefixSumReference(values: Uint32Array): Uint32Array {
  const out = new Uint32Array(values.length);
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    out[i] = acc;
    acc = (acc + values[i]) >>> 0;
  }
  return out;
}
