import { wgslHeader } from './constants';

/**
 * Shader modules and compute pipelines, cached per device. Each module is the shared-constants header
 * followed by the given WGSL sources (helpers first), so kernels never repeat a number the TS side owns.
 */
const modules = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();
const pipelines = new WeakMap<GPUShaderModule, Map<string, GPUComputePipeline>>();

function cacheFor<K extends object, T>(store: WeakMap<K, Map<string, T>>, owner: K): Map<string, T> {
  let cache = store.get(owner);
  if (!cache) {
    cache = new Map();
    store.set(owner, cache);
  }
  return cache;
}

export function shaderModule(device: GPUDevice, label: string, sources: readonly string[]): GPUShaderModule {
  const code = [wgslHeader(), ...sources].join('\n');
  const cache = cacheFor(modules, device);
  let module = cache.get(code);
  if (!module) {
    module = device.createShaderModule({ label, code });
    cache.set(code, module);
  }
  return module;
}

export interface KernelSpec {
  label: string;
  sources: readonly string[];
  entryPoint: string;
  /** Pipeline-overridable constants (`override` declarations in WGSL). */
  constants?: Record<string, number>;
}

/** A compute pipeline with an automatic layout, created once per device and spec. */
export function computePipeline(device: GPUDevice, spec: KernelSpec): GPUComputePipeline {
  const module = shaderModule(device, spec.label, spec.sources);
  const key = `${spec.entryPoint}|${JSON.stringify(spec.constants ?? {})}`;
  const cache = cacheFor(pipelines, module);
  let pipeline = cache.get(key);
  if (!pipeline) {
    pipeline = device.createComputePipeline({
      label: `${spec.label}:${spec.entryPoint}`,
      layout: 'auto',
      compute: { module, entryPoint: spec.entryPoint, constants: spec.constants },
    });
    cache.set(key, pipeline);
  }
  return pipeline;
}

/** A bind group for group 0 of `pipeline` from buffers in binding order. */
export function bindBuffers(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  buffers: readonly (GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number })[],
  group = 0,
): GPUBindGroup {
  return device.createBindGroup({
    layout: pipeline.getBindGroupLayout(group),
    entries: buffers.map((b, binding) => ({
      binding,
      resource: 'buffer' in b ? b : { buffer: b },
    })),
  });
}

/** A buffer or a range of one, as a bind-group entry takes it. */
export type BufferEntry = GPUBuffer | GPUBufferBinding;

/** A bind group for group 0 of `pipeline` with explicit binding numbers (auto layouts bind only what each entry point uses). */
export function bindMap(
  device: GPUDevice,
  pipeline: GPUComputePipeline,
  entries: Record<number, BufferEntry>,
): GPUBindGroup {
  return device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: Object.entries(entries).map(([binding, b]) => ({
      binding: Number(binding),
      resource: 'buffer' in b ? b : { buffer: b },
    })),
  });
}
