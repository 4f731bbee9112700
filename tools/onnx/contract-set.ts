/**
 * The project's whole tiny contract model set — pointmap (plus a deliberately wrong one) and the five
 * video-diffusion roles — with a models manifest (bytes + SHA-256), for the pipeline tests, the e2e test
 * and trying the neural path in the studio. None is a trained network (see pointmap-model.ts and
 * diffusion-models.ts): they exercise the real sessions, sampler and pipeline, they reconstruct nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ContractSetSpec,
  contractDims,
  contractModelBytes,
} from '../../src/engine/synthesis/diffusion/test-fixtures';
import { wrongVideoUnetModel } from './diffusion-models';
import { defaultPointmapScene, pointmapModel, wrongPointmapModel } from './pointmap-model';

export interface ContractSetOptions {
  /** Model image size (both the pointmap W×H and the diffusion 8w×8h); multiples of 8. Default 64×48. */
  width?: number;
  height?: number;
  /** Include the diffusion roles (default true). */
  diffusion?: boolean;
  /** DDIM steps in the unet's manifest sampler block (default 4). */
  samplerSteps?: number;
  /** The video-unet entry is the wrong-signature unet (its checksum is right: the contract check fails). */
  wrongUnet?: boolean;
}

interface ManifestEntry {
  id: string;
  role: string;
  contract: number;
  name: string;
  dims: Record<string, number>;
  files: { path: string; bytes: number; sha256: string }[];
  sampler?: Record<string, number>;
}

export interface ContractSet {
  /** File name → bytes (the .onnx files the manifest lists). */
  files: Record<string, Uint8Array>;
  manifest: { version: 1; models: ManifestEntry[] };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function contractSet(options: ContractSetOptions = {}): ContractSet {
  const width = options.width ?? 64;
  const height = options.height ?? 48;
  const files: Record<string, Uint8Array> = {};
  const models: ManifestEntry[] = [];
  const add = (id: string, role: string, name: string, bytes: Uint8Array, dims: Record<string, number>) => {
    const path = `${id}.onnx`;
    files[path] = bytes;
    models.push({
      id,
      role,
      contract: 1,
      name,
      dims,
      files: [{ path, bytes: bytes.byteLength, sha256: sha256(bytes) }],
    });
    return models[models.length - 1];
  };

  add(
    'pointmap-contract',
    'pointmap',
    'Contract model: known plane, two known cameras',
    pointmapModel(defaultPointmapScene(width, height)).bytes,
    { H: height, W: width },
  );
  add('pointmap-wrong', 'pointmap', 'Deliberately wrong signature', wrongPointmapModel(width, height), {
    H: height,
    W: width,
  });

  if (options.diffusion ?? true) {
    if (width % 8 || height % 8)
      throw new Error(`diffusion contract models need multiples of 8, got ${width}×${height}`);
    const spec: ContractSetSpec = {
      C: 4,
      T: 5,
      h: height / 8,
      w: width / 8,
      L: 64,
      D: 16,
      P: 64,
      S: 8,
      plucker: true,
    };
    const dims = contractDims(spec);
    const bytes = contractModelBytes(spec);
    const names: Record<string, string> = {
      'video-unet': 'Contract video U-Net: exact v-prediction of its condition latents',
      'vae-encoder': 'Contract VAE encoder: 8×8 mean, linear colour map',
      'vae-decoder': 'Contract VAE decoder: the encoder’s pseudo-inverse',
      'image-encoder': 'Contract image encoder: pooled colour tokens',
      'structure-encoder': 'Contract structure encoder: pooled point tokens',
    };
    for (const role of Object.keys(names)) {
      const wrong = role === 'video-unet' && options.wrongUnet;
      const entry = add(
        wrong ? 'video-unet-wrong' : `${role}-contract`,
        role,
        wrong ? 'Deliberately wrong video U-Net signature' : names[role],
        wrong ? wrongVideoUnetModel(spec.C, spec.h, spec.w) : bytes[role as keyof typeof bytes],
        dims,
      );
      if (role === 'video-unet') entry.sampler = { steps: options.samplerSteps ?? 4 };
    }
  }
  return { files, manifest: { version: 1, models } };
}

/** Writes the set and its manifest.json into `dir`; returns the manifest's path. */
export function writeContractSet(dir: string, options: ContractSetOptions = {}): string {
  const set = contractSet(options);
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(set.files)) writeFileSync(join(dir, name), bytes);
  const path = join(dir, 'manifest.json');
  writeFileSync(path, `${JSON.stringify(set.manifest, null, 2)}\n`);
  return path;
}
