/**
 * Confidence-aware 3DGS optimisation (ReconX loss, InstantSplat schedule): each step renders one training
 * view, scores it with conf × (λ·L1 + (1−λ)·D-SSIM), back-propagates and takes an Adam step per parameter
 * group. No densification. Progress figures come back through non-blocking readbacks (a small ring of
 * staging buffers mapped asynchronously), so the loop never waits on the CPU side for a loss value.
 * With `refinePoses` the input views' camera poses are optimised too (pose-refine.ts: corrections, their
 * gradient and Adam all on the GPU, the rasterizer reading the composed pose directly).
 */
import type { Camera } from '../geometry/camera';
import { transformPoint } from '../geometry/mat4';
import { createBuffer, STORAGE, USAGE } from '../gpu/buffers';
import { Adam } from './adam';
import { type GaussianCloud, sigmoid } from './cloud';
import { ImageLoss, LOSS_VALUE_COUNT, psnr } from './loss';
import { PoseRefiner } from './pose-refine';
import { Rasterizer } from './rasterizer';
import { GpuScene, SPLAT_PARAMS, type SplatParam } from './scene';
import { ViewSampler } from './view-sampler';

export interface TrainView {
  camera: Camera;
  /** RGBA8 image of camera.intrinsics' size. */
  rgba: Uint8ClampedArray;
  /** Per-pixel confidence in [0,1]; ones when absent. */
  confidence?: Float32Array;
  /** Weight of this view's loss (per source: inputs 1, synthesized frames less). */
  weight?: number;
  /** Input photos count towards "PSNR on the inputs". */
  source: 'input' | 'synthesized';
}

export interface LearningRates {
  /** Position lr at the start and end, multiplied by the scene extent (InstantSplat: 1.6e-4 → 1.6e-6). */
  meansStart: number;
  meansEnd: number;
  /** Steps over which the position lr decays log-linearly (InstantSplat keeps 3DGS's 30k). */
  meansDecaySteps: number;
  shDc: number;
  shRest: number;
  opacity: number;
  scales: number;
  rotations: number;
  /**
   * Pose corrections (refinePoses): rotation (radians) and translation (scene units) rates at the start,
   * decaying exponentially to × poseFinal at the last step (InstantSplat: 1e-4 → 1e-6 on a w2c quaternion
   * and translation; a quaternion component step of 1e-4 turns the camera by about 2e-4 rad).
   */
  poseRotation: number;
  poseTranslation: number;
  poseFinal: number;
}

/** InstantSplat's sparse-view rates (its ×10 on colour, scale and rotation over 3DGS). */
export const INSTANTSPLAT_RATES: LearningRates = {
  meansStart: 1.6e-4,
  meansEnd: 1.6e-6,
  meansDecaySteps: 30_000,
  shDc: 0.0025 * 10,
  shRest: 0.0025 / 2,
  opacity: 0.05,
  scales: 0.005 * 10,
  rotations: 0.001 * 10,
  poseRotation: 2e-4,
  poseTranslation: 1e-4,
  poseFinal: 0.01,
};

export interface TrainOptions {
  steps: number;
  shDegree: number;
  background?: [number, number, number];
  /** Near plane in world units (relative to the scene scale). */
  near: number;
  /** Scene extent for the position lr (InstantSplat: 1.1 × max camera distance from their centre). */
  extent: number;
  rates?: Partial<LearningRates>;
  /** Per-splat confidence in [0,1]: low confidence → faster position updates (1 + 9·(1 − c)). */
  splatConfidence?: Float32Array;
  lambda?: number;
  /**
   * Share of the steps drawn from the input photos when synthesized frames are present (default 0.5;
   * see ViewSampler).
   */
  inputShare?: number;
  /**
   * Optimise the input views' camera poses with the splats (InstantSplat's joint pose optimisation). The
   * first input view stays fixed: it defines the world (and pins the gauge a global rigid motion of
   * splats and cameras would leave free). Synthesized frames keep their cameras. Default off.
   */
  refinePoses?: boolean;
  /** Emit progress every this many steps (default 10). */
  reportEvery?: number;
  seed?: number;
}

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  /** PSNR of the last rendered input view, dB. */
  psnr: number | null;
  splats: number;
}

