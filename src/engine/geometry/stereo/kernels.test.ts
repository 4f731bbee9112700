/**
 * Each stereo kernel against its plain-TypeScript reference on a small synthetic pair (64×48): grey
 * conversion, the homography warp (reference computed through camera.ts, not the homography), the
 * ZNCC cost volume, semi-global aggregation (4 and 8 paths), winner-take-all, and band splitting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuffer, readF32, STORAGE } from '../../gpu/buffers';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import type { Camera } from '../camera';
import { makeSyntheticScene, renderView } from '../synthetic';
import { planeSet, warpReference } from './homography';
import { DEFAULT_SWEEP, type SweepOptions } from './params';
import { PlaneSweep, planBands } from './plane-sweep';
import { costReference, grayReference, sgmReference, winnerReference } from './reference';

let gpu: GpuContext;
let cams: Camera[];
let images: Uint8ClampedArray[];
const W = 64;
const H = 48;

beforeAll(async () => {
  gpu = await testGpu();
  const s = makeSyntheticScene({ seed: 1, views: 2, width: W, height: H });
  cams = s.cameras;
  images = cams.map((c) => renderView(s.scene, c, { samples: 1 }).rgba);
});
afterAll(() => gpu?.dispose());

const u32Of = (rgba: Uint8ClampedArray) => new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length / 4);

async function grayOnGpu(sweep: PlaneSweep, rgba: Uint8ClampedArray): Promise<GPUBuffer> {
  const device = gpu.device;
  const n = rgba.length / 4;
  const input = createBuffer(device, 'rgba', u32Of(rgba));
  const gray = createBuffer(device, 'gray', n * 4, STORAGE);
  const encoder = device.createCommandEncoder();
  sweep.encodeGray(encoder, input, gray, n);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  input.destroy();
  return gray;
}

/** Variance of the 7×7 window (edges replicated) around pixel i of a W×H image. */
function windowVar(img: Float32Array, i: number): number {
  const x = i % W;
  const y = Math.floor(i / W);
  let s = 0;
  let q = 0;
  for (let dy = -3; dy <= 3; dy++) {
    for (let dx = -3; dx <= 3; dx++) {
      const v = img[Math.min(Math.max(y + dy, 0), H - 1) * W + Math.min(Math.max(x + dx, 0), W - 1)];
      s += v;
      q += v * v;
    }
  }
  return Math.max(q / 49 - (s / 49) ** 2, 0);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('stereo kernels', () => {
  it('converts RGBA to grey like the reference', async () => {
    const sweep = new PlaneSweep(gpu.device);
    const gray = await grayOnGpu(sweep, images[0]);
    const got = await readF32(gpu.device, gray, W * H);
    expect(maxAbsDiff(got, grayReference(images[0], W * H))).toBeLessThan(1e-6);
    sweep.destroy();
  });

  it('warps the source through plane homographies like the camera-model reference', async () => {
    const device = gpu.device;
    const sweep = new PlaneSweep(device);
    const srcGray = grayReference(images[1], W * H);
    const srcBuf = createBuffer(device, 'src gray', srcGray);
    const set = planeSet(0.5, 2, 16);
    const out = createBuffer(device, 'warped', W * H * 8, STORAGE);
    let insideSeen = 0;
    for (const d of [0, 7, 15]) {
      const encoder = device.createCommandEncoder();
      sweep.encodeWarp(encoder, cams[0], cams[1], srcBuf, set, d, out, DEFAULT_SWEEP);
      device.queue.submit([encoder.finish()]);
      const got = await readF32(device, out, W * H * 2);
      const want = warpReference(cams[0], cams[1], srcGray, set, d);
      let insideMismatch = 0;
      let maxErr = 0;
      for (let i = 0; i < W * H; i++) {
        if ((got[2 * i + 1] === 1) !== (want.inside[i] === 1)) insideMismatch++;
        if (want.inside[i]) {
          insideSeen++;
          maxErr = Math.max(maxErr, Math.abs(got[2 * i] - want.value[i]));
        }
      }
      // f32 homography vs f64 camera maths: a pixel or two right on the image border may flip.
      expect(insideMismatch).toBeLessThanOrEqual(2);
      expect(maxErr).toBeLessThan(2e-3);
    }
    expect(insideSeen).toBeGreaterThan(W * H);
    sweep.destroy();
    srcBuf.destroy();
    out.destroy();
  });

  for (const paths of [4, 8] as const) {
    it(`computes ZNCC costs, ${paths}-path aggregation and the winner like the reference`, async () => {
      const device = gpu.device;
      const options: SweepOptions = { ...DEFAULT_SWEEP, paths };
      const sweep = new PlaneSweep(device);
      const refGray = grayReference(images[0], W * H);
      const srcGray = grayReference(images[1], W * H);
      const refBuf = createBuffer(device, 'ref gray', refGray);
      const srcBuf = createBuffer(device, 'src gray', srcGray);
      const set = planeSet(0.5, 2.5, 24);
      const volume = W * H * set.planes;
      const debug = {
        cost: createBuffer(device, 'cost copy', volume * 4, STORAGE),
        agg: createBuffer(device, 'agg copy', volume * 4, STORAGE),
      };
      const result = createBuffer(device, 'result', W * H * 16, STORAGE);
      const encoder = device.createCommandEncoder();
      const job = { ref: cams[0], src: cams[1], refGray: refBuf, srcGray: srcBuf, set };
      // Twice into the same scratch volumes: the second run must not see what the first left there.
      sweep.encodeSweep(encoder, job, result, options, debug);
      sweep.encodeSweep(encoder, job, result, options, debug);
      device.queue.submit([encoder.finish()]);
      const cost = await readF32(device, debug.cost, volume);
      const agg = await readF32(device, debug.agg, volume);
      const res = await readF32(device, result, W * H * 4);

      const wantCost = costReference(cams[0], cams[1], refGray, srcGray, set, options);
      expect(maxAbsDiff(cost, wantCost)).toBeLessThan(2e-3);
      // Aggregate the GPU's own costs, so that this checks the recurrence and not the cost twice.
      const wantAgg = sgmReference(cost, refGray, W, H, set.planes, options);
      let aggErr = 0;
      for (let i = 0; i < volume; i++)
        aggErr = Math.max(aggErr, Math.abs(agg[i] - wantAgg[i]) / (1 + wantAgg[i]));
      expect(aggErr).toBeLessThan(1e-4);
      const win = winnerReference(cost, agg, W * H, set, paths);
      let rhoErr = 0;
      let other = 0;
      let sigmaErr = 0;
      for (let i = 0; i < W * H; i++) {
        rhoErr = Math.max(rhoErr, Math.abs(res[4 * i] - win.rho[i]) / set.drho);
        other = Math.max(
          other,
          Math.abs(res[4 * i + 1] - win.zncc[i]),
          Math.abs(res[4 * i + 2] - win.margin[i]),
        );
        // σ = √variance: f32 cancellation in a flat window's variance (~1e-7) shows up as ~3e-4.
        sigmaErr = Math.max(sigmaErr, Math.abs(res[4 * i + 3] - Math.sqrt(windowVar(refGray, i))));
      }
      expect(rhoErr).toBeLessThan(1e-3);
      expect(other).toBeLessThan(1e-4);
      expect(sigmaErr).toBeLessThan(2e-3);
      sweep.destroy();
      for (const b of [refBuf, srcBuf, debug.cost, debug.agg, result]) b.destroy();
    });
  }

  it('plans overlapping bands that cover every row once', () => {
    for (const [h, maxRows] of [
      [384, 1000],
      [384, 100],
      [97, 41],
    ]) {
      const bands = planBands(10, h, 8, maxRows * 10 * 8 * 4);
      const kept = new Uint8Array(h);
      for (const b of bands) {
        expect(b.bandRows).toBeLessThanOrEqual(maxRows);
        expect(b.rowOffset + b.bandRows).toBeLessThanOrEqual(h);
        for (let y = b.keepBegin; y < b.keepEnd; y++) kept[b.rowOffset + y]++;
        if (b.rowOffset > 0) expect(b.keepBegin).toBeGreaterThanOrEqual(16);
        if (b.rowOffset + b.bandRows < h) expect(b.bandRows - b.keepEnd).toBeGreaterThanOrEqual(16);
      }
      expect(Array.from(kept).every((k) => k === 1)).toBe(true);
    }
    expect(() => planBands(1000, 100, 100, 1000 * 100 * 4 * 10)).toThrow(/MiB/);
  });
});
