/**
 * FeatureExtractor: DoG keypoints, grid-distributed top-K, SIFT orientations and RootSIFT descriptors,
 * all on the GPU; one readback of the final keypoints and descriptors per image.
 *
 *   pyramid (pyramid.ts) → detect (per octave, one thread a pixel and level: 26-neighbour extrema,
 *   sub-pixel refinement, contrast and edge tests, append with cell) → cell scan → select (select.ts)
 *   → orient (indirect, one thread a keypoint, extra orientations appended) → descriptor samples →
 *   describe (one thread a descriptor cell) → normalise (RootSIFT) → one readback.
 */
import dispatchWgsl from '../../../../shaders/common/dispatch.wgsl?raw';
import commonWgsl from '../../../../shaders/features/common.wgsl?raw';
import describeWgsl from '../../../../shaders/features/describe.wgsl?raw';
import detectWgsl from '../../../../shaders/features/detect.wgsl?raw';
import orientWgsl from '../../../../shaders/features/orient.wgsl?raw';
import { createBuffer, STORAGE, UNIFORM, USAGE } from '../../gpu/buffers';
import { GPU_CONSTANTS } from '../../gpu/constants';
import { bindMap, computePipeline } from '../../gpu/pipelines';
import { GaussianPyramid, pyramidLayout } from './pyramid';
import {
  ARGS_DESCRIBE_OFFSET,
  ARGS_NORMALISE_OFFSET,
  ARGS_ORIENT_OFFSET,
  ARGS_SAMPLE_OFFSET,
  ARGS_WORDS,
  type FeatureBuffers,
  GridSelect,
  gridFor,
  RECORD_BYTES,
} from './select';
import type { Features, RgbaImage } from './types';

const {
  FEAT_TILE,
  FEAT_SCALES,
  FEAT_MAX_OCTAVES,
  FEAT_DESC_DIM,
  FEAT_DESC_GRID,
  FEAT_CTR_WORDS,
  FEAT_CTR_CANDIDATES,
  FEAT_CTR_SELECTED,
  FEAT_CTR_TOTAL,
} = GPU_CONSTANTS;

export interface ExtractorOptions {
  /** Most keypoints returned, extra orientations included (default 2048, at most 32,768). */
  maxKeypoints?: number;
  /** Share of maxKeypoints kept for second orientations of the selected keypoints (default 0.15). */
  extraOrientationShare?: number;
  /**
   * DoG contrast threshold in OpenCV's convention (|D| · FEAT_SCALES, images in [0, 1]); default 0.015
   * (OpenCV 0.04): low, because the grid selection, not the threshold, decides what is kept.
   */
  contrastThreshold?: number;
  /** Principal-curvature ratio limit against edge responses (default 10). */
  edgeThreshold?: number;
  /** Blur of each octave's first level (default 1.6). */
  sigma0?: number;
  /** DoG candidates kept before selection (default max(8·maxKeypoints, 32768)). */
  maxCandidates?: number;
  /**
   * Start the pyramid from the image enlarged 2× (Lowe): about 4× more keypoints, at 4× the cost of
   * the first octave. Default: when the image's larger side is at most 640 pixels.
   */
  upsample?: boolean | 'auto';
}

/** What the last extract() saw, for diagnostics. */
export interface ExtractStats {
  width: number;
  height: number;
  octaves: number;
  /** Whether the first octave was the 2× enlarged image. */
  upsampled: boolean;
  /** DoG extrema that passed every test (may exceed the candidate capacity). */
  candidates: number;
  capacity: number;
  /** Keypoints kept by the grid selection, and in all with extra orientations. */
  selected: number;
  total: number;
}

/** Keeps every indirect dispatch (descriptor samples: 400 threads a keypoint) under 65,535 workgroups. */
const MAX_KEYPOINTS = 32768;

/** Images whose larger side is at most this many pixels are enlarged 2× first when upsample is 'auto'. */
const UPSAMPLE_BELOW = 640;

/** Pixels skipped at each octave border by the detector (the 3D fit needs ±1, descriptors prefer more). */
const BORDER = 5;

interface Plan {
  pyramid: GaussianPyramid;
  select: GridSelect;
  detect: { group: GPUBindGroup; params: GPUBuffer; x: number; y: number }[];
  orientGroup: GPUBindGroup;
  sampleGroup: GPUBindGroup;
  describeGroup: GPUBindGroup;
  normaliseGroup: GPUBindGroup;
  octaveParams: GPUBuffer;
}

