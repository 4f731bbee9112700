/** Shared by the diffusion test and bench: a synthetic two-view scene with exact geometry, and the
 * contract model set with its manifest dims. */
import {
  imageEncoderModel,
  structureEncoderModel,
  vaeDecoderModel,
  vaeEncoderModel,
  videoUnetModel,
} from '../../../../tools/onnx/diffusion-models';
import { unprojectPixel } from '../../geometry/camera';
import { makeSyntheticScene, renderView } from '../../geometry/synthetic';
import type { GeometryResult, ViewGeometry } from '../../geometry/types';
import type { ModelRole } from '../../models/contracts';
import { DEFAULT_SAMPLER, type SamplerParams } from '../../models/manifest';
import type { ExecutionProviderChoice } from '../../models/runtime';
import { ModelSession } from '../../models/session';
import type { DiffusionModels } from './models';

export function exactGeometry(seed: number, width: number, height: number) {
  const s = makeSyntheticScene({ seed, views: 2, width, height });
  const views: ViewGeometry[] = s.cameras.map((camera) => {
    const { rgba, depth } = renderView(s.scene, camera, { samples: 1 });
    const n = width * height;
    const pointmap = new Float32Array(3 * n).fill(Number.NaN);
    const confidence = new Float32Array(n);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(depth[i])) continue;
      pointmap.set(unprojectPixel(camera, (i % width) + 0.5, Math.floor(i / width) + 0.5, depth[i]), 3 * i);
      confidence[i] = 1;
      d[i] = depth[i];
    }
    return { camera, colors: rgba, depth: d, pointmap, confidence };
  });
  const positions: number[] = [];
  const colors: number[] = [];
  for (const v of views)
    for (let i = 0; i < v.depth.length; i++) {
      if (!v.confidence[i]) continue;
      positions.push(v.pointmap[3 * i], v.pointmap[3 * i + 1], v.pointmap[3 * i + 2]);
      colors.push(v.colors[4 * i] / 255, v.colors[4 * i + 1] / 255, v.colors[4 * i + 2] / 255);
    }
  const count = positions.length / 3;
  const geometry: GeometryResult = {
    views,
    cloud: {
      count,
      positions: new Float32Array(positions),
      colors: new Float32Array(colors),
      confidence: new Float32Array(count).fill(1),
    },
    source: 'posed',
    timings: {},
  };
  return { geometry, cameras: s.cameras };
}

export interface ContractSetSpec {
  C: number;
  T: number;
  h: number;
  w: number;
  L: number;
  D: number;
  P: number;
  S: number;
  plucker?: boolean;
  sampler?: Partial<SamplerParams>;
}

export const contractDims = (s: ContractSetSpec) => ({
  C: s.C,
  T: s.T,
  h: s.h,
  w: s.w,
  H: 8 * s.h,
  W: 8 * s.w,
  L: s.L,
  D: s.D,
  Lp: s.L,
  P: s.P,
  S: s.S,
  N: 1,
});

/** The ONNX bytes of every role, x0 of the unet = its condition latents. */
export function contractModelBytes(s: ContractSetSpec): Record<ModelRole & string, Uint8Array> {
  return {
    'video-unet': videoUnetModel({ ...s, x0: 'cond' }),
    'vae-encoder': vaeEncoderModel(s.C, 8 * s.h, 8 * s.w),
    'vae-decoder': vaeDecoderModel(s.C, s.h, s.w),
    'image-encoder': imageEncoderModel(s.D),
    'structure-encoder': structureEncoderModel(s.P, s.S, s.D),
  } as Record<ModelRole & string, Uint8Array>;
}

export async function contractModels(
  s: ContractSetSpec,
  executionProvider: ExecutionProviderChoice = 'wasm',
  device?: GPUDevice,
): Promise<DiffusionModels> {
  const bytes = contractModelBytes(s);
  const dims = contractDims(s);
  const make = (role: ModelRole) =>
    ModelSession.create(bytes[role as keyof typeof bytes], role, { executionProvider, device, dims });
  return {
    unet: await make('video-unet'),
    vaeEncoder: await make('vae-encoder'),
    vaeDecoder: await make('vae-decoder'),
    imageEncoder: await make('image-encoder'),
    structureEncoder: await make('structure-encoder'),
    dims,
    sampler: { ...DEFAULT_SAMPLER, ...s.sampler },
  };
}
