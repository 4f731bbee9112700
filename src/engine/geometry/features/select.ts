/**
 * Spatially well-distributed top-K selection of DoG candidates on the GPU (shaders/features/select.wgsl).
 * The image is cut into grid cells; every candidate gets its rank by response inside its cell, and the
 * K smallest keys (rank, then response) are kept: each cell's best first, then each cell's second best,
 * and so on, so textured corners cannot starve the rest of the image of keypoints. The K-th key is found
 * by a 4-pass radix select (8 bits a pass) and survivors are compacted with an atomic counter. Counts stay
 * on the GPU: candidate-sized kernels run by indirect dispatch.
 */
import dispatchWgsl from '../../../../shaders/common/dispatch.wgsl?raw';
import commonWgsl from '../../../../shaders/features/common.wgsl?raw';
import selectWgsl from '../../../../shaders/features/select.wgsl?raw';
import { createBuffer, STORAGE, UNIFORM } from '../../gpu/buffers';
import { GPU_CONSTANTS } from '../../gpu/constants';
import { bindMap, computePipeline } from '../../gpu/pipelines';
import { PrefixSum } from '../../sort/prefix-sum';

const { FEAT_SCALES, FEAT_SELECT_BINS } = GPU_CONSTANTS;
const SOURCES = [dispatchWgsl, commonWgsl, selectWgsl];

/** Bytes of a Candidate / Feature record (8 words). */
export const RECORD_BYTES = 32;
/** The indirect-args buffer (written by select.wgsl): its size and each dispatch's byte offset. */
export const ARGS_WORDS = GPU_CONSTANTS.FEAT_ARGS_WORDS;
export const ARGS_ORIENT_OFFSET = 4 * GPU_CONSTANTS.FEAT_ARGS_ORIENT;
export const ARGS_DESCRIBE_OFFSET = 4 * GPU_CONSTANTS.FEAT_ARGS_DESCRIBE;
export const ARGS_NORMALISE_OFFSET = 4 * GPU_CONSTANTS.FEAT_ARGS_NORMALISE;
export const ARGS_SAMPLE_OFFSET = 4 * GPU_CONSTANTS.FEAT_ARGS_SAMPLE;

/** Buffers the feature kernels share (see shaders/features/common.wgsl for the records). */
export interface FeatureBuffers {
  counters: GPUBuffer;
  /** DoG candidates, `capacity` records. */
  cands: GPUBuffer;
  capacity: number;
  /** Selected keypoints, `target` records. */
  kps: GPUBuffer;
  target: number;
  /** Oriented keypoints (selected ones, then extra orientations), `maxFeatures` records. */
  maxFeatures: number;
  args: GPUBuffer;
}

export interface Grid {
  cols: number;
  rows: number;
  /** Cell edge in base-image pixels. */
  cellSize: number;
}

/** About `perCell` selected keypoints a cell on average when the image is evenly textured. */
export function gridFor(width: number, height: number, target: number, perCell = 8): Grid {
  const cellSize = Math.max(8, Math.round(Math.sqrt((width * height * perCell) / Math.max(target, 1))));
  return { cols: Math.ceil(width / cellSize), rows: Math.ceil(height / cellSize), cellSize };
}

export interface DuplicateRule {
  /** Base pixels (Chebyshev): a weaker candidate this close, at a similar scale, is dropped. */
  distance: number;
  /** Octaves (|log2 scale ratio|). */
  scale: number;
}

export const DEFAULT_DUPLICATE: DuplicateRule = { distance: 1, scale: 0.5 / FEAT_SCALES };

export class GridSelect {
  readonly grid: Grid;
  private readonly bufs: FeatureBuffers;
  private readonly cellCount: GPUBuffer;
  private readonly cellStart: GPUBuffer;
  private readonly bucket: GPUBuffer;
  private readonly hist: GPUBuffer;
  private readonly params: GPUBuffer;
  private readonly scan: PrefixSum;
  private readonly groups: Map<string, { pipeline: GPUComputePipeline; group: GPUBindGroup }> = new Map();

  /** `firstOctave`: −1 when octave 0 of the candidates is the 2× enlarged image (see pyramid.ts). */
  constructor(
    device: GPUDevice,
    bufs: FeatureBuffers,
    grid: Grid,
    firstOctave = 0,
    dup: DuplicateRule = DEFAULT_DUPLICATE,
  ) {
    this.bufs = bufs;
    this.grid = grid;
    const cells = grid.cols * grid.rows;
    this.cellCount = createBuffer(device, 'feature cell counts', cells * 4, STORAGE);
    this.cellStart = createBuffer(device, 'feature cell starts', cells * 4, STORAGE);
    this.bucket = createBuffer(device, 'feature buckets', bufs.capacity * 4, STORAGE);
    this.hist = createBuffer(device, 'feature select histogram', FEAT_SELECT_BINS * 4, STORAGE);
    const p = new ArrayBuffer(32);
    new Uint32Array(p, 0, 4).set([bufs.capacity, bufs.target, bufs.maxFeatures, 0]);
    new Float32Array(p, 16, 4).set([dup.distance, dup.scale, firstOctave, 0]);
    this.params = createBuffer(device, 'feature select params', new Uint8Array(p), UNIFORM);
    this.scan = new PrefixSum(device, cells);
    const all = {
      0: this.params,
      1: bufs.counters,
      2: bufs.cands,
      3: this.cellCount,
      4: this.cellStart,
      5: this.bucket,
      6: this.hist,
      7: bufs.args,
      8: bufs.kps,
    };
    const pick = (...ids: (keyof typeof all)[]) => Object.fromEntries(ids.map((i) => [i, all[i]]));
    const uses: Record<string, Record<number, GPUBuffer>> = {
      start: pick(0, 1, 6, 7),
      scatter: pick(0, 1, 2, 4, 5),
      rank: pick(0, 1, 2, 3, 4, 5),
      histogram: pick(0, 1, 2, 6),
      choose: pick(1, 6),
      compact: pick(0, 1, 2, 8),
      orient_args: pick(1, 7),
      describe_args: pick(0, 1, 7),
    };
    for (const [entryPoint, entries] of Object.entries(uses)) {
      const pipeline = computePipeline(device, { label: 'features/select', sources: SOURCES, entryPoint });
      this.groups.set(entryPoint, { pipeline, group: bindMap(device, pipeline, entries) });
    }
  }

