import backwardWgsl from '../../../shaders/image/loss_backward.wgsl?raw';
import forwardWgsl from '../../../shaders/image/loss_forward.wgsl?raw';
import reduceWgsl from '../../../shaders/image/loss_reduce.wgsl?raw';
import ssimWgsl from '../../../shaders/image/ssim.wgsl?raw';
import { createBuffer, readF32, STORAGE, UNIFORM } from '../gpu/buffers';
import { GPU_CONSTANTS } from '../gpu/constants';
import { bindBuffers, computePipeline } from '../gpu/pipelines';
import { DEFAULT_LAMBDA, gaussianWindow, SSIM_C1, SSIM_C2 } from './loss-reference';

export { psnr } from './loss-reference';

const { SSIM_TILE, SSIM_RADIUS } = GPU_CONSTANTS;

export interface LossOptions {
  /** Weight of L1 against D-SSIM: conf·(λ·|x−y| + (1−λ)·(1−SSIM)). Default 0.8. */
  lambda?: number;
  /**
   * Divide the confidence by its mean over the image (ReconX-style, so the loss scale does not depend on
   * how confident a frame is). The mean is a constant of the loss: confidence is an input, not a
   * parameter. Default false: the confidence weights the mean as it is.
   */
  normalizeConfidence?: boolean;
}

export interface LossValues {
  /** The objective (see ImageLoss). */
  total: number;
  /** Unweighted mean |x − y| over W·H·3. */
  l1: number;
  /** Unweighted mean SSIM over W·H·3. */
  ssim: number;
  /** Unweighted mean (x − y)² over W·H·3; `psnr(mse)` gives the PSNR in dB. */
  mse: number;
  /** Mean confidence (1 without a confidence map). */
  confidenceMean: number;
}

/** Floats in `values`: [total, l1, ssim, mse, mean confidence, k (confidence normaliser), 0, 0]. */
export const LOSS_VALUE_COUNT = 8;

const PARAM_WORDS = 28; // LossParams in shaders/image/ssim.wgsl: 16 scalars + 3 vec4 of taps

/**
 * Photometric loss of a rendered image x against a target y with per-pixel confidence, and its exact
 * gradient, on the GPU:
 *
 *   total = 1/(W·H·3) · Σ_pixels Σ_rgb k·conf·(λ·|x−y| + (1−λ)·(1 − SSIM(x, y)))
 *
 * k = 1, or 1/mean(conf) with `normalizeConfidence`. SSIM per channel with an 11×11 Gaussian window
 * (σ = 1.5), zero padding, C1 = 0.01², C2 = 0.03², no clamping. ∂total/∂x goes to `gradOut` (alpha 0).
 *
 * Three dispatches, no readback: a tiled forward (SSIM maps, per-tile sums, backward partial maps), a
 * one-workgroup reduction of the tile sums into `values`, and a tiled backward (self-adjoint blur of the
 * partial maps). Scratch: 36 bytes a pixel for the partial maps. encode() does no queue writes, so it may
 * be called any number of times per submit; `values` then holds the last one.
 */
export class ImageLoss {
  readonly width: number;
  readonly height: number;
  readonly lambda: number;
  readonly normalizeConfidence: boolean;
  /** [total, l1, ssim, mse, mean confidence, k, 0, 0] (f32) of the last encode. */
  readonly values: GPUBuffer;
  private readonly device: GPUDevice;
  private readonly tilesX: number;
  private readonly tilesY: number;
  private readonly partialMaps: GPUBuffer;
  private readonly tileSums: GPUBuffer;
  private readonly paramsWithConf: GPUBuffer;
  private readonly paramsNoConf: GPUBuffer;
  private readonly noConfidence: GPUBuffer;
  private readonly forward: GPUComputePipeline;
  private readonly reduce: GPUComputePipeline;
  private readonly backward: GPUComputePipeline;
  private readonly reduceBindGroups: [GPUBindGroup, GPUBindGroup];

