/**
 * ReconX-style view synthesis with a video diffusion model (DynamiCrafter-interp / ViewCrafter family):
 *  1. render the global cloud into every trajectory camera at the model's size (warp-fill.ts): the
 *     ViewCrafter c_concat (holes black) and the reference for confidence;
 *  2. VAE-encode the conditions (latent = mean × latentScale): inputs at window ends, renders elsewhere;
 *     image tokens of the segment's first input (uncond: tokens of a zero image); structure tokens from
 *     GPU farthest point sampling of the cloud; Plücker rays when the unet asks for them;
 *  3. DDIM per window of T frames (sampler.ts), windows sharing end frames, each window's first frame
 *     conditioned on the previous window's generated last latent;
 *  4. decode frame by frame, put the inputs back at input cameras, confidence from agreement with the
 *     render. The result is SynthesizedFrame[], consumed by framesToTrainViews like warp-fill's.
 */
import { scaleIntrinsics } from '../../geometry/camera';
import type { GeometryResult } from '../../geometry/types';
import type { SamplerParams } from '../../models/manifest';
import type { HostTensor } from '../../models/runtime';
import type { Trajectory } from '../trajectory';
import { type SynthesizedFrame, synthesizeViews, type WarpFillOptions } from '../warp-fill';
import {
  clipPreprocess,
  planWindows,
  pluckerRays,
  resizeNearest,
  rgbaToTensor,
  tensorToRgba,
} from './conditioning';
import { agreementConfidence } from './confidence';
import { farthestPointSample } from './fps';
import type { DiffusionModels } from './models';
import { abortError, ddimSample } from './sampler';

export interface DiffusionProgress {
  stage: 'render' | 'condition' | 'sample' | 'decode';
  /** Window (0-based) and windows in all, during 'sample'. */
  window: number;
  windows: number;
  /** Denoising steps done / in all windows (each step = 1 or 2 unet runs). */
  step: number;
  steps: number;
  msPerStep: number;
  /** Estimated milliseconds left for sampling and decoding. */
  etaMs: number;
}

export interface DiffusionOptions {
  /** Sampler overrides over models.sampler (steps, eta, cfgScale, …). */
  sampler?: Partial<SamplerParams>;
  seed?: number;
  /** ViewCrafter-style c_concat: latents of the cloud render at every frame (default true). Otherwise
   * DynamiCrafter-interp: zeros except the first and last frame. */
  renderConditioning?: boolean;
  /** Render pixels with warp-fill confidence below this are holes (black in the condition). */
  holeThreshold?: number;
  /** Decode the sampler's x_prev (ddim.py, default) or its last x0 estimate. */
  output?: 'x-prev' | 'pred-x0';
  /** Agreement confidence: τ on mean |RGB difference| and smoothing radius. */
  confidenceTau?: number;
  confidenceRadius?: number;
  warpFill?: Omit<WarpFillOptions, 'width' | 'height' | 'replaceInputs' | 'signal' | 'onProgress'>;
  signal?: AbortSignal;
  onProgress?: (p: DiffusionProgress) => void;
}

function need(dims: Record<string, number>, k: string): number {
  const v = dims[k];
  if (!v) throw new Error(`diffusion models: the manifest dims lack '${k}'`);
  return v;
}

