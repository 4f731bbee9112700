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
  /** Wavefront slots of the tiled backward rasterizer (TILE_SIZE² threads = slots × pixel lanes). */
  RASTER_BWD_SLOTS: 16,
  /** Consecutive splats each backward slot handles per step: a batch is SLOTS × this many splats. */
  RASTER_BWD_SPLATS_PER_SLOT: 8,
  /** vec4<f32> per projected splat record: (u, v, depth, opacity), (conic a, b, c, cutoff), (r, g, b, 0). */
  SPLAT_RECORD_VEC4S: 3,
  /** f32 per splat of screen-space gradients: mean (2), opacity, conic (3), colour (3). */
  SPLAT_GRAD2D_FLOATS: 9,
  /** Plane-sweep stereo matching window radius: (2r+1)² ZNCC window on grayscale (7×7). */
  STEREO_RADIUS: 3,
  /** Most depth planes a sweep may use (size of the per-thread path buffer in semi-global matching). */
  STEREO_MAX_PLANES: 192,
  /** Outputs per thread of the stereo window sums (running sums slide along a segment). */
  STEREO_SEGMENT: 16,
  /** Threads per workgroup of the semi-global path kernel (one thread per scanline). */
  STEREO_LINES_WG: 64,
  /** Features: workgroup edge of the pixel kernels (pyramid, DoG extremum search), 16×16 threads. */
  FEAT_TILE: 16,
  /** Features: DoG scale levels per octave (S); each octave holds S + 3 Gaussian images. */
  FEAT_SCALES: 3,
  /** Features: most octaves a pyramid may have (per-octave uniforms are sized by it). */
  FEAT_MAX_OCTAVES: 8,
  /** Features: largest separable Gaussian radius (sizes the banded weight table in the blur uniforms). */
  FEAT_MAX_BLUR_RADIUS: 15,
  /** Features: consecutive outputs a blur thread computes (the width of its vec4 accumulator). */
  FEAT_BLUR_RUN: 4,
  /** Features: orientation histogram bins, and keypoints per workgroup of the orientation kernel. */
  FEAT_ORI_BINS: 36,
  FEAT_ORI_WG: 64,
  /** Features: descriptor length (4×4 cells × 8 orientations); 16 threads a keypoint (one a cell). */
  FEAT_DESC_DIM: 128,
  FEAT_DESC_KP_PER_WG: 4,
  /** Features: descriptor window samples along each axis (4 a cell over 4 cells plus a half-cell rim). */
  FEAT_DESC_GRID: 20,
  /** Features: radix-select digit (8 bits a pass over the 32-bit selection key). */
  FEAT_SELECT_BINS: 256,
  /** Features: u32 slots of the counters buffer (candidates, selected, ties, extra orientations, total,
   * then the radix-select state: prefix, remaining, done, pass). */
  FEAT_CTR_CANDIDATES: 0,
  FEAT_CTR_SELECTED: 1,
  FEAT_CTR_TIES: 2,
  FEAT_CTR_EXTRA: 3,
  FEAT_CTR_TOTAL: 4,
  FEAT_CTR_PREFIX: 5,
  FEAT_CTR_REMAINING: 6,
  FEAT_CTR_DONE: 7,
  FEAT_CTR_PASS: 8,
  FEAT_CTR_WORDS: 12,
  /** Features: u32 slots of the indirect-args buffer, 3 a dispatch: candidates at 0, then these. */
  FEAT_ARGS_ORIENT: 3,
  FEAT_ARGS_DESCRIBE: 6,
  FEAT_ARGS_NORMALISE: 9,
  FEAT_ARGS_SAMPLE: 12,
  FEAT_ARGS_WORDS: 15,
  /** Matcher: queries per workgroup, reference descriptors per shared-memory tile, largest descriptor. */
  MATCH_WG: 64,
  MATCH_TILE: 16,
  MATCH_MAX_DIM: 128,
  /** View synthesis: largest point-splat radius in pixels (bounds each point's pixel loop). */
  SYN_MAX_RADIUS: 8,
  /** View synthesis: u32 accumulators per pixel (far-key, Σw, Σw·rgb, Σw·conf, Σ−log(1−w), Σw·z). */
  SYN_ACCUM_WORDS: 8,
  /** View synthesis: fixed-point scales of the atomic accumulators (weights/colours, log-transmittance, w·depth). */
  SYN_WEIGHT_SCALE: 65536,
  SYN_LOG_SCALE: 4096,
  SYN_DEPTH_SCALE: 1024,
  /** Diffusion conditioning: threads of the one-workgroup farthest-point-sampling kernel. */
  FPS_WG: 256,
  /** Pose refinement: f32 of a view's composed pose [R|τ rows (12), centre (3), 0, base centre (3), 0]; the
   * first POSE_CENTER + 3 words have the rasterizer's Camera uniform layout (rows, then centre). */
  POSE_WORDS: 20,
  POSE_CENTER: 12,
  POSE_BASE_CENTER: 16,
  /** Pose refinement: f32 of each workgroup's partial sum (translation 3, rotation 3, padding). */
  POSE_PARTIAL_FLOATS: 8,
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
