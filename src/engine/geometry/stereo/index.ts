/** Dense plane-sweep stereo: depth, confidence and world pointmaps for posed views (see compute-depth.ts). */
export {
  type ComputeDepthOptions,
  computeDepth,
  type DepthInputView,
  type StereoViewGeometry,
} from './compute-depth';
export { type PlaneSet, planeSet, type SweepHomography, sweepHomography } from './homography';
export {
  chooseSources,
  type DepthRangeOptions,
  depthRangeFromPoints,
  pairScore,
  type SourceChoiceOptions,
} from './neighbours';
export { type ConfidenceOptions, DEFAULT_CONFIDENCE, DEFAULT_SWEEP, type SweepOptions } from './params';
export { type Band, PlaneSweep, planBands } from './plane-sweep';
