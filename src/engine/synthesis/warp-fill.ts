/**
 * Weight-free view synthesis (ReconX's extra views without a video model): render the global point
 * cloud into each trajectory camera with depth-tested disk splats (shaders/synthesis/point_splat.wgsl),
 * recolour the pixels that see a surface from the photos whose depth agrees there (photo-lookup.ts,
 * shaders/synthesis/photo_lookup.wgsl), fill the holes with a background-biased push-pull (push-pull.ts),
 * and give every pixel a confidence (shaders/synthesis/confidence.wgsl): high where observed (scaled by
 * the points' confidence, and by confirmedWeight where a photo confirms the pixel), low where filled,
 * falling off near holes and depth discontinuities. The confidence is the pixel's loss weight. Frames at
 * the input cameras are the inputs, with confidence 1: a photo is observed, and its geometry confidence
 * says how well its depth is known, not whether its colours are right (weighting photos by it lost
 * 0.56 dB on held-out views, tabletop 128×96).
 */
import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import confWgsl from '../../../shaders/synthesis/confidence.wgsl?raw';
import frameWgsl from '../../../shaders/synthesis/frame.wgsl?raw';
import lookupWgsl from '../../../shaders/synthesis/photo_lookup.wgsl?raw';
import splatWgsl from '../../../shaders/synthesis/point_splat.wgsl?raw';
import { type Camera, cameraFromWorld, scaleIntrinsics } from '../geometry/camera';
import type { GeometryResult, PointCloud, ViewGeometry } from '../geometry/types';
import { createBuffer, readBuffer, STORAGE, uniformBuffer } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import { dispatch1D } from '../gpu/dispatch';
import { bindMap, computePipeline } from '../gpu/pipelines';
import type { TrainView } from '../splats/trainer';
import { PhotoLookup } from './photo-lookup';
import { PushPull } from './push-pull';
import { estimatePointSpacing } from './spacing';
import type { Trajectory } from './trajectory';

const SPLAT_SOURCES = [dispatchWgsl, frameWgsl, splatWgsl];
const CONF_SOURCES = [dispatchWgsl, frameWgsl, confWgsl];
const LOOKUP_SOURCES = [dispatchWgsl, frameWgsl, lookupWgsl];
const FRAME_WORDS = 40;

/**
 * Synthesis renders the views' pixels fused at one pixel footprint, twice as fine as the global cloud (which
 * is sized for the splat budget): warped from the coarser cloud, frames came out blurrier (tabletop 128×96,
 * 300 steps: 22.41 → 22.55 dB on held-out views).
 */
export const SYNTHESIS_CLOUD = { voxelFootprints: 1, targetCount: 600_000 };

export interface WarpFillOptions {
  /** Render size; by default each camera's own (the cameras rendered must then share a size). */
  width?: number;
  height?: number;
  /** Disk radius = radiusScale · point spacing · f / z pixels, clamped to [radiusMin, SYN_MAX_RADIUS]. */
  radiusScale?: number;
  radiusMin?: number;
  /** A point joins a pixel's surface when z ≤ z_near·(1 + depthTolerance) + spacingTolerance·spacing. */
  depthTolerance?: number;
  spacingTolerance?: number;
  /** Coverage below this is a hole. */
  alphaThreshold?: number;
  /** Relative depth jump between 4-neighbours that marks a discontinuity. */
  edgeTolerance?: number;
  /** Confidence ramps from 0 to the observed value over this many pixels from holes and edges. */
  falloffPx?: number;
  /** Confidence of fully filled pixels. */
  filledConfidence?: number;
  /** Exponent of the far-side preference in the push-pull. */
  backgroundPower?: number;
  /** Camera-space near plane (world units). */
  near?: number;
  /** Replace frames at input cameras by the input photos (default true). */
  replaceInputs?: boolean;
  /**
   * Colour the observed pixels from the photos (bilinear, where a photo's own depth agrees within
   * lookupTolerance and its confidence is at least lookupMinConfidence) instead of the splatted point
   * colours, which are footprint means (default true). Frames at tabletop 256×192's held-out cameras: 23.7–23.9
   * → 24.8–24.9 dB on the 72–80 % of pixels it recolours; held-out views after 300 steps +0.17 dB (tabletop).
   */
  photoLookup?: boolean;
  lookupTolerance?: number;
  lookupMinConfidence?: number;
  /**
   * Scales the confidence of the pixels the lookup recolours (default 0.25). A photo already constrains
   * those surfaces and there a frame mostly adds the stereo's error, so frames weigh chiefly where no
   * photo sees. Held-out views of tabletop 256×192 after 300 steps: 23.89 → 24.17 dB.
   */
  confirmedWeight?: number;
  /** Frames rendered per GPU submit and readback (default 8). */
  framesPerSubmit?: number;
  /** Checked between batches: an aborted signal stops with an AbortError. */
  signal?: AbortSignal;
  /** Frames rendered so far, of the frames to render. */
  onProgress?: (done: number, total: number) => void;
}

