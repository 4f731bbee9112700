import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera } from '../geometry/camera';
import { createBuffer, readF32, readU32, STORAGE } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { type GaussianCloud, shCoeffs } from './cloud';
import { orbitCamera, randomCloud, ringCameras, rng } from './random-scene';
import { Rasterizer } from './rasterizer';
import { type CloudLike, type RasterOptions, renderReference } from './reference';
import { GpuScene, SPLAT_PARAMS, type SplatParam } from './scene';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

/** L = Σ_pixels w·(r, g, b, alpha) with the reference renderer in double precision. */
function referenceLoss(cloud: CloudLike, camera: Camera, opts: RasterOptions, w: Float32Array): number {
  const img = renderReference(cloud, camera, opts);
  let loss = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    loss += w[4 * p] * img.rgb[3 * p] + w[4 * p + 1] * img.rgb[3 * p + 1] + w[4 * p + 2] * img.rgb[3 * p + 2];
    loss += w[4 * p + 3] * img.alpha[p];
  }
  return loss;
}

/** Central finite differences of every parameter of the chosen splats (double precision copies). */
function finiteDifferences(
  cloud: GaussianCloud,
  camera: Camera,
  opts: RasterOptions,
  w: Float32Array,
  splats: (i: number) => boolean = () => true,
  h = 1e-5,
) {
  const x: CloudLike & Record<SplatParam, Float64Array> = {
    count: cloud.count,
    shDegree: cloud.shDegree,
    means: Float64Array.from(cloud.means),
    logScales: Float64Array.from(cloud.logScales),
    rotations: Float64Array.from(cloud.rotations),
    opacityLogits: Float64Array.from(cloud.opacityLogits),
    sh: Float64Array.from(cloud.sh),
    renderMode: cloud.renderMode,
  };
  const out = {} as Record<SplatParam, Float64Array>;
  for (const name of SPLAT_PARAMS) {
    const a = x[name];
    out[name] = new Float64Array(a.length);
    const per = a.length / cloud.count;
    for (let i = 0; i < a.length; i++) {
      if (!splats(Math.floor(i / per))) continue;
      const v = a[i];
      a[i] = v + h;
      const up = referenceLoss(x, camera, opts, w);
      a[i] = v - h;
      const down = referenceLoss(x, camera, opts, w);
      a[i] = v;
      out[name][i] = (up - down) / (2 * h);
    }
  }
  return out;
}

async function gpuGradients(cloud: GaussianCloud, camera: Camera, opts: RasterOptions, w: Float32Array) {
  const device = gpu.device;
  const { width, height } = camera.intrinsics;
  const scene = GpuScene.fromCloud(device, cloud);
  const raster = new Rasterizer(device, { maxSplats: cloud.count, width, height });
  const gradImage = createBuffer(device, 'grad image', w, STORAGE);
  const encoder = device.createCommandEncoder();
  raster.forward(encoder, scene, camera, opts);
  raster.backward(encoder, scene, gradImage);
  device.queue.submit([encoder.finish()]);
  const grads = await scene.downloadGradients();
  raster.destroy();
  scene.destroy();
  gradImage.destroy();
  return grads;
}

interface Agreement {
  checked: number;
  good: number;
  worst: number;
}

/** Entries whose FD gradient is above `floor`·max|FD| of the group, and how many agree within `tol`. */
function agreement(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  pick: (i: number) => boolean,
  tol = 1e-2,
) {
  let max = 0;
  for (let i = 0; i < want.length; i++) if (pick(i)) max = Math.max(max, Math.abs(want[i]));
  const res: Agreement = { checked: 0, good: 0, worst: 0 };
  for (let i = 0; i < want.length; i++) {
    if (!pick(i) || Math.abs(want[i]) < 1e-4 * max) continue;
    const rel = Math.abs(got[i] - want[i]) / Math.abs(want[i]);
    res.checked++;
    if (rel <= tol) res.good++;
    res.worst = Math.max(res.worst, rel);
  }
  return res;
}

function randomWeights(pixels: number, seed: number): Float32Array {
  const u = rng(seed);
  return Float32Array.from({ length: pixels * 4 }, () => 2 * u() - 1);
}

