/**
 * Test images for the feature tests: a procedural texture (value noise plus a few hundred soft-edged
 * discs, ellipses and rotated rectangles at many sizes) rendered directly through a homography, so the
 * ground-truth correspondence of every pixel is exact. Pixel centres at +0.5: pixel (c, r) of the
 * warped image samples the texture at H⁻¹ · (c + 0.5, r + 0.5).
 */

import { mulberry32 } from '../../util/random';
import type { RgbaImage } from './types';

export { mulberry32 };

/** Row-major 3×3 matrix. */
export type Homography = Float64Array;

export function applyH(h: Homography, x: number, y: number): [number, number] {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

export function invertH(h: Homography): Homography {
  const [a, b, c, d, e, f, g, k, l] = h;
  const A = e * l - f * k;
  const B = -(d * l - f * g);
  const C = d * k - e * g;
  const det = a * A + b * B + c * C;
  return Float64Array.from(
    [
      A,
      -(b * l - c * k),
      b * f - c * e,
      B,
      a * l - c * g,
      -(a * f - c * d),
      C,
      -(a * k - b * g),
      a * e - b * d,
    ].map((v) => v / det),
  );
}

/**
 * Similarity about the image centre (rotation in degrees, scale) with a small projective tilt and a
 * shift: maps pixel coordinates of the reference image to those of the warped one.
 */
export function makeHomography(
  width: number,
  height: number,
  o: { rotationDeg?: number; scale?: number; tilt?: [number, number]; shift?: [number, number] } = {},
): Homography {
  const t = ((o.rotationDeg ?? 0) * Math.PI) / 180;
  const s = o.scale ?? 1;
  const [px, py] = o.tilt ?? [0, 0];
  const [sx, sy] = o.shift ?? [0, 0];
  const cx = width / 2;
  const cy = height / 2;
  const c = Math.cos(t) * s;
  const n = Math.sin(t) * s;
  // x' = R·s·(x − c) + c + shift, then a projective row (px, py) about the centre.
  const m = Float64Array.from([c, -n, cx + sx - c * cx + n * cy, n, c, cy + sy - n * cx - c * cy, 0, 0, 1]);
  const p = Float64Array.from([1, 0, 0, 0, 1, 0, px, py, 1 - px * cx - py * cy]);
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++)
    for (let k = 0; k < 3; k++)
      out[3 * r + k] = p[3 * r] * m[k] + p[3 * r + 1] * m[3 + k] + p[3 * r + 2] * m[6 + k];
  return out;
}

interface Shape {
  kind: 0 | 1; // 0: ellipse, 1: rectangle
  cx: number;
  cy: number;
  a: number;
  b: number;
  cos: number;
  sin: number;
  rgb: [number, number, number];
  r: number; // bounding radius
}

export interface Texture {
  /** RGB in [0, 255] at texture point (x, y). */
  sample(x: number, y: number, out: Float64Array): void;
}

const CELL = 32;

