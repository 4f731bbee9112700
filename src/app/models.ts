/**
 * The neural models manifest as the UI sees it: read from models/manifest.json next to the page (the
 * same URL the engine worker gets in 'init'), validated by the engine's parser, grouped into the choices
 * the run offers. No model is loaded here; the engine loads (and verifies) what a run asks for.
 */
import { useEffect, useState } from 'react';
import { type Manifest, type ModelEntry, parseManifest } from '../engine/models/manifest';

/** Absolute URL of the manifest (public/models/manifest.json), relative to the page. */
export const modelsManifestUrl = (): string => new URL('models/manifest.json', document.baseURI).href;

export interface ModelsState {
  status: 'loading' | 'ready' | 'failed';
  manifest?: Manifest;
  error?: string;
}

/** Roles of the video-diffusion path; the first three are required. */
export const DIFFUSION_ROLES = [
  'video-unet',
  'vae-encoder',
  'vae-decoder',
  'image-encoder',
  'structure-encoder',
] as const;
const REQUIRED = DIFFUSION_ROLES.slice(0, 3);

export const modelBytes = (m: ModelEntry): number => m.files.reduce((s, f) => s + f.bytes, 0);

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export const modelLabel = (m: ModelEntry): string => (m.name ? `${m.name} (${m.id})` : m.id);

/** What the manifest offers per stage. */
export interface ModelOffer {
  pointmap: ModelEntry[];
  /** The models the diffusion path would load (first of each role), and the required roles missing. */
  diffusion: { models: ModelEntry[]; missing: string[]; sampleSteps?: number };
  /** Entries no stage of this version uses (e.g. lpips). */
  unused: ModelEntry[];
}

export function modelOffer(manifest: Manifest): ModelOffer {
  const models = manifest.models;
  const diffusionModels = DIFFUSION_ROLES.map((r) => models.find((m) => m.role === r)).filter(
    (m): m is ModelEntry => m !== undefined,
  );
  const unet = diffusionModels.find((m) => m.role === 'video-unet');
  return {
    pointmap: models.filter((m) => m.role === 'pointmap'),
    diffusion: {
      models: diffusionModels,
      missing: REQUIRED.filter((r) => !models.some((m) => m.role === r)),
      sampleSteps: unet?.sampler?.steps,
    },
    unused: models.filter((m) => m.role === 'lpips'),
  };
}

/** Fetches and validates the manifest once per mount. */
export function useModelsManifest(): ModelsState {
  const [state, setState] = useState<ModelsState>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    fetch(modelsManifestUrl())
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((json: unknown) => {
        if (live) setState({ status: 'ready', manifest: parseManifest(json) });
      })
      .catch((e: Error) => {
        if (live) setState({ status: 'failed', error: e.message });
      });
    return () => {
      live = false;
    };
  }, []);
  return state;
}
