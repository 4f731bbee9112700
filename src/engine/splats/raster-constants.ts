/**
 * Float constants of the splat rasterizer, shared by the WGSL kernels (through `rasterWgslHeader()`) and
 * the TypeScript reference, so that thresholds and clamps are written once. Integer layout constants
 * (tile size, backward batch, record strides) live in gpu/constants.ts.
 */
import { SH_C0 } from './cloud';

export const RASTER = {
  /** α = min(ALPHA_MAX, o·G): keeps 1 − α away from 0 so the backward can divide by it. */
  ALPHA_MAX: 0.99,
  /** A splat whose α at a pixel is below this is skipped there (3DGS's 1/255). */
  ALPHA_MIN: 1 / 255,
  /** Compositing stops before the transmittance would drop below this. */
  T_MIN: 1e-4,
  /** Added to the diagonal of the 2D covariance (px²): the EWA low-pass of the classic mode. */
  COV2D_DILATION: 0.3,
  /**
   * The mip mode's low-pass (px²), about a one-pixel box filter (Mip-Splatting's 2D filter). The splat's
   * opacity is scaled by √(det Σ2 / det(Σ2 + dilation·I)) so that the filter keeps its energy.
   */
  MIP_DILATION: 0.1,
  /** tx/tz and ty/tz are clamped this fraction of the half field of view beyond the image (1.3·tan(fov/2)). */
  FOV_CLAMP_MARGIN: 0.3,
  /** σ = ½·δᵀΣ⁻¹δ at three standard deviations: the '3sigma' extent. */
  SIGMA3_CUTOFF: 4.5,
  /** Relative and absolute slack of the tile/ellipse test so that FP error never drops a contributing tile. */
  BIN_SLACK: 1e-4,
} as const;

/**
 * How a scene's splats are low-pass filtered on screen. 'classic': the INRIA 3DGS dilation, what most
 * .ply files were trained with. 'mip': a smaller filter with opacity compensation, sharper at the
 * training resolution and free of the dilation's thickening when zoomed out; .ply files trained this
 * way carry `comment SplatRenderMode: mip`.
 */
export type RenderMode = 'classic' | 'mip';
export const RENDER_MODE_CODE: Record<RenderMode, number> = { classic: 0, mip: 1 };

/** Real spherical-harmonics constants (graphdeco convention, signs included). */
export const SH_C1 = 0.4886025119029199;
export const SH_C2 = [
  1.0925484305920792, -1.0925484305920792, 0.31539156525252005, -1.0925484305920792, 0.5462742152960396,
] as const;
export const SH_C3 = [
  -0.5900435899266435, 2.890611442640554, -0.4570457994644658, 0.3731763325901154, -0.4570457994644658,
  1.445305721320277, -0.5900435899266435,
] as const;

/** Extent of a splat: the opacity-aware ellipse ln(255·o) (default), or additionally capped at 3σ. */
export type SplatExtent = 'opacity' | '3sigma';
export const EXTENT_CODE: Record<SplatExtent, number> = { opacity: 0, '3sigma': 1 };

const f32Literal = (v: number): string => {
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
};

/** WGSL `const` declarations for the float constants above. */
export function rasterWgslHeader(): string {
  const lines = Object.entries(RASTER).map(([name, v]) => `const ${name}: f32 = ${f32Literal(v)};`);
  lines.push(`const SH_C0: f32 = ${f32Literal(SH_C0)};`);
  lines.push(`const SH_C1: f32 = ${f32Literal(SH_C1)};`);
  lines.push(`const SH_C2 = array<f32, 5>(${SH_C2.map(f32Literal).join(', ')});`);
  lines.push(`const SH_C3 = array<f32, 7>(${SH_C3.map(f32Literal).join(', ')});`);
  return lines.join('\n');
}
