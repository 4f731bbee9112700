import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import { Matcher, matchReference, toCorrespondences } from './index';
import { mulberry32 } from './test-images';
import type { Features, MatchResult } from './types';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

function features(desc: Float32Array, dim: number): Features {
  const count = desc.length / dim;
  const xy = Float32Array.from({ length: 2 * count }, (_, i) => i * 0.5 + 0.25);
  return {
    count,
    xy,
    scale: new Float32Array(count).fill(2),
    angle: new Float32Array(count),
    desc,
    descDim: dim,
  };
}

/**
 * A and B as in real matching: B holds noisy copies of some of A's descriptors (true matches, some of
 * them with a near twin in B so the ratio test has work to do) plus unrelated distractors.
 */
function makePair(nA: number, nB: number, dim: number, seed: number): [Features, Features] {
  const rnd = mulberry32(seed);
  const a = Float32Array.from({ length: nA * dim }, () => rnd());
  const b = Float32Array.from({ length: nB * dim }, () => rnd());
  for (let j = 0; j < nB; j++) {
    const r = rnd();
    if (r > 0.6) continue;
    const i = Math.floor(rnd() * nA);
    const noise = r < 0.1 ? 0.3 : 0.05;
    for (let k = 0; k < dim; k++) b[j * dim + k] = a[i * dim + k] + noise * (rnd() - 0.5);
  }
  return [features(a, dim), features(b, dim)];
}

function expectSame(got: MatchResult, want: MatchResult): void {
  expect(Array.from(got.ia)).toEqual(Array.from(want.ia));
  expect(Array.from(got.ib)).toEqual(Array.from(want.ib));
  for (let k = 0; k < want.distance.length; k++) expect(got.distance[k]).toBeCloseTo(want.distance[k], 4);
}

describe('GPU brute-force matcher', () => {
  it.each([
    { nA: 300, nB: 257, dim: 128, ratio: 0.8, mutual: true },
    { nA: 300, nB: 257, dim: 128, ratio: 0.8, mutual: false },
    { nA: 129, nB: 400, dim: 64, ratio: 0.95, mutual: true },
    { nA: 70, nB: 33, dim: 128, ratio: 1.01, mutual: false },
  ])('equals the CPU reference: $nA × $nB, dim $dim, ratio $ratio, mutual $mutual', async (c) => {
    const [a, b] = makePair(c.nA, c.nB, c.dim, c.nA + c.nB);
    const opts = { ratio: c.ratio, mutual: c.mutual };
    const want = matchReference(a, b, opts);
    const got = await new Matcher(gpu.device).match(a, b, opts);
    // The case must be non-trivial: some matches survive, and the ratio test rejects some queries.
    expect(want.ia.length).toBeGreaterThan(10);
    if (c.ratio < 1) expect(want.ia.length).toBeLessThan(c.nA);
    expectSame(got, want);
  });

  it('gives the same answer with the two-pass mutual path (column partials over the size cap)', async () => {
    const [a, b] = makePair(200, 150, 128, 9);
    const want = matchReference(a, b);
    const got = await new Matcher(gpu.device, { maxPartialBytes: 0 }).match(a, b);
    expect(want.ia.length).toBeGreaterThan(10);
    expectSame(got, want);
  });

  it('keeps only mutual nearest neighbours when asked', async () => {
    // a0 and a1 both have b0 as nearest neighbour, but b0's nearest is a1; b1 is far from everything.
    const a = features(Float32Array.from([1, 0, 0, 0, 0.9, 0.1, 0, 0]), 4);
    const b = features(Float32Array.from([0.8, 0.2, 0, 0, 0, 0, 5, 5]), 4);
    const matcher = new Matcher(gpu.device);
    const all = await matcher.match(a, b, { ratio: 1.01, mutual: false });
    expect(Array.from(all.ia)).toEqual([0, 1]);
    expect(Array.from(all.ib)).toEqual([0, 0]);
    const mutual = await matcher.match(a, b, { ratio: 1.01, mutual: true });
    expect(Array.from(mutual.ia)).toEqual([1]);
    expect(Array.from(mutual.ib)).toEqual([0]);
    expect(mutual.distance[0]).toBeCloseTo(Math.hypot(0.1, 0.1), 6);
  });

  it('applies the ratio test against the second-best distance', async () => {
    // The query is 1 from b0 and 1.2 from b1: ratio 0.833 passes at 0.9 and fails at 0.8.
    const a = features(Float32Array.from([0, 0, 0, 0]), 4);
    const b = features(Float32Array.from([1, 0, 0, 0, 0, 1.2, 0, 0]), 4);
    const matcher = new Matcher(gpu.device);
    expect((await matcher.match(a, b, { ratio: 0.9 })).ia.length).toBe(1);
    expect((await matcher.match(a, b, { ratio: 0.8 })).ia.length).toBe(0);
  });

  it('handles empty inputs and maps matches to pixel correspondences', async () => {
    const [a, b] = makePair(20, 20, 128, 3);
    const empty = features(new Float32Array(0), 128);
    expect((await new Matcher(gpu.device).match(empty, b)).ia.length).toBe(0);
    expect((await new Matcher(gpu.device).match(a, empty)).ia.length).toBe(0);
    const m = { ia: Uint32Array.from([3, 7]), ib: Uint32Array.from([1, 0]) };
    const c = toCorrespondences(a, b, m);
    expect(Array.from(c.a)).toEqual([a.xy[6], a.xy[7], a.xy[14], a.xy[15]]);
    expect(Array.from(c.b)).toEqual([b.xy[2], b.xy[3], b.xy[0], b.xy[1]]);
    expect(() =>
      toCorrespondences(a, b, { ia: Uint32Array.from([20]), ib: Uint32Array.from([0]) }),
    ).toThrow();
  });
});
