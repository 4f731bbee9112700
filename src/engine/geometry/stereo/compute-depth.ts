/**
 * Dense depth and confidence for every view: each view is swept against its best neighbour(s), each
 * neighbour is swept back against it, and the two winner maps are checked against each other (with two
 * sources, each pixel keeps the more confident). All of it stays on the GPU; each view's depth,
 * confidence and pointmap are read back once at the end.
 */
import { createBuffer, readBuffer, STORAGE } from '../../gpu/buffers';
import type { Camera } from '../camera';
import type { ViewGeometry } from '../types';
import { planeSet } from './homography';
import { chooseSources, depthRangeFromPoints, type SourceChoiceOptions } from './neighbours';
import { type ConfidenceOptions, DEFAULT_CONFIDENCE, DEFAULT_SWEEP, type SweepOptions } from './params';
import { DEFAULT_VOLUME_BYTES, PlaneSweep } from './plane-sweep';

export interface DepthInputView {
  camera: Camera;
  /** RGBA8, row-major, intrinsics.width × intrinsics.height. */
  image: Uint8ClampedArray | Uint8Array;
}

export interface ComputeDepthOptions {
  /** Sweep range: one [near, far] for every view, or one per view. */
  depthRange?: [number, number] | [number, number][];
  /** Or sparse world points (xyz packed) from which each view's range is derived (depthRangeFromPoints). */
  points?: ArrayLike<number>;
  /**
   * Source views per view (one index or a list, best first); chosen by baseline and overlap
   * (chooseSources, `sourceChoice.maxSources` of them) when absent.
   */
  sources?: (number | number[])[];
  sourceChoice?: SourceChoiceOptions;
  sweep?: Partial<SweepOptions>;
  confidence?: Partial<ConfidenceOptions>;
  /** Largest cost volume to allocate (bytes); the device limits cap it too. Above it, row bands. */
  volumeBudget?: number;
  /** Filled with seconds per step: `stereo i→j` per sweep, `stereo` (all sweeps), `stereo check`. */
  timings?: Record<string, number>;
  /** Keep per-pixel diagnostics (StereoViewGeometry.terms). */
  diagnostics?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface StereoViewGeometry extends ViewGeometry {
  /** The (best) view this one was matched against. */
  source: number;
  /** All views it was matched against; each pixel keeps its most confident match. */
  sources: number[];
  /** Sweep range used. */
  depthRange: [number, number];
  /**
   * With `diagnostics` (best source, or the source that won the pixel): 8 floats per pixel: reprojection
   * error (−1 where unchecked), consistency, ZNCC and margin terms, then the winner's raw depth, texture
   * term, margin (−1 at the range ends) and reference window σ.
   */
  terms?: Float32Array;
}

function rangesFor(views: DepthInputView[], options: ComputeDepthOptions): [number, number][] {
  const { depthRange, points } = options;
  if (depthRange) {
    if (typeof depthRange[0] === 'number') return views.map(() => depthRange as [number, number]);
    const per = depthRange as [number, number][];
    if (per.length !== views.length) throw new Error('computeDepth: one depth range per view expected');
    return per;
  }
  if (!points) throw new Error('computeDepth: give a depthRange or sparse points to derive it from');
  return views.map((v, i) => {
    const r = depthRangeFromPoints(v.camera, points);
    if (!r) throw new Error(`computeDepth: too few sparse points visible in view ${i} to bound its depth`);
    return r;
  });
}

const now = () => performance.now();

export async function computeDepth(
  device: GPUDevice,
  views: DepthInputView[],
  options: ComputeDepthOptions = {},
): Promise<StereoViewGeometry[]> {
  if (views.length < 2) throw new Error('computeDepth: stereo needs at least two views');
  for (const [i, v] of views.entries()) {
    const { width, height } = v.camera.intrinsics;
    if (v.image.length !== width * height * 4) {
      throw new Error(`computeDepth: view ${i} image is not ${width}×${height} RGBA`);
    }
  }
  const sweepOptions: SweepOptions = { ...DEFAULT_SWEEP, ...options.sweep };
  const confOptions: ConfidenceOptions = { ...DEFAULT_CONFIDENCE, ...options.confidence };
  const ranges = rangesFor(views, options);
  const cameras = views.map((v) => v.camera);
  const sources = (options.sources ?? chooseSources(cameras, ranges, options.sourceChoice)).map((s) =>
    typeof s === 'number' ? [s] : s,
  );
  if (sources.length !== views.length) throw new Error('computeDepth: one source list per view expected');
  const timings = options.timings;

  // Every view against its sources, and every source back against that view (for the left-right check).
  const pairs = new Map<string, [number, number]>();
  sources.forEach((list, i) => {
    if (list.length === 0) throw new Error(`computeDepth: no source for view ${i}`);
    for (const s of list) {
      if (s === i || !(s >= 0 && s < views.length))
        throw new Error(`computeDepth: bad source ${s} for view ${i}`);
      pairs.set(`${i}>${s}`, [i, s]);
      pairs.set(`${s}>${i}`, [s, i]);
    }
  });

  const sweep = new PlaneSweep(device, options.volumeBudget ?? DEFAULT_VOLUME_BYTES);
  const grays = views.map((v, i) => {
    const n = v.image.length / 4;
    return createBuffer(device, `gray ${i}`, n * 4, STORAGE);
  });
  const results = new Map<string, GPUBuffer>();
  const owned: GPUBuffer[] = [...grays];
  try {
    const encoder = device.createCommandEncoder({ label: 'stereo gray' });
    for (const [i, v] of views.entries()) {
      const n = v.image.length / 4;
      // Packed u32 per pixel (r in the low byte); copy when the view's bytes are not 4-aligned.
      const bytes = v.image.byteOffset % 4 === 0 ? v.image : new Uint8Array(v.image);
      const rgba = createBuffer(device, `rgba ${i}`, new Uint32Array(bytes.buffer, bytes.byteOffset, n));
      owned.push(rgba);
      sweep.encodeGray(encoder, rgba, grays[i], n);
    }
    device.queue.submit([encoder.finish()]);

    const total = pairs.size + views.length;
    let done = 0;
    let sweepSeconds = 0;
    for (const [key, [r, s]] of pairs) {
      const { width, height } = cameras[r].intrinsics;
      const result = createBuffer(device, `stereo result ${key}`, width * height * 16, STORAGE);
      owned.push(result);
      results.set(key, result);
      const start = now();
      const enc = device.createCommandEncoder({ label: `stereo ${key}` });
      const set = planeSet(ranges[r][0], ranges[r][1], sweepOptions.planes);
      sweep.encodeSweep(
        enc,
        { ref: cameras[r], src: cameras[s], refGray: grays[r], srcGray: grays[s], set },
        result,
        sweepOptions,
      );
      device.queue.submit([enc.finish()]);
      // One sweep at a time: bounds memory and keeps each submission short (GPU watchdogs).
      await device.queue.onSubmittedWorkDone();
      sweep.releaseUniforms();
      const seconds = (now() - start) / 1000;
      sweepSeconds += seconds;
      if (timings) timings[`stereo ${r}→${s}`] = seconds;
      options.onProgress?.(++done, total);
    }
    if (timings) timings.stereo = sweepSeconds;

    const start = now();
    const out: StereoViewGeometry[] = [];
    for (const [i, v] of views.entries()) {
      const cam = cameras[i];
      const n = cam.intrinsics.width * cam.intrinsics.height;
      const bufs = {
        depth: createBuffer(device, 'depth', n * 4, STORAGE),
        confidence: createBuffer(device, 'confidence', n * 4, STORAGE),
        points: createBuffer(device, 'points', n * 12, STORAGE),
        terms: createBuffer(device, 'terms', n * 32, STORAGE),
      };
      owned.push(...Object.values(bufs));
      const enc = device.createCommandEncoder({ label: `stereo check ${i}` });
      sources[i].forEach((s, k) => {
        const forward = results.get(`${i}>${s}`)!;
        sweep.encodeCheck(enc, cam, cameras[s], forward, results.get(`${s}>${i}`)!, bufs, confOptions, k > 0);
      });
      device.queue.submit([enc.finish()]);
      const [depth, confidence, pointmap, terms] = await Promise.all([
        readBuffer(device, bufs.depth, n * 4),
        readBuffer(device, bufs.confidence, n * 4),
        readBuffer(device, bufs.points, n * 12),
        options.diagnostics ? readBuffer(device, bufs.terms, n * 32) : Promise.resolve(null),
      ]);
      sweep.releaseUniforms();
      out.push({
        camera: cam,
        colors: new Uint8ClampedArray(v.image),
        depth: new Float32Array(depth),
        pointmap: new Float32Array(pointmap),
        confidence: new Float32Array(confidence),
        source: sources[i][0],
        sources: sources[i],
        depthRange: ranges[i],
        ...(terms ? { terms: new Float32Array(terms) } : {}),
      });
      options.onProgress?.(++done, total);
    }
    if (timings) timings['stereo check'] = (now() - start) / 1000;
    return out;
  } finally {
    sweep.destroy();
    for (const b of owned) b.destroy();
  }
}
