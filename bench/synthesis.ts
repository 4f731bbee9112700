/**
 * `npm run bench -- synthesis [--frames=25] [--seed=2] [--diffusion-ep=wasm|webgpu] [--no-diffusion]`: per-frame time of the default warp-and-fill view
 * synthesis (point splatting, colour lookup in the photos, push-pull fill, confidence) at 256×192 and 512×384, on a synthetic scene's
 * exact two-view geometry rendered along the 25-frame interpolation path. GPU time per frame is the median
 * over the frames; the end-to-end time (upload, readback, CPU unpack) of synthesizeViews is reported too.
 * `diffusion`: the video-diffusion stage on the contract models (bench/synthesis-diffusion.ts).
 */
import { createBuffer, STORAGE } from '../src/engine/gpu/buffers';
import { GpuTimer, median } from '../src/engine/gpu/timing';
import { exactGeometry } from '../src/engine/synthesis/diffusion/test-fixtures';
import { estimatePointSpacing } from '../src/engine/synthesis/spacing';
import { interpolateTrajectory } from '../src/engine/synthesis/trajectory';
import { synthesizeViews, WarpFillRenderer } from '../src/engine/synthesis/warp-fill';
import { diffusionBench } from './synthesis-diffusion';
import { adapterName, type Benchmark } from './types';

function numArg(args: string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
}

const bench: Benchmark = async ({ gpu, args }) => {
  const device = gpu.device;
  const frames = numArg(args, 'frames', 25);
  const seed = numArg(args, 'seed', 2);
  const timer = new GpuTimer(device);
  const sizes: [number, number][] = [
    [256, 192],
    [512, 384],
  ];
  const cases: Record<string, unknown>[] = [];
  for (const [width, height] of sizes) {
    const { geometry, cameras } = exactGeometry(seed, width, height);
    const traj = interpolateTrajectory(cameras, frames);
    const spacing = estimatePointSpacing(
      geometry.cloud,
      geometry.views.map((v) => v.camera),
    );
    const renderer = new WarpFillRenderer(device, geometry.cloud, spacing, width, height, {}, geometry.views);
    const out = createBuffer(device, 'bench synthesis out', 3 * width * height * 4, STORAGE);
    const times: number[] = [];
    // Warm-up, then time every synthesized frame of the path (one frame per timed submit).
    for (let f = 0; f < traj.cameras.length; f++) {
      let uniform: GPUBuffer | undefined;
      const ms = await timer.time((encoder) => {
        uniform = renderer.encodeFrame(encoder, traj.cameras[f], out, 0);
      });
      uniform?.destroy();
      if (f > 0) times.push(ms);
    }
    out.destroy();
    renderer.destroy();
    const t0 = performance.now();
    const result = await synthesizeViews(device, geometry, traj);
    const endToEnd = (performance.now() - t0) / result.filter((r) => r.source === 'synthesized').length;
    const msPerFrame = median(times.filter(Number.isFinite));
    console.log(
      `synthesis ${width}×${height}, ${geometry.cloud.count.toLocaleString('en')} points: ` +
        `${msPerFrame.toFixed(2)} ms/frame GPU (median of ${times.length}), ` +
        `${endToEnd.toFixed(2)} ms/frame end-to-end incl. spacing, readback`,
    );
    cases.push({
      frames: traj.cameras.length,
      points: geometry.cloud.count,
      width,
      height,
      ms_per_frame: msPerFrame,
      ms_per_frame_end_to_end: endToEnd,
    });
  }
  timer.destroy();
  const diffusion = args.includes('--no-diffusion') ? [] : await diffusionBench(device, args);
  return {
    adapter: adapterName(gpu.handle.report),
    timing: timer.usesTimestamps ? 'timestamp-query' : 'submitted-work-done',
    default: cases,
    diffusion,
  };
};

export default bench;
