/**
 * GPU plane-sweep stereo for one reference/source pair: grey conversion, ZNCC cost volume through the
 * plane homographies, semi-global aggregation, winner-take-all with sub-plane refinement, and the
 * left-right check that turns two winner maps into depth, confidence and a world pointmap.
 *
 * The cost volume (planes × width × rows f32, twice: raw and aggregated) is processed in row bands when
 * the whole image does not fit the device's binding limits or the memory budget; bands overlap by
 * BAND_OVERLAP rows so that every kept row has aggregation context on both sides.
 */
import commonWgsl from '../../../../shaders/common/dispatch.wgsl?raw';
import stereoCommonWgsl from '../../../../shaders/stereo/common.wgsl?raw';
import confidenceWgsl from '../../../../shaders/stereo/confidence.wgsl?raw';
import costWgsl from '../../../../shaders/stereo/cost.wgsl?raw';
import grayWgsl from '../../../../shaders/stereo/gray.wgsl?raw';
import refStatsWgsl from '../../../../shaders/stereo/ref_stats.wgsl?raw';
import sampleWgsl from '../../../../shaders/stereo/sample.wgsl?raw';
import sgmWgsl from '../../../../shaders/stereo/sgm.wgsl?raw';
import warpWgsl from '../../../../shaders/stereo/warp.wgsl?raw';
import wtaWgsl from '../../../../shaders/stereo/wta.wgsl?raw';
import { createBuffer, STORAGE, UNIFORM } from '../../gpu/buffers';
import { GPU_CONSTANTS } from '../../gpu/constants';
import { dispatch1D } from '../../gpu/dispatch';
import { bindBuffers, bindMap, computePipeline } from '../../gpu/pipelines';
import { type Camera, cameraFromWorld } from '../camera';
import { type Mat4, multiply } from '../mat4';
import { type PlaneSet, sourceFromReference, sweepHomography } from './homography';
import type { ConfidenceOptions, SweepOptions } from './params';
import { sgmDirections } from './reference';

const { STEREO_RADIUS, STEREO_MAX_PLANES, STEREO_LINES_WG, STEREO_SEGMENT } = GPU_CONSTANTS;

/** Rows shared by neighbouring bands (aggregation context on each side of a band's kept rows). */
export const BAND_OVERLAP = 16;
/** Default cap on one cost volume (two are live: raw and aggregated). */
export const DEFAULT_VOLUME_BYTES = 128 * 1024 * 1024;
/** Cap on the row-sum scratch of one chunk of planes (vec4 per plane and pixel). */
const ROW_SUM_BYTES = 32 * 1024 * 1024;

export interface Band {
  /** First image row of the band and its number of rows. */
  rowOffset: number;
  bandRows: number;
  /** Band-relative rows whose results the band writes: [keepBegin, keepEnd). */
  keepBegin: number;
  keepEnd: number;
}