/** Extent for the position lr: 1.1 × the largest camera distance from the cameras' centre (min 1). */
export function cameraExtent(cameras: Camera[]): number {
  const centres = cameras.map((c) => transformPoint(c.worldFromCamera, [0, 0, 0]));
  const mean = [0, 1, 2].map((k) => centres.reduce((s, c) => s + c[k], 0) / centres.length);
  const radius = Math.max(...centres.map((c) => Math.hypot(c[0] - mean[0], c[1] - mean[1], c[2] - mean[2])));
  return 1.1 * Math.max(radius, 1);
}

interface ViewBuffers {
  view: TrainView;
  target: GPUBuffer;
  confidence: GPUBuffer;
  loss: ImageLoss;
}

/** Float RGBA target from RGBA8 (the renderer works on [0,1] values as stored). */
export function targetPixels(rgba: Uint8ClampedArray): Float32Array {
  const out = new Float32Array(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    out[i] = rgba[i] / 255;
    out[i + 1] = rgba[i + 1] / 255;
    out[i + 2] = rgba[i + 2] / 255;
    out[i + 3] = 1;
  }
  return out;
}

export class Trainer {
  readonly device: GPUDevice;
  readonly scene: GpuScene;
  readonly options: TrainOptions;
  private readonly rates: LearningRates;
  private readonly rasterizer: Rasterizer;
  private readonly views: ViewBuffers[];
  private readonly grad: GPUBuffer;
  private readonly adam: Adam;
  private readonly moments: Record<SplatParam, { m: GPUBuffer; v: GPUBuffer }>;
  private readonly lrScale: GPUBuffer | null;
  private readonly staging: { buffer: GPUBuffer; busy: boolean }[];
  /** Pose corrections of the input views (refinePoses), null when off. */
  private readonly poses: PoseRefiner | null;
  private readonly sampler: ViewSampler;
  private rng: number;
  /** Steps taken so far (a later run() continues from here). */
  step = 0;

  constructor(device: GPUDevice, cloud: GaussianCloud, views: TrainView[], options: TrainOptions) {
    if (views.length === 0) throw new Error('Trainer: no training views');
    if (cloud.count === 0) throw new Error('Trainer: no splats to optimise');
    this.device = device;
    this.options = options;
    this.rates = { ...INSTANTSPLAT_RATES, ...options.rates };
    this.rng = (options.seed ?? 1) >>> 0;
    this.sampler = new ViewSampler(
      views.map((v) => v.source),
      () => this.random(),
      options.inputShare,
    );
    const width = Math.max(...views.map((v) => v.camera.intrinsics.width));
    const height = Math.max(...views.map((v) => v.camera.intrinsics.height));
    this.scene = GpuScene.fromCloud(device, cloud);
    this.rasterizer = new Rasterizer(device, { maxSplats: cloud.count, width, height });
    this.grad = createBuffer(device, 'loss gradient', width * height * 16, STORAGE);
    const losses = new Map<string, ImageLoss>();
    this.views = views.map((view) => {
      const { width: w, height: h } = view.camera.intrinsics;
      if (view.rgba.length !== w * h * 4) throw new Error(`Trainer: a view's image is not ${w}×${h}`);
      const key = `${w}x${h}`;
      let loss = losses.get(key);
      if (!loss) {
        loss = new ImageLoss(device, w, h, { lambda: options.lambda ?? 0.8 });
        losses.set(key, loss);
      }
      const weight = view.weight ?? 1;
      const conf = new Float32Array(w * h);
      for (let i = 0; i < conf.length; i++) conf[i] = weight * (view.confidence ? view.confidence[i] : 1);
      return {
        view,
        target: createBuffer(device, 'train target', targetPixels(view.rgba)),
        confidence: createBuffer(device, 'train confidence', conf),
        loss,
      };
    });
    this.adam = new Adam(device);
    this.moments = {} as Record<SplatParam, { m: GPUBuffer; v: GPUBuffer }>;
    for (const name of SPLAT_PARAMS) {
      this.moments[name] = this.adam.createMoments(cloud.count * this.scene.floatsPer(name), `adam ${name}`);
    }
    this.lrScale = options.splatConfidence
      ? createBuffer(
          device,
          'position lr scale',
          Float32Array.from(options.splatConfidence, (c) => 1 + 9 * (1 - Math.min(1, Math.max(0, c)))),
        )
      : null;
    const firstInput = views.findIndex((v) => v.source === 'input');
    const refine = views.map((v, i) => !!options.refinePoses && v.source === 'input' && i !== firstInput);
    this.poses = refine.some(Boolean)
      ? new PoseRefiner(
          device,
          views.map((v) => v.camera),
          refine,
          cloud.count,
          { adam: this.adam },
        )
      : null;
    this.staging = Array.from({ length: 3 }, () => ({
      buffer: device.createBuffer({ size: LOSS_VALUE_COUNT * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST }),
      busy: false,
    }));
  }

