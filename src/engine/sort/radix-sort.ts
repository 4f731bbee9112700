import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import radixSortWgsl from '../../../shaders/sort/radix_sort.wgsl?raw';
import radixArgsWgsl from '../../../shaders/sort/radix_sort_args.wgsl?raw';
import { createBuffer, STORAGE, USAGE } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import { splitDispatch } from '../gpu/dispatch';
import { computePipeline } from '../gpu/pipelines';
import { PrefixSum } from './prefix-sum';

const { RADIX_BITS, RADIX_BUCKETS, SORT_BLOCK, MAX_WORKGROUPS_PER_DIM } = GPU_CONSTANTS;
const SORT_SOURCES = [dispatchWgsl, radixSortWgsl];
const ARGS_SOURCES = [radixArgsWgsl];
/** Passes of a full 32-bit sort; each pass index has one uniform slot per digit width 1..RADIX_BITS. */
const MAX_PASSES = Math.ceil(32 / RADIX_BITS);
const PARAM_WORDS = 4;

/** A u32 count living on the GPU (byte offset, multiple of 4; the buffer needs STORAGE usage). */
export type SortCount = number | { buffer: GPUBuffer; offset: number };

export interface RadixSortOptions {
  /** Per-dimension workgroup limit for the 2D dispatch split (tests lower it to exercise the split). */
  maxWorkgroupsPerDim?: number;
}

type Entry = GPUBuffer | GPUBufferBinding;

/** A bind group for an automatic layout, from explicit binding numbers (kernels use subsets). */
function bindGroup(device: GPUDevice, pipeline: GPUComputePipeline, entries: Record<number, Entry>) {
  return device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: Object.entries(entries).map(([binding, b]) => ({
      binding: Number(binding),
      resource: 'buffer' in b ? b : { buffer: b },
    })),
  });
}

interface BoundBuffers {
  keys: GPUBuffer;
  values: GPUBuffer;
  groups: Map<string, GPUBindGroup>;
}

/**
 * Stable LSD radix sort of u32 key/value pairs on the GPU: RADIX_BITS bits a pass, each pass a per-block
 * histogram, an exclusive scan of the whole bucket-major histogram (PrefixSum, fixed size so it never
 * depends on a GPU-only count) and a stable scatter. Portable: no look-back, no subgroups.
 *
 * Per-pass shifts live in uniform slots written once at construction, so one `encode` may issue all its
 * passes in one command buffer. The count (and, for GPU counts, its location) are queue writes: several
 * encodes in one submit are correct as long as each uses its own RadixSort instance.
 */
export class RadixSort {
  readonly capacity: number;
  private readonly device: GPUDevice;
  private readonly maxBlocks: number;
  private readonly maxPerDim: number;
  private readonly slotStride: number;
  private readonly tmpKeys: GPUBuffer;
  private readonly tmpValues: GPUBuffer;
  private readonly histogram: GPUBuffer;
  private readonly countBuffer: GPUBuffer;
  private readonly argsBuffer: GPUBuffer;
  private readonly argsParams: GPUBuffer;
  private readonly passParams: GPUBuffer;
  private readonly scan: PrefixSum;
  private readonly histogramPipeline: GPUComputePipeline;
  private readonly scatterPipeline: GPUComputePipeline;
  private readonly copyPipeline: GPUComputePipeline;
  private readonly argsPipeline: GPUComputePipeline;
  private bound: BoundBuffers | null = null;
  private argsBound: { source: GPUBuffer; group: GPUBindGroup } | null = null;

  constructor(device: GPUDevice, capacity: number, options: RadixSortOptions = {}) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new Error(`RadixSort: bad capacity ${capacity}`);
    this.device = device;
    this.capacity = capacity;
    this.maxBlocks = Math.max(1, Math.ceil(capacity / SORT_BLOCK));
    this.maxPerDim = options.maxWorkgroupsPerDim ?? MAX_WORKGROUPS_PER_DIM;
    this.slotStride = Math.max(PARAM_WORDS * 4, device.limits.minUniformBufferOffsetAlignment);

    const kernel = (entryPoint: string) =>
      computePipeline(device, { label: 'radix-sort', sources: SORT_SOURCES, entryPoint });
    this.histogramPipeline = kernel('histogram_blocks');
    this.scatterPipeline = kernel('scatter_blocks');
    this.copyPipeline = kernel('copy_back');
    this.argsPipeline = computePipeline(device, {
      label: 'radix-sort-args',
      sources: ARGS_SOURCES,
      entryPoint: 'write_dispatch_args',
    });