export class FeatureExtractor {
  readonly maxKeypoints: number;
  readonly descDim = FEAT_DESC_DIM;
  lastStats: ExtractStats | null = null;
  private readonly device: GPUDevice;
  private readonly opts: Required<Omit<ExtractorOptions, 'maxKeypoints'>>;
  private readonly bufs: FeatureBuffers;
  private readonly feats: GPUBuffer;
  private readonly desc: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly plans = new Map<string, Plan>();
  private readonly detectPipeline: GPUComputePipeline;
  private readonly orientPipeline: GPUComputePipeline;
  private readonly describePipeline: GPUComputePipeline;
  private readonly normalisePipeline: GPUComputePipeline;
  private readonly samplePipeline: GPUComputePipeline;
  private readonly samples: GPUBuffer;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(device: GPUDevice, opts: ExtractorOptions = {}) {
    this.device = device;
    const max = Math.floor(opts.maxKeypoints ?? 2048);
    if (!(max >= 1 && max <= MAX_KEYPOINTS))
      throw new Error(`FeatureExtractor: maxKeypoints ${max} not in 1..${MAX_KEYPOINTS}`);
    this.maxKeypoints = max;
    this.opts = {
      extraOrientationShare: opts.extraOrientationShare ?? 0.15,
      contrastThreshold: opts.contrastThreshold ?? 0.015,
      edgeThreshold: opts.edgeThreshold ?? 10,
      sigma0: opts.sigma0 ?? 1.6,
      maxCandidates: opts.maxCandidates ?? Math.max(8 * max, 32768),
      upsample: opts.upsample ?? 'auto',
    };
    const target = Math.max(1, max - Math.floor(max * this.opts.extraOrientationShare));
    const capacity = this.opts.maxCandidates;
    this.bufs = {
      counters: createBuffer(device, 'feature counters', FEAT_CTR_WORDS * 4, STORAGE),
      cands: createBuffer(device, 'feature candidates', capacity * RECORD_BYTES, STORAGE),
      capacity,
      kps: createBuffer(device, 'feature keypoints', target * RECORD_BYTES, STORAGE),
      target,
      maxFeatures: max,
      args: createBuffer(device, 'feature args', ARGS_WORDS * 4, STORAGE | USAGE.INDIRECT),
    };
    this.feats = createBuffer(device, 'feature records', max * RECORD_BYTES, STORAGE);
    this.desc = createBuffer(device, 'feature descriptors', max * FEAT_DESC_DIM * 4, STORAGE);
    this.staging = device.createBuffer({
      label: 'feature readback',
      size: FEAT_CTR_WORDS * 4 + this.feats.size + this.desc.size,
      usage: USAGE.MAP_READ | USAGE.COPY_DST,
    });
    this.samples = createBuffer(
      device,
      'feature descriptor samples',
      max * FEAT_DESC_GRID * FEAT_DESC_GRID * 8,
      STORAGE,
    );
    const kernel = (label: string, src: string, entryPoint: string) =>
      computePipeline(device, { label, sources: [dispatchWgsl, commonWgsl, src], entryPoint });
    this.detectPipeline = kernel('features/detect', detectWgsl, 'detect');
    this.orientPipeline = kernel('features/orient', orientWgsl, 'orient');
    this.describePipeline = kernel('features/describe', describeWgsl, 'describe');
    this.normalisePipeline = kernel('features/describe', describeWgsl, 'normalise');
    this.samplePipeline = kernel('features/describe', describeWgsl, 'sample');
  }