  private random(): number {
    this.rng = (Math.imul(this.rng, 1664525) + 1013904223) >>> 0;
    return this.rng / 2 ** 32;
  }

  private rate(name: SplatParam, step: number): number {
    const r = this.rates;
    switch (name) {
      case 'means': {
        const t = Math.min(1, step / r.meansDecaySteps);
        return Math.exp((1 - t) * Math.log(r.meansStart) + t * Math.log(r.meansEnd)) * this.options.extent;
      }
      case 'sh':
        return r.shDc; // the higher bands get shRest through Adam's tail scale
      case 'opacityLogits':
        return r.opacity;
      case 'logScales':
        return r.scales;
      case 'rotations':
        return r.rotations;
    }
  }

  /**
   * Runs until `options.steps` steps have been taken in all, or until `signal` aborts (the splats keep the
   * last completed step). `onProgress` gets figures every `reportEvery` steps; `onStep` is called after each
   * submitted step (the viewer may draw `scene` from it).
   */
  async run(
    signal: AbortSignal | undefined,
    onProgress: (p: TrainProgress) => void,
    onStep?: (step: number) => void,
  ): Promise<void> {
    const reportEvery = this.options.reportEvery ?? 10;
    const background = this.options.background ?? [0, 0, 0];
    const pending: Promise<unknown>[] = [];
    while (this.step < this.options.steps && !signal?.aborted) {
      const step = ++this.step;
      const index = this.sampler.next();
      const v = this.views[index];
      const encoder = this.device.createCommandEncoder({ label: `train step ${step}` });
      const poses = this.poses?.refines(index) ? this.poses : null;
      poses?.encodeCompose(encoder, index);
      this.rasterizer.forward(
        encoder,
        this.scene,
        v.view.camera,
        { background, shDegree: this.options.shDegree, near: this.options.near },
        poses?.pose(index),
      );
      v.loss.encode(encoder, this.rasterizer.image, v.target, v.confidence, this.grad);
      this.rasterizer.backward(encoder, this.scene, this.grad);
      if (poses) {
        // Before the splats' Adam step: the gradient reads the parameters this view was drawn with.
        poses.encodeGradient(encoder, index, this.scene, this.rasterizer.grad2d, this.options.shDegree);
        poses.encodeStep(encoder, index, this.poseRates(step));
      }
      for (const name of SPLAT_PARAMS) {
        this.adam.encodeGroup(
          encoder,
          {
            param: this.scene.params[name],
            grad: this.scene.grads[name],
            m: this.moments[name].m,
            v: this.moments[name].v,
            count: this.scene.count * this.scene.floatsPer(name),
            lr: this.rate(name, step),
            stride: this.scene.floatsPer(name),
            lrScale: name === 'means' ? this.lrScale : null,
            ...(name === 'sh' ? { headFloats: 3, tailLrScale: this.rates.shRest / this.rates.shDc } : {}),
          },
          step,
        );
      }
      const slot =
        step % reportEvery === 0 || step === this.options.steps
          ? this.staging.find((s) => !s.busy)
          : undefined;
      if (slot) encoder.copyBufferToBuffer(v.loss.values, 0, slot.buffer, 0, LOSS_VALUE_COUNT * 4);
      this.device.queue.submit([encoder.finish()]);
      if (slot) {
        slot.busy = true;
        const isInput = v.view.source === 'input';
        pending.push(
          slot.buffer.mapAsync(GPUMapMode.READ).then(() => {
            const values = new Float32Array(slot.buffer.getMappedRange().slice(0));
            slot.buffer.unmap();
            slot.busy = false;
            onProgress({
              step,
              steps: this.options.steps,
              loss: values[0],
              psnr: isInput ? psnr(values[3]) : null,
              splats: this.scene.count,
            });
          }),
        );
      }
      onStep?.(step);
      // Keep at most two steps in flight: bounded queue memory, and cancel acts within a step or two even
      // on a slow (software) GPU, while the CPU still encodes the next step as the GPU runs this one.
      if (step % 2 === 0) await this.device.queue.onSubmittedWorkDone();
    }
    await this.device.queue.onSubmittedWorkDone();
    await Promise.all(pending);
  }

