import { ldltSolve } from './linalg';
import type { PoseImage } from './types';

/**
 * Patch tracking between two photos for the pose stage's densification: a smoothed grey image with its
 * gradients, evenly spread Shi–Tomasi corners, and affine Lucas–Kanade (Levenberg–Marquardt, with gain
 * and bias) from a predicted position, checked by ZNCC and by tracking back.
 */

export interface Gray {
  w: number;
  h: number;
  v: Float32Array;
  gx: Float32Array;
  gy: Float32Array;
}

/** Luma in [0, 1], smoothed by a Gaussian (σ = 1 px), and its central-difference gradients. */
export function grayImage(img: PoseImage): Gray {
  const { width: w, height: h, data } = img;
  const raw = new Float32Array(w * h);
  for (let p = 0; p < w * h; p++)
    raw[p] = (0.299 * data[4 * p] + 0.587 * data[4 * p + 1] + 0.114 * data[4 * p + 2]) / 255;
  // Separable Gaussian: bilinear interpolation of unsmoothed texture biases sub-pixel shifts towards
  // whole pixels, so the image is band-limited first.
  const sigma = 1;
  const half = Math.ceil(3 * sigma);
  const kern = Array.from({ length: 2 * half + 1 }, (_, i) =>
    Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)),
  );
  const ksum = kern.reduce((x, y) => x + y, 0);
  for (let i = 0; i < kern.length; i++) kern[i] /= ksum;
  const tmp = new Float32Array(w * h);
  const v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -half; i <= half; i++)
        acc += kern[i + half] * raw[y * w + Math.min(Math.max(x + i, 0), w - 1)];
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = -half; i <= half; i++)
        acc += kern[i + half] * tmp[Math.min(Math.max(y + i, 0), h - 1) * w + x];
      v[y * w + x] = acc;
    }
  }
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      gx[p] = 0.5 * (v[p + 1] - v[p - 1]);
      gy[p] = 0.5 * (v[p + w] - v[p - w]);
    }
  }
  return { w, h, v, gx, gy };
}

/** Bilinear sample at continuous pixel coordinates (centres at +0.5); the caller keeps (u, v) inside. */
function sample(img: Float32Array, w: number, u: number, v: number): number {
  const x = u - 0.5;
  const y = v - 0.5;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const tx = x - x0;
  const ty = y - y0;
  const p = y0 * w + x0;
  return (
    (1 - ty) * ((1 - tx) * img[p] + tx * img[p + 1]) + ty * ((1 - tx) * img[p + w] + tx * img[p + w + 1])
  );
}

/**
 * Shi–Tomasi corners, the strongest one a cell, as pixel centres (x + 0.5, y + 0.5). Cells whose best
 * response is weak (texture-poor surfaces, sky) give none.
 */
export function gridCorners(g: Gray, cell: number, radius: number): Float64Array {
  const { w, h, gx, gy } = g;
  // Structure tensor summed over the patch window, by integral images.
  const W1 = w + 1;
  const sxx = new Float64Array(W1 * (h + 1));
  const syy = new Float64Array(W1 * (h + 1));
  const sxy = new Float64Array(W1 * (h + 1));
  for (let y = 0; y < h; y++) {
    let rxx = 0;
    let ryy = 0;
    let rxy = 0;
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      rxx += gx[p] * gx[p];
      ryy += gy[p] * gy[p];
      rxy += gx[p] * gy[p];
      const q = (y + 1) * W1 + x + 1;
      sxx[q] = sxx[q - W1] + rxx;
      syy[q] = syy[q - W1] + ryy;
      sxy[q] = sxy[q - W1] + rxy;
    }
  }
  const box = (s: Float64Array, x: number, y: number) => {
    const x0 = x - radius;
    const y0 = y - radius;
    const x1 = x + radius + 1;
    const y1 = y + radius + 1;
    return s[y1 * W1 + x1] - s[y0 * W1 + x1] - s[y1 * W1 + x0] + s[y0 * W1 + x0];
  };
  const margin = radius + 2;
  const best: { x: number; y: number; score: number }[] = [];
  for (let cy = 0; cy < h; cy += cell) {
    for (let cx = 0; cx < w; cx += cell) {
      let top = { x: -1, y: -1, score: 0 };
      for (let y = Math.max(cy, margin); y < Math.min(cy + cell, h - margin); y++) {
        for (let x = Math.max(cx, margin); x < Math.min(cx + cell, w - margin); x++) {
          const a = box(sxx, x, y);
          const c = box(syy, x, y);
          const b = box(sxy, x, y);
          const score = 0.5 * (a + c) - Math.sqrt(0.25 * (a - c) ** 2 + b * b);
          if (score > top.score) top = { x, y, score };
        }
      }
      if (top.x >= 0) best.push(top);
    }
  }
  if (best.length === 0) return new Float64Array(0);
  const scores = best.map((b) => b.score).sort((x, y) => x - y);
  const strong = scores[Math.floor(0.9 * (scores.length - 1))];
  // Absolute floor: gradients of about 3 grey levels over the whole window are noise, not texture.
  const floor = (2 * radius + 1) ** 2 * (1.5 / 255) ** 2;
  const keep = best.filter((b) => b.score >= Math.max(0.02 * strong, floor));
  const out = new Float64Array(2 * keep.length);
  keep.forEach((b, k) => {
    out[2 * k] = b.x + 0.5;
    out[2 * k + 1] = b.y + 0.5;
  });
  return out;
}

