/**
 * Gaussian scale space for DoG features (SIFT layout): octaves halve the resolution, each holds
 * FEAT_SCALES + 3 images whose blur grows by 2^(1/FEAT_SCALES) from sigma0, all in one f32 buffer.
 * Octave o + 1 starts from every second pixel of level FEAT_SCALES of octave o (blur 2·sigma0 there,
 * sigma0 after halving). With `upsample` the first octave is the image enlarged 2× (Lowe: ~4× more
 * stable keypoints on small images) by interpolation at half-pixel index steps. Either way pixel i of
 * stored octave o samples input pixel index i·2^(o + firstOctave) exactly (firstOctave = −1 or 0).
 */
import pyramidWgsl from '../../../../shaders/features/pyramid.wgsl?raw';
import { createBuffer, STORAGE, UNIFORM } from '../../gpu/buffers';
import { GPU_CONSTANTS } from '../../gpu/constants';
import { bindMap, computePipeline } from '../../gpu/pipelines';

const {
  FEAT_SCALES,
  FEAT_TILE,
  FEAT_MAX_BLUR_RADIUS,
  FEAT_MAX_OCTAVES,
  FEAT_BLUR_RUN: BLUR_RUN,
} = GPU_CONSTANTS;

/** Gaussian images per octave. */
export const LEVELS = FEAT_SCALES + 3;
/** Blur the input image is assumed to have already (Lowe's 0.5 for a sampled camera image). */
export const INPUT_SIGMA = 0.5;
/** Smallest side of the coarsest octave. */
const MIN_OCTAVE_SIDE = 32;

export interface Octave {
  width: number;
  height: number;
  /** Element offset of level 0 in the pyramid buffer; level l starts at offset + l·width·height. */
  offset: number;
}

export interface PyramidLayout {
  /** Input image size. */
  width: number;
  height: number;
  sigma0: number;
  /** −1 when the first octave is the 2× enlarged image, else 0. */
  firstOctave: number;
  octaves: Octave[];
  /** Elements in the pyramid buffer. */
  size: number;
}

export function pyramidLayout(
  width: number,
  height: number,
  sigma0: number,
  upsample = false,
): PyramidLayout {
  const octaves: Octave[] = [];
  // Enlarged: 2w − 1 samples at index steps of ½ (the last one lands on the last input pixel).
  let w = upsample ? 2 * width - 1 : width;
  let h = upsample ? 2 * height - 1 : height;
  let offset = 0;
  do {
    octaves.push({ width: w, height: h, offset });
    offset += LEVELS * w * h;
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
  } while (Math.min(w, h) >= MIN_OCTAVE_SIDE && octaves.length < FEAT_MAX_OCTAVES);
  return { width, height, sigma0, firstOctave: upsample ? -1 : 0, octaves, size: offset };
}

/** Blur added at each level: level 0 from the input blur (in first-octave pixels), level l from l − 1. */
export function levelIncrements(sigma0: number, firstOctave = 0): number[] {
  const k = 2 ** (1 / FEAT_SCALES);
  const input = INPUT_SIGMA * 2 ** -firstOctave;
  const inc = [Math.sqrt(Math.max(sigma0 * sigma0 - input * input, 0.01))];
  for (let l = 1; l < LEVELS; l++) {
    const prev = sigma0 * k ** (l - 1);
    const next = sigma0 * k ** l;
    inc.push(Math.sqrt(next * next - prev * prev));
  }
  return inc;
}

/**
 * Normalised Gaussian taps 0..r (the kernel is symmetric: w0 + 2·Σ wk = 1), truncated at 3σ: 0.3 % of
 * the mass, the same in every image, for 25 % fewer taps than 4σ (the pyramid dominates extraction).
 */
export function gaussianTaps(sigma: number): Float32Array {
  const r = Math.min(FEAT_MAX_BLUR_RADIUS, Math.ceil(3 * sigma));
  const taps = new Float32Array(r + 1);
  let sum = 0;
  for (let k = 0; k <= r; k++) {
    taps[k] = Math.exp((-k * k) / (2 * sigma * sigma));
    sum += k === 0 ? taps[k] : 2 * taps[k];
  }
  for (let k = 0; k <= r; k++) taps[k] /= sum;
  return taps;
}

