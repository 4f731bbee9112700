/**
 * The `diffusion` entry of `npm run bench -- synthesis`: the diffusion stage on the project's contract
 * models (generated, untrained: the figures are runtime overhead — session creation, ORT calls per
 * DDIM step, VAE per frame, FPS — not the cost of a real video U-Net).
 */
import { nodeGpu } from '../src/engine/gpu/node-gpu';
import { setupNodeRuntime } from '../src/engine/models/node-runtime';
import type { ExecutionProviderChoice } from '../src/engine/models/runtime';
import { diffusionSynthesis } from '../src/engine/synthesis/diffusion/diffusion-synthesis';
import { farthestPointSample } from '../src/engine/synthesis/diffusion/fps';
import { diffusionSessions, releaseDiffusionModels } from '../src/engine/synthesis/diffusion/models';
import { contractModels, exactGeometry } from '../src/engine/synthesis/diffusion/test-fixtures';
import { interpolateTrajectory } from '../src/engine/synthesis/trajectory';

export async function diffusionBench(device: GPUDevice, args: string[]): Promise<Record<string, unknown>[]> {
  const epArg = args.find((a) => a.startsWith('--diffusion-ep='))?.slice('--diffusion-ep='.length);
  const ep = (epArg ?? 'wasm') as ExecutionProviderChoice;
  setupNodeRuntime(ep === 'wasm' ? undefined : nodeGpu());
  const cases = [
    { C: 4, T: 5, h: 6, w: 8, L: 64, D: 16, P: 256, S: 16, frames: 9, steps: 10 },
    { C: 4, T: 16, h: 40, w: 64, L: 64, D: 64, P: 1024, S: 16, frames: 16, steps: 10 },
  ];
  const out: Record<string, unknown>[] = [];
  for (const c of cases) {
    const spec = { ...c, plucker: true, sampler: { steps: c.steps } };
    const models = await contractModels(spec, ep, ep === 'wasm' ? undefined : device);
    const createMs = Object.fromEntries(diffusionSessions(models).map((s) => [s.role, s.runtime.createMs]));
    const { geometry, cameras } = exactGeometry(2, 8 * c.w, 8 * c.h);
    const traj = interpolateTrajectory(cameras, c.frames);
    let msPerStep = 0;
    const stageMs: Record<string, number> = {};
    let last = performance.now();
    let stage = 'render';
    const t0 = performance.now();
    await diffusionSynthesis(device, geometry, traj, models, {
      onProgress: (p) => {
        if (p.stage !== stage) {
          const now = performance.now();
          stageMs[stage] = (stageMs[stage] ?? 0) + now - last;
          last = now;
          stage = p.stage;
        }
        if (p.stage === 'sample') msPerStep = p.msPerStep;
      },
    });
    const totalMs = performance.now() - t0;
    stageMs[stage] = (stageMs[stage] ?? 0) + performance.now() - last;
    const f0 = performance.now();
    await farthestPointSample(device, geometry.cloud, c.P);
    const fpsMs = performance.now() - f0;
    const unetMs = models.unet.lastRunMs;
    await releaseDiffusionModels(models);
    console.log(
      `diffusion ${8 * c.w}×${8 * c.h}, latent ${c.C}×${c.T}×${c.h}×${c.w}, ${c.frames} frames, ${c.steps} steps ` +
        `(${models.unet.runtime.ep} EP): ${msPerStep.toFixed(1)} ms/step (2 unet runs, CFG), ` +
        `session creation ${Object.values(createMs)
          .reduce((a, b) => a + b, 0)
          .toFixed(0)} ms, FPS of ${c.P} from ${geometry.cloud.count} points ${fpsMs.toFixed(1)} ms, ` +
        `total ${totalMs.toFixed(0)} ms`,
    );
    out.push({
      ep: models.unet.runtime.ep,
      width: 8 * c.w,
      height: 8 * c.h,
      latent: [c.C, c.T, c.h, c.w],
      frames: c.frames,
      steps: c.steps,
      ms_per_step: msPerStep,
      unet_run_ms_last: unetMs,
      session_create_ms: createMs,
      stage_ms: stageMs,
      fps_ms: fpsMs,
      fps_points: geometry.cloud.count,
      fps_samples: c.P,
      total_ms: totalMs,
    });
  }
  return out;
}
