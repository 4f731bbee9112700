/**
 * Differentiable tiled Gaussian-splat rasterizer (WGSL kernels in shaders/splat/). One view a call:
 *
 *   forward = project (cull, EWA conic, SH colour, depth) → 32-bit depth sort of the visible splats →
 *             exact tile/ellipse counts → prefix sum → (tile, splat) emission in depth order → stable
 *             sort by tile id → tile ranges → per-tile front-to-back compositing.
 *   backward = per-tile back-to-front pass (screen-space gradients, workgroup-reduced, one CAS float add
 *             per splat per batch) → projection backward into the scene's gradient buffers.
 *
 * Every count stays on the GPU (indirect dispatch); nothing is read back per frame. Intersections beyond
 * the capacity (chosen from the device's storage-binding limit) are dropped, farthest splats first;
 * `readStats()` reports it.
 *
 * Several views per submit: each forward() takes the next of CAMERA_SLOTS uniform slots, so up to that
 * many forward() calls may share one command buffer. The per-view outputs (image, depth, final T, …)
 * are overwritten by the next forward(): encode the loss and backward() of a view before the next view's
 * forward(). backward() uses the last forward()'s view and scene.
 */
import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import binWgsl from '../../../shaders/splat/bin.wgsl?raw';
import binArgsWgsl from '../../../shaders/splat/bin_args.wgsl?raw';
import commonWgsl from '../../../shaders/splat/common.wgsl?raw';
import projectWgsl from '../../../shaders/splat/project.wgsl?raw';
import projectBackwardWgsl from '../../../shaders/splat/project_backward.wgsl?raw';
import projectBackwardColorWgsl from '../../../shaders/splat/project_backward_color.wgsl?raw';
import projectColorWgsl from '../../../shaders/splat/project_color.wgsl?raw';
import rasterizeWgsl from '../../../shaders/splat/rasterize.wgsl?raw';
import rasterizeBackwardWgsl from '../../../shaders/splat/rasterize_backward.wgsl?raw';
import type { Camera } from '../geometry/camera';
import { createBuffer, readU32, STORAGE, USAGE } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import { splitDispatch } from '../gpu/dispatch';
import { bindMap, computePipeline } from '../gpu/pipelines';
import { PrefixSum } from '../sort/prefix-sum';
import { RadixSort } from '../sort/radix-sort';
import { shCoeffs } from './cloud';
import { EXTENT_CODE, RENDER_MODE_CODE, rasterWgslHeader } from './raster-constants';
import { cameraSetup, type RasterOptions } from './raster-view';
import type { GpuScene } from './scene';

export type { RasterOptions } from './raster-view';

const { TILE_SIZE, WG_SIZE, MAX_WORKGROUPS_PER_DIM, SPLAT_RECORD_VEC4S, SPLAT_GRAD2D_FLOATS, POSE_CENTER } =
  GPU_CONSTANTS;

/** forward() calls one command buffer may hold (one uniform slot each). */
export const CAMERA_SLOTS = 64;
const CAMERA_WORDS = 40;

export interface RasterizerOptions {
  maxSplats: number;
  /** Largest image; each view may be smaller (its own width is the row stride of the outputs). */
  width: number;
  height: number;
  /** Capacity of the (tile, splat) list; default from the device limits and the scene size. */
  maxIntersections?: number;
  /** Per-dimension workgroup limit for split dispatches (tests lower it to exercise the split). */
  maxWorkgroupsPerDim?: number;
}

export interface RasterStats {
  /** Splats that survived culling in the last forward(). */
  visible: number;
  /** (tile, splat) pairs kept, ≤ capacity. */
  intersections: number;
  /** Pairs the view needed. */
  requested: number;
  overflow: boolean;
}

/** Bits needed to hold values 0..n. */
const bitsFor = (n: number): number => Math.max(1, Math.ceil(Math.log2(n + 1)));

