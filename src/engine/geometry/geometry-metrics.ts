/**
 * Gate figures of the geometry stage against synthetic ground truth (tests and the geometry bench):
 * camera errors (pose/test-metrics), and per view the median relative depth error on confident pixels
 * and how much of the truly co-visible area those pixels cover. Only measured depth counts, not what
 * depth-fill.ts extrapolated into the empty pixels. Depth is compared after one global
 * scale alignment (median ratio on view 0's confident pixels): both sides use "median depth of view 0
 * = 1", but over different pixel sets (ours: pixels with a depth; the truth: every surface pixel).
 */
import type { Camera } from './camera';
import { type PoseErrors, poseErrors } from './pose/test-metrics';
import { covisibleMask } from './synthetic';
import type { ViewGeometry } from './types';

export interface DepthGate {
  /** Median |s·depth / true depth − 1| over pixels with confidence ≥ minConfidence. */
  medianRelError: number;
  /** Share of the truly co-visible pixels (seen by at least one other view) that are confident. */
  coverage: number;
  confidentPixels: number;
}

/** The gates (rotation ≤ 0.5° instead when the true focal is given as prior). */
export const GEOMETRY_GATES = {
  maxRotationDeg: 1,
  maxRotationDegWithPrior: 0.5,
  maxTranslationDeg: 3,
  maxFocal: 0.03,
  maxDepthError: 0.03,
  minCoverage: 0.6,
} as const;

/** Names of the gates `f` misses (rot, trans, focal, depth, cover); empty when it passes. */
export function failedGates(f: GeometryFigures, withPrior: boolean): string[] {
  const g = GEOMETRY_GATES;
  const failed: string[] = [];
  if (!(f.maxRotationDeg <= (withPrior ? g.maxRotationDegWithPrior : g.maxRotationDeg))) failed.push('rot');
  if (!(f.maxTranslationDeg <= g.maxTranslationDeg)) failed.push('trans');
  if (!(f.maxFocal <= g.maxFocal)) failed.push('focal');
  if (!(f.maxDepthError <= g.maxDepthError)) failed.push('depth');
  if (!(f.minCoverage >= g.minCoverage)) failed.push('cover');
  return failed;
}

export interface GeometryFigures extends PoseErrors {
  /** Global scale applied to our depths before comparing. */
  scale: number;
  depth: DepthGate[];
  maxDepthError: number;
  minCoverage: number;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export function geometryFigures(
  views: ViewGeometry[],
  truth: { cameras: Camera[]; depth: Float32Array[] },
  minConfidence = 0.5,
): GeometryFigures {
  const pose = poseErrors(
    views.map((v) => v.camera),
    truth.cameras,
  );
  const ratios: number[] = [];
  const v0 = views[0];
  for (let p = 0; p < v0.depth.length; p++) {
    const z = truth.depth[0][p];
    if (v0.confidence[p] >= minConfidence && v0.depth[p] > 0 && !v0.filled?.[p] && Number.isFinite(z))
      ratios.push(z / v0.depth[p]);
  }
  const scale = median(ratios);
  const depth = views.map((v, i): DepthGate => {
    const gt = truth.depth[i];
    const covisible = new Uint8Array(gt.length);
    for (let o = 0; o < views.length; o++) {
      if (o === i) continue;
      const m = covisibleMask(gt, truth.cameras[i], truth.depth[o], truth.cameras[o]);
      for (let p = 0; p < m.length; p++) covisible[p] |= m[p];
    }
    const errors: number[] = [];
    let covered = 0;
    let total = 0;
    for (let p = 0; p < gt.length; p++) {
      const confident = v.confidence[p] >= minConfidence && v.depth[p] > 0 && !v.filled?.[p];
      if (covisible[p]) {
        total++;
        if (confident) covered++;
      }
      if (confident && Number.isFinite(gt[p])) errors.push(Math.abs((scale * v.depth[p]) / gt[p] - 1));
    }
    return {
      medianRelError: median(errors),
      coverage: total ? covered / total : 0,
      confidentPixels: errors.length,
    };
  });
  return {
    ...pose,
    scale,
    depth,
    maxDepthError: Math.max(...depth.map((d) => d.medianRelError)),
    minCoverage: Math.min(...depth.map((d) => d.coverage)),
  };
}

/** One line for logs and the bench table. */
export function describeFigures(f: GeometryFigures): string {
  return (
    `rot ${f.maxRotationDeg.toFixed(3)}°, trans ${f.maxTranslationDeg.toFixed(3)}°, focal ${(100 * f.maxFocal).toFixed(2)} %, ` +
    `depth ${(100 * f.maxDepthError).toFixed(2)} %, coverage ${(100 * f.minCoverage).toFixed(1)} %`
  );
}
