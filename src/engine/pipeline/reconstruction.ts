/**
 * The orchestrator: geometry → trajectory → synthesis → optimisation, each stage cancellable and
 * reporting typed progress. Finished stages keep their output, so a later stage can be re-run (more
 * steps, another preset's optimisation) without redoing the earlier ones; cancelling keeps the splats
 * of the last completed step.
 */
import { type Camera, scaleIntrinsics } from '../geometry/camera';
import { classicalGeometry } from '../geometry/classical';
import { fusePointClouds } from '../geometry/fusion';
import type { GeometryResult, PointCloud } from '../geometry/types';
import type { ImageDecoder } from '../io/image';
import type { EngineEvent, PhotoInput, RunOptions, StageMethodInfo, StageName } from '../protocol';
import type { GaussianCloud } from '../splats/cloud';
import { initSplats } from '../splats/init';
import type { RenderMode } from '../splats/raster-constants';
import { cameraExtent, Trainer, type TrainView } from '../splats/trainer';
import { coverPoints, joinClouds } from '../synthesis/cover-points';
import { interpolateTrajectory, type Trajectory } from '../synthesis/trajectory';
import {
  framesToTrainViews,
  SYNTHESIS_CLOUD,
  type SynthesizedFrame,
  synthesizeViews,
  WARP_FILL_DEFAULTS,
  widenSynthesized,
} from '../synthesis/warp-fill';
import { focalWarning } from './focal-check';
import { synthesizedFramesEvent } from './frame-thumbs';
import {
  CLASSICAL_GEOMETRY,
  CLASSICAL_SYNTHESIS,
  diffusionStage,
  type ModelAccess,
  ModelLibrary,
  NeuralUnavailable,
  pointmapStage,
} from './neural';
import { type PreparedPhoto, preparePhotos } from './photos';
import { type PresetSettings, resolveSettings } from './presets';
import { StageClock, throwIfAborted } from './progress';

export const STAGES: readonly StageName[] = ['geometry', 'trajectory', 'synthesis', 'optimization'];

/** Loss weight of a synthesized frame relative to an input photo (its confidence map weighs it further). */
export const SYNTHESIZED_WEIGHT = 0.5;

/** Points below this confidence do not become splats; cover points get exactly this (kept, but fast-moving). */
const INIT_MIN_CONFIDENCE = 0.3;
/** Most cover points, as a share of the global cloud. */
const COVER_SHARE = 0.25;
/**
 * Warp-and-fill frames reach this share of their size past every edge. A held-out camera off the
 * interpolated path sees past the frames' edges (tabletop 256×192: 1.2 % of a test view, the floor in its
 * corner, at 12 dB); the margin gives those places splats and a fill to fit (held-out views after 100
 * steps: 24.40 → 25.34 dB). It costs 1.44× the pixels a synthesized frame.
 */
const SYNTHESIS_MARGIN = 0.1;

/**
 * Splats are fitted (and then always drawn) with the Mip filter: the classic 0.3 px² dilation blurs every
 * splat by at least ~0.55 px and draws sub-pixel splats too big when zoomed out. On held-out views
 * (128×96, Balanced, 1000 steps) it scores as well or better: tabletop 22.47 → 22.74 dB, room 24.18 →
 * 24.20 dB, objects 27.13 → 27.18 dB. Exported .ply files carry the SplatRenderMode tag.
 */
const TRAINING_RENDER_MODE: RenderMode = 'mip';

/** How often the live preview gets fresh splats during optimisation. */
export const PREVIEW_EVERY = 25;

export interface ReconstructionOutputs {
  photos?: PreparedPhoto[];
  geometry?: GeometryResult;
  trajectory?: Trajectory;
  /** Training views: the inputs plus synthesized frames, or the inputs alone when synthesis is off. */
  synthesis?: {
    frames: TrainView[];
    synthesized: number;
    enabled: boolean;
    /** Points where the global cloud leaves the frames uncovered (cover-points.ts); none without synthesis. */
    cover?: PointCloud;
  };
  trainer?: Trainer;
}

export interface ReconstructionSetup {
  /** Known cameras, one per photo, in pixels of the original photos (posed mode: no pose estimation). */
  knownCameras?: Camera[];
  /** 'random' replaces the point-cloud initialisation by uniform random splats (the evaluation baseline). */
  init?: 'points' | 'random';
  /** Where the neural models are (manifest URL, fetch, cache); without it a neural choice falls back. */
  models?: ModelAccess;
}

type StageProgressFn = (
  fraction: number,
  extra?: Partial<Extract<EngineEvent, { type: 'stage-progress' }>>,
) => void;

