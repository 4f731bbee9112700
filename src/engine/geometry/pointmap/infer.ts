/**
 * Pairwise inference through a `pointmap` model: images cropped/resized to the model's W×H, mapped to
 * [-1, 1] (DUSt3R's ImgNorm), run on every symmetric pair (i, j) and (j, i).
 */
import type { DecodedImage } from '../../io/image';
import { resizeImage } from '../../io/image';
import type { HostTensor } from '../../models/runtime';
import type { PairPrediction, PointmapSize } from './types';

/** What the inference needs from a model session (ModelSession satisfies it). */
export interface PointmapRunner {
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
}

/**
 * Centre crop to the model's aspect ratio, then resize to exactly W×H (DUSt3R resizes the long side
 * and centre-crops to multiples of 16; a fixed-size export needs the exact size).
 */
export function fitToModel(image: DecodedImage, size: PointmapSize): DecodedImage {
  const target = size.width / size.height;
  let cw = image.width;
  let ch = image.height;
  if (cw / ch > target) cw = Math.max(1, Math.round(ch * target));
  else ch = Math.max(1, Math.round(cw / target));
  const x0 = (image.width - cw) >> 1;
  const y0 = (image.height - ch) >> 1;
  let cropped = image;
  if (cw !== image.width || ch !== image.height) {
    const data = new Uint8ClampedArray(cw * ch * 4);
    for (let y = 0; y < ch; y++) {
      const from = ((y0 + y) * image.width + x0) * 4;
      data.set(image.data.subarray(from, from + cw * 4), y * cw * 4);
    }
    cropped = { width: cw, height: ch, data };
  }
  return resizeImage(cropped, size.width, size.height);
}

/** RGBA → [1,3,H,W] float in [-1, 1]. */
export function toModelTensor(image: DecodedImage): HostTensor {
  const plane = image.width * image.height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) data[c * plane + i] = image.data[i * 4 + c] / 127.5 - 1;
  }
  return { data, dims: [1, 3, image.height, image.width] };
}

/** Every ordered pair (i, j), i ≠ j ('complete' scene graph, symmetrised), or neighbours only. */
export function makePairs(n: number, graph: 'complete' | 'sequential' = 'complete'): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j && (graph === 'complete' || Math.abs(i - j) === 1)) pairs.push([i, j]);
    }
  }
  return pairs;
}

function expectDims(t: HostTensor | undefined, name: string, dims: number[]): Float32Array {
  if (!t) throw new Error(`pointmap model returned no '${name}'`);
  if (t.dims.length !== dims.length || t.dims.some((d, k) => d !== dims[k])) {
    throw new Error(`pointmap model output '${name}' has shape [${t.dims}], expected [${dims}]`);
  }
  return t.data;
}

export async function predictPairs(
  runner: PointmapRunner,
  tensors: HostTensor[],
  size: PointmapSize,
  pairs: [number, number][],
  onPair?: (done: number, total: number) => void,
): Promise<PairPrediction[]> {
  const { width: w, height: h } = size;
  const out: PairPrediction[] = [];
  for (const [i, j] of pairs) {
    const r = await runner.run({ img1: tensors[i], img2: tensors[j] });
    out.push({
      i,
      j,
      ptsI: expectDims(r.pts3d_1, 'pts3d_1', [1, h, w, 3]),
      confI: expectDims(r.conf_1, 'conf_1', [1, h, w]),
      ptsJ: expectDims(r.pts3d_2, 'pts3d_2', [1, h, w, 3]),
      confJ: expectDims(r.conf_2, 'conf_2', [1, h, w]),
    });
    onPair?.(out.length, pairs.length);
  }
  return out;
}
