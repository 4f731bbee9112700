/**
 * Pose-free geometry, camera part: robust relative pose, focal estimation and multi-view camera
 * estimation from pixel correspondences, on the CPU. Entry point: estimateCameras (see estimate.ts).
 *
 *   const result = estimateCameras({ sizes, focalPriors, matches, images }, { thresholdPx: 2, seed: 1 });
 *   result.cameras[v]   // Camera: OpenCV axes, world = photo 0, median depth of photo 0's points = 1
 *   result.points       // triangulated points (world), result.observations their tracks
 *   result.pairs[k]     // per input pair: verified count, inlier indices under the final cameras
 *
 * `images` (optional, RGBA) lets the matches be densified by patch tracking: many more and more precise
 * correspondences, which the focal needs when the optical axes of the photos nearly meet.
 *
 * Failures throw PoseError with kind 'too-few-matches' | 'no-baseline' | 'disconnected-view' |
 * 'invalid-input' and a message meant for the user.
 */
export { estimateCameras, estimateCamerasWithRefit, type FocalRefit } from './estimate';
export type {
  Matches,
  PairReport,
  PoseErrorKind,
  PoseImage,
  PoseInput,
  PoseOptions,
  PoseResult,
} from './types';
export { PoseError } from './types';