/** The run options that decide each stage's output: a change re-runs that stage. */
const geometryKey = (o: RunOptions) => `${o.geometry ?? 'classical'}|${o.geometryModel ?? ''}`;
const synthesisKey = (o: RunOptions) =>
  `${o.synthesis !== false}|${o.synthesisMethod ?? 'warp-fill'}|${o.samplerSteps ?? ''}`;

export class Reconstruction {
  readonly outputs: ReconstructionOutputs = {};
  settings: PresetSettings | null = null;
  /** Seconds each stage took in the last run. */
  readonly seconds: Partial<Record<StageName | 'photos', number>> = {};
  /** What each stage actually ran (after any fallback), as in its 'stage-finished' event. */
  readonly methods: Partial<Record<StageName, StageMethodInfo>> = {};
  private readonly library: ModelLibrary;
  private lastOptions: RunOptions | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly photos: PhotoInput[],
    private readonly decode: ImageDecoder,
    private readonly emit: (event: EngineEvent) => void,
    private readonly setup: ReconstructionSetup = {},
  ) {
    this.library = new ModelLibrary(setup.models, device);
  }

  /** Runs from `from` (default: the first stage without output) to the end. */
  async run(options: RunOptions, signal?: AbortSignal, from?: StageName): Promise<void> {
    const settings = resolveSettings(options);
    const startAt = from ?? STAGES.find((s) => !this.hasOutput(s)) ?? 'optimization';
    const first = STAGES.indexOf(startAt);
    // Inputs that change what an earlier stage produced invalidate it.
    const last = this.lastOptions;
    if (last && first > 0) {
      if (this.settings?.workingSize !== settings.workingSize || geometryKey(last) !== geometryKey(options))
        return this.run(options, signal, 'geometry');
      if (first > STAGES.indexOf('synthesis') && synthesisKey(last) !== synthesisKey(options))
        return this.run(options, signal, 'synthesis');
    }
    this.settings = settings;
    this.lastOptions = { ...options };
    this.library.refresh();
    for (const stage of STAGES.slice(first)) {
      throwIfAborted(signal);
      this.emit({ type: 'stage-started', stage });
      const clock = new StageClock();
      const info = await this.runStage(stage, settings, options, signal, clock);
      this.methods[stage] = info;
      // The studio's strip of synthesized frames (thumbnails with confidence).
      if (stage === 'synthesis')
        this.emit(synthesizedFramesEvent(this.outputs.synthesis?.frames, this.outputs.trajectory));
      this.seconds[stage] = clock.seconds;
      this.emit({ type: 'stage-finished', stage, seconds: clock.seconds, ...info });
    }
  }

  private hasOutput(stage: StageName): boolean {
    switch (stage) {
      case 'geometry':
        return !!this.outputs.geometry;
      case 'trajectory':
        return !!this.outputs.trajectory;
      case 'synthesis':
        return !!this.outputs.synthesis;
      case 'optimization':
        return !!this.outputs.trainer && this.outputs.trainer.step >= this.outputs.trainer.options.steps;
    }
  }

  private async runStage(
    stage: StageName,
    settings: PresetSettings,
    options: RunOptions,
    signal: AbortSignal | undefined,
    clock: StageClock,
  ): Promise<StageMethodInfo> {
    const progress = (
      fraction: number,
      extra: Partial<Extract<EngineEvent, { type: 'stage-progress' }>> = {},
    ) => this.emit({ type: 'stage-progress', stage, fraction, etaSeconds: clock.eta(fraction), ...extra });
    switch (stage) {
      case 'geometry':
        return this.geometryStage(settings, options, signal, progress);
      case 'trajectory': {
        const cameras = this.outputs.geometry!.views.map((v) => v.camera);
        this.outputs.trajectory = interpolateTrajectory(cameras, settings.framesPerSegment);
        this.outputs.synthesis = undefined;
        progress(1);
        return { method: 'interpolation' };
      }
      case 'synthesis':
        return this.synthesisStage(options, signal, progress);
      case 'optimization': {
        const trainer = await this.trainerFor(settings);
        const start = trainer.step;
        await trainer.run(
          signal,
          (p) =>
            progress((p.step - start) / Math.max(1, p.steps - start), {
              step: p.step,
              loss: p.loss,
              psnr: p.psnr ?? undefined,
              splats: p.splats,
            }),
          (step) => {
            if (step % PREVIEW_EVERY === 0 || step === trainer.options.steps)
              this.emit({ type: 'splats-updated', count: trainer.scene.count, step });
          },
        );
        throwIfAborted(signal);
        return { method: '3dgs' };
      }
    }
  }

  private async geometryStage(
    settings: PresetSettings,
    options: RunOptions,
    signal: AbortSignal | undefined,
    progress: StageProgressFn,
  ): Promise<StageMethodInfo> {
    const t = performance.now();
    const photos = await preparePhotos(this.photos, this.decode, settings.workingSize, (code, message) =>
      this.emit({ type: 'warning', code, message }),
    );
    this.seconds.photos = (performance.now() - t) / 1000;
    this.outputs.photos = photos;
    this.outputs.geometry = undefined;
    this.outputs.trajectory = undefined;
    this.outputs.synthesis = undefined;
    this.disposeTrainer();
    const known = this.setup.knownCameras;
    if (known && known.length !== photos.length)
      throw new Error(`${known.length} known cameras for ${photos.length} photos`);
    if (options.geometry === 'pointmap' && known) {
      this.emit({
        type: 'warning',
        code: 'model-skipped',
        message:
          'Geometry: the cameras are given, so the pointmap model is not used; stereo runs on the given cameras.',
      });
    } else if (options.geometry === 'pointmap') {
      const neural = await this.neural('Geometry', CLASSICAL_GEOMETRY, () =>
        pointmapStage(this.library, photos, {
          modelId: options.geometryModel,
          maxPoints: settings.splatBudget * 2,
          signal,
          progress,
        }),
      );
      if (neural) {
        this.outputs.geometry = neural.geometry;
        return neural.info;
      }
      progress(0, { activity: 'classical default' });
    }
    const classical = await classicalGeometry(this.device, photos, {
      cameras: known?.map((c, i) => ({
        ...c,
        intrinsics: scaleIntrinsics(c.intrinsics, photos[i].image.width, photos[i].image.height),
      })),
      stereoPlanes: settings.stereoPlanes,
      targetPoints: settings.splatBudget * 2,
      signal,
      onProgress: (_step, fraction) => progress(fraction),
    });
    this.outputs.geometry = classical;
    const focal = focalWarning(classical.pose, classical.rightAngles);
    if (focal) this.emit({ type: 'warning', code: 'focal-uncertain', message: focal });
    return { method: known ? 'posed' : 'classical' };
  }

  private async synthesisStage(
    options: RunOptions,
    signal: AbortSignal | undefined,
    progress: StageProgressFn,
  ): Promise<StageMethodInfo> {
    const geometry = this.outputs.geometry!;
    const sizes = new Set(
      geometry.views.map((v) => `${v.camera.intrinsics.width}x${v.camera.intrinsics.height}`),
    );
    const enabled = options.synthesis !== false && sizes.size === 1;
    if (options.synthesis !== false && !enabled) {
      this.emit({
        type: 'warning',
        code: 'synthesis-skipped',
        message: 'The photos differ in size or orientation, so no in-between views were synthesized.',
      });
    }
    this.outputs.synthesis = undefined;
    this.disposeTrainer();
    if (!enabled) {
      this.outputs.synthesis = {
        enabled,
        synthesized: 0,
        frames: geometry.views.map((v) => ({
          camera: v.camera,
          rgba: v.colors,
          source: 'input' as const,
        })),
      };
      progress(1);
      return { method: 'off' };
    }
    const trajectory = this.outputs.trajectory!;
    const source = { ...geometry, cloud: fusePointClouds(geometry.views, SYNTHESIS_CLOUD) };
    let frames: SynthesizedFrame[] | null = null;
    let info: StageMethodInfo = { method: 'warp-fill' };
    // The frames take the stage up to 95 %; the cover points the rest.
    const framesProgress: StageProgressFn = (fraction, extra) => progress(0.95 * fraction, extra);
    if (options.synthesisMethod === 'diffusion') {
      const neural = await this.neural('Synthesis', CLASSICAL_SYNTHESIS, () =>
        diffusionStage(this.library, this.device, source, trajectory, {
          samplerSteps: options.samplerSteps,
          signal,
          progress: framesProgress,
        }),
      );
      if (neural) ({ frames, info } = neural);
      else progress(0, { activity: 'classical default' });
    }
    frames ??= await synthesizeViews(this.device, source, widenSynthesized(trajectory, SYNTHESIS_MARGIN), {
      signal,
      onProgress: (done: number, total: number) => framesProgress(done / total),
    });
    throwIfAborted(signal);
    progress(0.95, { activity: 'placing splats where the point cloud leaves holes' });
    const cover = await this.coverFor(source, trajectory, frames, info.method === 'warp-fill', signal);
    throwIfAborted(signal);
    const views = framesToTrainViews(frames, { synthesizedWeight: SYNTHESIZED_WEIGHT });
    this.outputs.synthesis = {
      enabled,
      synthesized: views.filter((v) => v.source === 'synthesized').length,
      frames: views,
      cover,
    };
    progress(1);
    return info;
  }

  /**
   * Cover points for the frames. Each trajectory camera needs the cloud's own render (its holes and fill
   * depth): warp-and-fill frames are that render already; the photos and generated frames are rendered again
   * without replacing them, so that the photos' uncovered pixels (sky, surfaces the stereo gave up on) are
   * found too. The colour comes from the training frame (the photo, the fill or the generated frame).
   */
  private async coverFor(
    source: GeometryResult,
    trajectory: Trajectory,
    frames: SynthesizedFrame[],
    warpFilled: boolean,
    signal?: AbortSignal,
  ): Promise<PointCloud> {
    const { width, height } = frames[0].camera.intrinsics;
    const reuse = (f: SynthesizedFrame) => warpFilled && f.source === 'synthesized';
    const todo = frames.filter((f) => !reuse(f));
    const renders = await synthesizeViews(
      this.device,
      source,
      {
        ...trajectory,
        cameras: todo.map((f) => trajectory.cameras[f.index]),
        inputIndex: todo.map(() => -1),
      },
      // Only the holes and the fill depth are used here, not the colours.
      { width, height, replaceInputs: false, photoLookup: false, signal },
    );
    const cloud = this.outputs.geometry!.cloud;
    return coverPoints(
      [...frames.filter(reuse), ...renders.map((r, k) => ({ ...r, rgba: todo[k].rgba }))],
      cloud,
      {
        uncoveredConfidence: WARP_FILL_DEFAULTS.filledConfidence,
        confidence: INIT_MIN_CONFIDENCE,
        maxCount: Math.ceil(COVER_SHARE * cloud.count),
      },
    );
  }

  /** A neural attempt; when it cannot run, a warning names the model and the reason, and null is returned. */
  private async neural<T>(stage: string, instead: string, attempt: () => Promise<T>): Promise<T | null> {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof NeuralUnavailable)) throw err;
      this.emit({
        type: 'warning',
        code: 'model-fallback',
        message: `${stage}: ${err.message}. ${instead[0].toUpperCase()}${instead.slice(1)} runs instead.`,
      });
      return null;
    }
  }

  /** The trainer of the current geometry; a re-run with more steps continues where it stopped. */
  private async trainerFor(settings: PresetSettings): Promise<Trainer> {
    const existing = this.outputs.trainer;
    if (
      existing &&
      existing.options.shDegree === settings.shDegree &&
      !!existing.options.refinePoses === settings.refinePoses
    ) {
      existing.options.steps = Math.max(settings.steps, existing.step);
      return existing;
    }
    this.disposeTrainer();
    const geometry = this.outputs.geometry!;
    const frames = this.outputs.synthesis!.frames;
    // The baseline gets as many splats as the point cloud has (capped by the budget), so that only the
    // initialisation differs from the default run.
    const source =
      this.setup.init === 'random'
        ? randomCloud(geometry.cloud, Math.min(settings.splatBudget, geometry.cloud.count))
        : joinClouds(geometry.cloud, this.outputs.synthesis!.cover);
    const { splats, confidence } = await initSplats(this.device, source, {
      budget: settings.splatBudget,
      minConfidence: INIT_MIN_CONFIDENCE,
      shDegree: settings.shDegree,
    });
    splats.renderMode = TRAINING_RENDER_MODE;
    const trainer = new Trainer(this.device, splats, frames, {
      steps: settings.steps,
      splatConfidence: confidence,
      shDegree: settings.shDegree,
      near: 0.01,
      extent: cameraExtent(frames.map((f) => f.camera)),
      refinePoses: settings.refinePoses,
    });
    this.outputs.trainer = trainer;
    return trainer;
  }

  /** The current splats (after the last completed step), or null before optimisation started. */
  async currentSplats(): Promise<GaussianCloud | null> {
    return this.outputs.trainer ? this.outputs.trainer.download(1 / 255) : null;
  }

  private disposeTrainer(): void {
    this.outputs.trainer?.destroy();
    this.outputs.trainer = undefined;
  }

  dispose(): void {
    this.disposeTrainer();
  }
}

/** `count` points uniform in the cloud's bounding box with random colours (plain-3DGS random init). */
export function randomCloud(like: PointCloud, count: number, seed = 7): PointCloud {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < like.count; i++) {
    for (let c = 0; c < 3; c++) {
      min[c] = Math.min(min[c], like.positions[3 * i + c]);
      max[c] = Math.max(max[c], like.positions[3 * i + c]);
    }
  }
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: PointCloud = {
    count,
    positions: new Float32Array(3 * count),
    colors: new Float32Array(3 * count),
    confidence: new Float32Array(count).fill(1),
  };
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < 3; c++) {
      out.positions[3 * i + c] = min[c] + rand() * (max[c] - min[c]);
      out.colors[3 * i + c] = rand();
    }
  }
  return out;
}
