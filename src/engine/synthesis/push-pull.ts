import dispatchWgsl from '../../../shaders/common/dispatch.wgsl?raw';
import pushPullWgsl from '../../../shaders/synthesis/push_pull.wgsl?raw';
import { createBuffer, STORAGE, uniformBuffer } from '../gpu/buffers';
import { dispatch1D } from '../gpu/dispatch';
import { bindBuffers, computePipeline } from '../gpu/pipelines';

const SOURCES = [dispatchWgsl, pushPullWgsl];

export interface PyramidLevel {
  width: number;
  height: number;
  /** Offset of the level's first pixel in the shared pyramid buffers. */
  offset: number;
}

/** Halve (rounding up) until 1×1. */
export function pyramidLevels(width: number, height: number): PyramidLevel[] {
  const levels: PyramidLevel[] = [];
  let w = width;
  let h = height;
  let offset = 0;
  for (;;) {
    levels.push({ width: w, height: h, offset });
    offset += w * h;
    if (w === 1 && h === 1) return levels;
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
  }
}

/**
 * Depth-aware push-pull (shaders/synthesis/push_pull.wgsl) over buffers it owns: level 0 of `pyr`
 * (r, g, b, depth) and `pyrW` (coverage in [0, 1]) are written by the caller; after `encode`, level 0 of
 * `fill` holds the filled image (r, g, b, depth). `gamma` sets how strongly the far side wins.
 */
export class PushPull {
  readonly levels: PyramidLevel[];
  readonly pyr: GPUBuffer;
  readonly pyrW: GPUBuffer;
  readonly fill: GPUBuffer;
  private readonly params: GPUBuffer[] = [];
  private readonly pullGroups: GPUBindGroup[] = [];
  private readonly pushGroups: GPUBindGroup[] = [];
  private readonly pullPipe: GPUComputePipeline;
  private readonly pushPipe: GPUComputePipeline;

  constructor(device: GPUDevice, width: number, height: number, gamma: number) {
    this.levels = pyramidLevels(width, height);
    const total = this.levels.reduce((s, l) => s + l.width * l.height, 0);
    this.pyr = createBuffer(device, 'push-pull pyr', total * 16, STORAGE);
    this.pyrW = createBuffer(device, 'push-pull weights', total * 4, STORAGE);
    this.fill = createBuffer(device, 'push-pull fill', total * 16, STORAGE);
    this.pullPipe = computePipeline(device, { label: 'push-pull', sources: SOURCES, entryPoint: 'pull' });
    this.pushPipe = computePipeline(device, { label: 'push-pull', sources: SOURCES, entryPoint: 'push' });
    for (let l = 0; l + 1 < this.levels.length; l++) {
      const f = this.levels[l];
      const c = this.levels[l + 1];
      const words = new Uint32Array([f.width, f.height, f.offset, c.width, c.height, c.offset, 0, 0]);
      new Float32Array(words.buffer)[6] = gamma;
      const params = uniformBuffer(device, `push-pull level ${l}`, words);
      this.params.push(params);
      const buffers = [params, this.pyr, this.pyrW, this.fill];
      this.pullGroups.push(bindBuffers(device, this.pullPipe, buffers));
      this.pushGroups.push(bindBuffers(device, this.pushPipe, buffers));
    }
  }

  encode(encoder: GPUCommandEncoder): void {
    const pass = encoder.beginComputePass({ label: 'push-pull' });
    const n = this.levels.length;
    if (n === 1) {
      pass.end();
      encoder.copyBufferToBuffer(this.pyr, 0, this.fill, 0, 16);
      return;
    }
    pass.setPipeline(this.pullPipe);
    for (let l = 0; l + 1 < n; l++) {
      pass.setBindGroup(0, this.pullGroups[l]);
      dispatch1D(pass, this.levels[l + 1].width * this.levels[l + 1].height);
    }
    pass.setPipeline(this.pushPipe);
    for (let l = n - 2; l >= 0; l--) {
      pass.setBindGroup(0, this.pushGroups[l]);
      dispatch1D(pass, this.levels[l].width * this.levels[l].height);
    }
    pass.end();
  }

