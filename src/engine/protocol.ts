/**
 * The one message protocol between the UI and the engine worker. Commands go UI → engine, events go
 * engine → UI. Everything here is structured-clone safe (plain data, typed arrays, ArrayBuffers).
 */
import type { Intrinsics } from './geometry/camera';
import type { AdapterReport } from './gpu/device';
import type { GpuErrorCode } from './gpu/errors';

export type StageName = 'geometry' | 'trajectory' | 'synthesis' | 'optimization';

export type Preset = 'fast' | 'balanced' | 'quality';

export interface PhotoInput {
  name: string;
  bytes: ArrayBuffer;
}

export interface RunOptions {
  preset: Preset;
  steps?: number;
  workingSize?: number;
  synthesis?: boolean;
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
  | { type: 'init' }
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
    }
  | { type: 'stage-finished'; stage: StageName; seconds: number }
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
      center: [number, number, number];
      radius: number;
    }
  /** Cameras of the current reconstruction (inputs after geometry, trajectory after synthesis). */
  | { type: 'scene-cameras'; cameras: SceneCamera[] }
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
