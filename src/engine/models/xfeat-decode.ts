/**
 * XFeat (Potje et al., CVPR 2024) post-processing, as in verlab/accelerated_features `xfeat.py`
 * (detectAndCompute), written from the paper and that description:
 * - keypoint logits [65, h, w]: softmax over the 65 channels, drop the 65th ("no keypoint" dustbin),
 *   pixel-shuffle the 64 = 8×8 cell channels to a full-resolution heatmap (channel k → row k/8, col k%8
 *   inside the cell);
 * - NMS: a pixel is a keypoint when it is the maximum of its 5×5 window and above the threshold (0.05);
 * - score = heatmap (nearest) × reliability (bilinear); the top-K by score are kept;
 * - descriptors: the dense 64-D map is L2-normalised per cell, sampled bilinearly at the keypoints and
 *   L2-normalised again.
 * Sampling follows XFeat's grid_sample convention: integer pixel x of the W-wide input maps to feature
 * coordinate x·w/(W−1) − 0.5 (cell centres at integers).
 */
import type { Features } from '../geometry/features/types';

export interface XFeatDecodeOptions {
  /** Keypoints kept, best score first (XFeat default 4096). */
  topK?: number;
  /** Heatmap threshold (XFeat default 0.05). */
  threshold?: number;
  /** NMS window radius (5×5 → 2). */
  nmsRadius?: number;
}

export interface XFeatRaw {
  /** [64, h, w] dense descriptors. */
  descriptors: Float32Array;
  /** [65, h, w] keypoint logits. */
  logits: Float32Array;
  /** [1, h, w] reliability. */
  reliability: Float32Array;
  /** Feature-map size (input / 8). */
  h: number;
  w: number;
}

/** Where the image sits in the network input: input pixel (x, y) ↔ image point ((x + 0.5)/scaleX, …). */
export interface Letterbox {
  scaleX: number;
  scaleY: number;
  /** Size of the resized image inside the input (the rest is padding). */
  width: number;
  height: number;
  /** Original image size. */
  imageWidth: number;
  imageHeight: number;
}

export type XFeatFeatures = Features & { score: Float32Array };

const DESC_DIM = 64;
const CELL = 8;

/** Full-resolution heatmap [8h, 8w] from the 65-channel logits. */
export function keypointHeatmap(logits: Float32Array, h: number, w: number): Float32Array {
  const H = h * CELL;
  const W = w * CELL;
  const plane = h * w;
  const heat = new Float32Array(H * W);
  const e = new Float64Array(65);
  for (let cy = 0; cy < h; cy++) {
    for (let cx = 0; cx < w; cx++) {
      const at = cy * w + cx;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < 65; k++) max = Math.max(max, logits[k * plane + at]);
      let sum = 0;
      for (let k = 0; k < 65; k++) {
        e[k] = Math.exp(logits[k * plane + at] - max);
        sum += e[k];
      }
      for (let k = 0; k < 64; k++) {
        heat[(cy * CELL + (k >> 3)) * W + cx * CELL + (k & 7)] = e[k] / sum;
      }
    }
  }
  return heat;
}

/** Bilinear sample of channel-major `map` [c, h, w] at feature coordinates (fx, fy), borders clamped. */
function bilinear(
  map: Float32Array,
  c: number,
  h: number,
  w: number,
  fx: number,
  fy: number,
  out: Float64Array,
): void {
  const x = Math.min(Math.max(fx, 0), w - 1);
  const y = Math.min(Math.max(fy, 0), h - 1);
  const x0 = Math.min(Math.floor(x), w - 2);
  const y0 = Math.min(Math.floor(y), h - 2);
  const ax = x - x0;
  const ay = y - y0;
  const plane = h * w;
  const i00 = y0 * w + x0;
  for (let k = 0; k < c; k++) {
    const b = k * plane + i00;
    out[k] =
      (1 - ay) * ((1 - ax) * map[b] + ax * map[b + 1]) + ay * ((1 - ax) * map[b + w] + ax * map[b + w + 1]);
  }
}

/** Keypoints and descriptors from the raw outputs; coordinates in the original image (centres at +0.5). */
export function decodeXFeat(raw: XFeatRaw, box: Letterbox, options: XFeatDecodeOptions = {}): XFeatFeatures {
  const { h, w } = raw;
  const H = h * CELL;
  const W = w * CELL;
  const threshold = options.threshold ?? 0.05;
  const radius = options.nmsRadius ?? 2;
  const topK = options.topK ?? 4096;
  const heat = keypointHeatmap(raw.logits, h, w);

  const candidates: { x: number; y: number; score: number }[] = [];
  const rel = new Float64Array(1);
  // Only pixels inside the resized image (padding is not image content).
  const xMax = Math.min(W, Math.ceil(box.width));
  const yMax = Math.min(H, Math.ceil(box.height));
  for (let y = 0; y < yMax; y++) {
    for (let x = 0; x < xMax; x++) {
      const v = heat[y * W + x];
      if (!(v > threshold)) continue;
      let isMax = true;
      for (let dy = -radius; dy <= radius && isMax; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= H) continue;
        for (let dx = -radius; dx <= radius; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= W) continue;
          if (heat[yy * W + xx] > v) {
            isMax = false;
            break;
          }
        }
      }
      if (!isMax) continue;
      bilinear(raw.reliability, 1, h, w, (x * w) / (W - 1) - 0.5, (y * h) / (H - 1) - 0.5, rel);
      candidates.push({ x, y, score: v * rel[0] });
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.y - b.y || a.x - b.x);
  const kept = candidates.slice(0, topK).filter((c) => c.score > 0);

  // Per-cell normalised descriptor map (XFeat normalises M1 before sampling).
  const plane = h * w;
  const unit = new Float32Array(raw.descriptors.length);
  for (let i = 0; i < plane; i++) {
    let s = 0;
    for (let k = 0; k < DESC_DIM; k++) s += raw.descriptors[k * plane + i] ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let k = 0; k < DESC_DIM; k++) unit[k * plane + i] = raw.descriptors[k * plane + i] * inv;
  }

  const count = kept.length;
  const xy = new Float32Array(2 * count);
  const desc = new Float32Array(count * DESC_DIM);
  const score = new Float32Array(count);
  const d = new Float64Array(DESC_DIM);
  kept.forEach((c, i) => {
    xy[2 * i] = (c.x + 0.5) / box.scaleX;
    xy[2 * i + 1] = (c.y + 0.5) / box.scaleY;
    score[i] = c.score;
    bilinear(unit, DESC_DIM, h, w, (c.x * w) / (W - 1) - 0.5, (c.y * h) / (H - 1) - 0.5, d);
    let s = 0;
    for (let k = 0; k < DESC_DIM; k++) s += d[k] * d[k];
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let k = 0; k < DESC_DIM; k++) desc[i * DESC_DIM + k] = d[k] * inv;
  });
  return {
    count,
    xy,
    // XFeat has no scale or orientation: one 8-px cell of the network input, upright.
    scale: new Float32Array(count).fill((2 * CELL) / (box.scaleX + box.scaleY)),
    angle: new Float32Array(count),
    desc,
    descDim: DESC_DIM,
    score,
  };
}
