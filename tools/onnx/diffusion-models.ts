/**
 * Tiny contract models for the video-diffusion roles (DESIGN.md "ONNX contracts"), generated at test
 * time from known maths. None is a trained network; each makes one property of the runtime checkable:
 * - video-unet: an exact v-predictor for a known x0. Given x_t and t it returns
 *   v = (√ᾱ_t·x_t − s_t·x0)/√(1−ᾱ_t), reading ᾱ_t and the dynamic-rescale factor s_t = scale_arr[t] from
 *   constant tables with Gather on the timestep (a model trained with dynamic rescale predicts s_t·x0).
 *   x0 is either a fixed tensor or the condition half of `x` (the c_concat latents), so DDIM must return
 *   the known x0 / the condition. context, fs, structure (and plucker) are real inputs, weighted by 0.
 * - vae-encoder: 8×8 average pool, then a 1×1 conv to (mean = M·rgb, logvar = const); vae-decoder: the
 *   pseudo-inverse of M as a 1×1 conv to 3·64 channels and DepthToSpace(8), so decode∘encode is the 8×8
 *   block mean of the image.
 * - image-encoder: 28×28 average pool of the 224² input to 64 tokens, then a 3→D projection.
 * - structure-encoder: groups of P/S points averaged, then a 6→D projection.
 */

import { DEFAULT_SAMPLER, type SamplerParams } from '../../src/engine/models/manifest';
import { alphasCumprod, dynamicScale } from '../../src/engine/synthesis/diffusion/schedule';
import { encodeModel, GraphBuilder, int, ints, str } from './onnx';

export interface UnetSpec {
  C: number;
  T: number;
  h: number;
  w: number;
  L: number;
  D: number;
  /** Structure tokens (adds the optional `structure` [1,S,D] input). */
  S?: number;
  /** Adds the optional `plucker` [1,6,T,h,w] input. */
  plucker?: boolean;
  /** The x0 the model "knows": a tensor [1,C,T,h,w], or 'cond' (the condition half of x). */
  x0: Float32Array | 'cond';
  /** Schedule the model was "trained" with (ᾱ table and dynamic-rescale table). */
  sampler?: Partial<SamplerParams>;
}

function zeroWeighted(g: GraphBuilder, input: string): string {
  const m = g.op('ReduceMean', [input], { keepdims: int(0) });
  return g.op('Mul', [m, g.constant([0], [1])]);
}

export function videoUnetModel(spec: UnetSpec): Uint8Array {
  const { C, T, h, w, L, D } = spec;
  const p = { ...DEFAULT_SAMPLER, ...spec.sampler };
  const ab = alphasCumprod(p);
  const scale = Array.from({ length: p.trainSteps }, (_, t) =>
    p.dynamicRescale ? dynamicScale(t, { baseScale: p.baseScale, turningStep: p.turningStep }) : 1,
  );
  const g = new GraphBuilder('video_unet_contract');
  const x = g.input('x', 'float32', [1, 2 * C, T, h, w]);
  const timesteps = g.input('timesteps', 'float32', [1]);
  const context = g.input('context', 'float32', [1, L, D]);
  const fs = g.input('fs', 'float32', [1]);
  const extras = [context, fs];
  if (spec.S) extras.push(g.input('structure', 'float32', [1, spec.S, D]));
  if (spec.plucker) extras.push(g.input('plucker', 'float32', [1, 6, T, h, w]));

  const axes = g.constantInt64([1]);
  const xt = g.op('Slice', [x, g.constantInt64([0]), g.constantInt64([C]), axes]);
  const idx = g.op('Cast', [timesteps], { to: int(7) });
  const a = g.op('Gather', [g.constant(ab, [ab.length]), idx], { axis: int(0) });
  const s = g.op('Gather', [g.constant(scale, [scale.length]), idx], { axis: int(0) });
  const sa = g.op('Sqrt', [a]);
  const s1a = g.op('Sqrt', [g.op('Sub', [g.constant([1], [1]), a])]);
  const x0 =
    spec.x0 === 'cond'
      ? g.op('Slice', [x, g.constantInt64([C]), g.constantInt64([2 * C]), axes])
      : g.constant(spec.x0, [1, C, T, h, w]);
  let target = g.op('Mul', [x0, s]);
  for (const e of extras) target = g.op('Add', [target, zeroWeighted(g, e)]);
  g.op('Div', [g.op('Sub', [g.op('Mul', [sa, xt]), target]), s1a], {}, 'v');
  g.output('v', 'float32', [1, C, T, h, w]);
  return encodeModel(g, { docString: 'splat-studio video-unet contract model (exact v for a known x0)' });
}

/** A video-unet with the wrong signature: rank-4 x, no fs, output named eps. */
export function wrongVideoUnetModel(C = 4, h = 4, w = 4): Uint8Array {
  const g = new GraphBuilder('video_unet_wrong');
  const x = g.input('x', 'float32', [1, 2 * C, h, w]);
  g.input('timesteps', 'float32', [1]);
  g.input('context', 'float32', [1, 4, 8]);
  g.op('Slice', [x, g.constantInt64([0]), g.constantInt64([C]), g.constantInt64([1])], {}, 'eps');
  g.output('eps', 'float32', [1, C, h, w]);
  return encodeModel(g);
}

