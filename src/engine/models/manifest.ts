/**
 * public/models/manifest.json: which neural models the user supplied, what role each plays, the
 * contract version it was exported for, its sizes, its files (bytes + sha256) and sampler settings.
 * The files themselves are not shipped with the studio; they are fetched relative to the manifest.
 */
import { CONTRACT_VERSION, CONTRACTS, type ModelRole } from './contracts';
import { ModelError } from './errors';

export const MANIFEST_VERSION = 1;

export interface ModelFile {
  /** Path relative to the manifest's URL. The first file is the .onnx graph; the rest are its external data. */
  path: string;
  bytes: number;
  /** Lower-case hex SHA-256 of the file. */
  sha256: string;
}

/** DDIM sampler settings (DynamiCrafter-interp defaults in DEFAULT_SAMPLER); all optional in the manifest. */
export interface SamplerParams {
  prediction: 'v' | 'eps';
  betaStart: number;
  betaEnd: number;
  trainSteps: number;
  /** 'scaled-linear' = LDM's "linear": linspace(√start, √end)². */
  betaSchedule: 'scaled-linear' | 'linear';
  zeroTerminalSnr: boolean;
  timestepSpacing: 'uniform-trailing' | 'uniform' | 'leading';
  steps: number;
  eta: number;
  cfgScale: number;
  guidanceRescale: number;
  latentScale: number;
  /** Frame-stride conditioning (`fs` input). */
  frameStride: number;
  /** Dynamic x0 rescale (ddpm3d.py scale_arr): linspace(1, baseScale) up to turningStep, then baseScale. */
  dynamicRescale: boolean;
  baseScale: number;
  turningStep: number;
}

export const DEFAULT_SAMPLER: SamplerParams = {
  prediction: 'v',
  betaStart: 0.00085,
  betaEnd: 0.012,
  trainSteps: 1000,
  betaSchedule: 'scaled-linear',
  zeroTerminalSnr: true,
  timestepSpacing: 'uniform-trailing',
  steps: 50,
  eta: 1,
  cfgScale: 7.5,
  guidanceRescale: 0.7,
  latentScale: 0.18215,
  frameStride: 5,
  dynamicRescale: true,
  baseScale: 0.7,
  turningStep: 400,
};

export interface ModelEntry {
  id: string;
  role: ModelRole;
  /** Contract version the model was exported for (CONTRACT_VERSION). */
  contract: number;
  name?: string;
  license?: string;
  /** Values of the contract's symbolic dims (H, W, C, T, …). */
  dims: Record<string, number>;
  files: ModelFile[];
  sampler?: Partial<SamplerParams>;
}

export interface Manifest {
  version: number;
  models: ModelEntry[];
}

const HEX64 = /^[0-9a-f]{64}$/;

function fail(path: string, what: string): never {
  throw new ModelError('manifest-invalid', `models manifest: ${path} ${what}`, { path });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseFile(v: unknown, at: string): ModelFile {
  if (!isObject(v)) fail(at, 'must be an object');
  if (typeof v.path !== 'string' || v.path === '' || v.path.includes('..'))
    fail(`${at}.path`, 'must be a relative path');
  if (typeof v.bytes !== 'number' || !Number.isInteger(v.bytes) || v.bytes <= 0) {
    fail(`${at}.bytes`, 'must be a positive integer');
  }
  if (typeof v.sha256 !== 'string' || !HEX64.test(v.sha256.toLowerCase()))
    fail(`${at}.sha256`, 'must be 64 hex digits');
  return { path: v.path, bytes: v.bytes, sha256: v.sha256.toLowerCase() };
}

function parseEntry(v: unknown, at: string): ModelEntry {
  if (!isObject(v)) fail(at, 'must be an object');
  if (typeof v.id !== 'string' || v.id === '') fail(`${at}.id`, 'must be a non-empty string');
  if (typeof v.role !== 'string' || !(v.role in CONTRACTS)) {
    fail(`${at}.role`, `must be one of ${Object.keys(CONTRACTS).join(', ')}`);
  }
  const contract = v.contract ?? CONTRACT_VERSION;
  if (contract !== CONTRACT_VERSION) {
    fail(
      `${at}.contract`,
      `is ${String(contract)}, but this studio implements contract v${CONTRACT_VERSION}`,
    );
  }
  const dims: Record<string, number> = {};
  if (v.dims !== undefined) {
    if (!isObject(v.dims)) fail(`${at}.dims`, 'must be an object of positive integers');
    for (const [k, d] of Object.entries(v.dims)) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d <= 0)
        fail(`${at}.dims.${k}`, 'must be a positive integer');
      dims[k] = d;
    }
  }
  if (!Array.isArray(v.files) || v.files.length === 0)
    fail(`${at}.files`, 'must list at least the .onnx file');
  const files = v.files.map((f, i) => parseFile(f, `${at}.files[${i}]`));
  let sampler: Partial<SamplerParams> | undefined;
  if (v.sampler !== undefined) {
    if (!isObject(v.sampler)) fail(`${at}.sampler`, 'must be an object');
    for (const [k, val] of Object.entries(v.sampler)) {
      if (!(k in DEFAULT_SAMPLER)) fail(`${at}.sampler.${k}`, 'is not a sampler setting');
      const def = DEFAULT_SAMPLER[k as keyof SamplerParams];
      if (typeof val !== typeof def) fail(`${at}.sampler.${k}`, `must be a ${typeof def}`);
    }
    sampler = v.sampler as Partial<SamplerParams>;
  }
  return {
    id: v.id,
    role: v.role as ModelRole,
    contract,
    name: typeof v.name === 'string' ? v.name : undefined,
    license: typeof v.license === 'string' ? v.license : undefined,
    dims,
    files,
    sampler,
  };
}

/** Validates manifest.json; errors name the offending field ("models[0].files[0].sha256 must be …"). */
export function parseManifest(json: unknown): Manifest {
  if (!isObject(json)) fail('(root)', 'must be an object');
  if (json.version !== MANIFEST_VERSION) fail('version', `must be ${MANIFEST_VERSION}`);
  if (!Array.isArray(json.models)) fail('models', 'must be an array');
  const models = json.models.map((m, i) => parseEntry(m, `models[${i}]`));
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.id)) fail(`models (id '${m.id}')`, 'appears twice');
    seen.add(m.id);
  }
  return { version: MANIFEST_VERSION, models };
}

/** Sampler settings of a model: the manifest's overrides over DEFAULT_SAMPLER. */
export const samplerOf = (entry: ModelEntry): SamplerParams => ({ ...DEFAULT_SAMPLER, ...entry.sampler });

export function findModel(manifest: Manifest, idOrRole: string): ModelEntry {
  const hit =
    manifest.models.find((m) => m.id === idOrRole) ?? manifest.models.find((m) => m.role === idOrRole);
  if (!hit) {
    throw new ModelError('unknown-model', `no model '${idOrRole}' in the models manifest`, { id: idOrRole });
  }
  return hit;
}
