import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import adamWgsl from '../../../shaders/optim/adam.wgsl?raw';
import { alignSize, createBuffer, STORAGE, UNIFORM } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import { splitDispatch } from '../gpu/dispatch';
import { shaderModule } from '../gpu/pipelines';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /**
   * How many encodeGroup calls may share one submit (default 1024). Each call takes its own slot of a
   * uniform ring, written with queue.writeBuffer; a slot is reused only after this many later calls.
   */
  maxEncodesPerSubmit?: number;
}

export interface AdamGroup {
  param: GPUBuffer;
  grad: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
  /** Floats in the group (param, grad, m and v hold at least this many). */
  count: number;
  lr: number;
  /** Floats per splat, for the per-splat lr multiplier. Default 1. */
  stride?: number;
  /** Per-splat lr multiplier, `array<f32>` of ceil(count / stride); null or absent: 1. */
  lrScale?: GPUBuffer | null;
  /**
   * Floats of each stride past the first `headFloats` use lr × `tailLrScale` (SH: DC first, the higher
   * bands at a twentieth of its rate, as 3DGS does). Default: every float at lr.
   */
  headFloats?: number;
  tailLrScale?: number;
}

const PARAM_BYTES = 48; // AdamParams in shaders/optim/adam.wgsl (44 bytes, struct size rounded to 16)

interface Kernel {
  layout: GPUBindGroupLayout;
  pipeline: GPUComputePipeline;
}
const kernels = new WeakMap<GPUDevice, Kernel>();

// An explicit layout: the uniform binding uses a dynamic offset, which 'auto' layouts cannot express.
function kernelFor(device: GPUDevice): Kernel {
  let kernel = kernels.get(device);
  if (!kernel) {
    const storage = (type: GPUBufferBindingType, binding: number): GPUBindGroupLayoutEntry => ({
      binding,
      visibility: 4 /* GPUShaderStage.COMPUTE */,
      buffer: { type },
    });
    const layout = device.createBindGroupLayout({
      label: 'adam',
      entries: [
        storage('storage', 0),
        storage('read-only-storage', 1),
        storage('storage', 2),
        storage('storage', 3),
        storage('read-only-storage', 4),
        {
          binding: 5,
          visibility: 4,
          buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: PARAM_BYTES },
        },
      ],
    });
    const pipeline = device.createComputePipeline({
      label: 'adam:adam_step',
      layout: device.createPipelineLayout({ label: 'adam', bindGroupLayouts: [layout] }),
      compute: { module: shaderModule(device, 'adam', [dispatchWgsl, adamWgsl]), entryPoint: 'adam_step' },
    });
    kernel = { layout, pipeline };
    kernels.set(device, kernel);
  }
  return kernel;
}

interface CachedBinding {
  grad: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
  scale: GPUBuffer;
  bindGroup: GPUBindGroup;
}

/**
 * Fused Adam on flat f32 parameter groups (torch.optim.Adam semantics, defaults β = (0.9, 0.999) and
 * ε = 1e-15 as in 3DGS / InstantSplat). The CPU supplies lr and step per call; nothing is read back.
 */
