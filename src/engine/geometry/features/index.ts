/**
 * GPU features for the pose-free geometry stage: keypoints, descriptors and matches in WGSL.
 *
 * Design (the choices matter for the pose solver downstream):
 * - Detector: SIFT's difference-of-Gaussians scale space (FEAT_SCALES levels an octave, octaves down to
 *   ~32 px; images up to 640 px are enlarged 2× first, Lowe's trick for ~4× more stable keypoints).
 *   Extrema over the 26 neighbours in (x, y, scale) give one keypoint per blob across scales, so the
 *   ratio test is not defeated by the same corner detected at several pyramid levels. Sub-pixel and
 *   sub-level quadratic refinement, contrast and edge (curvature ratio) rejection.
 * - Selection: grid cells (≈ 8 keypoints a cell on an evenly textured image) and a round-robin key
 *   (rank inside the cell, then response) radix-selected on the GPU, so keypoints, and therefore
 *   matches, cover the whole image instead of crowding in its most contrasted part: the relative pose
 *   and focal are far better conditioned with spread-out correspondences.
 * - Orientation: 36-bin gradient histogram (Gaussian-weighted disc of 4.5σ), parabolic peak; peaks
 *   ≥ 0.8 of the best add extra keypoints (up to 15 % of the budget).
 * - Descriptor: 4×4 cells × 8 orientations sampled on the rotated, scaled grid (cell edge 3σ), trilinear
 *   votes, Lowe's clamp at 0.2 and RootSIFT normalisation (L1, square root): unit vectors whose L2
 *   distance is the Hellinger distance of the SIFT histograms. Invariant to image rotation, to scale
 *   within the DoG sampling (2^(1/3) steps), to affine brightness/contrast (gradients + normalisation)
 *   and tolerant of moderate viewpoint change (the cells' soft binning).
 * - Matching: brute force in WGSL, B's descriptors cached in shared memory tile by tile, best and
 *   second-best per query, Lowe's ratio test and the mutual nearest-neighbour check; every distance is
 *   computed once for both directions (per-workgroup column partials give B→A).
 * Everything between the RGBA upload and the final readback stays on the GPU (counters, indirect
 * dispatch); the CPU only reorders the results so they are deterministic. Only the matcher uses shared
 * memory: on SwiftShader (tests, CI) Dawn's zero-initialisation of workgroup memory and large-workgroup
 * barriers cost more than they save, so the per-pixel and per-keypoint kernels read global memory.
 *
 *   const fx = new FeatureExtractor(device);          // { maxKeypoints: 2048 }
 *   const [fa, fb] = [await fx.extract(imgA), await fx.extract(imgB)];
 *   const m = await new Matcher(device).match(fa, fb); // { ratio: 0.8, mutual: true }
 *   const { a, b } = toCorrespondences(fa, fb, m);      // pose/ Matches: { i, j, a, b, ia: m.ia, ib: m.ib }
 * (ia/ib index each image's Features, so they link matches of different pairs into tracks as long as
 * each image is extracted once.)
 */
import type { Features, MatchResult } from './types';

export { type ExtractorOptions, type ExtractStats, FeatureExtractor } from './extractor';
export { Matcher, matchReference } from './matcher';
export type { Features, MatchOptions, MatchResult, RgbaImage } from './types';

/** Pixel coordinates of matched keypoints: x, y pairs in image a and, in the same order, in image b. */
export function toCorrespondences(
  a: Features,
  b: Features,
  m: Pick<MatchResult, 'ia' | 'ib'>,
): { a: Float32Array; b: Float32Array } {
  const n = m.ia.length;
  const pa = new Float32Array(2 * n);
  const pb = new Float32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const i = m.ia[k];
    const j = m.ib[k];
    if (i >= a.count || j >= b.count)
      throw new Error(`toCorrespondences: match ${k} (${i}, ${j}) out of range`);
    pa[2 * k] = a.xy[2 * i];
    pa[2 * k + 1] = a.xy[2 * i + 1];
    pb[2 * k] = b.xy[2 * j];
    pb[2 * k + 1] = b.xy[2 * j + 1];
  }
  return { a: pa, b: pb };
}