/** Generates every trajectory frame with the video model; frames at input cameras are the inputs. */
export async function diffusionSynthesis(
  device: GPUDevice,
  geometry: GeometryResult,
  trajectory: Trajectory,
  models: DiffusionModels,
  options: DiffusionOptions = {},
): Promise<SynthesizedFrame[]> {
  const signal = options.signal;
  const check = () => {
    if (signal?.aborted) throw abortError();
  };
  const dims = models.dims;
  const [C, T, h, w] = ['C', 'T', 'h', 'w'].map((k) => need(dims, k));
  const W = 8 * w;
  const H = 8 * h;
  const n = W * H;
  const params: SamplerParams = { ...models.sampler, ...options.sampler };
  const cams = trajectory.cameras;
  if (cams.length === 0) return [];
  const report = (p: Partial<DiffusionProgress> & Pick<DiffusionProgress, 'stage'>) =>
    options.onProgress?.({ window: 0, windows: 0, step: 0, steps: 0, msPerStep: 0, etaMs: 0, ...p });

  // 1. Point-cloud renders of every frame at the model's size.
  report({ stage: 'render' });
  // The render is a condition, not a training frame: its confidence must say how well a pixel is known
  // (holes, agreement), so the loss weighting of photo-confirmed pixels stays off here.
  const renders = await synthesizeViews(device, geometry, trajectory, {
    ...options.warpFill,
    width: W,
    height: H,
    replaceInputs: false,
    confirmedWeight: 1,
    signal,
  });
  check();
  const holeThreshold = options.holeThreshold ?? 0.15;
  const renderTensor = (f: number) =>
    rgbaToTensor(renders[f].rgba, W, H, W, H, (x, y) => renders[f].confidence[y * W + x] >= holeThreshold);
  const inputTensor = (i: number) => {
    const v = geometry.views[i];
    return rgbaToTensor(v.colors, v.camera.intrinsics.width, v.camera.intrinsics.height, W, H);
  };

  // 2. Conditions.
  report({ stage: 'condition' });
  const latentSize = C * h * w;
  const encodeCache = new Map<string, Float32Array>();
  const encode = async (key: string, image: () => Float32Array): Promise<Float32Array> => {
    const hit = encodeCache.get(key);
    if (hit) return hit;
    check();
    const out = await models.vaeEncoder.run({ image: { data: image(), dims: [1, 3, H, W] } });
    const moments = out.moments.data;
    const z = new Float32Array(latentSize);
    for (let i = 0; i < latentSize; i++) z[i] = moments[i] * params.latentScale; // mean = first C channels
    encodeCache.set(key, z);
    return z;
  };
  const inputOf = (f: number) => trajectory.inputIndex[f] ?? -1;
  const conditionLatent = (f: number) =>
    inputOf(f) >= 0 && geometry.views[inputOf(f)]
      ? encode(`input${inputOf(f)}`, () => inputTensor(inputOf(f)))
      : encode(`render${f}`, () => renderTensor(f));

  const unetInputs = new Set(models.unet.inputNames);
  const L = dims.L;
  const D = dims.D;
  const tokensFor = async (image: Float32Array | null): Promise<Float32Array> => {
    let tokens: Float32Array;
    if (models.imageEncoder && image) {
      const out = await models.imageEncoder.run({
        image: { data: clipPreprocess(image, W, H), dims: [1, 3, 224, 224] },
      });
      tokens = out.tokens.data;
    } else tokens = new Float32Array(Math.max(0, ((L ?? 0) - (models.textContext?.length ?? 0)) * (D ?? 0)));
    return tokens;
  };
  const context = (tokens: Float32Array, branch: 'cond' | 'uncond'): HostTensor => {
    const text = models.textContext?.[branch];
    const data = text ? Float32Array.from([...text, ...tokens]) : tokens;
    const d = D ?? data.length / (L ?? 1);
    if (L !== undefined && data.length !== L * d)
      throw new Error(`diffusion: context has ${data.length / d} tokens, the unet expects L = ${L}`);
    return { data, dims: [1, data.length / d, d] };
  };
  const uncondTokens = await tokensFor(models.imageEncoder ? new Float32Array(3 * n) : null);

  let structure: HostTensor | undefined;
  if (unetInputs.has('structure') && models.structureEncoder) {
    const P = need(dims, 'P');
    const fps = await farthestPointSample(device, geometry.cloud, P);
    const out = await models.structureEncoder.run({ points: { data: fps.points, dims: [1, P, 6] } });
    structure = out.tokens;
  } else if (unetInputs.has('structure')) {
    const S = need(dims, 'S');
    structure = { data: new Float32Array(S * need(dims, 'D')), dims: [1, S, need(dims, 'D')] };
  }
  const fs: HostTensor = { data: Float32Array.of(params.frameStride), dims: [1] };

  // 3. Windows and sampling.
  const segments =
    trajectory.segments.length > 0
      ? trajectory.segments
      : [{ start: 0, end: cams.length - 1, from: inputOf(0), to: inputOf(cams.length - 1) }];
  const plans = segments.map((s) => planWindows(s.start, s.end, T));
  const windows = plans.reduce((a, p) => a + p.length, 0);
  const stepsPerWindow = params.steps;
  const totalSteps = windows * stepsPerWindow;
  const generated = new Map<number, Float32Array>(); // frame → latent [C,h,w]
  let stepsDone = 0;
  let windowIndex = 0;
  let sampleMs = 0;
  const plane = T * h * w;
  for (let si = 0; si < segments.length; si++) {
    const seg = segments[si];
    const firstInput = [seg.from, seg.to, inputOf(seg.start), inputOf(seg.end)].find(
      (i) => i >= 0 && geometry.views[i],
    );
    const condTokens = await tokensFor(
      firstInput !== undefined ? inputTensor(firstInput) : renderTensor(seg.start),
    );
    const ctxCond = context(condTokens, 'cond');
    const ctxUncond = context(uncondTokens, 'uncond');
    for (const plan of plans[si]) {
      check();
      // c_concat [C,T,h,w]: renders (or zeros), then the window's end conditions.
      const cond = new Float32Array(C * plane);
      const put = (slot: number, z: Float32Array) => {
        for (let c = 0; c < C; c++)
          cond.set(z.subarray(c * h * w, (c + 1) * h * w), c * plane + slot * h * w);
      };
      if (options.renderConditioning ?? true) {
        for (let s = 0; s < T; s++) put(s, await conditionLatent(plan.slotFrame[s]));
      }
      const prev = generated.get(plan.first);
      put(0, inputOf(plan.first) < 0 && prev ? prev : await conditionLatent(plan.first));
      put(T - 1, await conditionLatent(plan.last));
      const extra: Record<string, HostTensor> = { fs };
      if (structure) extra.structure = structure;
      if (unetInputs.has('plucker'))
        extra.plucker = {
          data: pluckerRays(
            plan.slotFrame.map((f) => cams[f]),
            w,
            h,
          ),
          dims: [1, 6, T, h, w],
        };
      const xIn = new Float32Array(2 * C * plane);
      xIn.set(cond, C * plane);
      const result = await ddimSample(
        async (x, t, branch) => {
          xIn.set(x, 0);
          const out = await models.unet.run({
            x: { data: xIn, dims: [1, 2 * C, T, h, w] },
            timesteps: { data: Float32Array.of(t), dims: [1] },
            context: branch === 'cond' ? ctxCond : ctxUncond,
            ...extra,
          });
          return out.v.data;
        },
        {
          params,
          size: C * plane,
          seed: ((options.seed ?? 0) + 7919 * windowIndex) >>> 0,
          signal,
          onStep: (info) => {
            stepsDone++;
            sampleMs += info.ms;
            const msPerStep = sampleMs / stepsDone;
            report({
              stage: 'sample',
              window: windowIndex,
              windows,
              step: stepsDone,
              steps: totalSteps,
              msPerStep,
              etaMs: msPerStep * (totalSteps - stepsDone),
            });
          },
        },
      );
      const z = options.output === 'pred-x0' ? result.predX0 : result.x;
      plan.frameSlot.forEach((slot, i) => {
        const f = plan.first + i;
        if (i === 0 && generated.has(f)) return; // shared end frame: the earlier window's stays
        const lat = new Float32Array(latentSize);
        for (let c = 0; c < C; c++)
          lat.set(z.subarray(c * plane + slot * h * w, c * plane + (slot + 1) * h * w), c * h * w);
        generated.set(f, lat);
      });
      windowIndex++;
    }
  }

  // 4. Decode, inputs back in place, confidence.
  const frames: SynthesizedFrame[] = [];
  for (let f = 0; f < cams.length; f++) {
    check();
    report({ stage: 'decode', step: f, steps: cams.length, windows, window: windows });
    const camera = {
      intrinsics: scaleIntrinsics(cams[f].intrinsics, W, H),
      worldFromCamera: new Float64Array(cams[f].worldFromCamera),
    };
    const input = inputOf(f);
    const view = input >= 0 ? geometry.views[input] : undefined;
    if (view) {
      const k = view.camera.intrinsics;
      frames.push({
        index: f,
        camera,
        rgba: tensorToRgba(inputTensor(input), W, H),
        // A photo is observed: confidence 1, as in warp-fill.
        confidence: new Float32Array(W * H).fill(1),
        depth: resizeNearest(view.depth, k.width, k.height, W, H),
        source: 'input',
        inputIndex: input,
      });
      continue;
    }
    const lat = generated.get(f);
    if (!lat) throw new Error(`diffusion: frame ${f} is in no trajectory segment`);
    const z = Float32Array.from(lat, (v) => v / params.latentScale);
    const out = await models.vaeDecoder.run({ latent: { data: z, dims: [1, C, h, w] } });
    const rgba = tensorToRgba(out.image.data, W, H);
    frames.push({
      index: f,
      camera,
      rgba,
      confidence: agreementConfidence(rgba, renders[f].rgba, renders[f].confidence, W, H, {
        tau: options.confidenceTau,
        radius: options.confidenceRadius,
      }),
      depth: renders[f].depth,
      source: 'synthesized',
      inputIndex: -1,
    });
  }
  return frames;
}
