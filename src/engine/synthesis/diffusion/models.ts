/** The set of sessions the diffusion path runs, loaded from the models manifest. */
import { errorMessage, ModelError } from '../../models/errors';
import { type LoadOptions, loadModel } from '../../models/loader';
import { type Manifest, type SamplerParams, samplerOf } from '../../models/manifest';
import type { ModelSession } from '../../models/session';

export interface DiffusionModels {
  unet: ModelSession;
  vaeEncoder: ModelSession;
  vaeDecoder: ModelSession;
  /** Image tokens for the cross-attention context; without it the context is zeros. */
  imageEncoder?: ModelSession;
  /** ReconX's 3D structure tokens (used when the unet has a `structure` input). */
  structureEncoder?: ModelSession;
  /** Contract dims of all models merged: C, T, h, w, L, D, and P, S for structure. */
  dims: Record<string, number>;
  sampler: SamplerParams;
  /** Constant tokens put before the image tokens (a precomputed text prompt), cond and uncond, [Lt·D]. */
  textContext?: { cond: Float32Array; uncond: Float32Array; length: number };
}

/**
 * Loads video-unet, vae-encoder, vae-decoder (required) and image-encoder, structure-encoder (when the
 * manifest lists them). Sampler settings come from the unet entry's `sampler` block over the defaults.
 */
export async function loadDiffusionModels(
  manifest: Manifest,
  options: LoadOptions,
): Promise<DiffusionModels> {
  const byRole = (role: string) => manifest.models.find((m) => m.role === role);
  const unetEntry = byRole('video-unet');
  if (!unetEntry) throw new ModelError('unknown-model', "no 'video-unet' model in the models manifest");
  const loaded: ModelSession[] = [];
  const load = async (role: string, required: boolean) => {
    const entry = byRole(role);
    if (!entry) {
      if (required) throw new ModelError('unknown-model', `no '${role}' model in the models manifest`);
      return undefined;
    }
    let s: ModelSession;
    try {
      s = await loadModel(entry, options);
    } catch (err) {
      // Say which model failed (the pipeline's fallback warning names it).
      if (err instanceof ModelError) Object.assign(err.details, { modelId: entry.id, role });
      throw err;
    }
    loaded.push(s);
    return s;
  };
  try {
    const unet = (await load('video-unet', true)) as ModelSession;
    const vaeEncoder = (await load('vae-encoder', true)) as ModelSession;
    const vaeDecoder = (await load('vae-decoder', true)) as ModelSession;
    const imageEncoder = await load('image-encoder', false);
    const structureEncoder = await load('structure-encoder', false);
    const dims: Record<string, number> = {};
    for (const m of manifest.models) {
      if (['video-unet', 'vae-encoder', 'vae-decoder', 'image-encoder', 'structure-encoder'].includes(m.role))
        Object.assign(dims, m.dims);
    }
    return {
      unet,
      vaeEncoder,
      vaeDecoder,
      imageEncoder,
      structureEncoder,
      dims,
      sampler: samplerOf(unetEntry),
    };
  } catch (err) {
    await Promise.all(loaded.map((s) => s.release().catch(() => undefined)));
    // A cancelled download stays an AbortError (the run was cancelled, the model is not at fault).
    if ((err as { name?: string })?.name === 'AbortError') throw err;
    throw err instanceof ModelError ? err : new ModelError('session-failed', errorMessage(err));
  }
}

export async function releaseDiffusionModels(models: DiffusionModels): Promise<void> {
  await Promise.all(diffusionSessions(models).map((s) => s.release()));
}

/** Every session of the set that was loaded (the optional ones only when present). */
export function diffusionSessions(models: DiffusionModels): ModelSession[] {
  const all = [
    models.unet,
    models.vaeEncoder,
    models.vaeDecoder,
    models.imageEncoder,
    models.structureEncoder,
  ];
  return all.filter((s): s is ModelSession => s !== undefined);
}
