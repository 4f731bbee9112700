import type { Preset, RunOptions } from '../protocol';

/** What a preset decides. Working size is the long side of the images the pipeline works on. */
export interface PresetSettings {
  workingSize: number;
  steps: number;
  splatBudget: number;
  shDegree: number;
  /** Depth planes of the plane-sweep stereo. */
  stereoPlanes: number;
  /** Frames of each trajectory segment between two input cameras, both inputs included. */
  framesPerSegment: number;
  /** Joint refinement of the input camera poses during optimisation (InstantSplat). */
  refinePoses: boolean;
}

export const PRESETS: Record<Preset, PresetSettings> = {
  fast: {
    workingSize: 384,
    steps: 300,
    splatBudget: 60_000,
    shDegree: 0,
    stereoPlanes: 64,
    framesPerSegment: 7,
    refinePoses: false,
  },
  balanced: {
    workingSize: 512,
    steps: 1000,
    splatBudget: 200_000,
    shDegree: 1,
    stereoPlanes: 96,
    framesPerSegment: 13,
    refinePoses: false,
  },
  quality: {
    workingSize: 768,
    steps: 2000,
    splatBudget: 600_000,
    shDegree: 2,
    stereoPlanes: 128,
    framesPerSegment: 25,
    refinePoses: false,
  },
};

/** The preset's settings with the user's overrides applied and checked. */
export function resolveSettings(options: RunOptions): PresetSettings {
  const base = PRESETS[options.preset];
  if (!base) throw new Error(`Unknown preset "${options.preset}" (fast, balanced or quality).`);
  const settings = { ...base };
  if (options.steps !== undefined) {
    if (!(Number.isInteger(options.steps) && options.steps >= 1 && options.steps <= 100_000))
      throw new Error(`Steps must be a whole number from 1 to 100,000 (got ${options.steps}).`);
    settings.steps = options.steps;
  }
  if (options.workingSize !== undefined) {
    if (!(Number.isInteger(options.workingSize) && options.workingSize >= 64 && options.workingSize <= 2048))
      throw new Error(`Working resolution must be 64–2048 px on the long side (got ${options.workingSize}).`);
    settings.workingSize = options.workingSize;
  }
  if (options.refinePoses !== undefined) settings.refinePoses = options.refinePoses;
  if (options.samplerSteps !== undefined) {
    if (
      !(Number.isInteger(options.samplerSteps) && options.samplerSteps >= 1 && options.samplerSteps <= 1000)
    )
      throw new Error(`Sampling steps must be a whole number from 1 to 1000 (got ${options.samplerSteps}).`);
  }
  return settings;
}
