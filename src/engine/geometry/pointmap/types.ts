/** Types of the pointmap (DUSt3R-style) geometry path. */

/**
 * One directed pair through the model: img1 = view i, img2 = view j, at the model's W×H.
 * Pointmaps are H×W×3 row-major (xyz per pixel), both in camera i's frame, at the pair's own
 * (arbitrary) scale; confidences are raw (≥ 1).
 */
export interface PairPrediction {
  i: number;
  j: number;
  /** View i in frame i. */
  ptsI: Float32Array;
  /** View j in frame i. */
  ptsJ: Float32Array;
  confI: Float32Array;
  confJ: Float32Array;
}

export interface PointmapSize {
  width: number;
  height: number;
}

/** A rigid or similarity transform: y = s·R·x + t, R row-major 3×3. */
export interface Sim3 {
  s: number;
  R: number[];
  t: [number, number, number];
}

export interface AlignOptions {
  /** Adam iterations of the global alignment (default 0 for two views, 300 for more). */
  iterations?: number;
  /** Base learning rate (DUSt3R: 0.01). */
  lr?: number;
  schedule?: 'linear' | 'cosine';
  /** Optimise focal lengths (default true). */
  optimiseFocal?: boolean;
  /**
   * 'camera' (default): edge (i, j)'s prediction is in camera i's frame, only its scale is free.
   * 'free': DUSt3R's independent pairwise pose per edge. With free edge poses the focal trades off
   * against translation along the optical axis (a nearly flat direction of the loss), so noise or
   * outliers make focals drift while the residual still falls; tying removes that direction.
   */
  edgeFrames?: 'camera' | 'free';
}

export interface AlignmentResult {
  /** Focal length (pixels of the model-size image) per view; principal point at the centre. */
  focals: number[];
  /** Camera-to-world rotation (row-major) and centre per view; view 0 is the identity. */
  rotations: number[][];
  centres: [number, number, number][];
  /** Depth along the optical axis per view (H×W), scaled so the median depth of view 0 is 1. */
  depths: Float32Array[];
  /** Raw confidence per view: the max over the edges that predicted it (DUSt3R's im_conf). */
  confidence: Float32Array[];
  /** Per directed edge: the similarity mapping its prediction into the world. */
  edges: { i: number; j: number; score: number; sim: Sim3 }[];
  /** Mean confidence-weighted residual before and after the optimisation (world units after normalisation). */
  loss: { initial: number; final: number };
  /** Edges of the maximum spanning tree that placed the cameras (i, j as predicted). */
  tree: [number, number][];
}
