/**
 * The neural options of the geometry and synthesis stages. A model that is missing, damaged, does not
 * match its contract, or fails while running never ends the run: these functions throw NeuralUnavailable
 * (whose message names the model and the reason) and the orchestrator warns and runs the classical
 * default instead. Each stage's sessions are released when the stage ends, whatever happens.
 */
import { pointmapGeometry } from '../geometry/pointmap/pipeline';
import type { GeometryResult } from '../geometry/types';
import type { ModelCache } from '../models/cache';
import type { FetchFn } from '../models/download';
import { errorMessage, ModelError, type ModelErrorCode } from '../models/errors';
import { fetchManifest, type LoadOptions, loadModel, type ModelProgress } from '../models/loader';
import type { Manifest, ModelEntry } from '../models/manifest';
import type { ExecutionProviderChoice } from '../models/runtime';
import type { SamplerProgress, StageMethodInfo } from '../protocol';
import { type DiffusionProgress, diffusionSynthesis } from '../synthesis/diffusion/diffusion-synthesis';
import {
  diffusionSessions,
  loadDiffusionModels,
  releaseDiffusionModels,
} from '../synthesis/diffusion/models';
import type { Trajectory } from '../synthesis/trajectory';
import type { SynthesizedFrame } from '../synthesis/warp-fill';
import type { PreparedPhoto } from './photos';
import { isAbort, throwIfAborted } from './progress';

/** Where the neural models come from: the manifest's URL (files are relative to it) and how to fetch. */
export interface ModelAccess {
  /** Absolute URL of manifest.json (http(s) in the browser; file: in Node with a file-reading fetch). */
  manifestUrl: string;
  fetch?: FetchFn;
  cache?: ModelCache;
  /** Default 'auto': the WebGPU EP on the engine's device, wasm only when WebGPU cannot start. */
  executionProvider?: ExecutionProviderChoice;
}

export type StageProgress = (
  fraction: number,
  extra?: { activity?: string; sampler?: SamplerProgress; etaSeconds?: number },
) => void;

/** Why a neural method did not run, in words for the user (model and reason). */
export class NeuralUnavailable extends Error {
  override readonly name = 'NeuralUnavailable';
}

export const CLASSICAL_GEOMETRY = 'the classical default (GPU features + matching, plane-sweep stereo)';
export const CLASSICAL_SYNTHESIS = 'the classical default (warp-and-fill)';

/** The roles the diffusion path loads; the first three are required. */
const DIFFUSION_ROLES = ['video-unet', 'vae-encoder', 'vae-decoder', 'image-encoder', 'structure-encoder'];
const REQUIRED_DIFFUSION_ROLES = DIFFUSION_ROLES.slice(0, 3);

const REASONS: Record<ModelErrorCode, string> = {
  'manifest-invalid': 'the models manifest is invalid',
  'unknown-model': 'it is not in the models manifest',
  'download-failed': 'it could not be downloaded',
  'not-found': 'its file was not found',
  'size-mismatch': 'its file has the wrong size',
  'sha256-mismatch': 'its checksum does not match the manifest',
  'contract-mismatch': 'it does not match its contract',
  'runtime-unavailable': 'onnxruntime could not start',
  'session-failed': 'onnxruntime could not load it',
  'inference-failed': 'it failed while running',
};

/** "model 'x' (role): short reason: full message" — or rethrows a cancellation untouched. */
function unavailable(what: string, err: unknown): never {
  if (isAbort(err)) throw err;
  if (err instanceof NeuralUnavailable) throw err;
  const reason = err instanceof ModelError ? `${REASONS[err.code]}: ` : '';
  throw new NeuralUnavailable(`${what} could not be used — ${reason}${errorMessage(err)}`);
}