type Step =
  | { kind: 'gray'; octave: Octave; upsample: boolean }
  | { kind: 'blur'; octave: Octave; src: number; dst: number; taps: Float32Array }
  | { kind: 'subsample'; from: Octave; octave: Octave; src: number };

function steps(layout: PyramidLayout): Step[] {
  const inc = levelIncrements(layout.sigma0, layout.firstOctave);
  const out: Step[] = [];
  layout.octaves.forEach((octave, o) => {
    const level = (l: number) => octave.offset + l * octave.width * octave.height;
    if (o === 0) {
      out.push({ kind: 'gray', octave, upsample: layout.firstOctave < 0 });
      out.push({ kind: 'blur', octave, src: level(0), dst: level(0), taps: gaussianTaps(inc[0]) });
    } else {
      const from = layout.octaves[o - 1];
      out.push({
        kind: 'subsample',
        from,
        octave,
        src: from.offset + FEAT_SCALES * from.width * from.height,
      });
    }
    for (let l = 1; l < LEVELS; l++) {
      out.push({ kind: 'blur', octave, src: level(l - 1), dst: level(l), taps: gaussianTaps(inc[l]) });
    }
  });
  return out;
}

/** vec4 rows of the banded weight table (BAND in pyramid.wgsl). */
const BAND = 2 * FEAT_MAX_BLUR_RADIUS + BLUR_RUN;

function paramsWords(step: Step): ArrayBuffer {
  const data = new ArrayBuffer(32 + BAND * 16);
  const u = new Uint32Array(data, 0, 8);
  const f = new Float32Array(data, 32, BAND * 4);
  const o = step.octave;
  u.set([o.width, o.height, o.width, o.height, 0, o.offset, 0, 0]);
  if (step.kind === 'gray') {
    u[0] = step.upsample ? (o.width + 1) / 2 : o.width;
    u[1] = step.upsample ? (o.height + 1) / 2 : o.height;
    u[7] = step.upsample ? 1 : 0;
  } else if (step.kind === 'blur') {
    u[4] = step.src;
    u[5] = step.dst;
    const r = step.taps.length - 1;
    u[6] = r;
    // band[k + r][j] = tap(|k − j|) for sample offset k in −r..r + BLUR_RUN − 1 and output j.
    for (let k = -r; k <= r + BLUR_RUN - 1; k++)
      for (let j = 0; j < BLUR_RUN; j++) {
        const d = Math.abs(k - j);
        f[4 * (k + r) + j] = d <= r ? step.taps[d] : 0;
      }
  } else if (step.kind === 'subsample') {
    u[0] = step.from.width;
    u[1] = step.from.height;
    u[4] = step.src;
  }
  return data;
}

/** The GPU pyramid for one image size: buffers, uniforms and bind groups made once, reused per image. */
export class GaussianPyramid {
  readonly layout: PyramidLayout;
  /** All Gaussian images (f32). */
  readonly buffer: GPUBuffer;
  /** The input image, RGBA8 packed one u32 a pixel. */
  readonly rgba: GPUBuffer;
  private readonly tmp: GPUBuffer;
  private readonly uniforms: GPUBuffer[] = [];
  private readonly work: { pipeline: GPUComputePipeline; group: GPUBindGroup; x: number; y: number }[] = [];

