/** An 8-bit RGBA image, row-major, 4 bytes a pixel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Keypoints of one image, in its pixel coordinates (pixel centres at +0.5, OpenCV convention). */
export interface Features {
  count: number;
  /** x, y per keypoint. */
  xy: Float32Array;
  /** Gaussian scale σ of the keypoint in pixels of the image (the descriptor window is ~15σ wide). */
  scale: Float32Array;
  /** Dominant gradient orientation in radians, [0, 2π), image axes (x right, y down). */
  angle: Float32Array;
  /** count × descDim, row-major; unit L2 norm (RootSIFT). */
  desc: Float32Array;
  descDim: number;
}

/** Matches between features a and b: index pairs and the L2 descriptor distance of each. */
export interface MatchResult {
  ia: Uint32Array;
  ib: Uint32Array;
  distance: Float32Array;
}

export interface MatchOptions {
  /** Lowe's ratio: keep a match when best < ratio · second-best distance (default 0.8; ≥ 1 disables). */
  ratio?: number;
  /** Keep only mutual nearest neighbours (default true). */
  mutual?: boolean;
}
