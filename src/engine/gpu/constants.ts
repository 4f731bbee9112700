/**
 * The one source of constants shared by TypeScript and WGSL. Every shader gets them through
 * `wgslHeader()`, so no number is written twice.
 */
export const GPU_CONSTANTS = {
  /** Threads per workgroup for 1D compute kernels. */
  WG_SIZE: 256,
  /** Elements scanned by one workgroup in the prefix sum (WG_SIZE threads × 2 elements each). */
  SCAN_BLOCK: 512,
  /** WebGPU's per-dimension dispatch limit; larger dispatches are split into a 2D grid. */
  MAX_WORKGROUPS_PER_DIM: 65535,
  /** Rasterizer tile edge in pixels (16×16 tiles). */
  TILE_SIZE: 16,
  /** Radix sort digit width in bits and the number of buckets per pass. */
  RADIX_BITS: 4,
  RADIX_BUCKETS: 16,
  /** Keys each sort workgroup handles per pass (WG_SIZE threads × 4 keys). */
  SORT_BLOCK: 1024,
} as const;

export type GpuConstantName = keyof typeof GPU_CONSTANTS;

/** WGSL `const` declarations for every shared constant, prepended to each shader module. */
export function wgslHeader(): string {
  return Object.entries(GPU_CONSTANTS)
    .map(([name, value]) => `const ${name}: u32 = ${value}u;`)
    .join('\n');
}

/** What the engine cannot run without. Checked against the adapter when the device is created. */
export const REQUIRED_LIMITS = {
  maxComputeWorkgroupSizeX: GPU_CONSTANTS.WG_SIZE,
  maxComputeInvocationsPerWorkgroup: GPU_CONSTANTS.WG_SIZE,
  maxComputeWorkgroupStorageSize: 16384,
  maxStorageBuffersPerShaderStage: 8,
  maxStorageBufferBindingSize: 128 * 1024 * 1024,
} as const;
