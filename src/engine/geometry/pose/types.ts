import type { Camera } from '../camera';

/**
 * Public types of the pose stage. Pixel coordinates are continuous with pixel centres at +0.5 (the
 * centre of pixel (col, row) is (col + 0.5, row + 0.5)), in the images whose sizes are given.
 */

/** Putative correspondences between photo i and photo j (i ≠ j), from the GPU matcher. */
export interface Matches {
  i: number;
  j: number;
  /** x, y pixel coordinates in image i, 2 per match. */
  a: Float32Array;
  /** x, y pixel coordinates in image j, 2 per match. */
  b: Float32Array;
  /**
   * Optional keypoint ids of each match in image i and image j. They link matches of different pairs
   * into multi-view tracks; without them, identical coordinates in the same image are the same keypoint.
   */
  ia?: Uint32Array;
  ib?: Uint32Array;
}

/** An 8-bit RGBA image (as decoded), 4 bytes a pixel, row-major. */
export interface PoseImage {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

export interface PoseInput {
  sizes: { width: number; height: number }[];
  /** Focal length in pixels per photo (e.g. from EXIF), or null when unknown. */
  focalPriors: (number | null)[];
  matches: Matches[];
  /**
   * The photos themselves (8-bit RGBA, the sizes above), optional. With them the verified matches are
   * densified by patch tracking (see densify.ts): many more, and more precise, correspondences, which
   * the focal and the poses need when the photos' optical axes nearly meet.
   */
  images?: PoseImage[];
}

export interface PoseOptions {
  /** Inlier threshold on Sampson / reprojection distance, in pixels (default 2). */
  thresholdPx?: number;
  /** RANSAC seed (default 1): the result is deterministic for a given input and seed. */
  seed?: number;
  /** Fewer verified matches than this between two photos: the pair is not used (default 30). */
  minVerifiedMatches?: number;
  /** Minimum fraction of a pair's matches that must be verified (default 0.15; random matches give 3–6%). */
  minInlierRatio?: number;
  /** Refine the focal in bundle adjustment even when every photo has a prior (default false). */
  refineFocalPriors?: boolean;
  /** Median triangulation angle below which a pair has no usable baseline, degrees (default 1). */
  minTriangulationAngleDeg?: number;
  /** Robust loss of bundle adjustment (default 'huber'). */
  loss?: 'huber' | 'cauchy';
  /** Densify the matches by patch tracking when `images` are given (default true). */
  densify?: boolean;
}

/** Verified two-view geometry of one input pair, reported back for the later stages. */
export interface PairReport {
  i: number;
  j: number;
  matches: number;
  /** Matches consistent with the pair's fundamental matrix (RANSAC verification). */
  verified: number;
  /** Correspondences added by densification (patch tracking; 0 without images). */
  dense: number;
  /** Indices (into the pair's Matches) consistent with the final cameras (Sampson < threshold). */
  inliers: Uint32Array;
  /** Median triangulation angle of the pair's inliers under the final cameras, degrees (0 if unused). */
  medianAngleDeg: number;
  /** Whether the pair took part in the reconstruction. */
  used: boolean;
}

export interface PoseResult {
  /** One camera per photo: OpenCV axes, world = photo 0, median depth of photo 0's points = 1. */
  cameras: Camera[];
  /** Triangulated points (world), 3 per point. */
  points: Float32Array;
  /** Track of each point: observations (view, x, y) as CSR over points. */
  observations: { start: Uint32Array; view: Uint16Array; xy: Float32Array };
  pairs: PairReport[];
  /** Whether the focal was estimated (some photo had no prior). */
  focalEstimated: boolean;
  /** The estimated shared focal as a factor of max(width, height), or null when every photo had a prior. */
  focalFactor: number | null;
  /**
   * Estimated relative standard deviation of the focal (from the final bundle adjustment), or null when
   * it was not refined. Above a few percent the photos do not pin the focal down: two photos whose
   * optical axes (nearly) meet are the classic case; EXIF or a third photo fixes it.
   */
  focalRelStd: number | null;
  /** Root mean square reprojection error of the final bundle adjustment, pixels. */
  rmsPx: number;
  /** Order in which the photos were registered. */
  registrationOrder: number[];
}

export type PoseErrorKind = 'invalid-input' | 'too-few-matches' | 'no-baseline' | 'disconnected-view';

/** A reason the cameras could not be estimated, with a message fit for the user. */
export class PoseError extends Error {
  constructor(
    readonly kind: PoseErrorKind,
    message: string,
    /** Photos involved (0-based). */
    readonly views: number[] = [],
  ) {
    super(message);
    this.name = 'PoseError';
  }
}

/** Photo numbers in messages are 1-based, as a user counts them. */
export const photo = (i: number): string => `photo ${i + 1}`;
