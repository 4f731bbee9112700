import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Camera } from '../geometry/camera';
import { createBuffer, readF32, STORAGE } from '../gpu/buffers';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { Adam } from './adam';
import type { GaussianCloud } from './cloud';
import { ImageLoss, psnr } from './loss';
import { gaussianRng, orbitCamera, randomCloud } from './random-scene';
import { Rasterizer } from './rasterizer';
import type { RasterOptions } from './reference';
import { GpuScene, SPLAT_PARAMS, type SplatParam } from './scene';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

const W = 96;
const H = 72;

/** Four training cameras around the scene at different heights, and a fifth, held out, between two. */
function cameras(): { train: Camera[]; heldOut: Camera } {
  const view = (deg: number, y: number) => {
    const a = (deg * Math.PI) / 180;
    return orbitCamera(W, H, [3 * Math.sin(a), y, -3 * Math.cos(a)], [0, 0, 0], 60);
  };
  return { train: [view(0, -0.8), view(90, -0.3), view(180, -1), view(270, -0.5)], heldOut: view(45, -0.6) };
}

/** The ground truth with every parameter type disturbed by Gaussian noise. */
function perturb(gt: GaussianCloud, seed: number): GaussianCloud {
  const g = gaussianRng(seed);
  const noise = (a: Float32Array, std: number) => a.map((v) => v + std * g());
  return {
    ...gt,
    means: noise(gt.means, 0.03),
    logScales: noise(gt.logScales, 0.15),
    rotations: noise(gt.rotations, 0.1),
    opacityLogits: noise(gt.opacityLogits, 0.4),
    sh: noise(gt.sh, 0.15),
  };
}

describe('fitting splats with the rasterizer, the L1+SSIM loss and Adam', () => {
  it('recovers a perturbed scene: ≥ 35 dB on the training views and ≥ 30 dB on a held-out view', async () => {
    const device = gpu.device;
    const n = 300;
    const gt = randomCloud(n, 0, 123, { opacityLogit: [-1, 3] });
    const { train, heldOut } = cameras();
    const views = [...train, heldOut];
    const opts: RasterOptions = { background: [0, 0, 0], shDegree: 0, near: 0.05 };
    const raster = new Rasterizer(device, { maxSplats: n, width: W, height: H });

    // Targets: the ground truth rendered by the same rasterizer.
    const targets = views.map((_, i) => createBuffer(device, `target ${i}`, W * H * 16, STORAGE));
    const truth = GpuScene.fromCloud(device, gt);
    let encoder = device.createCommandEncoder();
    views.forEach((camera, i) => {
      raster.forward(encoder, truth, camera, opts);
      encoder.copyBufferToBuffer(raster.image, 0, targets[i], 0, W * H * 16);
    });
    device.queue.submit([encoder.finish()]);
    truth.destroy();

    const scene = GpuScene.fromCloud(device, perturb(gt, 7));
    const psnrs = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < views.length; i++) {
        const e = device.createCommandEncoder();
        raster.forward(e, scene, views[i], opts);
        device.queue.submit([e.finish()]);
        const got = await readF32(device, raster.image, W * H * 4);
        const want = await readF32(device, targets[i], W * H * 4);
        let se = 0;
        for (let p = 0; p < W * H; p++)
          for (let c = 0; c < 3; c++) se += (got[4 * p + c] - want[4 * p + c]) ** 2;
        out.push(psnr(se / (W * H * 3)));
      }
      return out;
    };
    const before = await psnrs();

    // One training view a step (3DGS style), L = 0.8·L1 + 0.2·(1 − SSIM), Adam on every parameter group.
    const loss = new ImageLoss(device, W, H);
    const gradImage = createBuffer(device, 'grad image', W * H * 16, STORAGE);
    const adam = new Adam(device);
    const lr: Record<SplatParam, number> = {
      means: 3e-3,
      logScales: 0.02,
      rotations: 0.02,
      opacityLogits: 0.05,
      sh: 0.02,
    };
    const groups = SPLAT_PARAMS.map((name) => {
      const count = n * scene.floatsPer(name);
      return { name, count, ...adam.createMoments(count, name) };
    });
    const steps = 100;
    for (let step = 1; step <= steps; step++) {
      encoder = device.createCommandEncoder();
      const v = (step - 1) % train.length;
      raster.forward(encoder, scene, train[v], opts);
      loss.encode(encoder, raster.image, targets[v], null, gradImage);
      raster.backward(encoder, scene, gradImage);
      const decay = 0.1 ** (step / steps); // positions settle: lr decays 10× over the run
      for (const g of groups) {
        adam.encodeGroup(
          encoder,
          {
            param: scene.params[g.name],
            grad: scene.grads[g.name],
            m: g.m,
            v: g.v,
            count: g.count,
            lr: lr[g.name] * (g.name === 'means' ? decay : 1),
          },
          step,
        );
      }
      device.queue.submit([encoder.finish()]);
      // Keep the queue short on the software GPU.
      if (step % 10 === 0) await device.queue.onSubmittedWorkDone();
    }
    const after = await psnrs();
    console.log(
      'PSNR before',
      before.map((v) => v.toFixed(2)).join(' '),
      'after',
      after.map((v) => v.toFixed(2)).join(' '),
    );

    for (let i = 0; i < train.length; i++) expect(after[i], `training view ${i}`).toBeGreaterThanOrEqual(35);
    expect(after[4], 'held-out view').toBeGreaterThanOrEqual(30);
    expect(after[4]).toBeGreaterThan(before[4] + 5);

    raster.destroy();
    scene.destroy();
    loss.destroy();
    adam.destroy();
    gradImage.destroy();
    for (const t of targets) t.destroy();
    for (const g of groups) {
      g.m.destroy();
      g.v.destroy();
    }
  });
});