  constructor(device: GPUDevice, layout: PyramidLayout) {
    this.layout = layout;
    const { width, height } = layout;
    const first = layout.octaves[0];
    this.buffer = createBuffer(device, 'feature pyramid', layout.size * 4, STORAGE);
    this.rgba = createBuffer(device, 'feature rgba', width * height * 4, STORAGE);
    this.tmp = createBuffer(device, 'feature blur tmp', first.width * first.height * 4, STORAGE);
    const kernel = (entryPoint: string) =>
      computePipeline(device, { label: 'features/pyramid', sources: [pyramidWgsl], entryPoint });
    for (const step of steps(layout)) {
      const params = createBuffer(device, `pyramid ${step.kind}`, new Uint8Array(paramsWords(step)), UNIFORM);
      this.uniforms.push(params);
      const x = Math.ceil(step.octave.width / FEAT_TILE);
      const y = Math.ceil(step.octave.height / FEAT_TILE);
      // Blur threads each produce BLUR_RUN outputs along the pass direction (pyramid.wgsl).
      const xRun = Math.ceil(step.octave.width / (BLUR_RUN * FEAT_TILE));
      const yRun = Math.ceil(step.octave.height / (BLUR_RUN * FEAT_TILE));
      const add = (entryPoint: string, use: Record<number, GPUBuffer>, gx = x, gy = y) => {
        const pipeline = kernel(entryPoint);
        this.work.push({ pipeline, group: bindMap(device, pipeline, use), x: gx, y: gy });
      };
      if (step.kind === 'gray') add('gray', { 0: params, 1: this.buffer, 3: this.rgba });
      else if (step.kind === 'subsample') add('subsample', { 0: params, 1: this.buffer });
      else {
        const blur = { 0: params, 1: this.buffer, 2: this.tmp };
        add('blur_h', blur, xRun, y);
        add('blur_v', blur, x, yRun);
      }
    }
  }

  /** Record the whole pyramid (from `rgba`) into an open compute pass. */
  encode(pass: GPUComputePassEncoder): void {
    for (const w of this.work) {
      pass.setPipeline(w.pipeline);
      pass.setBindGroup(0, w.group);
      pass.dispatchWorkgroups(w.x, w.y);
    }
  }

  destroy(): void {
    this.buffer.destroy();
    this.rgba.destroy();
    this.tmp.destroy();
    for (const u of this.uniforms) u.destroy();
  }
}

/** Plain-TypeScript reference of the pyramid buffer (same steps, same clamp-to-edge borders). */
export function pyramidReference(layout: PyramidLayout, rgba: Uint8ClampedArray): Float32Array {
  const out = new Float32Array(layout.size);
  const tmp = new Float32Array(layout.octaves[0].width * layout.octaves[0].height);
  const iw = layout.width;
  const gray = (x: number, y: number) => {
    const i = y * iw + x;
    return (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
  };
  for (const step of steps(layout)) {
    const { width: w, height: h, offset } = step.octave;
    if (step.kind === 'gray') {
      const half = step.upsample ? 0.5 : 1;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          // Bilinear at input index (x·half, y·half); exact at integer positions.
          const x0 = Math.floor(x * half);
          const y0 = Math.floor(y * half);
          const x1 = Math.min(x0 + 1, iw - 1);
          const y1 = Math.min(y0 + 1, layout.height - 1);
          const fx = x * half - x0;
          const fy = y * half - y0;
          const top = gray(x0, y0) * (1 - fx) + gray(x1, y0) * fx;
          const bottom = gray(x0, y1) * (1 - fx) + gray(x1, y1) * fx;
          out[offset + y * w + x] = top * (1 - fy) + bottom * fy;
        }
    } else if (step.kind === 'subsample') {
      const fw = step.from.width;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[offset + y * w + x] = out[step.src + 2 * y * fw + 2 * x];
    } else {
      const t = step.taps;
      const r = t.length - 1;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let acc = t[0] * out[step.src + y * w + x];
          for (let k = 1; k <= r; k++)
            acc +=
              t[k] *
              (out[step.src + y * w + Math.max(x - k, 0)] + out[step.src + y * w + Math.min(x + k, w - 1)]);
          tmp[y * w + x] = acc;
        }
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let acc = t[0] * tmp[y * w + x];
          for (let k = 1; k <= r; k++)
            acc += t[k] * (tmp[Math.max(y - k, 0) * w + x] + tmp[Math.min(y + k, h - 1) * w + x]);
          out[step.dst + y * w + x] = acc;
        }
    }
  }
  return out;
}
