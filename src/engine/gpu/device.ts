import { REQUIRED_LIMITS } from './constants';
import { GpuError, limitTooLow, noAdapter, noWebGpu } from './errors';

/** What the UI shows about the GPU, and what kernels may rely on. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  /** True for a CPU implementation (SwiftShader, llvmpipe, WARP): it works, slowly. */
  software: boolean;
  features: string[];
  limits: Record<string, number>;
}

export interface GpuHandle {
  device: GPUDevice;
  adapter: GPUAdapter;
  report: AdapterReport;
  /** Optional features that were enabled on this device. */
  has: { timestampQuery: boolean; subgroups: boolean; shaderF16: boolean };
}

/** Limits the engine raises to the adapter's maxima: big buffers and bindings for million-splat scenes. */
const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxBindGroups',
] as const;

const OPTIONAL_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16'];

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render|software/i;

/** The browser's or Node's `GPU` object: `navigator.gpu` unless one is passed (Node passes Dawn's). */
function defaultGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  return nav?.gpu;
}

export function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const name of [...RAISED_LIMITS, 'maxUniformBufferBindingSize']) {
    limits[name] = Number((adapter.limits as unknown as Record<string, number>)[name]);
  }
  const text = `${info.vendor} ${info.architecture} ${info.description} ${info.device}`;
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description || info.device || '',
    software: fallback || SOFTWARE_NAMES.test(text),
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

export interface AcquireOptions {
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

/** One way to a GPUDevice, in a browser Worker and in Node: adapter maxima, optional features, typed errors. */
export async function acquireGpu(options: AcquireOptions = {}): Promise<GpuHandle> {
  const gpu = options.gpu ?? defaultGpu();
  if (!gpu) throw noWebGpu();
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter) throw noAdapter();

  const report = describeAdapter(adapter);
  for (const [name, need] of Object.entries(REQUIRED_LIMITS)) {
    const have = report.limits[name] ?? 0;
    if (have < need) throw limitTooLow(name, have, need);
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = report.limits[name];
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'splat-studio' });
  } catch (err) {
    throw new GpuError(
      'device-request-failed',
      `The GPU adapter refused to create a device: ${(err as Error).message}`,
      'Close other GPU-heavy tabs and reload; if it persists, update the GPU driver.',
      { check: 'requestDevice' },
    );
  }
  return {
    device,
    adapter,
    report,
    has: {
      timestampQuery: device.features.has('timestamp-query'),
      subgroups: device.features.has('subgroups'),
      shaderF16: device.features.has('shader-f16'),
    },
  };
}
