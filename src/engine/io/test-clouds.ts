/** Deterministic random clouds for the io tests (pure, no test framework imports). */
import { emptyCloud, type GaussianCloud } from '../splats/cloud';
import { mulberry32 } from '../util/random';

/** Seeded uniform numbers in [0, 1). */
export const rng = mulberry32;

/** A cloud with values spread like a trained scene's (log-scales −6..0, logits −4..4, unnormalised rotations). */
export function randomCloud(count: number, shDegree: number, seed = 1): GaussianCloud {
  const r = mulberry32(seed);
  const c = emptyCloud(count, shDegree);
  const u = (lo: number, hi: number) => lo + (hi - lo) * r();
  for (let i = 0; i < c.means.length; i++) c.means[i] = u(-5, 5);
  for (let i = 0; i < c.logScales.length; i++) c.logScales[i] = u(-6, 0);
  for (let i = 0; i < c.rotations.length; i++) c.rotations[i] = u(-2, 2);
  for (let i = 0; i < count; i++) c.opacityLogits[i] = u(-4, 4);
  for (let i = 0; i < c.sh.length; i++) c.sh[i] = u(-1.5, 1.5);
  return c;
}
