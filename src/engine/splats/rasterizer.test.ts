import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera } from '../geometry/camera';
import { createBuffer, readF32, STORAGE } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import type { GaussianCloud } from './cloud';
import { orbitCamera, randomCloud, ringCameras } from './random-scene';
import type { RenderMode } from './raster-constants';
import { Rasterizer } from './rasterizer';
import { type RasterOptions, renderReference } from './reference';
import { GpuScene } from './scene';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

interface Diff {
  rgb: number;
  alpha: number;
  depth: number;
}

/**
 * Largest per-channel differences between the GPU image (vec4) / depth and the reference, over the pixels
 * where no threshold decision of the reference was within FP reach of its boundary (those are counted).
 */
function compare(
  image: Float32Array,
  depth: Float32Array,
  cloud: GaussianCloud,
  camera: Camera,
  opts: RasterOptions,
) {
  const ref = renderReference(cloud, camera, opts);
  const diff: Diff = { rgb: 0, alpha: 0, depth: 0 };
  const pixels = ref.width * ref.height;
  let covered = 0;
  let ambiguous = 0;
  for (let p = 0; p < pixels; p++) {
    if (ref.alpha[p] > 0.5) covered++;
    if (ref.ambiguous[p]) {
      ambiguous++;
      continue;
    }
    for (let c = 0; c < 3; c++)
      diff.rgb = Math.max(diff.rgb, Math.abs(image[4 * p + c] - ref.rgb[3 * p + c]));
    diff.alpha = Math.max(diff.alpha, Math.abs(image[4 * p + 3] - ref.alpha[p]));
    diff.depth = Math.max(diff.depth, Math.abs(depth[p] - ref.depth[p]));
  }
  return { diff, coveredFraction: covered / pixels, ambiguousFraction: ambiguous / pixels };
}

async function renderGpu(cloud: GaussianCloud, camera: Camera, opts: RasterOptions) {
  const device = gpu.device;
  const { width, height } = camera.intrinsics;
  const scene = GpuScene.fromCloud(device, cloud);
  const raster = new Rasterizer(device, { maxSplats: cloud.count, width, height });
  const encoder = device.createCommandEncoder();
  raster.forward(encoder, scene, camera, opts);
  device.queue.submit([encoder.finish()]);
  const image = await readF32(device, raster.image, width * height * 4);
  const depth = await readF32(device, raster.depth, width * height);
  const stats = await raster.readStats();
  raster.destroy();
  scene.destroy();
  return { image, depth, stats };
}

