/**
 * `npm run bench -- raster [--quick] [--iterations=10] [--warmup=2] [--n=10000,100000] [--size=256,512]`:
 * the splat rasterizer's phases on random scenes, median GPU time of each over the iterations:
 *   project  — cull, EWA projection, SH colour, visible list;
 *   sort     — depth sort, tile counts, scan, emission, tile sort, tile ranges;
 *   forward  — tiled compositing;
 *   backward — tiled backward + projection backward;
 *   step     — one training step: forward (all phases) + L1/SSIM loss + backward + Adam on every group.
 * Two efficiency ratios follow: step / forward (compositing only) and step / (project + sort + forward).
 * Splat sizes shrink with the count (about the mean spacing), like a real scene. `--quick` runs fewer
 * cases for the software GPU.
 */
import { createBuffer, STORAGE } from '../src/engine/gpu/buffers';
import { GpuTimer, median } from '../src/engine/gpu/timing';
import { Adam } from '../src/engine/splats/adam';
import { ImageLoss } from '../src/engine/splats/loss';
import { orbitCamera, randomCloud, rng } from '../src/engine/splats/random-scene';
import { Rasterizer } from '../src/engine/splats/rasterizer';
import type { RasterOptions } from '../src/engine/splats/reference';
import { GpuScene, SPLAT_PARAMS } from '../src/engine/splats/scene';
import { adapterName, type Benchmark } from './types';

function listArg(args: string[], name: string, fallback: number[]): number[] {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg
    ? arg
        .slice(name.length + 3)
        .split(',')
        .map(Number)
    : fallback;
}

interface Case {
  splats: number;
  width: number;
  height: number;
  visible: number;
  intersections: number;
  project_ms: number;
  sort_ms: number;
  forward_ms: number;
  backward_ms: number;
  step_ms: number;
  /** step_ms / forward_ms: the training step against tiled compositing alone. */
  step_over_raster: number;
  /** step_ms / (project + sort + forward): against the whole forward pipeline (gsplat's "forward"). */
  step_over_forward: number;
}

const bench: Benchmark = async ({ gpu, args }) => {
  const device = gpu.device;
  const quick = args.includes('--quick');
  const sizes = listArg(args, 'size', quick ? [256] : [256, 512]);
  const counts = listArg(args, 'n', quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]);
  const [iterations] = listArg(args, 'iterations', [10]);
  const [warmup] = listArg(args, 'warmup', [quick ? 1 : 2]);
  const timer = new GpuTimer(device);
  const opts: RasterOptions = { background: [0, 0, 0], shDegree: 0, near: 0.05 };
  const cases: Case[] = [];

  for (const size of sizes) {
    for (const n of counts) {
      const spacing = 2 / Math.cbrt(n); // means fill a 2×2×2 box
      const cloud = randomCloud(n, 0, n + size, { logScale: [Math.log(0.25 * spacing), Math.log(spacing)] });
      const camera = orbitCamera(size, size, [0.5, -0.8, -3.2], [0, 0, 0], 50);
      const scene = GpuScene.fromCloud(device, cloud);
      const raster = new Rasterizer(device, { maxSplats: n, width: size, height: size });
      const loss = new ImageLoss(device, size, size);
      const u = rng(size);
      const target = createBuffer(
        device,
        'bench target',
        Float32Array.from({ length: size * size * 4 }, () => u()),
        STORAGE,
      );
      const gradImage = createBuffer(device, 'bench grad image', size * size * 16, STORAGE);
      const adam = new Adam(device);
      const groups = SPLAT_PARAMS.map((name) => {
        const count = n * scene.floatsPer(name);
        return {
          param: scene.params[name],
          grad: scene.grads[name],
          count,
          lr: 1e-4,
          ...adam.createMoments(count),
        };
      });
      // Give the backward a real image gradient first.
      {
        const encoder = device.createCommandEncoder();
        raster.forward(encoder, scene, camera, opts);
        loss.encode(encoder, raster.image, target, null, gradImage);
        device.queue.submit([encoder.finish()]);
      }

      const t = {
        project: [] as number[],
        sort: [] as number[],
        forward: [] as number[],
        backward: [] as number[],
      };
      const step: number[] = [];
      for (let i = 0; i < warmup + iterations; i++) {
        const keep = i >= warmup;
        const project = await timer.time((e) => raster.project(e, scene, camera, opts));
        const sort = await timer.time((e) => raster.sortAndBin(e));
        const forward = await timer.time((e) => raster.rasterize(e));
        const backward = await timer.time((e) => raster.backward(e, scene, gradImage));
        const full = await timer.time((e) => {
          raster.forward(e, scene, camera, opts);
          loss.encode(e, raster.image, target, null, gradImage);
          raster.backward(e, scene, gradImage);
          for (const g of groups) adam.encodeGroup(e, g, i + 1);
        });
        if (keep) {
          t.project.push(project);
          t.sort.push(sort);
          t.forward.push(forward);
          t.backward.push(backward);
          step.push(full);
        }
      }
      const stats = await raster.readStats();
      const c: Case = {
        splats: n,
        width: size,
        height: size,
        visible: stats.visible,
        intersections: stats.intersections,
        project_ms: median(t.project),
        sort_ms: median(t.sort),
        forward_ms: median(t.forward),
        backward_ms: median(t.backward),
        step_ms: median(step),
        step_over_raster: 0,
        step_over_forward: 0,
      };
      c.step_over_raster = c.step_ms / c.forward_ms;
      c.step_over_forward = c.step_ms / (c.project_ms + c.sort_ms + c.forward_ms);
      cases.push(c);
      const f = (x: number) => x.toFixed(2).padStart(9);
      if (cases.length === 1) {
        console.log(
          `${'splats'.padStart(9)} ${'size'.padStart(9)} ${'isects'.padStart(10)} ${'project'.padStart(9)}` +
            ` ${'sort'.padStart(9)} ${'forward'.padStart(9)} ${'backward'.padStart(9)} ${'step'.padStart(9)}` +
            `  ${'step/raster'.padStart(11)} ${'step/fwd-all'.padStart(12)}  (ms, median of ${iterations})`,
        );
      }
      console.log(
        `${n.toLocaleString('en').padStart(9)} ${`${size}×${size}`.padStart(9)} ${stats.intersections.toLocaleString('en').padStart(10)}` +
          ` ${f(c.project_ms)} ${f(c.sort_ms)} ${f(c.forward_ms)} ${f(c.backward_ms)} ${f(c.step_ms)}` +
          `  ${c.step_over_raster.toFixed(2).padStart(11)} ${c.step_over_forward.toFixed(2).padStart(12)}` +
          (stats.overflow ? '  (intersection overflow)' : ''),
      );
      raster.destroy();
      scene.destroy();
      loss.destroy();
      adam.destroy();
      target.destroy();
      gradImage.destroy();
      for (const g of groups) {
        g.m.destroy();
        g.v.destroy();
      }
    }
  }
  timer.destroy();
  return {
    adapter: adapterName(gpu.handle.report),
    timing: timer.usesTimestamps ? 'timestamp-query' : 'submitted-work-done',
    iterations,
    cases,
  };
};

export default bench;