/** Split `height` rows into overlapping bands whose volume (planes × width × rows × 4 B) ≤ maxBytes. */
export function planBands(width: number, height: number, planes: number, maxBytes: number): Band[] {
  const rowBytes = width * planes * 4;
  const maxRows = Math.floor(maxBytes / rowBytes);
  if (maxRows >= height) return [{ rowOffset: 0, bandRows: height, keepBegin: 0, keepEnd: height }];
  if (maxRows < 2 * BAND_OVERLAP + 8) {
    throw new Error(
      `plane sweep: a ${width}-pixel-wide, ${planes}-plane cost volume needs ${(((2 * BAND_OVERLAP + 8) * rowBytes) / 2 ** 20).toFixed(1)} MiB at least; the limit is ${(maxBytes / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  const bands: Band[] = [];
  let keepStart = 0;
  while (keepStart < height) {
    const rowOffset = Math.max(0, keepStart - BAND_OVERLAP);
    const bandRows = Math.min(maxRows, height - rowOffset);
    const keepEnd = rowOffset + bandRows === height ? height : rowOffset + bandRows - BAND_OVERLAP;
    bands.push({ rowOffset, bandRows, keepBegin: keepStart - rowOffset, keepEnd: keepEnd - rowOffset });
    keepStart = keepEnd;
  }
  return bands;
}

/** The largest single cost volume this device (and the budget) allows. */
export function volumeLimit(device: GPUDevice, budget = DEFAULT_VOLUME_BYTES): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize, budget);
}

/** The Sweep uniform (shaders/stereo/common.wgsl), 128 bytes. */
export function packSweep(
  ref: Camera,
  src: Camera,
  set: PlaneSet,
  band: Band,
  options: SweepOptions,
): ArrayBuffer {
  const data = new ArrayBuffer(128);
  const f = new Float32Array(data);
  const u = new Uint32Array(data);
  const { a, b } = sweepHomography(ref, src);
  for (let r = 0; r < 3; r++) {
    f[r * 4] = a[r * 3];
    f[r * 4 + 1] = a[r * 3 + 1];
    f[r * 4 + 2] = a[r * 3 + 2];
    f[r * 4 + 3] = b[r];
  }
  const kr = ref.intrinsics;
  const ks = src.intrinsics;
  u.set([kr.width, kr.height, ks.width, ks.height], 12);
  u.set([set.planes, band.rowOffset, band.bandRows, band.keepBegin], 16);
  u.set([band.keepEnd, options.paths, 0, 0], 20);
  f.set([set.rho0, set.drho, options.p1, options.p2], 24);
  f.set([options.p2Grad, options.znccEps, options.costOut, 0], 28);
  return data;
}

const rows3x4 = (m: Mat4): number[] => [
  m[0],
  m[4],
  m[8],
  m[12],
  m[1],
  m[5],
  m[9],
  m[13],
  m[2],
  m[6],
  m[10],
  m[14],
];

/** The Check uniform (shaders/stereo/confidence.wgsl), 224 bytes. */
export function packCheck(ref: Camera, src: Camera, options: ConfidenceOptions, merge = false): ArrayBuffer {
  const data = new ArrayBuffer(224);
  const f = new Float32Array(data);
  const u = new Uint32Array(data);
  const kr = ref.intrinsics;
  const ks = src.intrinsics;
  f.set([kr.fx, kr.fy, kr.cx, kr.cy, ks.fx, ks.fy, ks.cx, ks.cy], 0);
  f.set(rows3x4(sourceFromReference(ref, src)), 8);
  f.set(rows3x4(multiply(cameraFromWorld(ref), src.worldFromCamera)), 20);
  f.set(rows3x4(ref.worldFromCamera), 32);
  u.set([kr.width, kr.height, ks.width, ks.height], 44);
  f.set([options.lrTol, options.znccLo, options.znccHi, options.marginFull], 48);
  f.set([options.texLo, options.texHi], 52);
  u.set([merge ? 1 : 0, 0], 54);
  return data;
}

const uniform = (device: GPUDevice, label: string, data: ArrayBuffer) =>
  createBuffer(device, label, new Uint8Array(data), UNIFORM);

/** Per-view outputs of the check kernel. */
export interface CheckOutputs {
  depth: GPUBuffer;
  confidence: GPUBuffer;
  /** f32 xyz per pixel (NaN bits where unknown). */
  points: GPUBuffer;
  /** Two vec4 per pixel of diagnostics (see shaders/stereo/confidence.wgsl). */
  terms: GPUBuffer;
}

/**
 * The stereo kernels with their scratch volumes. Uniform buffers created while encoding are kept until
 * `releaseUniforms()` (after the submission that used them has completed) or `destroy()`.
 */
export class PlaneSweep {
  private readonly device: GPUDevice;
  private readonly maxVolumeBytes: number;
  private readonly pipelines: Record<
    'gray' | 'warp' | 'stats' | 'warpChunk' | 'rows' | 'cost' | 'sgm' | 'wta' | 'check',
    GPUComputePipeline
  >;
  private costVolume: GPUBuffer | null = null;
  private aggVolume: GPUBuffer | null = null;
  private rowSums: GPUBuffer | null = null;
  private warped: GPUBuffer | null = null;
  private refStats: GPUBuffer | null = null;
  private readonly directionUniforms = new Map<string, GPUBuffer>();
  private uniforms: GPUBuffer[] = [];

  constructor(device: GPUDevice, volumeBudget = DEFAULT_VOLUME_BYTES) {
    this.device = device;
    this.maxVolumeBytes = volumeLimit(device, volumeBudget);
    const kernel = (sources: string[], entryPoint: string) =>
      computePipeline(device, { label: `stereo ${entryPoint}`, sources, entryPoint });
    this.pipelines = {
      gray: kernel([commonWgsl, grayWgsl], 'to_gray'),
      warp: kernel([commonWgsl, stereoCommonWgsl, sampleWgsl, warpWgsl], 'warp_plane'),
      stats: kernel([commonWgsl, stereoCommonWgsl, refStatsWgsl], 'window_stats'),
      warpChunk: kernel([commonWgsl, stereoCommonWgsl, sampleWgsl, costWgsl], 'warp_chunk'),
      rows: kernel([commonWgsl, stereoCommonWgsl, sampleWgsl, costWgsl], 'row_sums'),
      cost: kernel([commonWgsl, stereoCommonWgsl, sampleWgsl, costWgsl], 'plane_cost'),
      sgm: kernel([stereoCommonWgsl, sgmWgsl], 'sgm_path'),
      wta: kernel([commonWgsl, stereoCommonWgsl, wtaWgsl], 'winner'),
      check: kernel([commonWgsl, confidenceWgsl], 'check'),
    };
  }

  /** Bands a sweep of this reference size and plane count is split into on this device. */
  bandsFor(width: number, height: number, planes: number): Band[] {
    return planBands(width, height, planes, this.maxVolumeBytes);
  }

  /** RGBA8 (packed u32 per pixel) → grey f32 per pixel. */
  encodeGray(encoder: GPUCommandEncoder, rgba: GPUBuffer, gray: GPUBuffer, count: number): void {
    const params = this.keep(uniform(this.device, 'gray count', new Uint32Array([count, 0, 0, 0]).buffer));
    const pass = encoder.beginComputePass({ label: 'stereo gray' });
    pass.setPipeline(this.pipelines.gray);
    pass.setBindGroup(0, bindBuffers(this.device, this.pipelines.gray, [rgba, gray, params]));
    dispatch1D(pass, count);
    pass.end();
  }

  /** Test/debug: the source warped through plane `d` into the reference, (value, inside) per pixel. */
  encodeWarp(
    encoder: GPUCommandEncoder,
    ref: Camera,
    src: Camera,
    srcGray: GPUBuffer,
    set: PlaneSet,
    d: number,
    out: GPUBuffer,
    options: SweepOptions,
  ): void {
    const { width, height } = ref.intrinsics;
    const band = { rowOffset: 0, bandRows: height, keepBegin: 0, keepEnd: height };
    const sweep = this.keep(uniform(this.device, 'sweep', packSweep(ref, src, set, band, options)));
    const plane = this.keep(uniform(this.device, 'plane', new Uint32Array([d, 0, 0, 0]).buffer));
    const pass = encoder.beginComputePass({ label: 'stereo warp' });
    pass.setPipeline(this.pipelines.warp);
    pass.setBindGroup(0, bindBuffers(this.device, this.pipelines.warp, [srcGray, out, sweep, plane]));
    dispatch1D(pass, width * height);
    pass.end();
  }

  /**
   * Sweep `ref` against `src` and write the winner map (vec4 per reference pixel: inverse depth, ZNCC,
   * margin or −1 at the range ends, window σ) into `result`. `debug` receives the last band's raw and aggregated volumes.
   */
  encodeSweep(
    encoder: GPUCommandEncoder,
    job: { ref: Camera; src: Camera; refGray: GPUBuffer; srcGray: GPUBuffer; set: PlaneSet },
    result: GPUBuffer,
    options: SweepOptions,
    debug?: { cost: GPUBuffer; agg: GPUBuffer },
  ): void {
    const { ref, src, refGray, srcGray, set } = job;
    if (set.planes > STEREO_MAX_PLANES) {
      throw new Error(`plane sweep: ${set.planes} planes exceed STEREO_MAX_PLANES (${STEREO_MAX_PLANES})`);
    }
    const { width, height } = ref.intrinsics;
    const bands = this.bandsFor(width, height, set.planes);
    const volumeBytes = Math.max(...bands.map((b) => b.bandRows)) * width * set.planes * 4;
    this.ensureVolumes(volumeBytes);
    const costVolume = this.costVolume!;
    const aggVolume = this.aggVolume!;
    const maxExtRows = Math.min(height, Math.max(...bands.map((b) => b.bandRows)) + 2 * STEREO_RADIUS);
    const chunkPlanes = Math.max(
      1,
      Math.min(
        set.planes,
        Math.floor(Math.min(ROW_SUM_BYTES, this.maxVolumeBytes) / (maxExtRows * width * 16)),
      ),
    );
    const rowSums = this.scratch('rowSums', chunkPlanes * maxExtRows * width * 16);
    const warped = this.scratch('warped', chunkPlanes * maxExtRows * width * 4);
    const refStats = this.scratch('refStats', width * height * 8);
    const directions = sgmDirections(options.paths);

    // Reference window statistics, once for all bands and planes.
    const whole = { rowOffset: 0, bandRows: height, keepBegin: 0, keepEnd: height };
    const statsParams = this.keep(uniform(this.device, 'sweep', packSweep(ref, src, set, whole, options)));
    const statsPass = encoder.beginComputePass({ label: 'stereo window stats' });
    statsPass.setPipeline(this.pipelines.stats);
    statsPass.setBindGroup(
      0,
      bindBuffers(this.device, this.pipelines.stats, [refGray, refStats, statsParams]),
    );
    dispatch1D(statsPass, width * height);
    statsPass.end();

    for (const band of bands) {
      const sweep = this.keep(uniform(this.device, 'sweep', packSweep(ref, src, set, band, options)));
      const bytes = band.bandRows * width * set.planes * 4;
      const extBegin = Math.max(0, band.rowOffset - STEREO_RADIUS);
      const extRows = Math.min(height, band.rowOffset + band.bandRows + STEREO_RADIUS) - extBegin;
      const pass = encoder.beginComputePass({ label: 'stereo sweep' });
      for (let first = 0; first < set.planes; first += chunkPlanes) {
        const count = Math.min(chunkPlanes, set.planes - first);
        const chunk = this.keep(
          uniform(this.device, 'chunk', new Uint32Array([first, count, extBegin, extRows]).buffer),
        );
        pass.setPipeline(this.pipelines.warpChunk);
        pass.setBindGroup(
          0,
          bindMap(this.device, this.pipelines.warpChunk, { 1: srcGray, 3: sweep, 4: chunk, 7: warped }),
        );
        dispatch1D(pass, count * extRows * width);
        pass.setPipeline(this.pipelines.rows);
        pass.setBindGroup(
          0,
          bindMap(this.device, this.pipelines.rows, {
            0: refGray,
            2: rowSums,
            3: sweep,
            4: chunk,
            7: warped,
          }),
        );
        dispatch1D(pass, count * extRows * Math.ceil(width / STEREO_SEGMENT));
        pass.setPipeline(this.pipelines.cost);
        pass.setBindGroup(
          0,
          bindMap(this.device, this.pipelines.cost, {
            2: rowSums,
            3: sweep,
            4: chunk,
            5: refStats,
            6: costVolume,
          }),
        );
        dispatch1D(pass, count * Math.ceil(band.bandRows / STEREO_SEGMENT) * width);
      }
      pass.setPipeline(this.pipelines.sgm);
      for (const [k, [dx, dy]] of directions.entries()) {
        const lines =
          (dy !== 0 ? width : 0) + (dx !== 0 ? (dy !== 0 ? band.bandRows - 1 : band.bandRows) : 0);
        const dir = this.direction(dx, dy, lines, k === 0);
        pass.setBindGroup(
          0,
          bindBuffers(this.device, this.pipelines.sgm, [costVolume, aggVolume, refGray, sweep, dir]),
        );
        pass.dispatchWorkgroups(Math.ceil(lines / STEREO_LINES_WG));
      }
      pass.setPipeline(this.pipelines.wta);
      pass.setBindGroup(
        0,
        bindBuffers(this.device, this.pipelines.wta, [costVolume, aggVolume, result, sweep, refStats]),
      );
      dispatch1D(pass, (band.keepEnd - band.keepBegin) * width);
      pass.end();
      if (debug) {
        encoder.copyBufferToBuffer(costVolume, 0, debug.cost, 0, bytes);
        encoder.copyBufferToBuffer(aggVolume, 0, debug.agg, 0, bytes);
      }
    }
  }

  /**
   * Left-right check of `ref`'s winner map against `src`'s (matched back against `ref`). With `merge`,
   * pixels keep the outputs already there unless this source gives a higher confidence.
   */
  encodeCheck(
    encoder: GPUCommandEncoder,
    ref: Camera,
    src: Camera,
    refResult: GPUBuffer,
    srcResult: GPUBuffer,
    out: CheckOutputs,
    options: ConfidenceOptions,
    merge = false,
  ): void {
    const params = this.keep(uniform(this.device, 'check', packCheck(ref, src, options, merge)));
    const pass = encoder.beginComputePass({ label: 'stereo check' });
    pass.setPipeline(this.pipelines.check);
    pass.setBindGroup(
      0,
      bindBuffers(this.device, this.pipelines.check, [
        refResult,
        srcResult,
        out.depth,
        out.confidence,
        out.points,
        out.terms,
        params,
      ]),
    );
    dispatch1D(pass, ref.intrinsics.width * ref.intrinsics.height);
    pass.end();
  }

  /** Free the uniform (and outgrown scratch) buffers of completed submissions. */
  releaseUniforms(): void {
    for (const b of this.uniforms) b.destroy();
    this.uniforms = [];
  }

  destroy(): void {
    this.releaseUniforms();
    this.costVolume?.destroy();
    this.aggVolume?.destroy();
    this.rowSums?.destroy();
    this.warped?.destroy();
    this.refStats?.destroy();
    for (const b of this.directionUniforms.values()) b.destroy();
    this.directionUniforms.clear();
  }

  private keep(buffer: GPUBuffer): GPUBuffer {
    this.uniforms.push(buffer);
    return buffer;
  }

  private direction(dx: number, dy: number, lines: number, first: boolean): GPUBuffer {
    const key = `${dx},${dy},${lines},${first}`;
    let buffer = this.directionUniforms.get(key);
    if (!buffer) {
      buffer = uniform(this.device, `sgm dir ${key}`, new Int32Array([dx, dy, lines, first ? 1 : 0]).buffer);
      this.directionUniforms.set(key, buffer);
    }
    return buffer;
  }

  /** A scratch buffer of at least `bytes`, grown (never shrunk) on demand. */
  private scratch(name: 'rowSums' | 'warped' | 'refStats', bytes: number): GPUBuffer {
    const current = this[name];
    if (current && current.size >= bytes) return current;
    if (current) this.uniforms.push(current);
    const buffer = createBuffer(this.device, `stereo ${name}`, bytes, STORAGE);
    this[name] = buffer;
    return buffer;
  }

  private ensureVolumes(bytes: number): void {
    if (this.costVolume && this.costVolume.size >= bytes) return;
    // Commands already encoded may still use the smaller pair: free them with the uniforms.
    if (this.costVolume) this.uniforms.push(this.costVolume);
    if (this.aggVolume) this.uniforms.push(this.aggVolume);
    this.costVolume = createBuffer(this.device, 'stereo cost volume', bytes, STORAGE);
    this.aggVolume = createBuffer(this.device, 'stereo aggregated volume', bytes, STORAGE);
  }
}