export const WARP_FILL_DEFAULTS: Required<
  Omit<WarpFillOptions, 'width' | 'height' | 'signal' | 'onProgress'>
> = {
  radiusScale: 1.5,
  radiusMin: 0.8,
  depthTolerance: 0.02,
  spacingTolerance: 2,
  alphaThreshold: 0.5,
  edgeTolerance: 0.1,
  falloffPx: 3,
  filledConfidence: 0.1,
  backgroundPower: 8,
  near: 1e-3,
  replaceInputs: true,
  photoLookup: true,
  lookupTolerance: 0.02,
  lookupMinConfidence: 0.3,
  confirmedWeight: 0.25,
  framesPerSubmit: 8,
};

export interface SynthesizedFrame {
  /** Index of the frame in the trajectory. */
  index: number;
  camera: Camera;
  /** RGBA8, alpha 255. */
  rgba: Uint8ClampedArray;
  /** Per-pixel confidence in [0, 1]. */
  confidence: Float32Array;
  /** Depth along the optical axis (filled where the cloud left holes). */
  depth: Float32Array;
  source: 'input' | 'synthesized';
  /** Input camera index for frames replaced by an input, else -1. */
  inputIndex: number;
}

/**
 * The GPU state of one warp-and-fill renderer: the cloud uploaded once, per-pixel work buffers for one
 * image size. `encodeFrame` records all passes of one frame, writing RGBA8 | confidence | depth words at
 * `outOffset` (in u32 words) of `out`.
 */
export class WarpFillRenderer {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  private readonly device: GPUDevice;
  private readonly options: typeof WARP_FILL_DEFAULTS;
  private readonly points: GPUBuffer;
  private readonly colors: GPUBuffer;
  private readonly accum: GPUBuffer;
  private readonly obs: GPUBuffer;
  private readonly dist: [GPUBuffer, GPUBuffer];
  private readonly pushPull: PushPull;
  /** The photos and the pass that recolours from them; null when the lookup is off or has no photos. */
  private readonly lookup: { photos: PhotoLookup; pipe: GPUComputePipeline } | null;
  private readonly pipes: Record<
    'depth' | 'accum' | 'resolve' | 'edges' | 'relax' | 'compose',
    GPUComputePipeline
  >;

