/**
 * XFeat figures on the procedural homography pair, per execution provider:
 *   node --import tsx --import ./tools/register-raw.mjs tools/onnx/xfeat-bench.ts [wasm|webgpu|both]
 * Reads ../shared/models/xfeat.onnx (never copied into the repo). Prints keypoints, mutual+ratio
 * matches, precision within 3 px under the true homography, and times; the WebGPU EP runs on the
 * engine's own device (Dawn; SwiftShader when there is no GPU, where it is very slow).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Features } from '../../src/engine/geometry/features/types';
import { nodeGpu } from '../../src/engine/gpu/node-gpu';
import { testGpu } from '../../src/engine/gpu/test-gpu';
import { setupNodeRuntime } from '../../src/engine/models/node-runtime';
import {
  applyHomography,
  makeHomography,
  makeTexture,
  renderWarped,
} from '../../src/engine/models/test-homography';
import { XFeat } from '../../src/engine/models/xfeat';

function mutualRatio(a: Features, b: Features, ratio = 0.9): [number, number][] {
  const nn = (p: Features, q: Features) =>
    Array.from({ length: p.count }, (_, i) => {
      let best = Infinity;
      let second = Infinity;
      let j = -1;
      for (let k = 0; k < q.count; k++) {
        let d = 0;
        for (let c = 0; c < 64; c++) d += (p.desc[i * 64 + c] - q.desc[k * 64 + c]) ** 2;
        if (d < best) [second, best, j] = [best, d, k];
        else if (d < second) second = d;
      }
      return { j, ok: Math.sqrt(best) < ratio * Math.sqrt(second) };
    });
  const ab = nn(a, b);
  const ba = nn(b, a);
  return ab.flatMap((m, i) => (m.j >= 0 && m.ok && ba[m.j].j === i ? [[i, m.j] as [number, number]] : []));
}

const path = resolve(process.cwd(), '../shared/models/xfeat.onnx');
if (!existsSync(path)) throw new Error(`XFeat model not found at ${path}`);
const which = process.argv[2] ?? 'both';
const eps = which === 'both' ? (['wasm', 'webgpu'] as const) : ([which] as ('wasm' | 'webgpu')[]);
setupNodeRuntime(nodeGpu());
const gpu = await testGpu();
console.log(`adapter: ${gpu.handle.report.description} (software: ${gpu.handle.report.software})`);
const w = 320;
const h = 240;
const texture = makeTexture(17, w, h);
const H = makeHomography(w, h, 10, 0.9, [1.5e-4, -1e-4], [6, -4]);
const imgA = renderWarped(texture, w, h);
const imgB = renderWarped(texture, w, h, H);
let reference: Features | null = null;
for (const ep of eps) {
  const xfeat = await XFeat.create(new Uint8Array(readFileSync(path)), {
    executionProvider: ep,
    device: gpu.device,
  });
  const fa = await xfeat.extract(imgA, { topK: 1024 });
  const first = { ...xfeat.lastTimings };
  const fb = await xfeat.extract(imgB, { topK: 1024 });
  const second = { ...xfeat.lastTimings };
  const matches = mutualRatio(fa, fb);
  const correct = matches.filter(([i, j]) => {
    const [x, y] = applyHomography(H, fa.xy[2 * i], fa.xy[2 * i + 1]);
    return Math.hypot(x - fb.xy[2 * j], y - fb.xy[2 * j + 1]) < 3;
  }).length;
  let sameAsFirst = '';
  if (reference) {
    const n = Math.min(reference.count, fa.count);
    let same = 0;
    for (let i = 0; i < n; i++) {
      if (
        Math.abs(reference.xy[2 * i] - fa.xy[2 * i]) < 1e-3 &&
        Math.abs(reference.xy[2 * i + 1] - fa.xy[2 * i + 1]) < 1e-3
      )
        same++;
    }
    sameAsFirst = `, keypoints identical to the first EP's: ${same}/${n}`;
  }
  reference ??= fa;
  const r = {
    ep: xfeat.session.runtime.ep,
    device: xfeat.session.runtime.device,
    createMs: Math.round(xfeat.session.runtime.createMs),
    keypoints: [fa.count, fb.count],
    matches: matches.length,
    correct,
    precision: Number((correct / Math.max(1, matches.length)).toFixed(4)),
    firstImage: first,
    secondImage: second,
  };
  console.log(`${JSON.stringify(r)}${sameAsFirst}`);
  await xfeat.release();
}
gpu.dispose();