  /** Pose learning rates at `step`: exponential decay from the start rates to × poseFinal at the end. */
  private poseRates(step: number): { rotation: number; translation: number } {
    const r = this.rates;
    const t = Math.min(1, (step - 1) / Math.max(1, this.options.steps - 1));
    const decay = r.poseFinal ** t;
    return { rotation: r.poseRotation * decay, translation: r.poseTranslation * decay };
  }

  /**
   * The training views' cameras as optimised: the input views' refined poses with refinePoses, the given
   * cameras otherwise (and for the fixed first input and synthesized frames). Reads the GPU: call it at
   * the end of a run, not per step.
   */
  async cameras(): Promise<Camera[]> {
    return this.poses ? this.poses.cameras() : this.views.map((v) => v.view.camera);
  }

  /** The current splats; those with opacity under `pruneOpacity` (e.g. 1/255) are left out. */
  async download(pruneOpacity = 0): Promise<GaussianCloud> {
    const cloud = await this.scene.download();
    if (pruneOpacity <= 0) return cloud;
    return pruneTransparent(cloud, pruneOpacity);
  }

  destroy(): void {
    this.scene.destroy();
    this.rasterizer.destroy();
    this.grad.destroy();
    for (const v of this.views) {
      v.target.destroy();
      v.confidence.destroy();
    }
    for (const loss of new Set(this.views.map((v) => v.loss))) loss.destroy();
    for (const { m, v } of Object.values(this.moments)) {
      m.destroy();
      v.destroy();
    }
    this.lrScale?.destroy();
    this.poses?.destroy();
    for (const s of this.staging) s.buffer.destroy();
    this.adam.destroy();
  }
}

/** Drops splats whose opacity (after the sigmoid) is below `minOpacity`. */
export function pruneTransparent(cloud: GaussianCloud, minOpacity: number): GaussianCloud {
  const keep: number[] = [];
  for (let i = 0; i < cloud.count; i++) if (sigmoid(cloud.opacityLogits[i]) >= minOpacity) keep.push(i);
  if (keep.length === cloud.count) return cloud;
  const pick = (src: Float32Array, stride: number): Float32Array => {
    const out = new Float32Array(keep.length * stride);
    for (const [i, s] of keep.entries()) out.set(src.subarray(s * stride, (s + 1) * stride), i * stride);
    return out;
  };
  const shStride = cloud.sh.length / Math.max(1, cloud.count);
  return {
    count: keep.length,
    shDegree: cloud.shDegree,
    means: pick(cloud.means, 3),
    logScales: pick(cloud.logScales, 3),
    rotations: pick(cloud.rotations, 4),
    opacityLogits: pick(cloud.opacityLogits, 1),
    sh: pick(cloud.sh, shStride),
    renderMode: cloud.renderMode,
  };
}