  constructor(
    device: GPUDevice,
    cloud: PointCloud,
    spacing: Float32Array,
    width: number,
    height: number,
    options: WarpFillOptions = {},
    photos: readonly ViewGeometry[] = [],
  ) {
    this.device = device;
    this.width = width;
    this.height = height;
    this.count = cloud.count;
    this.options = { ...WARP_FILL_DEFAULTS, ...withoutUndefined(options) };
    const pts = new Float32Array(4 * Math.max(1, cloud.count));
    const cols = new Float32Array(4 * Math.max(1, cloud.count));
    for (let i = 0; i < cloud.count; i++) {
      pts.set(cloud.positions.subarray(3 * i, 3 * i + 3), 4 * i);
      pts[4 * i + 3] = spacing[i];
      cols.set(cloud.colors.subarray(3 * i, 3 * i + 3), 4 * i);
      cols[4 * i + 3] = cloud.confidence[i];
    }
    this.points = createBuffer(device, 'warp-fill points', pts);
    this.colors = createBuffer(device, 'warp-fill colours', cols);
    const n = width * height;
    this.accum = createBuffer(device, 'warp-fill accum', n * GPU_CONSTANTS.SYN_ACCUM_WORDS * 4, STORAGE);
    this.obs = createBuffer(device, 'warp-fill observed confidence', n * 4, STORAGE);
    this.dist = [
      createBuffer(device, 'warp-fill distance a', n * 4, STORAGE),
      createBuffer(device, 'warp-fill distance b', n * 4, STORAGE),
    ];
    this.pushPull = new PushPull(device, width, height, this.options.backgroundPower);
    this.lookup =
      this.options.photoLookup && photos.length > 0
        ? {
            photos: new PhotoLookup(device, photos),
            pipe: computePipeline(device, {
              label: 'warp-fill photo lookup',
              sources: LOOKUP_SOURCES,
              entryPoint: 'photo_lookup',
            }),
          }
        : null;
    const splat = (entryPoint: string) =>
      computePipeline(device, { label: 'warp-fill splat', sources: SPLAT_SOURCES, entryPoint });
    const conf = (entryPoint: string) =>
      computePipeline(device, { label: 'warp-fill confidence', sources: CONF_SOURCES, entryPoint });
    this.pipes = {
      depth: splat('depth_pass'),
      accum: splat('accum_pass'),
      resolve: splat('resolve'),
      edges: conf('edges'),
      relax: conf('relax'),
      compose: conf('compose'),
    };
  }

  /** Uniform words of one frame (camera at this renderer's size). */
  private frameUniform(camera: Camera, outOffset: number): GPUBuffer {
    const o = this.options;
    const k = scaleIntrinsics(camera.intrinsics, this.width, this.height);
    const f = new Float32Array(FRAME_WORDS);
    const u = new Uint32Array(f.buffer);
    f.set(new Float32Array(cameraFromWorld(camera)), 0);
    f.set([k.fx, k.fy, k.cx, k.cy], 16);
    u.set([this.width, this.height, this.count, outOffset], 20);
    f.set([o.near, o.radiusScale, o.radiusMin, o.depthTolerance], 24);
    f.set([o.spacingTolerance, o.alphaThreshold, o.edgeTolerance, o.falloffPx], 28);
    f.set([o.filledConfidence, 0, o.lookupTolerance, o.lookupMinConfidence], 32);
    u[33] = this.lookup?.photos.count ?? 0;
    f[36] = o.confirmedWeight;
    return uniformBuffer(this.device, 'warp-fill frame', f);
  }

  /** Record one frame; returns the frame's uniform buffer (destroy it after the submit completes). */
  encodeFrame(encoder: GPUCommandEncoder, camera: Camera, out: GPUBuffer, outOffset: number): GPUBuffer {
    const device = this.device;
    const n = this.width * this.height;
    const frame = this.frameUniform(camera, outOffset);
    const pp = this.pushPull;
    encoder.clearBuffer(this.accum);
    const splatGroup = (pipe: GPUComputePipeline, map: Record<number, GPUBuffer>) =>
      bindMap(device, pipe, { 0: frame, ...map });
    let pass = encoder.beginComputePass({ label: 'warp-fill splat' });
    pass.setPipeline(this.pipes.depth);
    pass.setBindGroup(0, splatGroup(this.pipes.depth, { 1: this.points, 3: this.accum }));
    dispatch1D(pass, this.count);
    pass.setPipeline(this.pipes.accum);
    pass.setBindGroup(0, splatGroup(this.pipes.accum, { 1: this.points, 2: this.colors, 3: this.accum }));
    dispatch1D(pass, this.count);
    pass.setPipeline(this.pipes.resolve);
    pass.setBindGroup(
      0,
      splatGroup(this.pipes.resolve, { 3: this.accum, 4: pp.pyr, 5: pp.pyrW, 6: this.obs }),
    );
    dispatch1D(pass, n);
    if (this.lookup) {
      const { photos, pipe } = this.lookup;
      pass.setPipeline(pipe);
      pass.setBindGroup(
        0,
        splatGroup(pipe, {
          4: pp.pyr,
          5: pp.pyrW,
          6: this.obs,
          8: photos.params,
          9: photos.rgba,
          10: photos.depthConf,
        }),
      );
      dispatch1D(pass, n);
    }
    pass.end();
    pp.encode(encoder);
    pass = encoder.beginComputePass({ label: 'warp-fill confidence' });
    pass.setPipeline(this.pipes.edges);
    pass.setBindGroup(0, splatGroup(this.pipes.edges, { 1: pp.pyr, 2: pp.pyrW, 5: this.dist[0] }));
    dispatch1D(pass, n);
    let cur = 0;
    const passes = Math.ceil(this.options.falloffPx);
    pass.setPipeline(this.pipes.relax);
    for (let r = 0; r < passes; r++) {
      pass.setBindGroup(0, splatGroup(this.pipes.relax, { 4: this.dist[cur], 5: this.dist[1 - cur] }));
      dispatch1D(pass, n);
      cur = 1 - cur;
    }
    pass.setPipeline(this.pipes.compose);
    pass.setBindGroup(
      0,
      splatGroup(this.pipes.compose, {
        2: pp.pyrW,
        3: pp.fill,
        4: this.dist[cur],
        6: this.obs,
        7: out,
      }),
    );
    dispatch1D(pass, n);
    pass.end();
    return frame;
  }