  constructor(device: GPUDevice, width: number, height: number, options: LossOptions = {}) {
    if (!(width >= 1 && height >= 1 && Number.isInteger(width) && Number.isInteger(height)))
      throw new Error(`ImageLoss: bad size ${width}×${height}`);
    this.device = device;
    this.width = width;
    this.height = height;
    this.lambda = options.lambda ?? DEFAULT_LAMBDA;
    this.normalizeConfidence = options.normalizeConfidence ?? false;
    const pixels = width * height;
    const mapBytes = pixels * 9 * 4;
    if (mapBytes > device.limits.maxStorageBufferBindingSize)
      throw new Error(
        `ImageLoss: ${width}×${height} needs ${mapBytes} bytes of scratch, above the device limit`,
      );
    this.tilesX = Math.ceil(width / SSIM_TILE);
    this.tilesY = Math.ceil(height / SSIM_TILE);
    const tiles = this.tilesX * this.tilesY;

    this.partialMaps = createBuffer(device, 'loss partial maps', mapBytes, STORAGE);
    this.tileSums = createBuffer(device, 'loss tile sums', tiles * 32, STORAGE);
    this.values = createBuffer(device, 'loss values', LOSS_VALUE_COUNT * 4, STORAGE);
    this.noConfidence = createBuffer(device, 'loss no confidence', 4, STORAGE);
    this.paramsWithConf = uniformParams(device, width, height, this.tilesX, tiles, true, this);
    this.paramsNoConf = uniformParams(device, width, height, this.tilesX, tiles, false, this);

    const kernel = (entryPoint: string, src: string) =>
      computePipeline(device, { label: 'image-loss', sources: [ssimWgsl, src], entryPoint });
    this.forward = kernel('loss_forward', forwardWgsl);
    this.reduce = kernel('loss_reduce', reduceWgsl);
    this.backward = kernel('loss_backward', backwardWgsl);
    this.reduceBindGroups = [
      bindBuffers(device, this.reduce, [this.tileSums, this.values, this.paramsNoConf]),
      bindBuffers(device, this.reduce, [this.tileSums, this.values, this.paramsWithConf]),
    ];
  }

  /** Encodes loss = mean over pixels and RGB of k·conf·(λ·|x−y| + (1−λ)·(1−SSIM)) and its gradient. */
  encode(
    encoder: GPUCommandEncoder,
    rendered: GPUBuffer,
    target: GPUBuffer,
    confidence: GPUBuffer | null,
    gradOut: GPUBuffer,
  ): void {
    const imageBytes = this.width * this.height * 16;
    for (const [name, b] of [
      ['rendered', rendered],
      ['target', target],
      ['gradOut', gradOut],
    ] as const) {
      if (b.size < imageBytes)
        throw new Error(`ImageLoss: ${name} holds ${b.size} bytes, need ${imageBytes}`);
    }
    if (confidence && confidence.size < this.width * this.height * 4)
      throw new Error('ImageLoss: confidence buffer is smaller than width·height f32');
    const params = confidence ? this.paramsWithConf : this.paramsNoConf;
    const conf = confidence ?? this.noConfidence;
    const device = this.device;
    const pass = encoder.beginComputePass({ label: 'image-loss' });
    pass.setPipeline(this.forward);
    pass.setBindGroup(
      0,
      bindBuffers(device, this.forward, [rendered, target, conf, this.partialMaps, this.tileSums, params]),
    );
    pass.dispatchWorkgroups(this.tilesX, this.tilesY);
    pass.setPipeline(this.reduce);
    pass.setBindGroup(0, this.reduceBindGroups[confidence ? 1 : 0]);
    pass.dispatchWorkgroups(1);
    pass.setPipeline(this.backward);
    pass.setBindGroup(
      0,
      bindBuffers(device, this.backward, [
        rendered,
        target,
        conf,
        this.partialMaps,
        this.values,
        gradOut,
        params,
      ]),
    );
    pass.dispatchWorkgroups(this.tilesX, this.tilesY);
    pass.end();
  }

  /** Reads `values` back (waits for the GPU: call it only when the figures are needed). */
  async read(): Promise<LossValues> {
    const v = await readF32(this.device, this.values, LOSS_VALUE_COUNT);
    return { total: v[0], l1: v[1], ssim: v[2], mse: v[3], confidenceMean: v[4] };
  }

  destroy(): void {
    for (const b of [
      this.partialMaps,
      this.tileSums,
      this.values,
      this.noConfidence,
      this.paramsWithConf,
      this.paramsNoConf,
    ])
      b.destroy();
  }
}

function uniformParams(
  device: GPUDevice,
  width: number,
  height: number,
  tilesX: number,
  tiles: number,
  hasConf: boolean,
  loss: { lambda: number; normalizeConfidence: boolean },
): GPUBuffer {
  const data = new ArrayBuffer(PARAM_WORDS * 4);
  const u = new Uint32Array(data);
  const f = new Float32Array(data);
  u.set([width, height, tilesX, tiles, hasConf ? 1 : 0, loss.normalizeConfidence ? 1 : 0, 0, 0]);
  f.set([loss.lambda, 1 / (width * height * 3), 1 / (width * height), SSIM_C1, SSIM_C2], 8);
  f.set(gaussianWindow(SSIM_RADIUS), 16);
  return createBuffer(device, `loss params${hasConf ? ' (confidence)' : ''}`, u, UNIFORM);
}
