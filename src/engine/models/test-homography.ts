/**
 * A procedural textured image and its exact warp by a known homography, for feature tests: both are
 * rendered from the same analytic texture (soft-edged shapes on a value-noise background, 2×2
 * supersampled), so the true correspondence of every pixel is H·x. Pixel centres at +0.5.
 */
import type { RgbaImage } from '../geometry/features/types';
import { mulberry32 } from '../util/random';

export type Mat3 = number[];

export function applyHomography(H: Mat3, x: number, y: number): [number, number] {
  const w = H[6] * x + H[7] * y + H[8];
  return [(H[0] * x + H[1] * y + H[2]) / w, (H[3] * x + H[4] * y + H[5]) / w];
}

export function invert3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = f * g - d * i;
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A,
    c * h - b * i,
    b * f - c * e,
    B,
    a * i - c * g,
    c * d - a * f,
    C,
    b * g - a * h,
    a * e - b * d,
  ].map((v) => v / det);
}

/** Rotation (degrees) and scale about the image centre, a small projective tilt and a shift. */
export function makeHomography(
  w: number,
  h: number,
  rotDeg: number,
  scale: number,
  tilt: [number, number],
  shift: [number, number],
): Mat3 {
  const t = (rotDeg * Math.PI) / 180;
  const c = Math.cos(t) * scale;
  const s = Math.sin(t) * scale;
  const cx = w / 2;
  const cy = h / 2;
  // Similarity about the centre, then x' ← x'/(1 + tilt·(x' − c)).
  const S = [c, -s, cx - c * cx + s * cy + shift[0], s, c, cy - s * cx - c * cy + shift[1], 0, 0, 1];
  const P = [1, 0, 0, 0, 1, 0, tilt[0], tilt[1], 1 - tilt[0] * cx - tilt[1] * cy];
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let k = 0; k < 3; k++) for (let m = 0; m < 3; m++) out[r * 3 + k] += P[r * 3 + m] * S[m * 3 + k];
  return out;
}

interface Shape {
  cx: number;
  cy: number;
  a: number;
  b: number;
  cos: number;
  sin: number;
  rect: boolean;
  v: [number, number, number];
}

/** An analytic RGB texture over [0, w] × [0, h] (extends, plainer, beyond). */
export function makeTexture(
  seed: number,
  w: number,
  h: number,
): (x: number, y: number) => [number, number, number] {
  const rnd = mulberry32(seed);
  const shapes: Shape[] = [];
  const n = Math.round((w * h) / 250);
  for (let k = 0; k < n; k++) {
    const a = 2 + 22 * rnd() ** 2;
    const t = rnd() * Math.PI;
    shapes.push({
      cx: -20 + (w + 40) * rnd(),
      cy: -20 + (h + 40) * rnd(),
      a,
      b: a * (0.3 + 0.7 * rnd()),
      cos: Math.cos(t),
      sin: Math.sin(t),
      rect: rnd() < 0.5,
      v: [30 + 200 * rnd(), 30 + 200 * rnd(), 30 + 200 * rnd()],
    });
  }
  const grid = 16;
  const gw = Math.ceil(w / grid) + 4;
  const gh = Math.ceil(h / grid) + 4;
  const noise = Float64Array.from({ length: gw * gh }, () => rnd());
  const smooth = (x: number, y: number): number => {
    const gx = Math.min(Math.max(x / grid + 2, 0), gw - 1.001);
    const gy = Math.min(Math.max(y / grid + 2, 0), gh - 1.001);
    const x0 = Math.floor(gx);
    const y0 = Math.floor(gy);
    const fx = gx - x0;
    const fy = gy - y0;
    const v = (i: number, j: number) => noise[j * gw + i];
    return (
      (1 - fy) * ((1 - fx) * v(x0, y0) + fx * v(x0 + 1, y0)) +
      fy * ((1 - fx) * v(x0, y0 + 1) + fx * v(x0 + 1, y0 + 1))
    );
  };
  // Shapes bucketed on a coarse grid (in drawing order) so a sample only visits nearby ones.
  const B = 16;
  const bx0 = -32;
  const by0 = -32;
  const bw = Math.ceil((w + 64) / B);
  const bh = Math.ceil((h + 64) / B);
  const buckets: Shape[][] = Array.from({ length: bw * bh }, () => []);
  for (const s of shapes) {
    const r = s.a + 1;
    for (
      let j = Math.max(0, Math.floor((s.cy - r - by0) / B));
      j <= Math.min(bh - 1, Math.floor((s.cy + r - by0) / B));
      j++
    ) {
      for (
        let i = Math.max(0, Math.floor((s.cx - r - bx0) / B));
        i <= Math.min(bw - 1, Math.floor((s.cx + r - bx0) / B));
        i++
      ) {
        buckets[j * bw + i].push(s);
      }
    }
  }
  return (x, y) => {
    const base = 60 + 120 * smooth(x, y);
    const out: [number, number, number] = [base, base * 0.9 + 10, base * 0.8 + 20];
    const i = Math.floor((x - bx0) / B);
    const j = Math.floor((y - by0) / B);
    if (i < 0 || j < 0 || i >= bw || j >= bh) return out;
    for (const s of buckets[j * bw + i]) {
      const dx = x - s.cx;
      const dy = y - s.cy;
      if (Math.abs(dx) > s.a + 1 || Math.abs(dy) > s.a + 1) continue;
      const u = (s.cos * dx + s.sin * dy) / s.a;
      const v = (-s.sin * dx + s.cos * dy) / s.b;
      const d = s.rect ? Math.max(Math.abs(u), Math.abs(v)) : Math.hypot(u, v);
      // Soft edge about one pixel wide.
      const alpha = Math.min(1, Math.max(0, (1 - d) * s.b + 0.5));
      if (alpha > 0) for (let c = 0; c < 3; c++) out[c] = out[c] * (1 - alpha) + s.v[c] * alpha;
    }
    return out;
  };
}

/** Renders image pixel (c, r) from texture point H⁻¹·(c + 0.5, r + 0.5) (identity when H is omitted). */
export function renderWarped(
  texture: (x: number, y: number) => [number, number, number],
  w: number,
  h: number,
  H?: Mat3,
): RgbaImage {
  const inv = H ? invert3(H) : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const data = new Uint8ClampedArray(w * h * 4);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const acc = [0, 0, 0];
      for (const [ox, oy] of [
        [0.25, 0.25],
        [0.75, 0.25],
        [0.25, 0.75],
        [0.75, 0.75],
      ]) {
        const [x, y] = applyHomography(inv, c + ox, r + oy);
        const v = texture(x, y);
        for (let k = 0; k < 3; k++) acc[k] += v[k] / 4;
      }
      const i = (r * w + c) * 4;
      data[i] = acc[0];
      data[i + 1] = acc[1];
      data[i + 2] = acc[2];
      data[i + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}