  destroy(): void {
    for (const b of [this.points, this.colors, this.accum, this.obs, ...this.dist]) b.destroy();
    this.pushPull.destroy();
    this.lookup?.photos.destroy();
  }
}

/** Unpack one frame's words (RGBA8 | confidence | depth) from a readback. */
function unpackFrame(words: ArrayBuffer, offsetWords: number, n: number) {
  return {
    rgba: new Uint8ClampedArray(words.slice(offsetWords * 4, (offsetWords + n) * 4)),
    confidence: new Float32Array(words.slice((offsetWords + n) * 4, (offsetWords + 2 * n) * 4)),
    depth: new Float32Array(words.slice((offsetWords + 2 * n) * 4, (offsetWords + 3 * n) * 4)),
  };
}

function inputFrame(
  geometry: GeometryResult,
  index: number,
  frameIndex: number,
  camera: Camera,
): SynthesizedFrame {
  const view = geometry.views[index];
  return {
    index: frameIndex,
    camera,
    rgba: new Uint8ClampedArray(view.colors),
    confidence: new Float32Array(view.confidence.length).fill(1),
    depth: new Float32Array(view.depth),
    source: 'input',
    inputIndex: index,
  };
}

/** Options without the keys whose value is undefined (so they do not override the defaults). */
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Render every trajectory camera from the geometry's global cloud: one GPU pass chain per frame, a
 * readback per `framesPerSubmit` frames. Frames at input cameras (trajectory.inputIndex ≥ 0) are the
 * inputs themselves when their size matches the render size. The cameras rendered must share one size
 * (or options.width/height set it); inputs replaced may differ (widenSynthesized).
 */