  destroy(): void {
    for (const b of [this.pyr, this.pyrW, this.fill, ...this.params]) b.destroy();
  }
}

const farWeight = (z: number, zmax: number, gamma: number): number =>
  zmax <= 0 ? 1 : Math.min(Math.max(z / zmax, 0), 1) ** gamma;

/**
 * Plain-TypeScript reference of the push-pull: `rgbz` is (r, g, b, depth) per pixel, `coverage` in [0, 1].
 * Returns the filled level-0 (r, g, b, depth).
 */
export function pushPullReference(
  rgbz: Float32Array,
  coverage: Float32Array,
  width: number,
  height: number,
  gamma: number,
): Float32Array {
  const levels = pyramidLevels(width, height);
  const pyr: Float64Array[] = [Float64Array.from(rgbz)];
  const cov: Float64Array[] = [Float64Array.from(coverage)];
  for (let l = 0; l + 1 < levels.length; l++) {
    const f = levels[l];
    const c = levels[l + 1];
    const p = new Float64Array(c.width * c.height * 4);
    const w = new Float64Array(c.width * c.height);
    for (let cy = 0; cy < c.height; cy++) {
      for (let cx = 0; cx < c.width; cx++) {
        const kids: number[] = [];
        for (let k = 0; k < 4; k++) {
          const fx = 2 * cx + (k & 1);
          const fy = 2 * cy + (k >> 1);
          if (fx < f.width && fy < f.height && cov[l][fy * f.width + fx] > 0) kids.push(fy * f.width + fx);
        }
        const zmax = Math.max(0, ...kids.map((j) => pyr[l][4 * j + 3]));
        let coverageSum = 0;
        let wsum = 0;
        const acc = [0, 0, 0, 0];
        for (const j of kids) {
          const wt = cov[l][j] * farWeight(pyr[l][4 * j + 3], zmax, gamma);
          coverageSum += cov[l][j];
          wsum += wt;
          for (let ch = 0; ch < 4; ch++) acc[ch] += wt * pyr[l][4 * j + ch];
        }
        const i = cy * c.width + cx;
        for (let ch = 0; ch < 4; ch++) p[4 * i + ch] = wsum > 0 ? acc[ch] / wsum : 0;
        w[i] = Math.min(coverageSum, 1);
      }
    }
    pyr.push(p);
    cov.push(w);
  }
  let fill = pyr[levels.length - 1];
  for (let l = levels.length - 2; l >= 0; l--) {
    const f = levels[l];
    const c = levels[l + 1];
    const out = new Float64Array(f.width * f.height * 4);
    for (let y = 0; y < f.height; y++) {
      for (let x = 0; x < f.width; x++) {
        const gx = (x + 0.5) * 0.5 - 0.5;
        const gy = (y + 0.5) * 0.5 - 0.5;
        const x0 = Math.floor(gx);
        const y0 = Math.floor(gy);
        const tx = gx - x0;
        const ty = gy - y0;
        const clampX = (v: number) => Math.min(Math.max(v, 0), c.width - 1);
        const clampY = (v: number) => Math.min(Math.max(v, 0), c.height - 1);
        const taps = [0, 1, 2, 3].map((k) => ({
          j: clampY(y0 + (k >> 1)) * c.width + clampX(x0 + (k & 1)),
          b: ((k & 1) === 1 ? tx : 1 - tx) * (k >> 1 === 1 ? ty : 1 - ty),
        }));
        const zmax = Math.max(0, ...taps.map((t) => fill[4 * t.j + 3]));
        let wsum = 0;
        const acc = [0, 0, 0, 0];
        for (const t of taps) {
          const wt = t.b * farWeight(fill[4 * t.j + 3], zmax, gamma);
          wsum += wt;
          for (let ch = 0; ch < 4; ch++) acc[ch] += wt * fill[4 * t.j + ch];
        }
        const i = y * f.width + x;
        const own = cov[l][i];
        for (let ch = 0; ch < 4; ch++) {
          const up = wsum > 0 ? acc[ch] / wsum : 0;
          out[4 * i + ch] = own * pyr[l][4 * i + ch] + (1 - own) * up;
        }
      }
    }
    fill = out;
  }
  return Float32Array.from(fill);
}
