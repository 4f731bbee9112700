import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuffer, readBuffer, readU32, STORAGE, USAGE } from '../../gpu/buffers';
import { GPU_CONSTANTS } from '../../gpu/constants';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import {
  ARGS_WORDS,
  type CandidateRecord,
  type FeatureBuffers,
  GridSelect,
  gridFor,
  RECORD_BYTES,
  selectReference,
} from './select';
import { mulberry32 } from './test-images';

const { FEAT_CTR_WORDS, FEAT_CTR_CANDIDATES, FEAT_CTR_SELECTED } = GPU_CONSTANTS;

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

/** Random candidates over a width × height image, octaves 0..2, with exact near-duplicates mixed in. */
function makeCandidates(
  n: number,
  width: number,
  height: number,
  cellSize: number,
  cols: number,
  seed: number,
) {
  const rnd = mulberry32(seed);
  const out: CandidateRecord[] = [];
  const responses = new Set<number>();
  while (out.length < n) {
    let c: CandidateRecord;
    if (out.length > 10 && rnd() < 0.1) {
      // A weaker twin of an earlier candidate (same scale, a fraction of a pixel away).
      const t = out[Math.floor(rnd() * out.length)];
      c = { ...t, x: t.x + 0.2 / 2 ** t.octave, response: t.response * 0.9 };
    } else {
      const octave = Math.floor(rnd() * 3);
      const k = 2 ** octave;
      c = {
        x: (5 + rnd() * (width - 10)) / k,
        y: (5 + rnd() * (height - 10)) / k,
        level: 0.6 + rnd() * 2.8,
        response: 0,
        octave,
        cell: 0,
      };
      // Uneven texture: the right half has ten times the contrast of the left.
      c.response = (0.005 + 0.1 * rnd()) * (c.x * k > width / 2 ? 10 : 1);
    }
    // Distinct responses after the GPU's 24-bit quantisation, so the selection has no ties.
    const q = Math.round(Math.fround(c.response) * 16777215);
    if (responses.has(q)) continue;
    responses.add(q);
    const bx = c.x * 2 ** c.octave + 0.5;
    const by = c.y * 2 ** c.octave + 0.5;
    c.cell = Math.floor(by / cellSize) * cols + Math.floor(bx / cellSize);
    out.push(c);
  }
  return out;
}

async function runSelect(cands: CandidateRecord[], target: number, width: number, height: number) {
  const device = gpu.device;
  const grid = gridFor(width, height, target);
  const capacity = cands.length + 16;
  const words = new ArrayBuffer(capacity * RECORD_BYTES);
  const f = new Float32Array(words);
  const u = new Uint32Array(words);
  const cellCounts = new Uint32Array(grid.cols * grid.rows);
  cands.forEach((c, i) => {
    f.set([c.x, c.y, c.level, c.response], 8 * i);
    u.set([c.octave, c.cell, cellCounts[c.cell]++, 0xffffffff], 8 * i + 4);
  });
  const counters = new Uint32Array(FEAT_CTR_WORDS);
  counters[FEAT_CTR_CANDIDATES] = cands.length;
  const bufs: FeatureBuffers = {
    counters: createBuffer(device, 'counters', counters),
    cands: createBuffer(device, 'cands', new Uint8Array(words)),
    capacity,
    kps: createBuffer(device, 'kps', target * RECORD_BYTES),
    target,
    maxFeatures: target,
    args: createBuffer(device, 'args', ARGS_WORDS * 4, STORAGE | USAGE.INDIRECT),
  };
  const select = new GridSelect(device, bufs, grid);
  device.queue.writeBuffer(select.cellCounts, 0, cellCounts);
  const encoder = device.createCommandEncoder();
  select.scanCells(encoder);
  const pass = encoder.beginComputePass();
  select.select(pass);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const selected = (await readU32(device, bufs.counters, FEAT_CTR_WORDS))[FEAT_CTR_SELECTED];
  const kps = new Float32Array(await readBuffer(device, bufs.kps, Math.max(selected, 1) * RECORD_BYTES));
  select.destroy();
  for (const b of [bufs.counters, bufs.cands, bufs.kps, bufs.args]) b.destroy();
  // Identify the selected records by (x, y, response).
  const keyOf = (x: number, y: number, r: number) => `${Math.fround(x)},${Math.fround(y)},${Math.fround(r)}`;
  const index = new Map(cands.map((c, i) => [keyOf(c.x, c.y, c.response), i]));
  const got: number[] = [];
  for (let k = 0; k < selected; k++)
    got.push(index.get(keyOf(kps[8 * k], kps[8 * k + 1], kps[8 * k + 3])) ?? -1);
  return { got: got.sort((a, b) => a - b), grid };
}

describe('grid top-K selection', () => {
  it('selects the same candidates as the CPU reference, spread over the cells', async () => {
    const [w, h] = [320, 240];
    const target = 400;
    const grid = gridFor(w, h, target);
    const cands = makeCandidates(3000, w, h, grid.cellSize, grid.cols, 1);
    const { got } = await runSelect(cands, target, w, h);
    const want = selectReference(cands, target).sort((a, b) => a - b);
    expect(want).toHaveLength(target);
    expect(got).toEqual(want);
    // The low-contrast left half still gets about half the keypoints, where a plain top-K by response
    // would give it almost none.
    const left = (i: number) => cands[i].x * 2 ** cands[i].octave < w / 2;
    const byResponse = cands
      .map((c, i) => [c.response, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, target);
    expect(byResponse.filter(([, i]) => left(i)).length / target).toBeLessThan(0.05);
    expect(got.filter(left).length / target).toBeGreaterThan(0.4);
    // Near-duplicate twins never make it when the original is there.
    for (const i of got) {
      const c = cands[i];
      const twin = got.find(
        (j) =>
          j !== i &&
          cands[j].octave === c.octave &&
          Math.abs(cands[j].x - c.x) < 0.3 / 2 ** c.octave &&
          cands[j].y === c.y,
      );
      expect(twin).toBeUndefined();
    }
  });

  it('takes every candidate when there are fewer than K (duplicates excepted)', async () => {
    const [w, h] = [256, 192];
    const grid = gridFor(w, h, 500);
    const cands = makeCandidates(300, w, h, grid.cellSize, grid.cols, 2);
    const { got } = await runSelect(cands, 500, w, h);
    const want = selectReference(cands, 500).sort((a, b) => a - b);
    expect(want.length).toBeLessThan(300);
    expect(want.length).toBeGreaterThan(250);
    expect(got).toEqual(want);
  });
});