    this.tmpKeys = createBuffer(device, 'radix tmp keys', capacity * 4, STORAGE);
    this.tmpValues = createBuffer(device, 'radix tmp values', capacity * 4, STORAGE);
    const histogramSize = RADIX_BUCKETS * this.maxBlocks;
    this.histogram = createBuffer(device, 'radix histogram', histogramSize * 4, STORAGE);
    this.scan = new PrefixSum(device, histogramSize);
    this.countBuffer = createBuffer(device, 'radix count', 4, STORAGE);
    this.argsBuffer = createBuffer(device, 'radix dispatch args', 12, STORAGE | USAGE.INDIRECT);
    this.argsParams = createBuffer(device, 'radix args params', 16, USAGE.UNIFORM | USAGE.COPY_DST);

    // One slot per (pass, digit width): {shift, digit mask, max_blocks, 0}.
    const slotWords = this.slotStride / 4;
    const params = new Uint32Array(MAX_PASSES * RADIX_BITS * slotWords);
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      for (let width = 1; width <= RADIX_BITS; width++) {
        const at = this.slot(pass, width) * slotWords;
        params.set([pass * RADIX_BITS, (1 << width) - 1, this.maxBlocks, 0], at);
      }
    }
    this.passParams = createBuffer(device, 'radix pass params', params, USAGE.UNIFORM);
  }

  /**
   * Stable LSD sort of keys[0..count) with their values, ascending by the low `keyBits` bits. Result
   * lands back in `keys`/`values`; entries past the count are not touched. With a GPU count, dispatches
   * are indirect (count clamped to the capacity) and nothing is read back.
   */
  encode(
    encoder: GPUCommandEncoder,
    keys: GPUBuffer,
    values: GPUBuffer,
    count: SortCount,
    keyBits = 32,
  ): void {
    if (!Number.isInteger(keyBits) || keyBits < 0 || keyBits > 32) {
      throw new Error(`RadixSort: keyBits must be an integer in [0, 32], got ${keyBits}`);
    }
    const passes = Math.ceil(keyBits / RADIX_BITS);
    if (passes === 0) return;

    let direct: [number, number] | null = null;
    if (typeof count === 'number') {
      if (!Number.isInteger(count) || count < 0 || count > this.capacity) {
        throw new Error(`RadixSort: count ${count} outside [0, capacity ${this.capacity}]`);
      }
      if (count === 0) return;
      this.checkSize(keys, values, count);
      this.device.queue.writeBuffer(this.countBuffer, 0, Uint32Array.of(count));
      direct = splitDispatch(Math.ceil(count / SORT_BLOCK), this.maxPerDim);
    } else {
      const { buffer, offset } = count;
      if (offset % 4 !== 0 || offset < 0 || offset + 4 > buffer.size) {
        throw new Error(`RadixSort: count offset ${offset} is not a u32 inside ${buffer.label}`);
      }
      this.checkSize(keys, values, this.capacity);
      this.device.queue.writeBuffer(
        this.argsParams,
        0,
        Uint32Array.of(offset / 4, this.capacity, this.maxPerDim, 0),
      );
      const pass = encoder.beginComputePass({ label: 'radix-sort args' });
      pass.setPipeline(this.argsPipeline);
      pass.setBindGroup(0, this.argsGroup(buffer));
      pass.dispatchWorkgroups(1);
      pass.end();
    }
    const dispatch = (pass: GPUComputePassEncoder) => {
      if (direct) pass.dispatchWorkgroups(direct[0], direct[1]);
      else pass.dispatchWorkgroupsIndirect(this.argsBuffer, 0);
    };

    const groups = this.groupsFor(keys, values);
    for (let p = 0; p < passes; p++) {
      const width = Math.min(RADIX_BITS, keyBits - p * RADIX_BITS);
      const parity = p % 2;
      // Blocks past the count are never written by the histogram kernel: they must read as zeros.
      encoder.clearBuffer(this.histogram);
      let pass = encoder.beginComputePass({ label: `radix-sort histogram ${p}` });
      pass.setPipeline(this.histogramPipeline);
      pass.setBindGroup(0, this.group(groups, 'histogram', parity, p, width));
      dispatch(pass);
      pass.end();
      this.scan.encode(encoder, this.histogram, this.scan.capacity);
      pass = encoder.beginComputePass({ label: `radix-sort scatter ${p}` });
      pass.setPipeline(this.scatterPipeline);
      pass.setBindGroup(0, this.group(groups, 'scatter', parity, p, width));
      dispatch(pass);
      pass.end();
    }

    if (passes % 2 === 1) {
      if (typeof count === 'number') {
        encoder.copyBufferToBuffer(this.tmpKeys, 0, keys, 0, count * 4);
        encoder.copyBufferToBuffer(this.tmpValues, 0, values, 0, count * 4);
      } else {
        const pass = encoder.beginComputePass({ label: 'radix-sort copy back' });
        pass.setPipeline(this.copyPipeline);
        pass.setBindGroup(0, this.group(groups, 'copy', 1, 0, RADIX_BITS));
        dispatch(pass);
        pass.end();
      }
    }
  }

  destroy(): void {
    for (const b of [
      this.tmpKeys,
      this.tmpValues,
      this.histogram,
      this.countBuffer,
      this.argsBuffer,
      this.argsParams,
      this.passParams,
    ]) {
      b.destroy();
    }
    this.scan.destroy();
    this.bound = null;
    this.argsBound = null;
  }

  private slot(pass: number, width: number): number {
    return pass * RADIX_BITS + width - 1;
  }

  private checkSize(keys: GPUBuffer, values: GPUBuffer, count: number): void {
    if (keys.size < count * 4 || values.size < count * 4) {
      throw new Error(`RadixSort: keys/values buffers hold fewer than ${count} u32`);
    }
  }

  private argsGroup(source: GPUBuffer): GPUBindGroup {
    if (this.argsBound?.source !== source) {
      const group = bindGroup(this.device, this.argsPipeline, {
        0: source,
        1: this.argsBuffer,
        2: this.countBuffer,
        3: this.argsParams,
      });
      this.argsBound = { source, group };
    }
    return this.argsBound.group;
  }

  /** Bind groups depend on the caller's buffers; a per-frame sort of the same buffers reuses them. */
  private groupsFor(keys: GPUBuffer, values: GPUBuffer): Map<string, GPUBindGroup> {
    if (this.bound?.keys !== keys || this.bound.values !== values) {
      this.bound = { keys, values, groups: new Map() };
    }
    return this.bound.groups;
  }

  /** Parity 0 reads the caller's buffers and writes the temporaries; parity 1 the other way round. */
  private group(
    groups: Map<string, GPUBindGroup>,
    kind: 'histogram' | 'scatter' | 'copy',
    parity: number,
    pass: number,
    width: number,
  ): GPUBindGroup {
    const key = `${kind}:${parity}:${pass}:${width}`;
    let group = groups.get(key);
    if (group) return group;
    const { keys, values } = this.bound!;
    const [srcKeys, srcValues, dstKeys, dstValues] =
      parity === 0
        ? [keys, values, this.tmpKeys, this.tmpValues]
        : [this.tmpKeys, this.tmpValues, keys, values];
    const params = { buffer: this.passParams, offset: this.slot(pass, width) * this.slotStride, size: 16 };
    if (kind === 'histogram') {
      group = bindGroup(this.device, this.histogramPipeline, {
        0: srcKeys,
        4: this.histogram,
        5: this.countBuffer,
        6: params,
      });
    } else if (kind === 'scatter') {
      group = bindGroup(this.device, this.scatterPipeline, {
        0: srcKeys,
        1: srcValues,
        2: dstKeys,
        3: dstValues,
        4: this.histogram,
        5: this.countBuffer,
        6: params,
      });
    } else {
      group = bindGroup(this.device, this.copyPipeline, {
        0: srcKeys,
        1: srcValues,
        2: dstKeys,
        3: dstValues,
        5: this.countBuffer,
      });
    }
    groups.set(key, group);
    return group;
  }
}

/**
 * Plain TypeScript reference: stable sort of (key, value) pairs ascending by the low `keyBits` bits of
 * the key (LSD counting sort, 8 bits a pass). Returns new arrays; keys keep all their bits.
 */
export function radixSortReference(
  keys: Uint32Array,
  values: Uint32Array,
  keyBits = 32,
): { keys: Uint32Array; values: Uint32Array } {
  if (keys.length !== values.length) throw new Error('radixSortReference: length mismatch');
  const mask = keyBits >= 32 ? 0xffffffff : (2 ** keyBits - 1) >>> 0;
  let k = keys.slice();
  let v = values.slice();
  let k2 = new Uint32Array(k.length);
  let v2 = new Uint32Array(v.length);
  const counts = new Uint32Array(256);
  for (let shift = 0; shift < keyBits; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < k.length; i++) counts[((k[i] & mask) >>> shift) & 255]++;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < k.length; i++) {
      const at = counts[((k[i] & mask) >>> shift) & 255]++;
      k2[at] = k[i];
      v2[at] = v[i];
    }
    [k, k2] = [k2, k];
    [v, v2] = [v2, v];
  }
  return { keys: k, values: v };
}
