/**
 * The one message protocol between the UI and the engine worker. Commands go UI → engine, events go
 * engine → UI. Everything here is structured-clone safe (plain data, typed arrays, ArrayBuffers).
 */
import type { Intrinsics } from './geometry/camera';
import type { AdapterReport } from './gpu/device';
import type { GpuErrorCode } from './gpu/errors';
import type { RenderMode } from './splats/raster-constants';

export type StageName = 'geometry' | 'trajectory' | 'synthesis' | 'optimization';

export type Preset = 'fast' | 'balanced' | 'quality';

export interface PhotoInput {
  name: string;
  bytes: ArrayBuffer;
}

/** How the geometry stage gets cameras and depth: features + stereo, or a DUSt3R-style pointmap model. */
export type GeometryMethod = 'classical' | 'pointmap';
/** How the synthesis stage makes in-between views: warp-and-fill, or the video-diffusion models. */
export type SynthesisMethod = 'warp-fill' | 'diffusion';

export interface RunOptions {
  preset: Preset;
  steps?: number;
  workingSize?: number;
  /** Synthesis on/off (default on). */
  synthesis?: boolean;
  /** Default 'classical'. A neural choice that cannot run falls back to the classical default with a warning. */
  geometry?: GeometryMethod;
  /** Manifest id of the pointmap model (default: the manifest's first 'pointmap' entry). */
  geometryModel?: string;
  /** Default 'warp-fill'. */
  synthesisMethod?: SynthesisMethod;
  /** DDIM steps per window for diffusion synthesis (default: the manifest's sampler steps). */
  samplerSteps?: number;
  /** Refine the input cameras' poses jointly with the splats during optimisation (default: the preset's, off). */
  refinePoses?: boolean;
}

/**
 * What a stage actually ran (never the method asked for when it fell back): 'posed' = given cameras +
 * stereo, 'interpolation' = the trajectory, 'off' = synthesis switched off or skipped, '3dgs' = the trainer.
 */
export type StageMethod =
  | 'classical'
  | 'posed'
  | 'pointmap'
  | 'interpolation'
  | 'warp-fill'
  | 'diffusion'
  | 'off'
  | '3dgs';

/** The method of a finished stage, and the neural models it ran (ids) on which ONNX execution provider. */
export interface StageMethodInfo {
  method: StageMethod;
  models?: string[];
  ep?: 'webgpu' | 'wasm';
}

/** Diffusion sampler position while the synthesis stage samples (steps count over all windows). */
export interface SamplerProgress {
  step: number;
  steps: number;
  window: number;
  windows: number;
}

/** A camera as plain data: OpenCV axes (x right, y down, z forward), worldFromCamera 4×4 column-major. */
export interface ViewCamera {
  worldFromCamera: number[];
  intrinsics: Intrinsics;
}

/** A camera of the current scene, drawn as a frustum by the viewer overlay. */
export interface SceneCamera extends ViewCamera {
  name: string;
  kind: 'input' | 'trajectory';
}

/**
 * A small preview of one synthesized frame for the studio's strip: its pixels and per-pixel confidence
 * box-filtered down to at most FRAME_THUMB_MAX_WIDTH wide (src/engine/pipeline/frame-thumbs.ts).
 */
export interface FrameThumb {
  /** Position of the frame on the trajectory (0-based, inputs included); -1 when it is not on it. */
  trajectoryIndex: number;
  camera: ViewCamera;
  width: number;
  height: number;
  /** RGBA8, width·height·4. */
  rgba: Uint8ClampedArray;
  /** Confidence as 0–255 (255 = fully confident), width·height. */
  confidence: Uint8Array;
  /** Mean confidence of the full-size frame in [0, 1]. */
  meanConfidence: number;
}

export type ViewerCommand =
  /** Hand the viewer its canvas (transferred). Sizes are the canvas' pixels. */
  | { type: 'viewer-attach'; canvas: OffscreenCanvas; width: number; height: number }
  | { type: 'viewer-resize'; width: number; height: number }
  /** The UI's orbit camera; intrinsics are in the canvas' pixels. Drawn at the next frame. */
  | { type: 'viewer-camera'; camera: ViewCamera }
  /** Test/debug hook: statistics of the next completed frame's pixels → 'viewer-probe'. */
  | { type: 'viewer-probe'; id: number }
  /** View an existing .ply / .splat (replaces what the viewer shows until the next run draws). */
  | { type: 'open-splats'; name: string; bytes: ArrayBuffer };