/** A deterministic texture covering [x0, x1] × [y0, y1] (and defined, plainer, beyond). */
export function makeTexture(
  seed: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  o: { density?: number; minSize?: number; maxSize?: number } = {},
): Texture {
  const rnd = mulberry32(seed);
  const list: Shape[] = [];
  // Shapes per 10,000 square pixels; log-uniform half-axes: structure at every scale of the pyramid.
  const shapes = Math.round(((o.density ?? 40) * (x1 - x0) * (y1 - y0)) / 1e4);
  const minSize = o.minSize ?? 1.5;
  const span = (o.maxSize ?? 24) / minSize;
  for (let i = 0; i < shapes; i++) {
    const a = minSize * span ** rnd();
    const b = a * (0.4 + 0.6 * rnd());
    const t = rnd() * Math.PI;
    const v = 40 + 200 * rnd();
    list.push({
      kind: rnd() < 0.5 ? 0 : 1,
      cx: x0 + (x1 - x0) * rnd(),
      cy: y0 + (y1 - y0) * rnd(),
      a,
      b,
      cos: Math.cos(t),
      sin: Math.sin(t),
      rgb: [v * (0.7 + 0.3 * rnd()), v * (0.7 + 0.3 * rnd()), v * (0.7 + 0.3 * rnd())],
      r: Math.hypot(a, b) + 1,
    });
  }
  // Bucket shapes by the grid cells their bounding discs touch (painter's order kept).
  const cols = Math.ceil((x1 - x0) / CELL) + 1;
  const rows = Math.ceil((y1 - y0) / CELL) + 1;
  const grid: number[][] = Array.from({ length: cols * rows }, () => []);
  list.forEach((s, i) => {
    const c0 = Math.max(0, Math.floor((s.cx - s.r - x0) / CELL));
    const c1 = Math.min(cols - 1, Math.floor((s.cx + s.r - x0) / CELL));
    const r0 = Math.max(0, Math.floor((s.cy - s.r - y0) / CELL));
    const r1 = Math.min(rows - 1, Math.floor((s.cy + s.r - y0) / CELL));
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) grid[r * cols + c].push(i);
  });
  // Value noise lattice for a gentle background.
  const N = 64;
  const lattice = Float64Array.from({ length: N * N }, () => rnd());
  const noise = (x: number, y: number) => {
    const xi = Math.floor(x);
    const yi = Math.floor(y);
    const fx = x - xi;
    const fy = y - yi;
    const at = (i: number, j: number) => lattice[(((j % N) + N) % N) * N + (((i % N) + N) % N)];
    const sx = fx * fx * (3 - 2 * fx);
    const sy = fy * fy * (3 - 2 * fy);
    const top = at(xi, yi) * (1 - sx) + at(xi + 1, yi) * sx;
    const bottom = at(xi, yi + 1) * (1 - sx) + at(xi + 1, yi + 1) * sx;
    return top * (1 - sy) + bottom * sy;
  };
  return {
    sample(x, y, out) {
      const n = 0.6 * noise(x / 40, y / 40) + 0.4 * noise(x / 11 + 17, y / 11 + 5);
      out[0] = 60 + 120 * n;
      out[1] = 70 + 100 * n;
      out[2] = 80 + 90 * n;
      const c = Math.floor((x - x0) / CELL);
      const r = Math.floor((y - y0) / CELL);
      if (c < 0 || r < 0 || c >= cols || r >= rows) return;
      for (const i of grid[r * cols + c]) {
        const s = list[i];
        const dx = x - s.cx;
        const dy = y - s.cy;
        const u = (dx * s.cos + dy * s.sin) / s.a;
        const v = (-dx * s.sin + dy * s.cos) / s.b;
        // Signed distance-ish (in pixels) to the edge; a 1-pixel soft edge.
        const d =
          s.kind === 0 ? (Math.hypot(u, v) - 1) * s.b : (Math.max(Math.abs(u), Math.abs(v)) - 1) * s.b;
        const cover = Math.min(1, Math.max(0, 0.5 - d));
        if (cover > 0) for (let k = 0; k < 3; k++) out[k] = out[k] * (1 - cover) + s.rgb[k] * cover;
      }
    },
  };
}

export interface RenderOptions {
  /** Homography from texture (= reference image) coordinates to this image (default identity). */
  h?: Homography;
  /** Intensity change out = gain · in + bias (in 0..255 units), then clamped. */
  gain?: number;
  bias?: number;
  /** Standard deviation of added Gaussian pixel noise (0..255 units). */
  noise?: number;
  seed?: number;
  /** Samples a pixel along each axis (default 2). */
  samples?: number;
}

/** Render `texture` into a width × height RGBA image through the homography. */
export function renderTexture(
  texture: Texture,
  width: number,
  height: number,
  o: RenderOptions = {},
): RgbaImage {
  const inv = invertH(o.h ?? Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]));
  const n = o.samples ?? 2;
  const gain = o.gain ?? 1;
  const bias = o.bias ?? 0;
  const rnd = mulberry32(o.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const data = new Uint8ClampedArray(width * height * 4);
  const rgb = new Float64Array(3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < n; j++)
        for (let i = 0; i < n; i++) {
          const [u, v] = applyH(inv, x + (i + 0.5) / n, y + (j + 0.5) / n);
          texture.sample(u, v, rgb);
          r += rgb[0];
          g += rgb[1];
          b += rgb[2];
        }
      const k = 4 * (y * width + x);
      const e = o.noise ? o.noise * gauss() : 0;
      data[k] = (gain * r) / (n * n) + bias + e;
      data[k + 1] = (gain * g) / (n * n) + bias + e;
      data[k + 2] = (gain * b) / (n * n) + bias + e;
      data[k + 3] = 255;
    }
  return { width, height, data };
}
