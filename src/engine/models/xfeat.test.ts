/**
 * XFeat, the one real pretrained network at hand (../shared/models/xfeat.onnx, beside the clone; never
 * committed), through the same session code, on a procedural image pair with a known homography.
 *
 * It runs on the wasm EP here: on Dawn + SwiftShader (2 shared cores) the WebGPU EP takes about two
 * minutes per 640×640 XFeat run versus ~0.5 s on wasm, which is too slow for a unit test; the WebGPU
 * EP itself is tested with the engine's device in webgpu.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Features } from '../geometry/features/types';
import { setupNodeRuntime } from './node-runtime';
import { applyHomography, makeHomography, makeTexture, renderWarped } from './test-homography';
import { XFeat } from './xfeat';
import { decodeXFeat, keypointHeatmap } from './xfeat-decode';

const XFEAT_PATH = resolve(process.cwd(), '../shared/models/xfeat.onnx');

/** Mutual nearest neighbours with Lowe's ratio on L2 distances (plain CPU, for the test). */
function matchMutualRatio(a: Features, b: Features, ratio = 0.9): [number, number][] {
  const dim = a.descDim;
  const nn = (p: Features, q: Features) => {
    const out: { j: number; best: number; second: number }[] = [];
    for (let i = 0; i < p.count; i++) {
      let best = Number.POSITIVE_INFINITY;
      let second = Number.POSITIVE_INFINITY;
      let j = -1;
      for (let k = 0; k < q.count; k++) {
        let d = 0;
        for (let c = 0; c < dim; c++) d += (p.desc[i * dim + c] - q.desc[k * dim + c]) ** 2;
        if (d < best) {
          second = best;
          best = d;
          j = k;
        } else if (d < second) second = d;
      }
      out.push({ j, best, second });
    }
    return out;
  };
  const ab = nn(a, b);
  const ba = nn(b, a);
  const matches: [number, number][] = [];
  ab.forEach((m, i) => {
    if (m.j >= 0 && ba[m.j].j === i && Math.sqrt(m.best) < ratio * Math.sqrt(m.second))
      matches.push([i, m.j]);
  });
  return matches;
}

describe('XFeat decoding', () => {
  it('pixel-shuffles the 64 cell channels and drops the dustbin', () => {
    const h = 2;
    const w = 3;
    const logits = new Float32Array(65 * h * w).fill(-5);
    // Cell (1, 2), channel 8·3 + 5 → full-res pixel (row 8 + 3, col 16 + 5); the dustbin wins elsewhere.
    for (let i = 0; i < h * w; i++) logits[64 * h * w + i] = 5;
    const cell = 1 * w + 2;
    logits[(3 * 8 + 5) * h * w + cell] = 12;
    const heat = keypointHeatmap(logits, h, w);
    let arg = 0;
    for (let i = 0; i < heat.length; i++) if (heat[i] > heat[arg]) arg = i;
    expect([Math.floor(arg / (w * 8)), arg % (w * 8)]).toEqual([8 + 3, 16 + 5]);
    expect(heat[arg]).toBeGreaterThan(0.99);
    // Descriptors: constant per cell; the keypoint gets its cell's (normalised) vector.
    const descriptors = new Float32Array(64 * h * w);
    for (let k = 0; k < 64; k++)
      for (let i = 0; i < h * w; i++) descriptors[k * h * w + i] = i === cell ? (k === 7 ? 3 : 0) : 1;
    const reliability = new Float32Array(h * w).fill(1);
    const box = { scaleX: 2, scaleY: 2, width: w * 8, height: h * 8, imageWidth: w * 4, imageHeight: h * 4 };
    const f = decodeXFeat({ descriptors, logits, reliability, h, w }, box);
    expect(f.count).toBe(1);
    expect([f.xy[0], f.xy[1]]).toEqual([(16 + 5 + 0.5) / 2, (8 + 3 + 0.5) / 2]);
    // Bilinear between cell 5 and its neighbours: dominated by channel 7 but not exactly one-hot.
    expect(f.desc[7]).toBeGreaterThan(0.7);
    let norm = 0;
    for (let k = 0; k < 64; k++) norm += f.desc[k] ** 2;
    expect(norm).toBeCloseTo(1, 5);
  });
});