export class Rasterizer {
  readonly device: GPUDevice;
  readonly maxSplats: number;
  readonly width: number;
  readonly height: number;
  /** Capacity of the intersection list. */
  readonly capacity: number;
  /** RGBA per pixel (vec4<f32>, y·width + x): colour over the background, alpha = 1 − T. */
  readonly image: GPUBuffer;
  /** Expected depth per pixel (f32): Σ wᵢzᵢ / Σ wᵢ, 0 where nothing was drawn. */
  readonly depth: GPUBuffer;
  /** Final transmittance per pixel (f32). */
  readonly finalT: GPUBuffer;
  /** Per pixel, the tile-list position after the last contributing splat (u32). */
  readonly lastContrib: GPUBuffer;
  /** [visible, intersections kept, intersections requested, 0] (u32) of the last forward(). */
  readonly state: GPUBuffer;
  /** Sorted (tile id, splat id) pairs and per-tile [start, end) of the last forward(). */
  readonly isectKeys: GPUBuffer;
  readonly isectIds: GPUBuffer;
  readonly ranges: GPUBuffer;
  /** Screen-space gradients per splat (SPLAT_GRAD2D_FLOATS f32) of the last backward(). */
  readonly grad2d: GPUBuffer;

  private readonly maxPerDim: number;
  private readonly tileKeyBits: number;
  private readonly uniforms: GPUBuffer;
  private readonly slotStride: number;
  private slot = -1;
  private readonly records: GPUBuffer;
  private readonly depthKeys: GPUBuffer;
  private readonly depthIds: GPUBuffer;
  private readonly tileCounts: GPUBuffer;
  private readonly args: GPUBuffer;
  private readonly depthSort: RadixSort;
  private readonly tileSort: RadixSort;
  private readonly scan: PrefixSum;
  private readonly k: Record<string, GPUComputePipeline>;
  private lastView: { slot: number; scene: GpuScene; count: number; tilesX: number; tilesY: number } | null =
    null;