  private plan(width: number, height: number): Plan {
    const key = `${width}x${height}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    if (this.plans.size >= 4) {
      const [oldKey, old] = this.plans.entries().next().value!;
      this.destroyPlan(old);
      this.plans.delete(oldKey);
    }
    const device = this.device;
    const up = this.opts.upsample;
    const upsample = up === 'auto' ? Math.max(width, height) <= UPSAMPLE_BELOW : up;
    const layout = pyramidLayout(width, height, this.opts.sigma0, upsample);
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (layout.size * 4 > limit)
      throw new Error(
        `FeatureExtractor: a ${width}×${height} image needs a ${Math.ceil((layout.size * 4) / 2 ** 20)} MiB ` +
          `pyramid, over this GPU's ${Math.floor(limit / 2 ** 20)} MiB binding limit; downscale it first`,
      );
    const pyramid = new GaussianPyramid(device, layout);
    const grid = gridFor(width, height, this.bufs.target);
    const select = new GridSelect(device, this.bufs, grid, layout.firstOctave);
    const detect = layout.octaves.map((o, i) => {
      const words = new ArrayBuffer(48);
      new Uint32Array(words, 0, 8).set([
        o.width,
        o.height,
        i,
        o.offset,
        BORDER,
        this.bufs.capacity,
        grid.cols,
        grid.rows,
      ]);
      new Float32Array(words, 32, 4).set([
        grid.cellSize,
        this.opts.contrastThreshold,
        this.opts.edgeThreshold,
        2 ** (i + layout.firstOctave),
      ]);
      const params = createBuffer(device, `detect params ${i}`, new Uint8Array(words), UNIFORM);
      const group = bindMap(device, this.detectPipeline, {
        0: params,
        1: pyramid.buffer,
        2: this.bufs.counters,
        3: this.bufs.cands,
        4: select.cellCounts,
      });
      return { group, params, x: Math.ceil(o.width / FEAT_TILE), y: Math.ceil(o.height / FEAT_TILE) };
    });
    const words = new ArrayBuffer(FEAT_MAX_OCTAVES * 16 + 16);
    const u = new Uint32Array(words);
    layout.octaves.forEach((o, i) => {
      u.set([o.width, o.height, o.offset, 0], 4 * i);
    });
    new Float32Array(words, FEAT_MAX_OCTAVES * 16, 1)[0] = this.opts.sigma0;
    u[FEAT_MAX_OCTAVES * 4 + 1] = this.maxKeypoints;
    const octaveParams = createBuffer(device, 'feature octave params', new Uint8Array(words), UNIFORM);
    const orientGroup = bindMap(device, this.orientPipeline, {
      0: octaveParams,
      1: pyramid.buffer,
      2: this.bufs.counters,
      3: this.bufs.kps,
      4: this.feats,
    });
    const sampleGroup = bindMap(device, this.samplePipeline, {
      0: octaveParams,
      1: pyramid.buffer,
      2: this.bufs.counters,
      3: this.feats,
      5: this.samples,
    });
    const describeGroup = bindMap(device, this.describePipeline, {
      2: this.bufs.counters,
      4: this.desc,
      5: this.samples,
    });
    const normaliseGroup = bindMap(device, this.normalisePipeline, { 2: this.bufs.counters, 4: this.desc });
    const plan = {
      pyramid,
      select,
      detect,
      orientGroup,
      sampleGroup,
      describeGroup,
      normaliseGroup,
      octaveParams,
    };
    this.plans.set(key, plan);
    return plan;
  }

  /** Record every pass for an image already written to the plan's rgba buffer. */
  private encode(encoder: GPUCommandEncoder, plan: Plan): void {
    encoder.clearBuffer(this.bufs.counters);
    plan.select.clear(encoder);
    let pass = encoder.beginComputePass({ label: 'features: pyramid + detect' });
    plan.pyramid.encode(pass);
    pass.setPipeline(this.detectPipeline);
    for (const d of plan.detect) {
      pass.setBindGroup(0, d.group);
      pass.dispatchWorkgroups(d.x, d.y, FEAT_SCALES);
    }
    pass.end();
    plan.select.scanCells(encoder);
    pass = encoder.beginComputePass({ label: 'features: select + describe' });
    plan.select.select(pass);
    plan.select.orientArgs(pass);
    pass.setPipeline(this.orientPipeline);
    pass.setBindGroup(0, plan.orientGroup);
    pass.dispatchWorkgroupsIndirect(this.bufs.args, ARGS_ORIENT_OFFSET);
    plan.select.describeArgs(pass);
    pass.setPipeline(this.samplePipeline);
    pass.setBindGroup(0, plan.sampleGroup);
    pass.dispatchWorkgroupsIndirect(this.bufs.args, ARGS_SAMPLE_OFFSET);
    pass.setPipeline(this.describePipeline);
    pass.setBindGroup(0, plan.describeGroup);
    pass.dispatchWorkgroupsIndirect(this.bufs.args, ARGS_DESCRIBE_OFFSET);
    pass.setPipeline(this.normalisePipeline);
    pass.setBindGroup(0, plan.normaliseGroup);
    pass.dispatchWorkgroupsIndirect(this.bufs.args, ARGS_NORMALISE_OFFSET);
    pass.end();
  }

  /** Keypoints and descriptors of an RGBA image (pixel centres at +0.5), sorted by y, then x, then angle. */
  extract(image: RgbaImage): Promise<Features> {
    const run = this.busy.then(() => this.run(image));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async run(image: RgbaImage): Promise<Features> {
    const { width, height, data } = image;
    if (data.length !== width * height * 4)
      throw new Error(`FeatureExtractor: ${data.length} bytes for a ${width}×${height} RGBA image`);
    if (Math.min(width, height) < 2 * BORDER + 8)
      throw new Error(`FeatureExtractor: image ${width}×${height} is too small`);
    const plan = this.plan(width, height);
    const device = this.device;
    device.queue.writeBuffer(plan.pyramid.rgba, 0, data.buffer, data.byteOffset, data.byteLength);
    const encoder = device.createCommandEncoder({ label: 'features: extract' });
    this.encode(encoder, plan);
    const ctrBytes = FEAT_CTR_WORDS * 4;
    encoder.copyBufferToBuffer(this.bufs.counters, 0, this.staging, 0, ctrBytes);
    encoder.copyBufferToBuffer(this.feats, 0, this.staging, ctrBytes, this.feats.size);
    encoder.copyBufferToBuffer(this.desc, 0, this.staging, ctrBytes + this.feats.size, this.desc.size);
    device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    try {
      const all = this.staging.getMappedRange();
      const counters = new Uint32Array(all, 0, FEAT_CTR_WORDS);
      const total = counters[FEAT_CTR_TOTAL];
      this.lastStats = {
        width,
        height,
        octaves: plan.pyramid.layout.octaves.length,
        upsampled: plan.pyramid.layout.firstOctave < 0,
        candidates: counters[FEAT_CTR_CANDIDATES],
        capacity: this.bufs.capacity,
        selected: counters[FEAT_CTR_SELECTED],
        total,
      };
      const words = RECORD_BYTES / 4;
      const recF = new Float32Array(all, ctrBytes, total * words);
      const recU = new Uint32Array(all, ctrBytes, total * words);
      const desc = new Float32Array(all, ctrBytes + this.feats.size, total * FEAT_DESC_DIM);
      return this.toFeatures(total, recF, recU, desc, plan.pyramid.layout.firstOctave);
    } finally {
      this.staging.unmap();
    }
  }

  private toFeatures(
    count: number,
    recF: Float32Array,
    recU: Uint32Array,
    desc: Float32Array,
    firstOctave: number,
  ): Features {
    const words = RECORD_BYTES / 4;
    const x = new Float64Array(count);
    const y = new Float64Array(count);
    const scale = new Float32Array(count);
    const angle = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const o = 2 ** (recU[i * words + 4] + firstOctave);
      // Octave index space → base index space → continuous coordinates (pixel centres at +0.5).
      x[i] = recF[i * words] * o + 0.5;
      y[i] = recF[i * words + 1] * o + 0.5;
      scale[i] = this.opts.sigma0 * 2 ** (recF[i * words + 2] / FEAT_SCALES) * o;
      angle[i] = recF[i * words + 3];
    }
    const order = Array.from({ length: count }, (_, i) => i).sort(
      (a, b) => y[a] - y[b] || x[a] - x[b] || angle[a] - angle[b],
    );
    const out: Features = {
      count,
      xy: new Float32Array(2 * count),
      scale: new Float32Array(count),
      angle: new Float32Array(count),
      desc: new Float32Array(count * FEAT_DESC_DIM),
      descDim: FEAT_DESC_DIM,
    };
    order.forEach((src, i) => {
      out.xy[2 * i] = x[src];
      out.xy[2 * i + 1] = y[src];
      out.scale[i] = scale[src];
      out.angle[i] = angle[src];
      out.desc.set(desc.subarray(src * FEAT_DESC_DIM, (src + 1) * FEAT_DESC_DIM), i * FEAT_DESC_DIM);
    });
    return out;
  }

  private destroyPlan(plan: Plan): void {
    plan.pyramid.destroy();
    plan.select.destroy();
    for (const d of plan.detect) d.params.destroy();
    plan.octaveParams.destroy();
  }

  destroy(): void {
    for (const plan of this.plans.values()) this.destroyPlan(plan);
    this.plans.clear();
    for (const b of [this.bufs.counters, this.bufs.cands, this.bufs.kps, this.bufs.args]) b.destroy();
    this.feats.destroy();
    this.desc.destroy();
    this.samples.destroy();
    this.staging.destroy();
  }
}