  /** The per-cell counter buffer the detector increments (cleared by `clear`). */
  get cellCounts(): GPUBuffer {
    return this.cellCount;
  }

  /** Before detection: zero the per-cell counters. */
  clear(encoder: GPUCommandEncoder): void {
    encoder.clearBuffer(this.cellCount);
  }

  /** After detection (outside a pass): exclusive scan of the per-cell counts into cell starts. */
  scanCells(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.cellCount, 0, this.cellStart, 0, this.cellCount.size);
    this.scan.encode(encoder, this.cellStart);
  }

  private run(pass: GPUComputePassEncoder, entryPoint: string, dispatch: number | { offset: number }) {
    const k = this.groups.get(entryPoint)!;
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, k.group);
    if (typeof dispatch === 'number') pass.dispatchWorkgroups(dispatch);
    else pass.dispatchWorkgroupsIndirect(this.bufs.args, dispatch.offset);
  }

  /** Rank, radix-select and compact the candidates into `kps` (counters: selected). */
  select(pass: GPUComputePassEncoder): void {
    const perCandidate = { offset: 0 };
    this.run(pass, 'start', 1);
    this.run(pass, 'scatter', perCandidate);
    this.run(pass, 'rank', perCandidate);
    for (let p = 0; p < 4; p++) {
      this.run(pass, 'histogram', perCandidate);
      this.run(pass, 'choose', 1);
    }
    this.run(pass, 'compact', perCandidate);
  }

  /** Indirect args of the orientation kernel (one workgroup a selected keypoint). */
  orientArgs(pass: GPUComputePassEncoder): void {
    this.run(pass, 'orient_args', 1);
  }

  /** Total oriented keypoints and the indirect args of the descriptor kernel. */
  describeArgs(pass: GPUComputePassEncoder): void {
    this.run(pass, 'describe_args', 1);
  }

  destroy(): void {
    for (const b of [this.cellCount, this.cellStart, this.bucket, this.hist, this.params]) b.destroy();
    this.scan.destroy();
  }
}

/** A candidate as the reference sees it (octave index space, like the GPU record). */
export interface CandidateRecord {
  x: number;
  y: number;
  level: number;
  response: number;
  octave: number;
  cell: number;
}

/**
 * Plain-TypeScript reference of the selection: indices of the selected candidates (unordered set
 * semantics; the GPU's order depends on atomics). Responses are quantised as on the GPU (24 bits).
 */
export function selectReference(
  cands: readonly CandidateRecord[],
  target: number,
  firstOctave = 0,
  dup: DuplicateRule = DEFAULT_DUPLICATE,
): number[] {
  const f32 = Math.fround;
  const byCell = new Map<number, number[]>();
  cands.forEach((c, i) => {
    const list = byCell.get(c.cell) ?? [];
    list.push(i);
    byCell.set(c.cell, list);
  });
  const base = (c: CandidateRecord) => {
    const k = 2 ** (c.octave + firstOctave);
    return [f32(f32(c.x * k) + 0.5), f32(f32(c.y * k) + 0.5)];
  };
  const logScale = (c: CandidateRecord) => f32(c.octave + f32(c.level / FEAT_SCALES));
  const keys: { i: number; key: number }[] = [];
  cands.forEach((me, i) => {
    const [px, py] = base(me);
    let better = 0;
    let duplicate = false;
    for (const j of byCell.get(me.cell)!) {
      const o = cands[j];
      if (o.response > me.response || (o.response === me.response && j < i)) {
        better++;
        const [ox, oy] = base(o);
        const d = Math.max(Math.abs(f32(ox - px)), Math.abs(f32(oy - py)));
        if (d <= dup.distance && Math.abs(f32(logScale(o) - logScale(me))) <= f32(dup.scale))
          duplicate = true;
      }
    }
    if (duplicate) return;
    const q = Math.trunc(f32(Math.min(Math.max(me.response, 0), 1) * 16777215));
    keys.push({ i, key: Math.min(better, 255) * 2 ** 24 + (16777215 - q) });
  });
  keys.sort((a, b) => a.key - b.key);
  return keys.slice(0, target).map((k) => k.i);
}
