/**
 * Brute-force descriptor matching on the GPU (shaders/features/match.wgsl): nearest and second-nearest
 * neighbour of every descriptor of A in B, and of B in A for the mutual check (from the same distances,
 * one pass), Lowe's ratio test, mutual check, compaction. Results are read back once, ordered by index
 * in A.
 */
import dispatchWgsl from '../../../../shaders/common/dispatch.wgsl?raw';
import matchWgsl from '../../../../shaders/features/match.wgsl?raw';
import { createBuffer, STORAGE, UNIFORM, USAGE } from '../../gpu/buffers';
import { GPU_CONSTANTS } from '../../gpu/constants';
import { splitDispatch } from '../../gpu/dispatch';
import { bindMap, computePipeline } from '../../gpu/pipelines';
import type { Features, MatchOptions, MatchResult } from './types';

const { MATCH_WG, MATCH_MAX_DIM, WG_SIZE } = GPU_CONSTANTS;
const SOURCES = [dispatchWgsl, matchWgsl];
const NONE = 0xffffffff;

const empty = (): MatchResult => ({
  ia: new Uint32Array(0),
  ib: new Uint32Array(0),
  distance: new Float32Array(0),
});

function checkDims(a: Features, b: Features): number {
  const d = a.descDim;
  if (d !== b.descDim) throw new Error(`Matcher: descriptor sizes differ (${d} vs ${b.descDim})`);
  if (d < 4 || d % 4 !== 0 || d > MATCH_MAX_DIM)
    throw new Error(`Matcher: descriptor size ${d} must be a multiple of 4 in 4..${MATCH_MAX_DIM}`);
  for (const f of [a, b])
    if (f.desc.length < f.count * d) throw new Error('Matcher: desc holds fewer than count × descDim values');
  return d;
}

export class Matcher {
  private readonly device: GPUDevice;
  private readonly nearest: GPUComputePipeline;
  private readonly filter: GPUComputePipeline;
  private readonly columns: GPUComputePipeline;
  private readonly maxPartialBytes: number;

  /** `maxPartialBytes` (default: the device's binding limit) caps the one-pass mutual path's scratch. */
  constructor(device: GPUDevice, options: { maxPartialBytes?: number } = {}) {
    this.device = device;
    this.maxPartialBytes = Math.min(
      options.maxPartialBytes ?? Number.POSITIVE_INFINITY,
      device.limits.maxStorageBufferBindingSize,
      device.limits.maxBufferSize,
    );
    this.nearest = computePipeline(device, {
      label: 'features/match',
      sources: SOURCES,
      entryPoint: 'nearest',
    });
    this.columns = computePipeline(device, {
      label: 'features/match',
      sources: SOURCES,
      entryPoint: 'reduce_columns',
    });
    this.filter = computePipeline(device, {
      label: 'features/match',
      sources: SOURCES,
      entryPoint: 'filter_matches',
    });
  }