/** The C×3 colour → latent matrix of the contract VAE (full column rank for C ≥ 3). */
export function vaeMatrix(C: number): number[][] {
  if (C < 3) throw new Error('contract VAE needs C ≥ 3 latent channels');
  const base = [
    [0.6, 0.3, 0.1],
    [-0.2, 0.9, 0.1],
    [0.1, -0.3, 0.8],
  ];
  return Array.from({ length: C }, (_, i) =>
    i < 3 ? base[i] : [0.3 + 0.1 * i, 0.3 - 0.05 * i, 0.3 + 0.02 * i],
  );
}

/** (MᵀM)⁻¹Mᵀ: 3×C. */
export function pseudoInverse(m: number[][]): number[][] {
  const a = [0, 1, 2].map((r) => [0, 1, 2].map((c) => m.reduce((s, row) => s + row[r] * row[c], 0)));
  const det =
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const inv = [0, 1, 2].map((r) =>
    [0, 1, 2].map((c) => {
      const rows = [0, 1, 2].filter((i) => i !== c);
      const cols = [0, 1, 2].filter((i) => i !== r);
      const minor = a[rows[0]][cols[0]] * a[rows[1]][cols[1]] - a[rows[0]][cols[1]] * a[rows[1]][cols[0]];
      return (((r + c) % 2 === 0 ? 1 : -1) * minor) / det;
    }),
  );
  return [0, 1, 2].map((r) => m.map((row) => inv[r].reduce((s, v, k) => s + v * row[k], 0)));
}

export const VAE_LOGVAR = -4;

export function vaeEncoderModel(C: number, H: number, W: number): Uint8Array {
  const m = vaeMatrix(C);
  const g = new GraphBuilder('vae_encoder_contract');
  const img = g.input('image', 'float32', ['N', 3, H, W]);
  const pooled = g.op('AveragePool', [img], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) });
  const weight = [...m.flat(), ...new Array(3 * C).fill(0)];
  const bias = [...new Array(C).fill(0), ...new Array(C).fill(VAE_LOGVAR)];
  g.op(
    'Conv',
    [pooled, g.constant(weight, [2 * C, 3, 1, 1]), g.constant(bias, [2 * C])],
    { kernel_shape: ints([1, 1]) },
    'moments',
  );
  g.output('moments', 'float32', ['N', 2 * C, H / 8, W / 8]);
  return encodeModel(g);
}

export function vaeDecoderModel(C: number, h: number, w: number): Uint8Array {
  const pinv = pseudoInverse(vaeMatrix(C));
  const g = new GraphBuilder('vae_decoder_contract');
  const z = g.input('latent', 'float32', ['N', C, h, w]);
  // DepthToSpace DCR: output (c, y·8+i, x·8+j) reads input channel (i·8 + j)·3 + c.
  const weight: number[] = [];
  for (let ij = 0; ij < 64; ij++) for (let c = 0; c < 3; c++) weight.push(...pinv[c]);
  const conv = g.op('Conv', [z, g.constant(weight, [192, C, 1, 1])], { kernel_shape: ints([1, 1]) });
  g.op('DepthToSpace', [conv], { blocksize: int(8), mode: str('DCR') }, 'image');
  g.output('image', 'float32', ['N', 3, 8 * h, 8 * w]);
  return encodeModel(g);
}

/** Projection of the image encoder: token k·D + d = pooled rgb · W[:, d]. */
export function imageEncoderWeights(D: number): number[] {
  return Array.from({ length: 3 * D }, (_, i) => Math.sin(1 + 0.7 * i));
}

export function imageEncoderModel(D: number): Uint8Array {
  const g = new GraphBuilder('image_encoder_contract');
  const img = g.input('image', 'float32', [1, 3, 224, 224]);
  const pooled = g.op('AveragePool', [img], { kernel_shape: ints([28, 28]), strides: ints([28, 28]) });
  const flat = g.op('Reshape', [pooled, g.constantInt64([1, 3, 64])]);
  const tokens = g.op('Transpose', [flat], { perm: ints([0, 2, 1]) });
  g.op('MatMul', [tokens, g.constant(imageEncoderWeights(D), [3, D])], {}, 'tokens');
  g.output('tokens', 'float32', [1, 64, D]);
  return encodeModel(g);
}

export function structureEncoderWeights(D: number): number[] {
  return Array.from({ length: 6 * D }, (_, i) => Math.cos(0.3 + 1.3 * i));
}

export function structureEncoderModel(P: number, S: number, D: number): Uint8Array {
  if (P % S !== 0) throw new Error('structure encoder: P must be a multiple of S');
  const g = new GraphBuilder('structure_encoder_contract');
  const pts = g.input('points', 'float32', [1, P, 6]);
  const grouped = g.op('Reshape', [pts, g.constantInt64([1, S, P / S, 6])]);
  const mean = g.op('ReduceMean', [grouped], { axes: ints([2]), keepdims: int(0) });
  g.op('MatMul', [mean, g.constant(structureEncoderWeights(D), [6, D])], {}, 'tokens');
  g.output('tokens', 'float32', [1, S, D]);
  return encodeModel(g);
}