const describeModel = (entry: Pick<ModelEntry, 'id' | 'role'>) => `the ${entry.role} model '${entry.id}'`;

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`;
}

/** The manifest (read once per run) and the load options every model of this engine shares. */
export class ModelLibrary {
  private manifest: Promise<Manifest> | null = null;

  constructor(
    private readonly access: ModelAccess | undefined,
    private readonly device: GPUDevice,
  ) {}

  /** Forget the manifest read for the previous run (the user may have changed it). */
  refresh(): void {
    this.manifest = null;
  }

  async getManifest(): Promise<Manifest> {
    const access = this.access;
    if (!access) {
      throw new NeuralUnavailable(
        'no models manifest is configured (the studio reads models/manifest.json; the CLI takes --models path/to/manifest.json)',
      );
    }
    this.manifest ??= fetchManifest(access.manifestUrl, access.fetch);
    try {
      return await this.manifest;
    } catch (err) {
      return unavailable(`the models manifest ${access.manifestUrl}`, err);
    }
  }

  loadOptions(signal: AbortSignal | undefined, onProgress: (p: ModelProgress) => void): LoadOptions {
    const access = this.access!;
    return {
      manifestUrl: access.manifestUrl,
      fetch: access.fetch,
      cache: access.cache,
      signal,
      onProgress,
      session: { device: this.device, executionProvider: access.executionProvider },
    };
  }
}

export interface PointmapStageOptions {
  /** Manifest id; default the manifest's first 'pointmap' entry. */
  modelId?: string;
  maxPoints: number;
  signal?: AbortSignal;
  progress: StageProgress;
}

/** Geometry from the manifest's pointmap model. Fractions: 0–0.2 download, 0.2–0.85 pairs, then alignment. */
export async function pointmapStage(
  library: ModelLibrary,
  photos: PreparedPhoto[],
  options: PointmapStageOptions,
): Promise<{ geometry: GeometryResult; info: StageMethodInfo }> {
  const { signal, progress } = options;
  const manifest = await library.getManifest();
  const entry = options.modelId
    ? manifest.models.find((m) => m.id === options.modelId)
    : manifest.models.find((m) => m.role === 'pointmap');
  if (!entry) {
    throw new NeuralUnavailable(
      options.modelId
        ? `the pointmap model '${options.modelId}' is not in the models manifest`
        : "the models manifest lists no 'pointmap' model",
    );
  }
  if (entry.role !== 'pointmap')
    throw new NeuralUnavailable(`model '${entry.id}' is a ${entry.role} model, not a pointmap model`);
  const what = describeModel(entry);
  const { W: width, H: height } = entry.dims;
  if (!width || !height) throw new NeuralUnavailable(`${what}: the manifest gives no dims W and H`);

  let session: Awaited<ReturnType<typeof loadModel>>;
  try {
    session = await loadModel(
      entry,
      library.loadOptions(signal, (p) =>
        progress(0.2 * (p.total > 0 ? p.loaded / p.total : 0), {
          activity: `loading ${entry.id}: ${megabytes(p.loaded)} of ${megabytes(p.total)}${p.fromCache ? ' (cached)' : ''}`,
        }),
      ),
    );
  } catch (err) {
    return unavailable(what, err);
  }
  try {
    // Cancellation is checked between pairs (one inference each).
    const runner = {
      run: (feeds: Parameters<typeof session.run>[0]) => {
        throwIfAborted(signal);
        return session.run(feeds);
      },
    };
    const geometry = await pointmapGeometry(
      photos.map((p) => p.image),
      runner,
      {
        size: { width, height },
        maxPoints: options.maxPoints,
        onProgress: (step, done, total) => {
          if (step === 'inference')
            progress(0.2 + (0.65 * done) / total, { activity: `pointmaps: pair ${done} of ${total}` });
          else if (step === 'alignment') progress(0.87, { activity: 'global alignment' });
          else progress(0.97, { activity: 'merging the point cloud' });
        },
      },
    );
    throwIfAborted(signal);
    if (geometry.cloud.count === 0)
      throw new NeuralUnavailable(`${what} gave no point above the confidence threshold`);
    return {
      geometry,
      info: { method: 'pointmap', models: [entry.id], ep: session.runtime.ep },
    };
  } catch (err) {
    return unavailable(what, err);
  } finally {
    await session.release();
  }
}

export interface DiffusionStageOptions {
  /** DDIM steps per window (default: the manifest's). */
  samplerSteps?: number;
  seed?: number;
  signal?: AbortSignal;
  progress: StageProgress;
}

/**
 * Every trajectory frame from the video-diffusion models. Fractions: 0–0.1 download (bytes of all
 * models), 0.1–0.15 renders and conditions, 0.15–0.94 sampling (per DDIM step, ETA from the sampler's
 * own step time), 0.95–1 decoding.
 */
export async function diffusionStage(
  library: ModelLibrary,
  device: GPUDevice,
  geometry: GeometryResult,
  trajectory: Trajectory,
  options: DiffusionStageOptions,
): Promise<{ frames: SynthesizedFrame[]; info: StageMethodInfo }> {
  const { signal, progress } = options;
  const manifest = await library.getManifest();
  const entries = DIFFUSION_ROLES.map((role) => manifest.models.find((m) => m.role === role)).filter(
    (e): e is ModelEntry => e !== undefined,
  );
  const missing = REQUIRED_DIFFUSION_ROLES.filter((role) => !entries.some((e) => e.role === role));
  if (missing.length > 0) {
    throw new NeuralUnavailable(
      `the models manifest lists no ${missing.map((r) => `'${r}'`).join(', ')} model${missing.length > 1 ? 's' : ''} (the diffusion path needs video-unet, vae-encoder and vae-decoder)`,
    );
  }
  const total = entries.reduce((s, e) => s + e.files.reduce((a, f) => a + f.bytes, 0), 0);
  const loadedBytes = new Map<string, number>();
  let models: Awaited<ReturnType<typeof loadDiffusionModels>>;
  try {
    models = await loadDiffusionModels(
      manifest,
      library.loadOptions(signal, (p) => {
        loadedBytes.set(p.id, p.loaded);
        const done = [...loadedBytes.values()].reduce((a, b) => a + b, 0);
        progress((0.1 * done) / Math.max(1, total), {
          activity: `loading ${p.id}: ${megabytes(done)} of ${megabytes(total)}${p.fromCache ? ' (cached)' : ''}`,
        });
      }),
    );
  } catch (err) {
    const id = err instanceof ModelError ? (err.details.modelId as string | undefined) : undefined;
    const entry = entries.find((e) => e.id === id);
    return unavailable(entry ? describeModel(entry) : 'the diffusion models', err);
  }
  const sessions = diffusionSessions(models);
  try {
    const onProgress = (p: DiffusionProgress) => {
      switch (p.stage) {
        case 'render':
          return progress(0.1, { activity: 'rendering the point cloud into the trajectory cameras' });
        case 'condition':
          return progress(0.12, { activity: 'encoding the conditions' });
        case 'sample':
          return progress(0.15 + (0.79 * p.step) / p.steps, {
            activity: `sampling step ${p.step} of ${p.steps} (window ${p.window + 1} of ${p.windows})`,
            sampler: { step: p.step, steps: p.steps, window: p.window, windows: p.windows },
            etaSeconds: p.etaMs / 1000,
          });
        case 'decode':
          return progress(0.95 + (0.05 * p.step) / Math.max(1, p.steps), {
            activity: `decoding frame ${p.step + 1} of ${p.steps}`,
          });
      }
    };
    const frames = await diffusionSynthesis(device, geometry, trajectory, models, {
      signal,
      seed: options.seed,
      sampler: options.samplerSteps !== undefined ? { steps: options.samplerSteps } : undefined,
      onProgress,
    });
    throwIfAborted(signal);
    return {
      frames,
      info: {
        method: 'diffusion',
        models: sessions.map((s) => s.id),
        ep: models.unet.runtime.ep,
      },
    };
  } catch (err) {
    return unavailable(`the diffusion model '${models.unet.id}' and its companions`, err);
  } finally {
    await releaseDiffusionModels(models);
  }
}