  async match(a: Features, b: Features, opts: MatchOptions = {}): Promise<MatchResult> {
    const dim = checkDims(a, b);
    const ratio = opts.ratio ?? 0.8;
    const mutual = opts.mutual ?? true;
    if (a.count === 0 || b.count === 0) return empty();
    const device = this.device;
    const owned: GPUBuffer[] = [];
    const buffer = (label: string, data: number | ArrayBufferView, usage = STORAGE) => {
      const buf = createBuffer(device, label, data, usage);
      owned.push(buf);
      return buf;
    };
    try {
      const descA = buffer('match desc A', a.desc.subarray(0, a.count * dim));
      const descB = buffer('match desc B', b.desc.subarray(0, b.count * dim));
      const ab = buffer('match A→B', a.count * 16);
      const ba = buffer('match B→A', mutual ? b.count * 16 : 16);
      const out = buffer('matches', a.count * 16);
      const count = buffer('match count', 4);
      const ratio2 = new Float32Array([ratio * ratio]);
      const fp = new Uint32Array([a.count, mutual ? 1 : 0, new Uint32Array(ratio2.buffer)[0], 0]);
      const fparams = buffer('match filter params', fp, UNIFORM);

      // One pass gives both directions when the per-group column partials fit in a binding; else
      // B→A is a second nearest pass with the roles swapped.
      const groups = Math.ceil(a.count / MATCH_WG);
      const onePass = mutual && groups * b.count * 16 <= this.maxPartialBytes;
      const partial = buffer('match column partials', onePass ? groups * b.count * 16 : 16);
      const encoder = device.createCommandEncoder({ label: 'features: match' });
      const pass = encoder.beginComputePass({ label: 'features: match' });
      const nearest = (q: GPUBuffer, nq: number, r: GPUBuffer, nr: number, dst: GPUBuffer, cols: boolean) => {
        const params = buffer('match params', new Uint32Array([nq, nr, dim / 4, cols ? 1 : 0]), UNIFORM);
        pass.setPipeline(this.nearest);
        pass.setBindGroup(0, bindMap(device, this.nearest, { 0: params, 1: q, 2: r, 3: dst, 9: partial }));
        pass.dispatchWorkgroups(...splitDispatch(Math.ceil(nq / MATCH_WG)));
        return params;
      };
      const params = nearest(descA, a.count, descB, b.count, ab, onePass);
      if (onePass) {
        pass.setPipeline(this.columns);
        pass.setBindGroup(0, bindMap(device, this.columns, { 0: params, 6: ba, 9: partial }));
        pass.dispatchWorkgroups(...splitDispatch(Math.ceil(b.count / WG_SIZE)));
      } else if (mutual) {
        nearest(descB, b.count, descA, a.count, ba, false);
      }
      pass.setPipeline(this.filter);
      pass.setBindGroup(0, bindMap(device, this.filter, { 4: fparams, 5: ab, 6: ba, 7: out, 8: count }));
      pass.dispatchWorkgroups(...splitDispatch(Math.ceil(a.count / WG_SIZE)));
      pass.end();
      const staging = buffer('match readback', 16 + out.size, USAGE.MAP_READ | USAGE.COPY_DST);
      encoder.copyBufferToBuffer(count, 0, staging, 0, 4);
      encoder.copyBufferToBuffer(out, 0, staging, 16, out.size);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const all = staging.getMappedRange();
      const n = new Uint32Array(all, 0, 1)[0];
      const recU = new Uint32Array(all, 16, n * 4);
      const recF = new Float32Array(all, 16, n * 4);
      const order = Array.from({ length: n }, (_, k) => k).sort((p, q) => recU[4 * p] - recU[4 * q]);
      const result: MatchResult = {
        ia: new Uint32Array(n),
        ib: new Uint32Array(n),
        distance: new Float32Array(n),
      };
      order.forEach((k, i) => {
        result.ia[i] = recU[4 * k];
        result.ib[i] = recU[4 * k + 1];
        result.distance[i] = recF[4 * k + 2];
      });
      staging.unmap();
      return result;
    } finally {
      for (const buf of owned) buf.destroy();
    }
  }
}

/** Nearest, second-nearest squared distance and index of each query, in f32 like the GPU. */
function nearestReference(q: Float32Array, nq: number, r: Float32Array, nr: number, dim: number) {
  const f = Math.fround;
  const out: { index: number; best: number; second: number }[] = [];
  for (let i = 0; i < nq; i++) {
    let best = Math.fround(3.4e38);
    let second = best;
    let index = NONE;
    for (let j = 0; j < nr; j++) {
      let acc = 0;
      for (let k = 0; k < dim; k += 4) {
        let dot = 0;
        for (let c = 0; c < 4; c++) {
          const d = f(q[i * dim + k + c] - r[j * dim + k + c]);
          dot = f(dot + f(d * d));
        }
        acc = f(acc + dot);
      }
      if (acc < best) {
        second = best;
        best = acc;
        index = j;
      } else if (acc < second) second = acc;
    }
    out.push({ index, best, second });
  }
  return out;
}

/** Plain-TypeScript reference of Matcher.match (same ties, same f32 comparisons). */
export function matchReference(a: Features, b: Features, opts: MatchOptions = {}): MatchResult {
  const dim = checkDims(a, b);
  const ratio2 = Math.fround((opts.ratio ?? 0.8) ** 2);
  const mutual = opts.mutual ?? true;
  const ab = nearestReference(a.desc, a.count, b.desc, b.count, dim);
  const ba = mutual ? nearestReference(b.desc, b.count, a.desc, a.count, dim) : [];
  const ia: number[] = [];
  const ib: number[] = [];
  const distance: number[] = [];
  ab.forEach((m, i) => {
    if (m.index === NONE || !(m.best < Math.fround(ratio2 * m.second))) return;
    if (mutual && ba[m.index].index !== i) return;
    ia.push(i);
    ib.push(m.index);
    distance.push(Math.sqrt(m.best));
  });
  return { ia: Uint32Array.from(ia), ib: Uint32Array.from(ib), distance: Float32Array.from(distance) };
}
