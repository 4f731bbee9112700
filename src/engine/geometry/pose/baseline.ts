import { transferSq } from './epipolar';
import type { FocalSetup } from './focal';
import { mul3, nearestRotation, svd } from './linalg';
import type { PairData, PairOptions } from './pair';
import { subset } from './pair';
import { kInverse, kMatrix, type PinholeK } from './pinhole';
import { robustHomography, spread } from './two-view';

/**
 * Detects photo pairs without a usable baseline (same viewpoint: pure rotation or near-identical
 * photos). Such pairs are explained by a rotation-only model x_b ~ K_b·R·K_a⁻¹·x_a, a homography
 * whose calibrated form K_b⁻¹·H·K_a is a scaled rotation. A homography alone is not enough: a planar
 * scene seen from two places also fits one, but its calibrated form is not a rotation.
 */

export interface RotationCheck {
  rotationOnly: boolean;
  /** Fraction of the verified matches that the homography explains. */
  homographyFraction: number;
  /** Fraction of the verified matches that the fitted rotation-only model explains. */
  rotationFraction: number;
}

/** (σ₁ − σ₃)/σ₂ of a 3×3: zero exactly for a scaled rotation. */
function rotationSpread(m: ArrayLike<number>): number {
  const { s } = svd(m, 3, 3);
  return s[1] > 0 ? (s[0] - s[2]) / s[1] : Number.POSITIVE_INFINITY;
}

export function rotationOnlyCheck(
  pair: PairData,
  setup: FocalSetup,
  o: PairOptions,
  fraction = 0.9,
): RotationCheck {
  const none = { rotationOnly: false, homographyFraction: 0, rotationFraction: 0 };
  const sample = spread(pair.verified, 500);
  if (sample.length < 8) return none;
  const { a, b } = subset(pair, sample);
  // Transfer errors carry the noise of both images in 2-D (Sampson distances are 1-D), and parallax of
  // a few pixels is no usable baseline either: both models are judged at twice the threshold.
  const thr = 2 * o.thresholdPx;
  const h = robustHomography(a, b, {
    thresholdPx: thr,
    seed: o.seed + 31 * pair.index,
    maxIterations: 500,
  });
  if (!h) return none;
  const homographyFraction = h.inliers.length / sample.length;
  if (homographyFraction < fraction) return { ...none, homographyFraction };
  const ks = (factor: number): [PinholeK, PinholeK] => [
    { f: setup.priorA ?? factor * setup.sizeA, cx: setup.cA[0], cy: setup.cA[1] },
    { f: setup.priorB ?? factor * setup.sizeB, cx: setup.cB[0], cy: setup.cB[1] },
  ];
  const calibrated = (factor: number) => {
    const [ka, kb] = ks(factor);
    return mul3(mul3(kInverse(kb), h.model), kMatrix(ka));
  };
  // The focal (when unknown) that makes the calibrated homography closest to a rotation: a log grid,
  // then golden-section search around the best grid point.
  let factor = 1;
  if (setup.priorA === null || setup.priorB === null) {
    const grid = Array.from({ length: 41 }, (_, k) => 0.2 * 25 ** (k / 40));
    let best = 0;
    grid.forEach((g, k) => {
      if (rotationSpread(calibrated(g)) < rotationSpread(calibrated(grid[best]))) best = k;
    });
    let lo = Math.log(grid[Math.max(0, best - 1)]);
    let hi = Math.log(grid[Math.min(grid.length - 1, best + 1)]);
    const phi = (Math.sqrt(5) - 1) / 2;
    for (let it = 0; it < 30; it++) {
      const x1 = hi - phi * (hi - lo);
      const x2 = lo + phi * (hi - lo);
      if (rotationSpread(calibrated(Math.exp(x1))) < rotationSpread(calibrated(Math.exp(x2)))) hi = x2;
      else lo = x1;
    }
    factor = Math.exp(0.5 * (lo + hi));
  }
  const [ka, kb] = ks(factor);
  const r = nearestRotation(calibrated(factor));
  const rotationH = mul3(mul3(kMatrix(kb), r), kInverse(ka));
  const t2 = thr * thr;
  let explained = 0;
  for (let k = 0; k < sample.length; k++) {
    if (transferSq(rotationH, a[2 * k], a[2 * k + 1], b[2 * k], b[2 * k + 1]) < t2) explained++;
  }
  const rotationFraction = explained / sample.length;
  return { rotationOnly: rotationFraction >= fraction, homographyFraction, rotationFraction };
}