export interface Tracker {
  radius: number;
  search: number;
  minNcc: number;
  /** Gaussian window over the patch: the centre decides where the point is. */
  weights: Float64Array;
}

/**
 * Follows the patch of image s around p into image t from the prediction (M, c): ZNCC search over
 * integer offsets, then affine Lucas–Kanade with gain and bias. Returns the point in t or null.
 */
function track(
  tr: Tracker,
  s: Gray,
  t: Gray,
  p: [number, number],
  m0: [number, number, number, number],
  c0: [number, number],
  search = tr.search,
): { q: [number, number]; m: [number, number, number, number] } | null {
  const r = tr.radius;
  const side = 2 * r + 1;
  const count = side * side;
  // Template: the source patch around p (exact pixels when p is a pixel centre).
  const tpl = new Float64Array(count);
  if (!(p[0] - r >= 1 && p[1] - r >= 1 && p[0] + r <= s.w - 1 && p[1] + r <= s.h - 1)) return null;
  let mean = 0;
  for (let dy = -r, k = 0; dy <= r; dy++)
    for (let dx = -r; dx <= r; dx++, k++) {
      tpl[k] = sample(s.v, s.w, p[0] + dx, p[1] + dy);
      mean += tpl[k];
    }
  mean /= count;
  let varT = 0;
  for (let k = 0; k < count; k++) varT += (tpl[k] - mean) ** 2;
  if (!(varT > 1e-8)) return null;

  let m = m0;
  // The warped patch must stay inside t with room for bilinear sampling.
  const reach = (mm: [number, number, number, number]) =>
    r * (Math.abs(mm[0]) + Math.abs(mm[1]) + Math.abs(mm[2]) + Math.abs(mm[3]));
  const inside = (c: [number, number], mm: [number, number, number, number]) => {
    const e = reach(mm) / 2 + 1.5;
    return c[0] - e >= 0.5 && c[1] - e >= 0.5 && c[0] + e <= t.w - 1.5 && c[1] + e <= t.h - 1.5;
  };
  const zncc = (c: [number, number], mm: [number, number, number, number]): number => {
    let sb = 0;
    let sbb = 0;
    let stb = 0;
    for (let dy = -r, k = 0; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++, k++) {
        const val = sample(t.v, t.w, mm[0] * dx + mm[1] * dy + c[0], mm[2] * dx + mm[3] * dy + c[1]);
        sb += val;
        sbb += val * val;
        stb += (tpl[k] - mean) * val;
      }
    const varB = sbb - (sb * sb) / count;
    return varB > 1e-12 ? stb / Math.sqrt(varT * varB) : -1;
  };

  // 1. Integer search around the prediction.
  let c: [number, number] = c0;
  let bestScore = -2;
  for (let oy = -search; oy <= search; oy++) {
    for (let ox = -search; ox <= search; ox++) {
      const cand: [number, number] = [c0[0] + ox, c0[1] + oy];
      if (!inside(cand, m)) continue;
      const score = zncc(cand, m);
      if (score > bestScore) {
        bestScore = score;
        c = cand;
      }
    }
  }
  if (bestScore < tr.minNcc - 0.2) return null;

  // 2. Affine Lucas–Kanade with gain α and bias β: min Σ w·(α·I_t(M·d + c) + β − T(d))².
  let alpha = 1;
  let beta = 0;
  {
    let sb = 0;
    let sbb = 0;
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) {
        const val = sample(t.v, t.w, m[0] * dx + m[1] * dy + c[0], m[2] * dx + m[3] * dy + c[1]);
        sb += val;
        sbb += val * val;
      }
    const varB = sbb - (sb * sb) / count;
    if (varB > 1e-12) alpha = Math.sqrt(varT / varB);
    beta = mean - (alpha * sb) / count;
  }
  // Levenberg–Marquardt: a step is taken only if it lowers the cost (plain Gauss–Newton oscillates
  // in the shape terms on patches textured mostly in one direction).
  const J = new Float64Array(8);
  const linearise = (
    mm: [number, number, number, number],
    cc: [number, number],
    al: number,
    be: number,
    H: Float64Array,
    g: Float64Array,
  ): number => {
    H.fill(0);
    g.fill(0);
    let cost = 0;
    for (let dy = -r, k = 0; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++, k++) {
        // Bilinear weights once for the value and both gradients.
        const x = mm[0] * dx + mm[1] * dy + cc[0] - 0.5;
        const y = mm[2] * dx + mm[3] * dy + cc[1] - 0.5;
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const fx = x - x0;
        const fy = y - y0;
        const w00 = (1 - fx) * (1 - fy);
        const w10 = fx * (1 - fy);
        const w01 = (1 - fx) * fy;
        const w11 = fx * fy;
        const q = y0 * t.w + x0;
        const q2 = q + t.w;
        const val = w00 * t.v[q] + w10 * t.v[q + 1] + w01 * t.v[q2] + w11 * t.v[q2 + 1];
        const ix = al * (w00 * t.gx[q] + w10 * t.gx[q + 1] + w01 * t.gx[q2] + w11 * t.gx[q2 + 1]);
        const iy = al * (w00 * t.gy[q] + w10 * t.gy[q + 1] + w01 * t.gy[q2] + w11 * t.gy[q2 + 1]);
        const res = al * val + be - tpl[k];
        J[0] = ix * dx;
        J[1] = ix * dy;
        J[2] = iy * dx;
        J[3] = iy * dy;
        J[4] = ix;
        J[5] = iy;
        J[6] = val;
        J[7] = 1;
        const wk = tr.weights[k];
        cost += wk * res * res;
        for (let i = 0; i < 8; i++) {
          g[i] -= wk * J[i] * res;
          for (let j = i; j < 8; j++) H[8 * i + j] += wk * J[i] * J[j];
        }
      }
    }
    for (let i = 0; i < 8; i++) for (let j = 0; j < i; j++) H[8 * i + j] = H[8 * j + i];
    return cost;
  };
  let H = new Float64Array(64);
  let g = new Float64Array(8);
  let Hn = new Float64Array(64);
  let gn = new Float64Array(8);
  const damped = new Float64Array(64);
  let cost = linearise(m, c, alpha, beta, H, g);
  let lambda = 1e-3;
  let converged = false;
  for (let iter = 0; iter < 30 && !converged; iter++) {
    damped.set(H);
    for (let i = 0; i < 8; i++) damped[9 * i] += lambda * H[9 * i] + 1e-12;
    const step = ldltSolve(damped, 8, g);
    if (!step) return null;
    const small =
      Math.hypot(step[4], step[5]) < 0.01 &&
      r * Math.max(Math.abs(step[0]), Math.abs(step[1]), Math.abs(step[2]), Math.abs(step[3])) < 0.01;
    const mc: [number, number, number, number] = [
      m[0] + step[0],
      m[1] + step[1],
      m[2] + step[2],
      m[3] + step[3],
    ];
    const cc: [number, number] = [c[0] + step[4], c[1] + step[5]];
    if (!inside(cc, mc)) return null;
    const next = linearise(mc, cc, alpha + step[6], beta + step[7], Hn, gn);
    if (next <= cost) {
      m = mc;
      c = cc;
      alpha += step[6];
      beta += step[7];
      cost = next;
      [H, Hn] = [Hn, H];
      [g, gn] = [gn, g];
      lambda = Math.max(lambda / 3, 1e-7);
      converged = small;
    } else {
      // At the minimum to within the step: done; otherwise damp harder.
      converged = small;
      lambda *= 10;
      if (lambda > 1e6) break;
    }
    if (Math.hypot(c[0] - c0[0], c[1] - c0[1]) > search + 1.5) return null;
  }
  if (!converged) return null;
  if (!(alpha > 0.5 && alpha < 2)) return null;
  const det = m[0] * m[3] - m[1] * m[2];
  if (!(det > 0.25 && det < 4) || !inside(c, m)) return null;
  if (zncc(c, m) < tr.minNcc) return null;
  return { q: c, m };
}