export async function synthesizeViews(
  device: GPUDevice,
  geometry: GeometryResult,
  trajectory: Trajectory,
  options: WarpFillOptions = {},
): Promise<SynthesizedFrame[]> {
  const o = { ...WARP_FILL_DEFAULTS, ...options };
  const cams = trajectory.cameras;
  if (cams.length === 0) return [];
  const sizeOf = (c: Camera): [number, number] =>
    options.width !== undefined && options.height !== undefined
      ? [options.width, options.height]
      : [c.intrinsics.width, c.intrinsics.height];
  const frames: (SynthesizedFrame | undefined)[] = cams.map((camera, index) => {
    const input = trajectory.inputIndex[index] ?? -1;
    const view = input >= 0 ? geometry.views[input] : undefined;
    if (!o.replaceInputs || !view) return undefined;
    const k = view.camera.intrinsics;
    const [w, h] = sizeOf(camera);
    if (k.width !== w || k.height !== h) return undefined;
    return inputFrame(geometry, input, index, {
      intrinsics: { ...k },
      worldFromCamera: camera.worldFromCamera,
    });
  });
  const todo = frames.flatMap((f, i) => (f ? [] : [i]));
  if (todo.length > 0) {
    const [width, height] = sizeOf(cams[todo[0]]);
    if (todo.some((f) => sizeOf(cams[f])[0] !== width || sizeOf(cams[f])[1] !== height))
      throw new Error('synthesizeViews: cameras to render differ in size; pass options.width/height');
    if (geometry.cloud.count === 0) throw new Error('synthesizeViews: empty point cloud');
    const spacing = estimatePointSpacing(
      geometry.cloud,
      geometry.views.map((v) => v.camera),
    );
    const renderer = new WarpFillRenderer(
      device,
      geometry.cloud,
      spacing,
      width,
      height,
      options,
      geometry.views,
    );
    const n = width * height;
    const chunk = Math.max(1, o.framesPerSubmit);
    const out = createBuffer(device, 'warp-fill frames', 3 * n * 4 * Math.min(chunk, todo.length), STORAGE);
    try {
      for (let s = 0; s < todo.length; s += chunk) {
        if (options.signal?.aborted)
          throw new DOMException('The reconstruction was cancelled.', 'AbortError');
        options.onProgress?.(s, todo.length);
        const batch = todo.slice(s, s + chunk);
        const encoder = device.createCommandEncoder({ label: 'warp-fill' });
        const uniforms = batch.map((f, j) => renderer.encodeFrame(encoder, cams[f], out, 3 * n * j));
        device.queue.submit([encoder.finish()]);
        const words = await readBuffer(device, out, 3 * n * 4 * batch.length);
        for (const u of uniforms) u.destroy();
        batch.forEach((f, j) => {
          const camera = cams[f];
          frames[f] = {
            index: f,
            camera: {
              intrinsics: scaleIntrinsics(camera.intrinsics, width, height),
              worldFromCamera: new Float64Array(camera.worldFromCamera),
            },
            ...unpackFrame(words, 3 * n * j, n),
            source: 'synthesized',
            inputIndex: trajectory.inputIndex[f] ?? -1,
          };
        });
      }
    } finally {
      out.destroy();
      renderer.destroy();
    }
  }
  return frames as SynthesizedFrame[];
}

export interface TrainViewOptions {
  /** Loss weight of input frames (default 1) and synthesized frames (default 0.5). */
  inputWeight?: number;
  synthesizedWeight?: number;
}

/**
 * Training views for the optimiser. An input appearing more than once (a 360° loop returns to input 0)
 * is kept once.
 */
export function framesToTrainViews(frames: SynthesizedFrame[], options: TrainViewOptions = {}): TrainView[] {
  const seen = new Set<number>();
  const views: TrainView[] = [];
  for (const f of frames) {
    if (f.source === 'input') {
      if (seen.has(f.inputIndex)) continue;
      seen.add(f.inputIndex);
    }
    views.push({
      camera: f.camera,
      rgba: f.rgba,
      confidence: f.confidence,
      weight: f.source === 'input' ? (options.inputWeight ?? 1) : (options.synthesizedWeight ?? 0.5),
      source: f.source,
    });
  }
  return views;
}

/**
 * The trajectory with its synthesized cameras widened by `margin` of their size on every side (same focal
 * length, principal point shifted): frames then also cover what lies just outside the path's view, where a
 * held-out camera off the path may look (tabletop 256×192: 1.2 % of a test view outside every frame).
 */
export function widenSynthesized(trajectory: Trajectory, margin: number): Trajectory {
  return {
    ...trajectory,
    cameras: trajectory.cameras.map((c, i) => {
      if ((trajectory.inputIndex[i] ?? -1) >= 0 || margin <= 0) return c;
      const k = c.intrinsics;
      const mx = Math.round(margin * k.width);
      const my = Math.round(margin * k.height);
      return {
        ...c,
        intrinsics: {
          ...k,
          width: k.width + 2 * mx,
          height: k.height + 2 * my,
          cx: k.cx + mx,
          cy: k.cy + my,
        },
      };
    }),
  };
}
