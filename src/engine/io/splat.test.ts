import { describe, expect, it } from 'vitest';
import { emptyCloud, SH_C0, shCoeffs, sigmoid } from '../splats/cloud';
import {
  argsortDescending,
  readSplat,
  SPLAT_ROW_BYTES,
  SplatError,
  type SplatErrorKind,
  writeSplat,
} from './splat';
import { randomCloud, rng } from './test-clouds';

function expectSplatError(fn: () => unknown, kind: SplatErrorKind, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SplatError);
  expect((caught as SplatError).kind).toBe(kind);
  expect((caught as SplatError).message).toMatch(message);
}

describe('.splat', () => {
  it('encodes one splat byte by byte', () => {
    const c = emptyCloud(1, 0);
    c.means.set([1, -2, 3.5]);
    c.logScales.set([Math.log(0.5), Math.log(2), 0]);
    c.sh.set([0, (1 - 0.5) / SH_C0, (0.25 - 0.5) / SH_C0]); // RGB 0.5, 1, 0.25
    c.opacityLogits[0] = 0; // alpha 0.5
    c.rotations.set([2, 2, -2, 0]); // normalised (0.577, 0.577, −0.577, 0)
    const b = writeSplat(c);
    expect(b.length).toBe(32);
    const dv = new DataView(b.buffer);
    expect([0, 4, 8].map((o) => dv.getFloat32(o, true))).toEqual([1, -2, 3.5]);
    expect([12, 16, 20].map((o) => dv.getFloat32(o, true))).toEqual([0.5, 2, 1]);
    expect(Array.from(b.subarray(24, 28))).toEqual([128, 255, 64, 128]); // 127.5→128, 255, 63.75→64, 127.5→128
    const q = 1 / Math.sqrt(3);
    expect(Array.from(b.subarray(28, 32))).toEqual([
      Math.round(q * 128 + 128),
      Math.round(q * 128 + 128),
      Math.round(-q * 128 + 128),
      128,
    ]);
  });

  for (const degree of [0, 1, 2, 3]) {
    it(`round-trips within quantisation (input SH degree ${degree}, output degree 0)`, () => {
      const n = 300;
      const c = randomCloud(n, degree, 40 + degree);
      const back = readSplat(writeSplat(c));
      expect(back.count).toBe(n);
      expect(back.shDegree).toBe(0);
      // Rows are reordered; find each original by its (exact, f32) position.
      const index = new Map<string, number>();
      for (let i = 0; i < n; i++) index.set(Array.from(c.means.subarray(i * 3, i * 3 + 3)).join(','), i);
      const K = shCoeffs(degree);
      let prevKey = Infinity;
      for (let r = 0; r < n; r++) {
        const i = index.get(Array.from(back.means.subarray(r * 3, r * 3 + 3)).join(','));
        expect(i).toBeDefined();
        const s = i!;
        // Progressive order: volume × opacity of the ORIGINAL splats never increases.
        const key =
          Math.exp(c.logScales[s * 3] + c.logScales[s * 3 + 1] + c.logScales[s * 3 + 2]) *
          sigmoid(c.opacityLogits[s]);
        expect(key).toBeLessThanOrEqual(prevKey);
        prevKey = key;
        for (let a = 0; a < 3; a++) {
          expect(back.logScales[r * 3 + a]).toBeCloseTo(c.logScales[s * 3 + a], 5);
          const rgb = Math.min(Math.max(0.5 + SH_C0 * c.sh[s * K * 3 + a], 0), 1);
          expect(Math.abs(0.5 + SH_C0 * back.sh[r * 3 + a] - rgb)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
        }
        expect(Math.abs(sigmoid(back.opacityLogits[r]) - sigmoid(c.opacityLogits[s]))).toBeLessThanOrEqual(
          0.5 / 255 + 1e-6,
        );
        const q = Array.from(c.rotations.subarray(s * 4, s * 4 + 4));
        const len = Math.hypot(...q);
        const qb = Array.from(back.rotations.subarray(r * 4, r * 4 + 4));
        expect(Math.hypot(...qb)).toBeCloseTo(1, 5);
        // Per-component error ≤ half a step (1/256) plus renormalisation drift.
        for (let a = 0; a < 4; a++) expect(Math.abs(qb[a] - q[a] / len)).toBeLessThan(0.012);
      }
    });
  }

  it('is idempotent on its own output (write∘read∘write = write, unsorted)', () => {
    const c = randomCloud(100, 0, 9);
    c.opacityLogits[0] = 50; // alpha 255
    c.opacityLogits[1] = -50; // alpha 0
    const once = writeSplat(c, { sort: false });
    const twice = writeSplat(readSplat(once), { sort: false });
    expect(Array.from(twice)).toEqual(Array.from(once));
  });

  it('survives degenerate values', () => {
    const c = emptyCloud(2, 0); // zero quaternion, scale 1
    c.logScales[0] = -200; // underflows to a zero f32 scale
    const back = readSplat(writeSplat(c, { sort: false }));
    expect(Array.from(back.rotations.subarray(0, 4))).toEqual([1, 0, 0, 0]);
    expect(Number.isFinite(back.logScales[0])).toBe(true);
    expect(Array.from(back.opacityLogits).every(Number.isFinite)).toBe(true);
  });

  it('argsortDescending matches a stable comparator sort (ties, signs, infinities, tiny gaps)', () => {
    const r = rng(11);
    const pool = [0, 1, -1, 1e-300, -1e-300, Infinity, -Infinity, 3.5, 3.5 + 1e-15, -2.25, 1e300];
    const key = Float64Array.from({ length: 5000 }, (_, i) =>
      i % 3 === 0 ? pool[Math.floor(r() * pool.length)] : (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10),
    );
    const want = Array.from(key, (_, i) => i).sort((a, b) =>
      key[a] < key[b] ? 1 : key[a] > key[b] ? -1 : a - b,
    );
    expect(Array.from(argsortDescending(key))).toEqual(want);
  });

  it('rejects an empty file', () => {
    expectSplatError(() => readSplat(new Uint8Array(0)), 'empty', /empty/);
  });

  it('rejects a size that is not a multiple of 32', () => {
    const bytes = new Uint8Array(SPLAT_ROW_BYTES * 3 + 5);
    expectSplatError(() => readSplat(bytes), 'bad-size', /101 bytes \(5 bytes left over\)/);
  });
});