/**
 * Tracks p from s into t, then back from t into s (inverse warp as prediction): a point that does not
 * return within `fb` pixels sits on an occlusion edge or an ambiguous texture and is dropped.
 */
export function trackBoth(
  tr: Tracker,
  s: Gray,
  t: Gray,
  p: [number, number],
  m0: [number, number, number, number],
  c0: [number, number],
  fb: number,
): [number, number] | null {
  const there = track(tr, s, t, p, m0, c0);
  if (!there) return null;
  if (!(fb > 0)) return there.q;
  const m = there.m;
  const det = m[0] * m[3] - m[1] * m[2];
  const inv: [number, number, number, number] = [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det];
  const back = track(tr, t, s, there.q, inv, p, 0);
  if (!back || Math.hypot(back.q[0] - p[0], back.q[1] - p[1]) > fb) return null;
  return there.q;
}

/** A tracker for (2·radius + 1)² patches with a Gaussian window (σ = 0.6·radius). */
export function makeTracker(radius: number, search: number, minNcc: number): Tracker {
  const side = 2 * radius + 1;
  const sigma = 0.6 * radius;
  const weights = new Float64Array(side * side);
  for (let dy = -radius, k = 0; dy <= radius; dy++)
    for (let dx = -radius; dx <= radius; dx++, k++)
      weights[k] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma ** 2));
  return { radius, search, minNcc, weights };
}