export type EngineCommand =
  | ViewerCommand
  /** `modelsUrl`: absolute URL of the neural models' manifest.json (the page resolves models/manifest.json). */
  | { type: 'init'; modelsUrl?: string }
  | { type: 'selftest'; elements: number }
  | { type: 'start'; photos: PhotoInput[]; options: RunOptions }
  /** Re-run from a stage (default: optimisation) keeping the earlier stages' outputs, e.g. more steps. */
  | { type: 'rerun'; options: RunOptions; from?: StageName }
  | { type: 'cancel' }
  /** `id` comes back in 'exported' so the UI can tell a download from a save. */
  | { type: 'export'; format: 'ply' | 'splat'; id?: number }
  /** Test hook: destroy the device as a driver reset would, to exercise recovery. */
  | { type: 'simulate-device-loss' };

export interface EngineErrorInfo {
  code: GpuErrorCode | 'not-available' | 'bad-input' | 'internal';
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export interface SelftestResult {
  kernel: string;
  elements: number;
  verified: boolean;
  mismatches: number;
  gpuMs: number;
}

export type EngineEvent =
  | {
      type: 'capability';
      ok: true;
      adapter: AdapterReport;
      features: { timestampQuery: boolean; subgroups: boolean; shaderF16: boolean };
    }
  | { type: 'capability'; ok: false; error: EngineErrorInfo }
  | { type: 'selftest'; result: SelftestResult }
  | { type: 'stage-started'; stage: StageName }
  | {
      type: 'stage-progress';
      stage: StageName;
      fraction: number;
      etaSeconds?: number;
      step?: number;
      loss?: number;
      psnr?: number;
      splats?: number;
      /** What the stage is doing now, in words ('downloading video-unet 3.1 of 12 MB', 'sampling …'). */
      activity?: string;
      sampler?: SamplerProgress;
    }
  | ({ type: 'stage-finished'; stage: StageName; seconds: number } & StageMethodInfo)
  | { type: 'splats-updated'; count: number; step: number }
  | {
      type: 'exported';
      format: 'ply' | 'splat';
      fileName: string;
      bytes: ArrayBuffer;
      count: number;
      id?: number;
    }
  /** What the viewer draws now: the live training splats or an opened file, with robust bounds. */
  | {
      type: 'viewer-scene';
      source: 'training' | 'file';
      name: string;
      count: number;
      /** The screen-space filter the splats are drawn with (a .ply's SplatRenderMode tag, or training's). */
      renderMode: RenderMode;
      center: [number, number, number];
      radius: number;
    }
  /** Cameras of the current reconstruction (inputs after geometry, trajectory after synthesis). */
  | { type: 'scene-cameras'; cameras: SceneCamera[] }
  /** After synthesis: thumbnails of the synthesized frames (none when synthesis is off or skipped). */
  | { type: 'synthesized-frames'; frames: FrameThumb[]; trajectoryLength: number }
  /** A frame was drawn (frames counts them; ms is its GPU-complete time). */
  | { type: 'viewer-frame'; frames: number; ms: number }
  | {
      type: 'viewer-probe';
      id: number;
      frames: number;
      width: number;
      height: number;
      splats: number;
      /** Mean RGB of the drawn pixels in [0,1] and an FNV-1a hash of their 8-bit values. */
      mean: [number, number, number];
      hash: string;
    }
  /** The run ended: completed, or cancelled (the last good splats are kept). Errors come as 'error'. */
  | { type: 'finished'; cancelled: boolean }
  | { type: 'device-lost'; error: EngineErrorInfo }
  | { type: 'device-recovered'; adapter: AdapterReport }
  | { type: 'warning'; code: string; message: string }
  | { type: 'error'; error: EngineErrorInfo };

export type EventSink = (event: EngineEvent, transfer?: Transferable[]) => void;
