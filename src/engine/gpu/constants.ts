/**
 * The one source of constants shared by TypeScript and WGSL. Every shader gets them through
 * `wgslHeader()`, so no number is written twice.
 */
const WG_SIZE = 256;
const SCAN_PER_THREAD = 8;

export const GPU_CONSTANTS = {
  /** Threads per workgroup for 1D compute kernels. */
  WG_SIZE,
  /** Elements each prefix-sum thread scans serially, and so per workgroup (WG_SIZE × SCAN_PER_THREAD). */
  SCAN_PER_THREAD,
  SCAN_BLOCK: WG_SIZE * SCAN_PER_THREAD,
  /** WebGPU's per-dimension dispatch limit; larger dispatches are split into a 2D grid. */
  MAX_WORKGROUPS_PER_DIM: 65535,
  /** Rasterizer tile edge in pixels (16×16 tiles). */
  TILE_SIZE: 16,
  /** Radix sort digit width in bits and the number of buckets per pass. */
  RADIX_BITS: 4,
  RADIX_BUCKETS: 16,
  /** Keys each sort workgroup handles per pass (WG_SIZE threads × 4 keys). */
  SORT_BLOCK: 1024,
  /** Image-loss (SSIM) output tile edge: a workgroup is SSIM_TILE × SSIM_TILE threads, one pixel each. */
  SSIM_TILE: 16,
  /** SSIM Gaussian window radius: 11 taps (the window's sigma lives in splats/loss.ts, it is not a u32). */
  SSIM_RADIUS: 5,
  /** Splats per batch of the tiled backward rasterizer (diagonal schedule: TILE_SIZE² / batch lanes). */
  RASTER_BWD_BATCH: 32,
  /** vec4<f32> per projected splat record: (u, v, depth, opacity), (conic a, b, c, cutoff), (r, g, b, 0). */
  SPLAT_RECORD_VEC4S: 3,
  /** f32 per splat of screen-space gradients: mean (2), opacity, conic (3), colour (3). */
  SPLAT_GRAD2D_FLOATS: 9,
  /** Plane-sweep stereo: output tile edge of the cost kernel (a workgroup is STEREO_TILE² threads). */
  STEREO_TILE: 16,
  /** Matching window radius: (2r+1)² ZNCC window on grayscale (7×7). */
  STEREO_RADIUS: 3,
  /** Most depth planes a sweep may use (size of the per-thread path buffer in semi-global matching). */
  STEREO_MAX_PLANES: 192,
  /** Threads per workgroup of the semi-global path kernel (one thread per scanline). */
  STEREO_LINES_WG: 64,
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
