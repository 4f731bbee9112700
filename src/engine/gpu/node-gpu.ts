/**
 * Node glue (tests, CLI, bench): Dawn through the `webgpu` npm package. Without a hardware Vulkan driver
 * it uses Chromium's SwiftShader ICD, the same software GPU the browser tests use.
 */
import { existsSync, readdirSync } from 'node:fs';
import { create, globals } from 'webgpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** A GPU device node exists (NVIDIA, or a DRM render node): let the Vulkan loader find its driver. */
function hasGpuDeviceNode(): boolean {
  if (existsSync('/dev/nvidia0')) return true;
  return existsSync('/dev/dri') && readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
}

let cached: GPU | null = null;

/** Dawn's `GPU` object; sets the WebGPU globals (GPUBufferUsage, …) the engine expects. */
export function nodeGpu(): GPU {
  if (cached) return cached;
  Object.assign(globalThis, globals);
  // SPLAT_GPU=swiftshader forces the software GPU, SPLAT_GPU=hardware the system's drivers.
  const mode = process.env.SPLAT_GPU ?? (hasGpuDeviceNode() ? 'hardware' : 'swiftshader');
  if (!process.env.VK_ICD_FILENAMES && mode === 'swiftshader' && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  // SwiftShader's own workgroup-memory zeroing costs the whole array per thread; Dawn's zeroing keeps the
  // WebGPU guarantee at a fraction of the cost (a 1M-key radix pass: 2.1 s → 0.6 s of CPU).
  const flags =
    mode === 'swiftshader'
      ? ['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension']
      : [];
  cached = create(flags) as GPU;
  return cached;
}
