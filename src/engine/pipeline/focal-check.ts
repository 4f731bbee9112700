/**
 * Photos without an EXIF focal length leave it to the pose estimate, and two photos whose viewing
 * directions (nearly) meet, or whose baseline is short, hardly constrain it. The bundle adjustment's own
 * uncertainty says when; the user is told, since every depth scales with that error, and told too when the
 * scene's right angles settled it instead (geometry/right-angle-focal.ts), since that assumes the corners are
 * square.
 */
import type { PoseResult } from '../geometry/pose';
import type { RightAngleFocal } from '../geometry/right-angle-focal';

/** The geometry gate on focal error; above it the reconstruction's proportions are visibly off. */
export const FOCAL_UNCERTAIN_REL_STD = 0.03;

/** A warning for the user when the estimated focal is uncertain, or null. */
export function focalWarning(
  pose: PoseResult | null,
  rightAngles: RightAngleFocal | null = null,
): string | null {
  if (!pose?.focalEstimated || pose.focalRelStd === null) return null;
  if (!(pose.focalRelStd > FOCAL_UNCERTAIN_REL_STD)) return null;
  const pct = Math.round(100 * pose.focalRelStd);
  const intro = `Without an EXIF focal length, these photos pin it down only to about ±${pct} %`;
  if (rightAngles)
    return (
      `${intro}; it was set instead so that the right angle between the scene's largest planes (a floor and a wall, say) comes out square. ` +
      'If they do not, the depth may be off: a photo from another direction, or the original files with their EXIF, fix this.'
    );
  return (
    `${intro}, so the scene's depth may be off by as much. ` +
    'A photo from another direction, or the original files with their EXIF, fix this.'
  );
}
