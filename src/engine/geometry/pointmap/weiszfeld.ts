/**
 * Focal length of a pointmap seen from its own camera (DUSt3R's `estimate_focal_knowing_depth`,
 * focal_mode='weiszfeld'): with the principal point at the image centre, each pixel offset p should
 * equal f·r with r = (x/z, y/z). Closed-form least squares for the start, then iteratively reweighted
 * least squares (weights 1/|p − f r|) for the L1 solution. L1 alone is dragged by gross outliers with
 * large |r| (points near z = 0), so, unlike DUSt3R, a second pass drops pixels whose residual exceeds
 * max(3 × the median residual, 1 px) and solves again; on clean pointmaps it changes nothing.
 * Pixel centres are at +0.5 (the engine's convention; DUSt3R uses the integer grid).
 */

export interface FocalOptions {
  iterations?: number;
  /** Optional per-pixel weights (e.g. confidence); pixels with weight 0 are ignored. */
  weights?: ArrayLike<number>;
}

interface Samples {
  px: Float64Array;
  py: Float64Array;
  rx: Float64Array;
  ry: Float64Array;
  w: Float64Array;
  count: number;
}

function irls(s: Samples, keep: Uint8Array, iterations: number): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < s.count; k++) {
    if (!keep[k]) continue;
    num += s.w[k] * (s.rx[k] * s.px[k] + s.ry[k] * s.py[k]);
    den += s.w[k] * (s.rx[k] * s.rx[k] + s.ry[k] * s.ry[k]);
  }
  if (!(den > 0)) return Number.NaN;
  let f = num / den;
  for (let it = 0; it < iterations; it++) {
    num = 0;
    den = 0;
    for (let k = 0; k < s.count; k++) {
      if (!keep[k]) continue;
      const ex = s.px[k] - f * s.rx[k];
      const ey = s.py[k] - f * s.ry[k];
      const w = s.w[k] / Math.max(Math.sqrt(ex * ex + ey * ey), 1e-8);
      num += w * (s.rx[k] * s.px[k] + s.ry[k] * s.py[k]);
      den += w * (s.rx[k] * s.rx[k] + s.ry[k] * s.ry[k]);
    }
    f = num / den;
  }
  return f;
}

/** `pts` is H×W×3 (row-major, xyz per pixel) in the camera's own frame. Returns f in pixels (NaN if none). */
export function estimateFocal(
  pts: ArrayLike<number>,
  width: number,
  height: number,
  options: FocalOptions = {},
): number {
  const n = width * height;
  const s: Samples = {
    px: new Float64Array(n),
    py: new Float64Array(n),
    rx: new Float64Array(n),
    ry: new Float64Array(n),
    w: new Float64Array(n),
    count: 0,
  };
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const i = row * width + col;
      const z = pts[i * 3 + 2];
      const wgt = options.weights ? options.weights[i] : 1;
      const x = pts[i * 3] / z;
      const y = pts[i * 3 + 1] / z;
      if (!(z > 0) || !Number.isFinite(x) || !Number.isFinite(y) || !(wgt > 0)) continue;
      const k = s.count++;
      s.px[k] = col + 0.5 - width / 2;
      s.py[k] = row + 0.5 - height / 2;
      s.rx[k] = x;
      s.ry[k] = y;
      s.w[k] = wgt;
    }
  }
  const iterations = options.iterations ?? 10;
  const keep = new Uint8Array(s.count).fill(1);
  const f = irls(s, keep, iterations);
  if (!Number.isFinite(f) || s.count < 8) return f;
  const residual = new Float64Array(s.count);
  for (let k = 0; k < s.count; k++) {
    const ex = s.px[k] - f * s.rx[k];
    const ey = s.py[k] - f * s.ry[k];
    residual[k] = Math.sqrt(ex * ex + ey * ey);
  }
  const sorted = Float64Array.from(residual).sort();
  const limit = Math.max(3 * sorted[sorted.length >> 1], 1);
  let kept = 0;
  for (let k = 0; k < s.count; k++) {
    keep[k] = residual[k] <= limit ? 1 : 0;
    kept += keep[k];
  }
  return kept >= 8 && kept < s.count ? irls(s, keep, iterations) : f;
}