export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly device: GPUDevice;
  private readonly kernel: Kernel;
  private readonly ring: GPUBuffer;
  private readonly slotBytes: number;
  private readonly slots: number;
  private nextSlot = 0;
  private readonly noScale: GPUBuffer;
  private readonly bindings = new WeakMap<GPUBuffer, CachedBinding>();

  constructor(device: GPUDevice, options: AdamOptions = {}) {
    this.device = device;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-15;
    this.kernel = kernelFor(device);
    this.slots = Math.max(1, options.maxEncodesPerSubmit ?? 1024);
    this.slotBytes = alignSize(PARAM_BYTES, device.limits.minUniformBufferOffsetAlignment);
    this.ring = createBuffer(device, 'adam params ring', this.slots * this.slotBytes, UNIFORM);
    this.noScale = createBuffer(device, 'adam no lr scale', 4, STORAGE);
  }

  /** Zeroed first and second moment buffers for a group of `count` floats. */
  createMoments(count: number, label = 'adam'): { m: GPUBuffer; v: GPUBuffer } {
    return {
      m: createBuffer(this.device, `${label} m`, count * 4, STORAGE),
      v: createBuffer(this.device, `${label} v`, count * 4, STORAGE),
    };
  }

  /** One fused update (moments, bias correction, step) of one parameter group; step counts from 1. */
  encodeGroup(encoder: GPUCommandEncoder, group: AdamGroup, step: number): void {
    const { count } = group;
    const stride = group.stride ?? 1;
    if (!(Number.isInteger(step) && step >= 1))
      throw new Error(`Adam: step must be an integer ≥ 1, got ${step}`);
    if (!(Number.isInteger(stride) && stride >= 1)) throw new Error(`Adam: bad stride ${stride}`);
    if (count <= 0) return;
    for (const [name, b] of [
      ['param', group.param],
      ['grad', group.grad],
      ['m', group.m],
      ['v', group.v],
    ] as const) {
      if (b.size < count * 4) throw new Error(`Adam: ${name} holds ${b.size} bytes, need ${count * 4}`);
    }
    const scale = group.lrScale ?? null;
    if (scale && scale.size < Math.ceil(count / stride) * 4)
      throw new Error('Adam: lrScale holds fewer than ceil(count / stride) floats');

    const data = new ArrayBuffer(PARAM_BYTES);
    const u = new Uint32Array(data);
    const f = new Float32Array(data);
    u.set([count, stride, scale ? 1 : 0, group.headFloats ?? stride]);
    const bc1 = 1 - this.beta1 ** step;
    const bc2 = 1 - this.beta2 ** step;
    f.set(
      [
        this.beta1,
        this.beta2,
        1 - this.beta1,
        1 - this.beta2,
        this.eps,
        group.lr / bc1,
        1 / Math.sqrt(bc2),
        group.tailLrScale ?? 1,
      ],
      4,
    );
    const offset = this.nextSlot * this.slotBytes;
    this.nextSlot = (this.nextSlot + 1) % this.slots;
    this.device.queue.writeBuffer(this.ring, offset, data);

    const pass = encoder.beginComputePass({ label: 'adam' });
    pass.setPipeline(this.kernel.pipeline);
    pass.setBindGroup(0, this.bindGroup(group, scale ?? this.noScale), [offset]);
    pass.dispatchWorkgroups(...splitDispatch(Math.ceil(count / GPU_CONSTANTS.WG_SIZE)));
    pass.end();
  }

  destroy(): void {
    this.ring.destroy();
    this.noScale.destroy();
  }

  private bindGroup(group: AdamGroup, scale: GPUBuffer): GPUBindGroup {
    const cached = this.bindings.get(group.param);
    if (
      cached &&
      cached.grad === group.grad &&
      cached.m === group.m &&
      cached.v === group.v &&
      cached.scale === scale
    )
      return cached.bindGroup;
    const bindGroup = this.device.createBindGroup({
      label: 'adam',
      layout: this.kernel.layout,
      entries: [
        { binding: 0, resource: { buffer: group.param } },
        { binding: 1, resource: { buffer: group.grad } },
        { binding: 2, resource: { buffer: group.m } },
        { binding: 3, resource: { buffer: group.v } },
        { binding: 4, resource: { buffer: scale } },
        { binding: 5, resource: { buffer: this.ring, offset: 0, size: PARAM_BYTES } },
      ],
    });
    this.bindings.set(group.param, { grad: group.grad, m: group.m, v: group.v, scale, bindGroup });
    return bindGroup;
  }
}

export interface AdamReferenceOptions {
  lr: number;
  step: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  stride?: number;
  lrScale?: ArrayLike<number> | null;
  headFloats?: number;
  tailLrScale?: number;
}

/** Plain float64 reference of one Adam step, in place on param, m and v. */
export function adamReference(
  param: Float64Array,
  grad: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  options: AdamReferenceOptions,
): void {
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const eps = options.eps ?? 1e-15;
  const stride = options.stride ?? 1;
  const bc1 = 1 - beta1 ** options.step;
  const bc2 = 1 - beta2 ** options.step;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    const mHat = m[i] / bc1;
    const vHat = v[i] / bc2;
    const tail = i % stride >= (options.headFloats ?? stride) ? (options.tailLrScale ?? 1) : 1;
    const lr = tail * options.lr * (options.lrScale ? options.lrScale[Math.floor(i / stride)] : 1);
    param[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}
