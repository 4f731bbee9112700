/**
 * Photos without an EXIF focal length leave it to the pose estimate, and two photos whose viewing
 * directions (nearly) meet, or whose baseline is short, hardly constrain it. The bundle adjustment's own
 * uncertainty says when; the user is told, since every depth scales with that error.
 */
import type { PoseResult } from '../geometry/pose';

/** The geometry gate on focal error; above it the reconstruction's proportions are visibly off. */
export const FOCAL_UNCERTAIN_REL_STD = 0.03;

/** A warning for the user when the estimated focal is uncertain, or null. */
export function focalWarning(pose: PoseResult | null): string | null {
  if (!pose?.focalEstimated || pose.focalRelStd === null) return null;
  if (!(pose.focalRelStd > FOCAL_UNCERTAIN_REL_STD)) return null;
  const pct = Math.round(100 * pose.focalRelStd);
  return (
    `Without an EXIF focal length, these photos pin it down only to about ±${pct} %, so the scene's depth ` +
    'may be off by as much. A photo from another direction, or the original files with their EXIF, fix this.'
  );
}
