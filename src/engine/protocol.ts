/**
 * The one message protocol between the UI and the engine worker. Commands go UI → engine, events go
 * engine → UI. Everything here is structured-clone safe (plain data, typed arrays, ArrayBuffers).
 */
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

export type EngineCommand =
  | { type: 'init' }
  | { type: 'selftest'; elements: number }
  | { type: 'start'; photos: PhotoInput[]; options: RunOptions }
  | { type: 'cancel' }
  | { type: 'export'; format: 'ply' | 'splat' }
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
  | { type: 'exported'; format: 'ply' | 'splat'; fileName: string; bytes: ArrayBuffer }
  | { type: 'device-lost'; error: EngineErrorInfo }
  | { type: 'device-recovered'; adapter: AdapterReport }
  | { type: 'warning'; code: string; message: string }
  | { type: 'error'; error: EngineErrorInfo };

export type EventSink = (event: EngineEvent, transfer?: Transferable[]) => void;
