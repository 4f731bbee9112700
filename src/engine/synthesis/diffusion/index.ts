/**
 * Video-diffusion view synthesis (ReconX-style). The pipeline's neural synthesis option:
 *
 *   const models = await loadDiffusionModels(manifest, { manifestUrl, cache, signal, onProgress,
 *                                                        session: { device } });
 *   const frames = await diffusionSynthesis(device, geometry, trajectory, models, { signal, onProgress });
 *   const views = framesToTrainViews(frames);          // exactly as with synthesizeViews (warp-fill)
 *   await releaseDiffusionModels(models);
 */

export { clipPreprocess, planWindows, pluckerRays, type WindowPlan } from './conditioning';
export { agreementConfidence } from './confidence';
export { type DiffusionOptions, type DiffusionProgress, diffusionSynthesis } from './diffusion-synthesis';
export { type FpsResult, farthestPointSample, farthestPointSampleCpu } from './fps';
export { type DiffusionModels, loadDiffusionModels, releaseDiffusionModels } from './models';
export { ddimSample, guide, type SampleOptions, type SampleResult } from './sampler';
export { alphasCumprod, ddimSchedule, ddimTimesteps, dynamicScale } from './schedule';