/** A small scene plus two big splats centred beside the view, where the tx/tz clamp acts. */
function gradientScene(minScale = 0.06): GaussianCloud {
  const base = randomCloud(40, 3, 21, {
    opacityLogit: [-1.5, 2.5],
    logScale: [Math.log(minScale), Math.log(0.3)],
  });
  const extra = 2;
  const n = base.count + extra;
  const k = shCoeffs(3) * 3;
  const grow = (a: Float32Array, per: number) => {
    const b = new Float32Array(n * per);
    b.set(a);
    return b;
  };
  const cloud: GaussianCloud = {
    count: n,
    shDegree: 3,
    means: grow(base.means, 3),
    logScales: grow(base.logScales, 3),
    rotations: grow(base.rotations, 4),
    opacityLogits: grow(base.opacityLogits, 1),
    sh: grow(base.sh, k),
  };
  // Camera at (0, 0, −3) looking at +z: x/z = ±0.95 is beyond 1.3·tan(30°) ≈ 0.75.
  const side = [
    [2.85, 0.2, 0],
    [-2.85, -0.3, 0.2],
  ];
  side.forEach((m, j) => {
    const i = base.count + j;
    cloud.means.set(m, 3 * i);
    cloud.logScales.set([Math.log(0.9), Math.log(0.5), Math.log(0.4)], 3 * i);
    cloud.rotations.set([0.9, 0.1, 0.3, -0.2], 4 * i);
    cloud.opacityLogits[i] = 0.5;
    cloud.sh.set([0.6, -0.4, 0.2], i * k);
  });
  return cloud;
}

