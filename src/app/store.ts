import { create } from 'zustand';
import type { AdapterReport } from '../engine/gpu/device';
import type { EngineErrorInfo, EngineEvent, SelftestResult, StageName } from '../engine/protocol';

export interface StageState {
  status: 'idle' | 'running' | 'done';
  fraction: number;
  etaSeconds?: number;
  seconds?: number;
}

export interface Notice {
  kind: 'warning' | 'error' | 'info';
  message: string;
  hint?: string;
}

export interface StudioState {
  /** 'pending' until the worker answers init. */
  gpu:
    | { status: 'pending' }
    | { status: 'ready'; adapter: AdapterReport }
    | { status: 'failed'; error: EngineErrorInfo };
  selftest: SelftestResult | null;
  stages: Record<StageName, StageState>;
  live: { step?: number; loss?: number; psnr?: number; splats?: number };
  notices: Notice[];
  apply: (event: EngineEvent) => void;
  fail: (error: EngineErrorInfo) => void;
}

const idleStages = (): Record<StageName, StageState> => ({
  geometry: { status: 'idle', fraction: 0 },
  trajectory: { status: 'idle', fraction: 0 },
  synthesis: { status: 'idle', fraction: 0 },
  optimization: { status: 'idle', fraction: 0 },
});

export const useStudio = create<StudioState>((set) => ({
  gpu: { status: 'pending' },
  selftest: null,
  stages: idleStages(),
  live: {},
  notices: [],
  fail: (error) => set({ gpu: { status: 'failed', error } }),
  apply: (event) =>
    set((s) => {
      switch (event.type) {
        case 'capability':
          return event.ok
            ? {
                gpu: { status: 'ready', adapter: event.adapter },
                notices: event.adapter.software
                  ? [
                      ...s.notices,
                      {
                        kind: 'warning',
                        message: `WebGPU runs on a software adapter (${event.adapter.description || `${event.adapter.vendor} ${event.adapter.architecture}`}): everything works, but slowly.`,
                        hint: 'Turn on hardware acceleration in the browser settings for real speed.',
                      },
                    ]
                  : s.notices,
              }
            : { gpu: { status: 'failed', error: event.error } };
        case 'selftest':
          return { selftest: event.result };
        case 'stage-started':
          return { stages: { ...s.stages, [event.stage]: { status: 'running', fraction: 0 } } };
        case 'stage-progress':
          return {
            stages: {
              ...s.stages,
              [event.stage]: { status: 'running', fraction: event.fraction, etaSeconds: event.etaSeconds },
            },
            live: { step: event.step, loss: event.loss, psnr: event.psnr, splats: event.splats },
          };
        case 'stage-finished':
          return {
            stages: { ...s.stages, [event.stage]: { status: 'done', fraction: 1, seconds: event.seconds } },
          };
        case 'device-lost':
          return {
            notices: [
              ...s.notices,
              { kind: 'warning', message: event.error.message, hint: event.error.hint },
            ],
          };
        case 'device-recovered':
          return {
            notices: [...s.notices, { kind: 'info', message: 'A new GPU device is ready; work continues.' }],
          };
        case 'warning':
          return { notices: [...s.notices, { kind: 'warning', message: event.message }] };
        case 'error':
          return {
            notices: [...s.notices, { kind: 'error', message: event.error.message, hint: event.error.hint }],
          };
        default:
          return {};
      }
    }),
}));