  constructor(device: GPUDevice, opts: RasterizerOptions) {
    const { maxSplats, width, height } = opts;
    if (!(Number.isInteger(maxSplats) && maxSplats >= 1))
      throw new Error(`Rasterizer: bad maxSplats ${maxSplats}`);
    if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1))
      throw new Error(`Rasterizer: bad size ${width}×${height}`);
    this.device = device;
    this.maxSplats = maxSplats;
    this.width = width;
    this.height = height;
    this.maxPerDim = opts.maxWorkgroupsPerDim ?? MAX_WORKGROUPS_PER_DIM;
    const tiles = Math.ceil(width / TILE_SIZE) * Math.ceil(height / TILE_SIZE);
    this.tileKeyBits = bitsFor(tiles); // the sentinel key `tiles` must fit too

    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const entryLimit = Math.floor(limit / 4);
    this.capacity = Math.min(
      entryLimit,
      opts.maxIntersections ?? Math.max(maxSplats * 8, tiles * 256, 1 << 16),
    );
    const needs = [
      ['records', maxSplats * SPLAT_RECORD_VEC4S * 16],
      ['grad2d', maxSplats * SPLAT_GRAD2D_FLOATS * 4],
      ['image', width * height * 16],
    ] as const;
    for (const [name, bytes] of needs) {
      if (bytes > limit)
        throw new Error(`Rasterizer: ${name} needs ${bytes} bytes, above the device limit ${limit}`);
    }

    const pixels = width * height;
    this.image = createBuffer(device, 'raster image', pixels * 16, STORAGE);
    this.depth = createBuffer(device, 'raster depth', pixels * 4, STORAGE);
    this.finalT = createBuffer(device, 'raster final T', pixels * 4, STORAGE);
    this.lastContrib = createBuffer(device, 'raster last contributor', pixels * 4, STORAGE);
    this.state = createBuffer(device, 'raster state', 16, STORAGE);
    this.args = createBuffer(device, 'raster dispatch args', 24, STORAGE | USAGE.INDIRECT);
    this.records = createBuffer(device, 'splat records', maxSplats * SPLAT_RECORD_VEC4S * 16, STORAGE);
    this.depthKeys = createBuffer(device, 'splat depth keys', maxSplats * 4, STORAGE);
    this.depthIds = createBuffer(device, 'splat depth ids', maxSplats * 4, STORAGE);
    this.tileCounts = createBuffer(device, 'splat tile counts', (maxSplats + 1) * 4, STORAGE);
    this.isectKeys = createBuffer(device, 'intersection keys', this.capacity * 4, STORAGE);
    this.isectIds = createBuffer(device, 'intersection ids', this.capacity * 4, STORAGE);
    this.ranges = createBuffer(device, 'tile ranges', tiles * 8, STORAGE);
    this.grad2d = createBuffer(device, 'splat grad2d', maxSplats * SPLAT_GRAD2D_FLOATS * 4, STORAGE);
    this.slotStride = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
    this.uniforms = createBuffer(
      device,
      'raster cameras',
      CAMERA_SLOTS * this.slotStride,
      USAGE.UNIFORM | USAGE.COPY_DST,
    );

    const sortOpts = { maxWorkgroupsPerDim: this.maxPerDim };
    this.depthSort = new RadixSort(device, maxSplats, sortOpts);
    this.tileSort = new RadixSort(device, this.capacity, sortOpts);
    this.scan = new PrefixSum(device, maxSplats + 1);

    const header = rasterWgslHeader();
    const kernel = (label: string, src: string, entryPoint: string) =>
      computePipeline(device, { label, sources: [dispatchWgsl, header, commonWgsl, src], entryPoint });
    this.k = {
      project: kernel('splat-project', projectWgsl, 'project_splats'),
      colors: kernel('splat-colors', projectColorWgsl, 'project_colors'),
      visibleArgs: kernel('splat-bin-args', binArgsWgsl, 'visible_args'),
      isectArgs: kernel('splat-bin-args', binArgsWgsl, 'intersection_args'),
      count: kernel('splat-bin', binWgsl, 'count_tiles'),
      emit: kernel('splat-bin', binWgsl, 'emit_intersections'),
      ranges: kernel('splat-bin', binWgsl, 'tile_ranges'),
      forward: kernel('splat-raster', rasterizeWgsl, 'rasterize_forward'),
      backward: kernel('splat-raster-bwd', rasterizeBackwardWgsl, 'rasterize_backward'),
      projectBwd: kernel('splat-project-bwd', projectBackwardWgsl, 'project_backward'),
      colorBwd: kernel('splat-color-bwd', projectBackwardColorWgsl, 'project_backward_color'),
    };
  }

  /**
   * Project, sort and bin `scene` for `camera`, then composite: fills image, depth, finalT, lastContrib.
   * `pose`, if given, is a GPU buffer whose first POSE_CENTER + 3 f32 (cameraFromWorld rows [R | τ], then
   * the centre) replace the camera's pose on the GPU (a refined pose, see pose-refine.ts); the intrinsics
   * still come from `camera`.
   */
  forward(
    encoder: GPUCommandEncoder,
    scene: GpuScene,
    camera: Camera,
    opts: RasterOptions,
    pose?: GPUBuffer,
  ): void {
    this.bin(encoder, scene, camera, opts, pose);
    this.rasterize(encoder);
  }

  /** The projection and binning half of forward(): fills state, isectKeys/isectIds and ranges. */
  bin(
    encoder: GPUCommandEncoder,
    scene: GpuScene,
    camera: Camera,
    opts: RasterOptions,
    pose?: GPUBuffer,
  ): void {
    this.project(encoder, scene, camera, opts, pose);
    this.sortAndBin(encoder);
  }

  /** Compositing of the last binned view (the third phase of forward()). */
  rasterize(encoder: GPUCommandEncoder): void {
    const view = this.requireView();
    const pass = encoder.beginComputePass({ label: 'splat rasterize' });
    pass.setPipeline(this.k.forward);
    pass.setBindGroup(
      0,
      bindMap(this.device, this.k.forward, {
        0: this.cameraBinding(view.slot),
        1: this.ranges,
        2: this.isectIds,
        3: this.records,
        4: this.image,
        5: this.depth,
        6: this.finalT,
        7: this.lastContrib,
      }),
    );
    pass.dispatchWorkgroups(view.tilesX, view.tilesY);
    pass.end();
  }

  /** First phase of forward(): cull, project and colour every splat; list the visible ones. */
  project(
    encoder: GPUCommandEncoder,
    scene: GpuScene,
    camera: Camera,
    opts: RasterOptions,
    pose?: GPUBuffer,
  ): void {
    const n = scene.count;
    if (n > this.maxSplats) throw new Error(`Rasterizer: ${n} splats exceed maxSplats ${this.maxSplats}`);
    if (!(opts.near > 0)) throw new Error(`Rasterizer: near must be > 0, got ${opts.near}`);
    if (!(Number.isInteger(opts.shDegree) && opts.shDegree >= 0 && opts.shDegree <= scene.shDegree))
      throw new Error(`Rasterizer: SH degree ${opts.shDegree} outside 0–${scene.shDegree}`);
    const { width, height } = camera.intrinsics;
    if (width > this.width || height > this.height)
      throw new Error(`Rasterizer: view ${width}×${height} exceeds ${this.width}×${this.height}`);
    const tilesX = Math.ceil(width / TILE_SIZE);
    const tilesY = Math.ceil(height / TILE_SIZE);
    this.slot = (this.slot + 1) % CAMERA_SLOTS;
    const slot = this.slot;
    this.writeCamera(slot, scene, camera, opts, tilesX, tilesY);
    // The queue write above lands before this command buffer runs, so the copy overrides its pose words.
    if (pose)
      encoder.copyBufferToBuffer(pose, 0, this.uniforms, slot * this.slotStride, (POSE_CENTER + 3) * 4);
    this.lastView = { slot, scene, count: n, tilesX, tilesY };

    const device = this.device;
    const cam = this.cameraBinding(slot);
    const p = scene.params;
    encoder.clearBuffer(this.state);
    encoder.clearBuffer(this.tileCounts, 0, (n + 1) * 4);
    encoder.clearBuffer(this.ranges, 0, tilesX * tilesY * 8);

    const pass = encoder.beginComputePass({ label: 'splat project' });
    pass.setPipeline(this.k.project);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.project, {
        0: cam,
        1: p.means,
        2: p.logScales,
        3: p.rotations,
        4: p.opacityLogits,
        5: this.records,
        6: this.depthKeys,
        7: this.depthIds,
        8: this.state,
      }),
    );
    pass.dispatchWorkgroups(...splitDispatch(Math.ceil(n / WG_SIZE), this.maxPerDim));
    pass.setPipeline(this.k.visibleArgs);
    pass.setBindGroup(0, bindMap(device, this.k.visibleArgs, { 0: cam, 1: this.state, 2: this.args }));
    pass.dispatchWorkgroups(1);
    pass.setPipeline(this.k.colors);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.colors, {
        0: cam,
        1: p.means,
        2: p.sh,
        3: this.depthIds,
        4: this.records,
        5: this.state,
      }),
    );
    pass.dispatchWorkgroupsIndirect(this.args, 0);
    pass.end();
  }

  /** Second phase of forward(): depth sort, tile counts, scan, emission, tile sort, tile ranges. */
  sortAndBin(encoder: GPUCommandEncoder): void {
    const view = this.requireView();
    const device = this.device;
    const cam = this.cameraBinding(view.slot);
    this.depthSort.encode(encoder, this.depthKeys, this.depthIds, { buffer: this.state, offset: 0 }, 32);

    let pass = encoder.beginComputePass({ label: 'splat count tiles' });
    pass.setPipeline(this.k.count);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.count, {
        0: cam,
        1: this.depthIds,
        2: this.records,
        3: this.tileCounts,
        4: this.state,
      }),
    );
    pass.dispatchWorkgroupsIndirect(this.args, 0);
    pass.end();

    this.scan.encode(encoder, this.tileCounts, view.count + 1);

    pass = encoder.beginComputePass({ label: 'splat emit intersections' });
    pass.setPipeline(this.k.isectArgs);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.isectArgs, { 0: cam, 1: this.state, 2: this.args, 3: this.tileCounts }),
    );
    pass.dispatchWorkgroups(1);
    pass.setPipeline(this.k.emit);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.emit, {
        0: cam,
        1: this.depthIds,
        2: this.records,
        3: this.tileCounts,
        4: this.state,
        5: this.isectKeys,
        6: this.isectIds,
      }),
    );
    pass.dispatchWorkgroupsIndirect(this.args, 0);
    pass.end();

    this.tileSort.encode(
      encoder,
      this.isectKeys,
      this.isectIds,
      { buffer: this.state, offset: 4 },
      this.tileKeyBits,
    );

    pass = encoder.beginComputePass({ label: 'splat tile ranges' });
    pass.setPipeline(this.k.ranges);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.ranges, { 0: cam, 4: this.state, 5: this.isectKeys, 7: this.ranges }),
    );
    pass.dispatchWorkgroupsIndirect(this.args, 12);
    pass.end();
  }

  /**
   * Gradients of the loss given dL/d(image) (vec4 a pixel: r, g, b, alpha; the alpha gradient is used)
   * for the last forward()'s view, into the scene's gradient buffers: cleared first unless `accumulate`.
   */
  backward(
    encoder: GPUCommandEncoder,
    scene: GpuScene,
    gradImage: GPUBuffer,
    opts: { accumulate?: boolean } = {},
  ): void {
    const view = this.lastView;
    if (!view || view.scene !== scene)
      throw new Error('Rasterizer.backward: no forward() of this scene to follow');
    const n = view.count;
    const device = this.device;
    const cam = this.cameraBinding(view.slot);
    encoder.clearBuffer(this.grad2d, 0, Math.max(4, n * SPLAT_GRAD2D_FLOATS * 4));
    if (!opts.accumulate) scene.clearGradients(encoder);
    const p = scene.params;
    const g = scene.grads;

    const pass = encoder.beginComputePass({ label: 'splat backward' });
    pass.setPipeline(this.k.backward);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.backward, {
        0: cam,
        1: this.ranges,
        2: this.isectIds,
        3: this.records,
        4: this.finalT,
        5: this.lastContrib,
        6: gradImage,
        7: this.grad2d,
      }),
    );
    pass.dispatchWorkgroups(view.tilesX, view.tilesY);
    const groups = splitDispatch(Math.ceil(n / WG_SIZE), this.maxPerDim);
    pass.setPipeline(this.k.projectBwd);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.projectBwd, {
        0: cam,
        1: p.means,
        2: p.logScales,
        3: p.rotations,
        4: this.grad2d,
        5: g.means,
        6: g.logScales,
        7: g.rotations,
        8: p.opacityLogits,
      }),
    );
    pass.dispatchWorkgroups(...groups);
    pass.setPipeline(this.k.colorBwd);
    pass.setBindGroup(
      0,
      bindMap(device, this.k.colorBwd, {
        0: cam,
        1: p.means,
        2: p.sh,
        3: p.opacityLogits,
        4: this.grad2d,
        5: g.sh,
        6: g.opacityLogits,
        7: g.means,
        8: this.records,
      }),
    );
    pass.dispatchWorkgroups(...groups);
    pass.end();
  }

  /** Counts of the last forward() (waits for the GPU; not for per-frame use). */
  async readStats(): Promise<RasterStats> {
    const [visible, intersections, requested] = await readU32(this.device, this.state, 4);
    return { visible, intersections, requested, overflow: requested > intersections };
  }

  destroy(): void {
    for (const b of [
      this.image,
      this.depth,
      this.finalT,
      this.lastContrib,
      this.state,
      this.args,
      this.records,
      this.depthKeys,
      this.depthIds,
      this.tileCounts,
      this.isectKeys,
      this.isectIds,
      this.ranges,
      this.grad2d,
      this.uniforms,
    ])
      b.destroy();
    this.depthSort.destroy();
    this.tileSort.destroy();
    this.scan.destroy();
  }

  private requireView() {
    if (!this.lastView) throw new Error('Rasterizer: no view projected yet (call forward() first)');
    return this.lastView;
  }

  private cameraBinding(slot: number): GPUBufferBinding {
    return { buffer: this.uniforms, offset: slot * this.slotStride, size: CAMERA_WORDS * 4 };
  }

  private writeCamera(
    slot: number,
    scene: GpuScene,
    camera: Camera,
    opts: RasterOptions,
    tilesX: number,
    tilesY: number,
  ): void {
    const c = cameraSetup(camera);
    const data = new ArrayBuffer(CAMERA_WORDS * 4);
    const f = new Float32Array(data);
    const u = new Uint32Array(data);
    for (let r = 0; r < 3; r++) f.set([c.R[r * 3], c.R[r * 3 + 1], c.R[r * 3 + 2], c.tau[r]], r * 4);
    f.set([c.center[0], c.center[1], c.center[2], opts.near], 12);
    f.set([c.fx, c.fy, c.cx, c.cy], 16);
    f.set(c.lim, 20);
    f.set([opts.background[0], opts.background[1], opts.background[2], 0], 24);
    u.set([c.width, c.height, tilesX, tilesY], 28);
    u.set([scene.count, opts.shDegree, shCoeffs(scene.shDegree), EXTENT_CODE[opts.extent ?? 'opacity']], 32);
    u.set([this.capacity, tilesX * tilesY, this.maxPerDim, RENDER_MODE_CODE[scene.renderMode]], 36);
    this.device.queue.writeBuffer(this.uniforms, slot * this.slotStride, data);
  }
}