describe('splat rasterizer backward', () => {
  // Mip mode with splats down to ~0.4 px σ, where the opacity compensation is far from 1 and its
  // gradient reaches the covariance.
  it.each([
    ['classic', 0.06],
    ['mip', 0.02],
  ] as const)(
    'matches central finite differences of the reference for every parameter type (%s mode)',
    async (mode, minScale) => {
      const cloud = { ...gradientScene(minScale), renderMode: mode };
      const camera = orbitCamera(64, 48, [0, 0, -3], [0, 0, 0], 60, [30.5, 25]);
      const opts: RasterOptions = { background: [0.3, 0.2, 0.1], shDegree: 3, near: 0.05 };
      const w = randomWeights(64 * 48, 5);
      const got = await gpuGradients(cloud, camera, opts, w);
      const want = finiteDifferences(cloud, camera, opts, w);

      const k = shCoeffs(3);
      const all = () => true;
      const groups: [string, SplatParam, (i: number) => boolean][] = [
        ['means', 'means', all],
        ['log-scales', 'logScales', all],
        ['quaternions', 'rotations', all],
        ['opacity logits', 'opacityLogits', all],
        ['SH DC', 'sh', (i) => Math.floor(i / 3) % k === 0],
        ['SH band 1', 'sh', (i) => [1, 2, 3].includes(Math.floor(i / 3) % k)],
        ['SH bands 2–3', 'sh', (i) => Math.floor(i / 3) % k >= 4],
      ];
      const report: Record<string, Agreement> = {};
      for (const [label, name, pick] of groups) report[label] = agreement(got[name], want[name], pick);
      console.log(`${mode}: gradient agreement (checked, within 1e-2, worst relative error):`, report);
      for (const [label, r] of Object.entries(report)) {
        expect(r.checked, label).toBeGreaterThan(30);
        expect(r.good / r.checked, label).toBeGreaterThanOrEqual(0.99);
      }
      // The clamped side splats do get gradients (through the mean, colour, opacity).
      for (const i of [cloud.count - 2, cloud.count - 1])
        expect(Math.abs(want.opacityLogits[i])).toBeGreaterThan(0);
    },
  );

  it('handles tiles with several batches (> 256 splats a tile forward, > 128 backward)', async () => {
    // 1,200 small, semi-transparent splats over a 32×32 view (4 tiles): every tile list holds several
    // hundred splats, while the transmittance stays far above T_MIN (its stop rule is a discontinuity that
    // finite differences cannot follow).
    const cloud = randomCloud(1200, 1, 17, {
      extent: 0.9,
      opacityLogit: [-2.5, -1.5],
      logScale: [Math.log(0.05), Math.log(0.12)],
    });
    const camera = orbitCamera(32, 32, [0, 0, -3], [0, 0, 0], 40);
    const opts: RasterOptions = { background: [0.5, 0.5, 0.5], shDegree: 1, near: 0.05 };
    const device = gpu.device;
    const scene = GpuScene.fromCloud(device, cloud);
    const raster = new Rasterizer(device, { maxSplats: cloud.count, width: 32, height: 32 });
    const encoder = device.createCommandEncoder();
    raster.forward(encoder, scene, camera, opts);
    device.queue.submit([encoder.finish()]);
    const ranges = await readU32(device, raster.ranges, 8);
    const image = await readF32(device, raster.image, 32 * 32 * 4);
    const finalT = await readF32(device, raster.finalT, 32 * 32);
    raster.destroy();
    scene.destroy();
    for (let t = 0; t < 4; t++) expect(ranges[2 * t + 1] - ranges[2 * t]).toBeGreaterThan(256);
    expect(Math.min(...finalT)).toBeGreaterThan(1e-3);
    const ref = renderReference(cloud, camera, opts);
    let worst = 0;
    for (let p = 0; p < 32 * 32; p++) {
      if (ref.ambiguous[p]) continue;
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(image[4 * p + c] - ref.rgb[3 * p + c]));
    }
    expect(worst).toBeLessThanOrEqual(1e-4);

    const w = randomWeights(32 * 32, 8);
    const got = await gpuGradients(cloud, camera, opts, w);
    const u = rng(2);
    const chosen = new Set(Array.from({ length: 16 }, () => Math.floor(u() * cloud.count)));
    const want = finiteDifferences(cloud, camera, opts, w, (i) => chosen.has(i));
    const report: Record<string, Agreement> = {};
    for (const name of SPLAT_PARAMS) {
      const per = want[name].length / cloud.count;
      report[name] = agreement(got[name], want[name], (i) => chosen.has(Math.floor(i / per)));
    }
    console.log('dense tiles, gradient agreement:', report);
    for (const [label, r] of Object.entries(report)) {
      expect(r.checked, label).toBeGreaterThan(10);
      expect(r.good / r.checked, label).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('accumulates over views when asked', async () => {
    const device = gpu.device;
    const cloud = randomCloud(60, 1, 9);
    const cameras = ringCameras(2, 48, 32);
    const opts: RasterOptions = { background: [0, 0, 0], shDegree: 1, near: 0.05 };
    const scene = GpuScene.fromCloud(device, cloud);
    const raster = new Rasterizer(device, { maxSplats: cloud.count, width: 48, height: 32 });
    const gradImage = createBuffer(device, 'grad image', randomWeights(48 * 32, 3), STORAGE);
    const single: GaussianCloud[] = [];
    for (const camera of cameras) {
      const encoder = device.createCommandEncoder();
      raster.forward(encoder, scene, camera, opts);
      raster.backward(encoder, scene, gradImage);
      device.queue.submit([encoder.finish()]);
      single.push(await scene.downloadGradients());
    }
    const encoder = device.createCommandEncoder();
    cameras.forEach((camera, i) => {
      raster.forward(encoder, scene, camera, opts);
      raster.backward(encoder, scene, gradImage, { accumulate: i > 0 });
    });
    device.queue.submit([encoder.finish()]);
    const both = await scene.downloadGradients();
    let worst = 0;
    let scale = 0;
    for (const name of SPLAT_PARAMS) {
      for (let i = 0; i < both[name].length; i++) {
        const sum = single[0][name][i] + single[1][name][i];
        worst = Math.max(worst, Math.abs(both[name][i] - sum));
        scale = Math.max(scale, Math.abs(sum));
      }
    }
    expect(scale).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(1e-4 * scale);
    raster.destroy();
    scene.destroy();
    gradImage.destroy();
  });
});
