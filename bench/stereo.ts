/**
 * `npm run bench -- stereo [--sizes=256x192:96,512x384:128] [--seed=3] [--repeat=2]`: dense stereo and
 * fusion on a two-view synthetic scene per size (W×H:planes). Times each sweep (submit → done, so it
 * includes queue latency), the left-right check with readback, and the CPU fusion; also prints the
 * accuracy against ground truth so that a speed-up that breaks the result shows. Figures only.
 */

import { fusePointClouds } from '../src/engine/geometry/fusion';
import { computeDepth } from '../src/engine/geometry/stereo/compute-depth';
import { covisibleMask, makeSyntheticScene, renderView } from '../src/engine/geometry/synthetic';
import { median } from '../src/engine/gpu/timing';
import { adapterName, type Benchmark } from './types';

const arg = (args: string[], name: string, fallback: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

function rangeOf(depth: Float32Array): [number, number] {
  const d = Array.from(depth)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return [d[Math.floor(0.02 * d.length)] * 0.8, d[Math.floor(0.98 * d.length)] * 1.25];
}

const bench: Benchmark = async ({ gpu, args }) => {
  const sizes = arg(args, 'sizes', '256x192:96,512x384:128').split(',');
  const seed = Number(arg(args, 'seed', '3'));
  const repeat = Number(arg(args, 'repeat', '2'));
  const rows: Record<string, unknown>[] = [];
  console.log(`adapter ${adapterName(gpu.handle.report)}`);
  for (const spec of sizes) {
    const [, w, h, p] = /^(\d+)x(\d+):(\d+)$/.exec(spec) ?? [];
    if (!w) throw new Error(`bad size '${spec}' (want WxH:planes)`);
    const [width, height, planes] = [Number(w), Number(h), Number(p)];
    const s = makeSyntheticScene({ seed, views: 2, width, height });
    const renders = s.cameras.map((c) => renderView(s.scene, c));
    const views = s.cameras.map((camera, i) => ({ camera, image: renders[i].rgba }));
    const sweeps: number[] = [];
    const checks: number[] = [];
    const fusions: number[] = [];
    let last: Awaited<ReturnType<typeof computeDepth>> = [];
    for (let r = 0; r < repeat; r++) {
      const timings: Record<string, number> = {};
      last = await computeDepth(gpu.device, views, {
        depthRange: renders.map((x) => rangeOf(x.depth)),
        sweep: { planes },
        timings,
      });
      sweeps.push(timings['stereo 0→1'], timings['stereo 1→0']);
      checks.push(timings['stereo check']);
      const t = performance.now();
      fusePointClouds(last, { targetCount: 100_000 });
      fusions.push((performance.now() - t) / 1000);
    }
    // Accuracy of the last run: median relative error on confident pixels, coverage of co-visible ones.
    const errors: number[] = [];
    let covered = 0;
    let covisible = 0;
    for (const [i, v] of last.entries()) {
      const cov = covisibleMask(renders[i].depth, s.cameras[i], renders[v.source].depth, s.cameras[v.source]);
      for (let q = 0; q < cov.length; q++) {
        const gt = renders[i].depth[q];
        if (v.confidence[q] >= 0.5) errors.push(Math.abs(v.depth[q] - gt) / gt);
        if (cov[q]) {
          covisible++;
          if (v.confidence[q] >= 0.5) covered++;
        }
      }
    }
    errors.sort((a, b) => a - b);
    const row = {
      width,
      height,
      planes,
      sweep_s: median(sweeps),
      check_and_readback_s: median(checks),
      fusion_s: median(fusions),
      median_rel_error: errors[errors.length >> 1],
      coverage: covered / covisible,
    };
    rows.push(row);
    console.log(
      `${width}×${height} × ${planes} planes: sweep ${row.sweep_s.toFixed(2)} s/view, check+readback ` +
        `${row.check_and_readback_s.toFixed(3)} s, fusion ${row.fusion_s.toFixed(3)} s | median rel. error ` +
        `${(100 * row.median_rel_error).toFixed(2)} %, coverage ${(100 * row.coverage).toFixed(1)} %`,
    );
  }
  return { adapter: adapterName(gpu.handle.report), seed, repeat, rows };
};

export default bench;