describe('XFeat on a homography pair (real pretrained model)', () => {
  let xfeat: XFeat;
  beforeAll(async () => {
    if (!existsSync(XFEAT_PATH)) {
      throw new Error(
        `XFeat model not found at ${XFEAT_PATH}: the tests expect ../shared/models/xfeat.onnx beside the clone`,
      );
    }
    setupNodeRuntime();
    xfeat = await XFeat.create(new Uint8Array(readFileSync(XFEAT_PATH)), { executionProvider: 'wasm' });
  });
  afterAll(() => xfeat?.release());

  it('finds keypoints whose mutual matches follow the known homography', async () => {
    const w = 320;
    const h = 240;
    const texture = makeTexture(17, w, h);
    const H = makeHomography(w, h, 10, 0.9, [1.5e-4, -1e-4], [6, -4]);
    const imgA = renderWarped(texture, w, h);
    const imgB = renderWarped(texture, w, h, H);
    const t0 = performance.now();
    const fa = await xfeat.extract(imgA, { topK: 1024 });
    const ta = { ...xfeat.lastTimings };
    const fb = await xfeat.extract(imgB, { topK: 1024 });
    const extractMs = (performance.now() - t0) / 2;
    expect(xfeat.session.runtime.ep).toBe('wasm');
    expect(fa.descDim).toBe(64);
    for (const f of [fa, fb]) {
      for (let i = 0; i < f.count; i++) {
        expect(f.xy[2 * i]).toBeGreaterThan(0);
        expect(f.xy[2 * i]).toBeLessThan(w);
        expect(f.xy[2 * i + 1]).toBeLessThan(h);
      }
    }
    const matches = matchMutualRatio(fa, fb);
    let correct = 0;
    for (const [i, j] of matches) {
      const [x, y] = applyHomography(H, fa.xy[2 * i], fa.xy[2 * i + 1]);
      if (Math.hypot(x - fb.xy[2 * j], y - fb.xy[2 * j + 1]) < 3) correct++;
    }
    const precision = correct / Math.max(1, matches.length);
    console.log(
      `XFeat (${xfeat.session.runtime.ep} EP): keypoints ${fa.count} / ${fb.count}, mutual+ratio matches ` +
        `${matches.length}, correct within 3 px ${correct} (precision ${precision.toFixed(3)}); per image ` +
        `${extractMs.toFixed(0)} ms (preprocess ${ta.preprocessMs.toFixed(0)}, inference ${ta.inferenceMs.toFixed(0)}, ` +
        `decode ${ta.decodeMs.toFixed(0)} ms)`,
    );
    expect(fa.count).toBeGreaterThan(300);
    expect(fb.count).toBeGreaterThan(300);
    expect(matches.length).toBeGreaterThan(150);
    expect(precision).toBeGreaterThan(0.85);
  });

  it('matches of an unrelated image pair are mostly wrong (the check can fail)', async () => {
    const a = renderWarped(makeTexture(3, 320, 240), 320, 240);
    const b = renderWarped(makeTexture(4, 320, 240), 320, 240);
    const fa = await xfeat.extract(a, { topK: 512 });
    const fb = await xfeat.extract(b, { topK: 512 });
    const H = makeHomography(320, 240, 10, 0.9, [1.5e-4, -1e-4], [6, -4]);
    const matches = matchMutualRatio(fa, fb);
    let correct = 0;
    for (const [i, j] of matches) {
      const [x, y] = applyHomography(H, fa.xy[2 * i], fa.xy[2 * i + 1]);
      if (Math.hypot(x - fb.xy[2 * j], y - fb.xy[2 * j + 1]) < 3) correct++;
    }
    expect(correct / Math.max(1, matches.length)).toBeLessThan(0.2);
  });
});
