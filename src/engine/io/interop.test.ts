/**
 * Our .ply/.splat against an independent, widely used implementation: PlayCanvas splat-transform (the
 * library behind SuperSplat), pinned as a devDependency. Its readers see our files; our reader sees its
 * writer's output.
 */
import {
  Column,
  DataTable,
  getSHBands,
  MemoryFileSystem,
  MemoryReadFileSystem,
  processDataTable,
  readPly as stReadPly,
  readSplat as stReadSplat,
  writePly as stWritePly,
} from '@playcanvas/splat-transform';
import { describe, expect, it } from 'vitest';
import { type GaussianCloud, SH_C0, shCoeffs, sigmoid } from '../splats/cloud';
import { readPly, writePly } from './ply';
import { writeSplat } from './splat';
import { randomCloud } from './test-clouds';

async function source(name: string, bytes: Uint8Array) {
  const fs = new MemoryReadFileSystem();
  fs.set(name, bytes);
  return fs.createSource(name);
}

const col = (t: DataTable, name: string): ArrayLike<number> => {
  const c = t.getColumnByName(name);
  if (!c) throw new Error(`splat-transform table has no column '${name}'`);
  return c.data;
};

/** Checks a splat-transform table holds `cloud` exactly (f32), with f_rest read channel-major. */
function expectTableMatches(t: DataTable, cloud: GaussianCloud): void {
  const n = cloud.count;
  const K = shCoeffs(cloud.shDegree);
  expect(t.numRows).toBe(n);
  const same = (name: string, get: (i: number) => number) => {
    const data = col(t, name);
    for (let i = 0; i < n; i++) expect(data[i], `${name}[${i}]`).toBe(get(i));
  };
  ['x', 'y', 'z'].forEach((a, k) => {
    same(a, (i) => cloud.means[i * 3 + k]);
  });
  for (let k = 0; k < 3; k++) same(`scale_${k}`, (i) => cloud.logScales[i * 3 + k]);
  for (let k = 0; k < 4; k++) same(`rot_${k}`, (i) => cloud.rotations[i * 4 + k]);
  same('opacity', (i) => cloud.opacityLogits[i]);
  for (let c = 0; c < 3; c++) {
    same(`f_dc_${c}`, (i) => cloud.sh[i * K * 3 + c]);
    for (let k = 1; k < K; k++) same(`f_rest_${c * (K - 1) + k - 1}`, (i) => cloud.sh[(i * K + k) * 3 + c]);
  }
}

describe('interop with @playcanvas/splat-transform', () => {
  for (const degree of [0, 1, 2, 3]) {
    it(`reads our .ply (SH degree ${degree})`, async () => {
      const cloud = randomCloud(200, degree, 100 + degree);
      const table = await stReadPly(await source('scene.ply', writePly(cloud)));
      expect(getSHBands(table)).toBe(degree);
      expectTableMatches(table, cloud);
    });
  }

  it('agrees on the channel-major f_rest layout when dropping SH bands', async () => {
    // splat-transform's filterBands remaps f_rest by its own (channel-major) understanding. Dropping our
    // degree-3 file to 1 band must give exactly our degree-1 coefficients.
    const cloud = randomCloud(50, 3, 7);
    const table = await stReadPly(await source('scene.ply', writePly(cloud)));
    const reduced = await processDataTable(table, [{ kind: 'filterBands', value: 1 }]);
    expect(getSHBands(reduced)).toBe(1);
    const deg1 = { ...cloud, shDegree: 1, sh: new Float32Array(cloud.count * 4 * 3) };
    for (let i = 0; i < cloud.count; i++) deg1.sh.set(cloud.sh.subarray(i * 48, i * 48 + 12), i * 12);
    expectTableMatches(reduced, deg1);
  });

  it('reads our .splat: positions, scales, colours, opacities, rotations', async () => {
    const cloud = randomCloud(300, 2, 5);
    const K = shCoeffs(2);
    const bytes = writeSplat(cloud);
    const t = await stReadSplat(await source('scene.splat', bytes));
    expect(t.numRows).toBe(cloud.count);
    // Match rows to splats by exact position (the writer reorders).
    const index = new Map<string, number>();
    for (let i = 0; i < cloud.count; i++)
      index.set(Array.from(cloud.means.subarray(i * 3, i * 3 + 3)).join(), i);
    const [x, y, z] = ['x', 'y', 'z'].map((n) => col(t, n));
    for (let r = 0; r < t.numRows; r++) {
      const i = index.get([x[r], y[r], z[r]].join());
      expect(i, `row ${r} position`).toBeDefined();
      const s = i!;
      for (let a = 0; a < 3; a++) {
        expect(col(t, `scale_${a}`)[r]).toBeCloseTo(cloud.logScales[s * 3 + a], 5);
        const rgb = Math.min(Math.max(0.5 + SH_C0 * cloud.sh[s * K * 3 + a], 0), 1);
        expect(Math.abs(0.5 + SH_C0 * col(t, `f_dc_${a}`)[r] - rgb)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      }
      expect(Math.abs(sigmoid(col(t, 'opacity')[r]) - sigmoid(cloud.opacityLogits[s]))).toBeLessThanOrEqual(
        0.5 / 255 + 1e-6,
      );
      // splat-transform decodes bytes as b/255·2−1 (we use (b−128)/128): allow both quantisations.
      const q = Array.from(cloud.rotations.subarray(s * 4, s * 4 + 4));
      const len = Math.hypot(...q);
      for (let a = 0; a < 4; a++) expect(Math.abs(col(t, `rot_${a}`)[r] - q[a] / len)).toBeLessThan(0.02);
    }
  });

  it("our reader reads splat-transform's .ply (reordered columns, extra uchar column)", async () => {
    const cloud = randomCloud(64, 3, 21);
    const table = await stReadPly(await source('scene.ply', writePly(cloud)));
    // Rebuild with columns reversed and an extra uint8 property, keeping the table's (PLY) space.
    const columns = [...table.columns].reverse().map((c) => new Column(c.name, c.data));
    columns.splice(5, 0, new Column('red', new Uint8Array(cloud.count).fill(9)));
    const fs = new MemoryFileSystem();
    await stWritePly(
      {
        filename: 'out.ply',
        plyData: {
          comments: ['written by splat-transform'],
          elements: [{ name: 'vertex', dataTable: new DataTable(columns, table.transform) }],
        },
      },
      fs,
    );
    const bytes = fs.results.get('out.ply');
    expect(bytes).toBeDefined();
    const back = readPly(bytes!);
    expect(back.shDegree).toBe(3);
    for (const key of ['means', 'logScales', 'rotations', 'opacityLogits', 'sh'] as const) {
      expect(Array.from(back[key]), key).toEqual(Array.from(cloud[key]));
    }
  });
});
