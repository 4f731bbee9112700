import { create } from 'zustand';
import type { AdapterReport } from '../engine/gpu/device';
import type {
  EngineErrorInfo,
  EngineEvent,
  FrameThumb,
  GeometryMethod,
  Preset,
  SamplerProgress,
  SceneCamera,
  SelftestResult,
  StageMethodInfo,
  StageName,
  SynthesisMethod,
} from '../engine/protocol';
import type { RenderMode } from '../engine/splats/raster-constants';
import type { PhotoItem } from './photos';

export interface StageState {
  status: 'idle' | 'running' | 'done';
  fraction: number;
  etaSeconds?: number;
  seconds?: number;
  /** What the stage is doing now (model download, sampling step …). */
  activity?: string;
  /** The diffusion sampler's last position (kept after the stage ends). */
  sampler?: SamplerProgress;
  /** What the stage actually ran, from its 'stage-finished'. */
  ran?: StageMethodInfo;
}

export interface Notice {
  kind: 'warning' | 'error' | 'info';
  message: string;
  hint?: string;
}

export interface ViewerSceneInfo {
  source: 'training' | 'file';
  name: string;
  count: number;
  /** 'mip' when the splats are drawn with the Mip filter (shown beside the count). */
  renderMode: RenderMode;
  center: [number, number, number];
  radius: number;
  /** Bumped on each new scene so the camera can frame it once. */
  serial: number;
}

export interface RunSettings {
  preset: Preset;
  /** Overrides (advanced panel); undefined = the preset's. */
  steps?: number;
  workingSize?: number;
  synthesis: boolean;
  /** Refine the input cameras jointly with the splats (InstantSplat); the preset's (off) when absent. */
  refinePoses?: boolean;
  /** Neural choices (advanced panel); the classical defaults when absent. */
  geometry?: GeometryMethod;
  geometryModel?: string;
  synthesisMethod?: SynthesisMethod;
  samplerSteps?: number;
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
  photos: PhotoItem[];
  /** Messages about the last files added (rejections, downscaling), newest batch only. */
  intake: Notice[];
  settings: RunSettings;
  run: {
    status: 'idle' | 'running' | 'done' | 'cancelled' | 'failed';
    firstStepDone: boolean;
    /** Cancel was pressed; the trainer stops at its next step boundary (seconds on a slow GPU). */
    cancelling?: boolean;
  };
  viewerScene: ViewerSceneInfo | null;
  cameras: SceneCamera[];
  /** Thumbnails of the last run's synthesized frames (the strip under the viewer); cleared by a new run. */
  synthFrames: FrameThumb[];
  /** Frames on the camera path those came from (inputs included). */
  synthPathLength: number;
  viewerFrames: number;
  lastFrameMs?: number;
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
  photos: [],
  intake: [],
  settings: { preset: 'fast', synthesis: true },
  run: { status: 'idle', firstStepDone: false },
  viewerScene: null,
  cameras: [],
  synthFrames: [],
  synthPathLength: 0,
  viewerFrames: 0,
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
          return event.stage === 'geometry'
            ? {
                stages: { ...idleStages(), geometry: { status: 'running', fraction: 0 } },
                live: {},
                run: { status: 'running', firstStepDone: false },
                synthFrames: [],
                synthPathLength: 0,
              }
            : { stages: { ...s.stages, [event.stage]: { status: 'running', fraction: 0 } } };
        case 'stage-progress':
          return {
            stages: {
              ...s.stages,
              [event.stage]: {
                status: 'running',
                fraction: event.fraction,
                etaSeconds: event.etaSeconds,
                activity: event.activity,
                sampler: event.sampler ?? s.stages[event.stage].sampler,
              },
            },
            live:
              event.step !== undefined
                ? { step: event.step, loss: event.loss, psnr: event.psnr, splats: event.splats }
                : s.live,
          };
        case 'splats-updated':
          return { run: { ...s.run, firstStepDone: true }, live: { ...s.live, splats: event.count } };
        case 'finished':
          // A run that failed (device lost) stays failed when its last steps wind down afterwards.
          if (s.run.status === 'failed') return {};
          return { run: { ...s.run, status: event.cancelled ? 'cancelled' : 'done', cancelling: false } };
        case 'viewer-scene':
          return { viewerScene: { ...event, serial: (s.viewerScene?.serial ?? 0) + 1 } };
        case 'scene-cameras':
          return { cameras: event.cameras };
        case 'synthesized-frames':
          return { synthFrames: event.frames, synthPathLength: event.trajectoryLength };
        case 'viewer-frame':
          return { viewerFrames: event.frames, lastFrameMs: event.ms };
        case 'stage-finished':
          return {
            stages: {
              ...s.stages,
              [event.stage]: {
                status: 'done',
                fraction: 1,
                seconds: event.seconds,
                sampler: s.stages[event.stage].sampler,
                ran: { method: event.method, models: event.models, ep: event.ep },
              },
            },
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
            notices: [
              ...s.notices,
              {
                kind: 'error',
                message: event.error.message,
                hint:
                  event.error.hint ??
                  (event.error.code === 'out-of-memory'
                    ? `The GPU ran out of memory for the ${s.settings.preset} preset: choose a lighter preset (Fast) or a lower working resolution.`
                    : undefined),
              },
            ],
            run: s.run.status === 'running' ? { ...s.run, status: 'failed' } : s.run,
          };
        default:
          return {};
      }
    }),
}));