describe('splat rasterizer forward', () => {
  const cases: {
    name: string;
    n: number;
    deg: number;
    w: number;
    h: number;
    opts: RasterOptions;
    seed: number;
    mode?: RenderMode;
  }[] = [
    {
      name: 'SH3, opacity extent, 64×48',
      n: 200,
      deg: 3,
      w: 64,
      h: 48,
      seed: 1,
      opts: { background: [0.2, 0.3, 0.4], shDegree: 3, near: 0.05 },
    },
    {
      name: 'SH3 scene drawn at degree 1, 3σ extent, 128×96',
      n: 300,
      deg: 3,
      w: 128,
      h: 96,
      seed: 2,
      opts: { background: [0, 0, 0], shDegree: 1, near: 0.05, extent: '3sigma' },
    },
    {
      name: 'SH0, opaque splats (early stop), 100×70',
      n: 250,
      deg: 0,
      w: 100,
      h: 70,
      seed: 3,
      opts: { background: [1, 1, 1], shDegree: 0, near: 0.05 },
    },
    {
      name: 'SH2, mip mode, 96×64',
      n: 250,
      deg: 2,
      w: 96,
      h: 64,
      seed: 4,
      opts: { background: [0.1, 0.1, 0.1], shDegree: 2, near: 0.05 },
      mode: 'mip',
    },
  ];

  it.each(cases)('matches the reference: $name', async ({ n, deg, w, h, opts, seed, mode }) => {
    const cloud = {
      ...randomCloud(n, deg, seed, seed === 3 ? { opacityLogit: [2, 6] } : {}),
      renderMode: mode,
    };
    const camera = orbitCamera(w, h, [0.4, -0.5, -3], [0, 0, 0], 60, [w * 0.47, h * 0.53]);
    const { image, depth, stats } = await renderGpu(cloud, camera, opts);
    const { diff, coveredFraction, ambiguousFraction } = compare(image, depth, cloud, camera, opts);
    expect(ambiguousFraction).toBeLessThan(1e-3);
    expect(stats.visible).toBeGreaterThan(n * 0.5);
    expect(stats.overflow).toBe(false);
    expect(coveredFraction).toBeGreaterThan(0.2); // a real scene, not an empty image
    expect(diff.rgb).toBeLessThanOrEqual(1e-4);
    expect(diff.alpha).toBeLessThanOrEqual(1e-4);
    expect(diff.depth).toBeLessThanOrEqual(1e-4);
  });

  it('mip mode keeps the energy of a small splat, which the classic dilation inflates', async () => {
    // One isotropic splat of σ = 0.5 px alone in the view: alpha = o'·G, so Σ alpha over the pixels is the
    // integral of the drawn Gaussian (the pixel lattice sums a Gaussian this wide to within 0.2 %). The true
    // splat's integral is o·2π·σ². Classic draws σ² + 0.3 px² at full opacity; mip draws σ² + 0.1 px² at
    // o' = o·σ²/(σ² + 0.1), which keeps the integral. Both are cut where alpha < 1/255, which drops
    // 1/(255·o') of it.
    const camera = orbitCamera(32, 32, [0, 0, -3], [0, 0, 0], 40, [16.3, 15.8]);
    const sigma2 = 0.25;
    const o = 0.9;
    const cloud = randomCloud(1, 0, 5);
    cloud.means.set([0, 0, 0]);
    cloud.logScales.fill(Math.log((Math.sqrt(sigma2) * 3) / camera.intrinsics.fx));
    cloud.rotations.set([1, 0, 0, 0]);
    cloud.opacityLogits[0] = Math.log(o / (1 - o));
    const mass = async (renderMode: RenderMode) => {
      const opts: RasterOptions = { background: [0, 0, 0], shDegree: 0, near: 0.05 };
      const { image } = await renderGpu({ ...cloud, renderMode }, camera, opts);
      let sum = 0;
      for (let p = 0; p < 32 * 32; p++) sum += image[4 * p + 3];
      return sum;
    };
    const drawn = (opacity: number) => 1 - 1 / (255 * opacity);
    const truth = o * 2 * Math.PI * sigma2;
    const mip = await mass('mip');
    const classic = await mass('classic');
    console.log(`splat mass: true ${truth.toFixed(4)}, mip ${mip.toFixed(4)}, classic ${classic.toFixed(4)}`);
    expect(mip / (truth * drawn((o * sigma2) / (sigma2 + 0.1)))).toBeCloseTo(1, 2);
    expect(classic / (truth * drawn(o))).toBeCloseTo((sigma2 + 0.3) / sigma2, 2);
  });

  it('culls at the near plane and clamps splats beside the view like the reference', async () => {
    // Camera inside the cloud: some splats behind it, some crossing the near plane, big ones off-screen.
    const cloud = randomCloud(300, 2, 7, { extent: 1.5, logScale: [Math.log(0.05), Math.log(0.6)] });
    const camera = orbitCamera(96, 64, [0, 0, -0.8], [0, 0, 1], 70);
    const opts: RasterOptions = { background: [0.1, 0.1, 0.1], shDegree: 2, near: 0.3 };
    const { image, depth, stats } = await renderGpu(cloud, camera, opts);
    const { diff, ambiguousFraction } = compare(image, depth, cloud, camera, opts);
    expect(ambiguousFraction).toBeLessThan(1e-3);
    expect(stats.visible).toBeLessThan(300);
    expect(diff.rgb).toBeLessThanOrEqual(1e-4);
    expect(diff.alpha).toBeLessThanOrEqual(1e-4);
    expect(diff.depth).toBeLessThanOrEqual(1e-4);
  });

  it('renders several views in one submit', async () => {
    const device = gpu.device;
    const cloud = randomCloud(150, 1, 11);
    const cameras = ringCameras(3, 64, 48);
    const opts: RasterOptions = { background: [0, 0, 0], shDegree: 1, near: 0.05 };
    const scene = GpuScene.fromCloud(device, cloud);
    const raster = new Rasterizer(device, { maxSplats: cloud.count, width: 64, height: 48 });
    const copies = cameras.map(() => createBuffer(device, 'copy', 64 * 48 * 16, STORAGE));
    const encoder = device.createCommandEncoder();
    cameras.forEach((camera, i) => {
      raster.forward(encoder, scene, camera, opts);
      encoder.copyBufferToBuffer(raster.image, 0, copies[i], 0, 64 * 48 * 16);
    });
    device.queue.submit([encoder.finish()]);
    for (let i = 0; i < cameras.length; i++) {
      const image = await readF32(device, copies[i], 64 * 48 * 4);
      const ref = renderReference(cloud, cameras[i], opts);
      let worst = 0;
      for (let p = 0; p < 64 * 48; p++) {
        if (ref.ambiguous[p]) continue;
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(image[4 * p + c] - ref.rgb[3 * p + c]));
      }
      expect(worst).toBeLessThanOrEqual(1e-4);
    }
    raster.destroy();
    scene.destroy();
  });
});
