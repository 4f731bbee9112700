/**
 * The whole diffusion stage with the project's contract models (onnxruntime-web, wasm EP in Node) on a
 * synthetic scene: renders and FPS on Dawn, VAE/encoders/unet through ORT, windows, decode, confidence.
 * The contract unet's x0 is its own condition half, so every generated frame must decode to the 8×8
 * block mean of its condition image (the hole-blacked cloud render).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { wrongVideoUnetModel } from '../../../../tools/onnx/diffusion-models';
import type { GpuContext } from '../../gpu/context';
import { testGpu } from '../../gpu/test-gpu';
import { ModelError } from '../../models/errors';
import { parseManifest } from '../../models/manifest';
import { setupNodeRuntime } from '../../models/node-runtime';
import { ModelSession } from '../../models/session';
import { interpolateTrajectory } from '../trajectory';
import { framesToTrainViews, synthesizeViews } from '../warp-fill';
import { rgbaToTensor } from './conditioning';
import { type DiffusionProgress, diffusionSynthesis } from './diffusion-synthesis';
import { type DiffusionModels, loadDiffusionModels, releaseDiffusionModels } from './models';
import { contractDims, contractModelBytes, contractModels, exactGeometry } from './test-fixtures';

setupNodeRuntime();

const SPEC = { C: 4, T: 5, h: 6, w: 8, L: 64, D: 16, P: 64, S: 8, plucker: true, sampler: { steps: 6 } };
const W = 64;
const H = 48;
let gpu: GpuContext;
let models: DiffusionModels;
const scene = exactGeometry(3, W, H);

beforeAll(async () => {
  gpu = await testGpu();
  models = await contractModels(SPEC, 'wasm');
});
afterAll(async () => {
  if (models) await releaseDiffusionModels(models);
  gpu?.dispose();
});

/** 8×8 block mean of a [3,H,W] tensor, upsampled back (what the contract VAE round trip gives). */
function blockMean(t: Float32Array): Float32Array {
  const out = new Float32Array(t.length);
  const n = W * H;
  for (let c = 0; c < 3; c++)
    for (let by = 0; by < H / 8; by++)
      for (let bx = 0; bx < W / 8; bx++) {
        let s = 0;
        for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) s += t[c * n + (by * 8 + y) * W + bx * 8 + x];
        for (let y = 0; y < 8; y++)
          for (let x = 0; x < 8; x++) out[c * n + (by * 8 + y) * W + bx * 8 + x] = s / 64;
      }
  return out;
}

describe('diffusion synthesis with contract models', () => {
  it('every model conforms; the stage returns frames the optimiser takes (wasm EP)', async () => {
    for (const s of [
      models.unet,
      models.vaeEncoder,
      models.vaeDecoder,
      models.imageEncoder,
      models.structureEncoder,
    ])
      expect(s?.runtime.ep).toBe('wasm');
    const traj = interpolateTrajectory(scene.cameras, 9); // 9 frames, T = 5: two windows
    const runImage = vi.spyOn(models.imageEncoder as ModelSession, 'run');
    const runStructure = vi.spyOn(models.structureEncoder as ModelSession, 'run');
    const runUnet = vi.spyOn(models.unet, 'run');
    const progress: DiffusionProgress[] = [];
    const frames = await diffusionSynthesis(gpu.device, scene.geometry, traj, models, {
      output: 'pred-x0',
      onProgress: (p) => progress.push(p),
    });
    expect(frames).toHaveLength(9);
    expect(frames.map((f) => f.source)).toEqual(['input', ...new Array(7).fill('synthesized'), 'input']);
    // Image tokens: the segment's input and the zero image; structure tokens once; CFG = 2 runs a step.
    expect(runImage).toHaveBeenCalledTimes(2);
    expect(runStructure).toHaveBeenCalledTimes(1);
    expect(runStructure.mock.calls[0][0].points.dims).toEqual([1, 64, 6]);
    expect(runUnet).toHaveBeenCalledTimes(2 * 2 * 6);
    const feed = runUnet.mock.calls[0][0];
    expect(Object.keys(feed).sort()).toEqual(['context', 'fs', 'plucker', 'structure', 'timesteps', 'x']);
    expect(feed.x.dims).toEqual([1, 8, 5, 6, 8]);
    expect(feed.fs.data[0]).toBe(5);

    const sampled = progress.filter((p) => p.stage === 'sample');
    expect(sampled.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(sampled.at(-1)?.etaMs).toBe(0);
    expect(new Set(sampled.map((p) => p.window))).toEqual(new Set([0, 1]));

    // Inputs are the photos; generated frames are the block means of their hole-blacked renders.
    expect([...frames[0].rgba]).toEqual([...scene.geometry.views[0].colors]);
    const renders = await synthesizeViews(gpu.device, scene.geometry, traj, {
      width: W,
      height: H,
      replaceInputs: false,
      confirmedWeight: 1,
    });
    for (let f = 1; f < 8; f++) {
      const r = renders[f];
      const cond = rgbaToTensor(r.rgba, W, H, W, H, (x, y) => r.confidence[y * W + x] >= 0.15);
      const expected = blockMean(cond);
      let worst = 0;
      for (let i = 0; i < W * H; i++)
        for (let c = 0; c < 3; c++) {
          const want = ((Math.max(-1, Math.min(1, expected[c * W * H + i])) + 1) / 2) * 255;
          worst = Math.max(worst, Math.abs(frames[f].rgba[4 * i + c] - want));
        }
      expect(worst).toBeLessThan(1.5);
      expect(frames[f].depth).toEqual(r.depth);
      expect(frames[f].camera.intrinsics.width).toBe(W);
      // Confidence in [0,1], lower where the render had holes than where it saw the cloud.
      const conf = frames[f].confidence;
      expect(conf.every((v) => v >= 0 && v <= 1)).toBe(true);
      let seen = 0;
      let seenN = 0;
      let hole = 0;
      let holeN = 0;
      for (let i = 0; i < W * H; i++) {
        if (r.confidence[i] >= 0.5) {
          seen += conf[i];
          seenN++;
        } else if (r.confidence[i] < 0.15) {
          hole += conf[i];
          holeN++;
        }
      }
      if (holeN > 0 && seenN > 0) expect(hole / holeN).toBeLessThan(seen / seenN);
    }
    const views = framesToTrainViews(frames);
    expect(views).toHaveLength(9);
  });

  it('cancel mid-sampling throws AbortError; the next run works and is reproducible', async () => {
    const traj = interpolateTrajectory(scene.cameras, 5);
    const ctl = new AbortController();
    await expect(
      diffusionSynthesis(gpu.device, scene.geometry, traj, models, {
        signal: ctl.signal,
        onProgress: (p) => {
          if (p.stage === 'sample' && p.step === 3) ctl.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const a = await diffusionSynthesis(gpu.device, scene.geometry, traj, models, { seed: 4 });
    const b = await diffusionSynthesis(gpu.device, scene.geometry, traj, models, { seed: 4 });
    expect(a).toHaveLength(5);
    expect([...a[2].rgba]).toEqual([...b[2].rgba]);
  });

  it('fewer frames than T: one window stretched over T slots (DynamiCrafter-interp c_concat)', async () => {
    const traj = interpolateTrajectory(scene.cameras, 3);
    const runUnet = vi.spyOn(models.unet, 'run');
    runUnet.mockClear();
    const frames = await diffusionSynthesis(gpu.device, scene.geometry, traj, models, {
      renderConditioning: false,
      output: 'pred-x0',
      sampler: { cfgScale: 1, steps: 4 },
    });
    expect(runUnet).toHaveBeenCalledTimes(4);
    // Zeros in the middle: x0 = c_concat = 0 decodes to mid-grey.
    expect(frames[1].source).toBe('synthesized');
    const mid = frames[1].rgba;
    for (let i = 0; i < W * H; i++) expect(Math.abs(mid[4 * i] - 127.5)).toBeLessThanOrEqual(1);
  });

  it('a wrong-signature unet is rejected naming the mismatches', async () => {
    const err = await ModelSession.create(wrongVideoUnetModel(), 'video-unet', {
      executionProvider: 'wasm',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.code).toBe('contract-mismatch');
    expect(err.message).toBe(
      "video-unet model: input 'x' has rank 4, expected 5 [1,2*C,T,h,w]; input 'fs' missing; output 'v' missing",
    );
  });

  it('loadDiffusionModels verifies checksums: a wrong sha256 is rejected', async () => {
    const bytes = contractModelBytes(SPEC);
    const dims = contractDims(SPEC);
    const files = Object.entries(bytes).map(([role, b]) => ({
      id: role,
      role,
      contract: 1,
      dims,
      files: [
        { path: `${role}.onnx`, bytes: b.byteLength, sha256: createHash('sha256').update(b).digest('hex') },
      ],
      ...(role === 'video-unet' ? { sampler: { steps: 3, cfgScale: 2 } } : {}),
    }));
    const fetchStub = async (url: string) => {
      const name = url.slice(url.lastIndexOf('/') + 1).replace('.onnx', '');
      return new Response(new Uint8Array(bytes[name as keyof typeof bytes]));
    };
    const options = {
      manifestUrl: 'http://models.test/manifest.json',
      fetch: fetchStub,
      session: { executionProvider: 'wasm' as const },
    };
    const ok = await loadDiffusionModels(parseManifest({ version: 1, models: files }), options);
    expect(ok.sampler.steps).toBe(3);
    expect(ok.sampler.guidanceRescale).toBe(0.7);
    expect(ok.dims.T).toBe(5);
    await releaseDiffusionModels(ok);
    const bad = files.map((f) =>
      f.role === 'vae-decoder' ? { ...f, files: [{ ...f.files[0], sha256: '0'.repeat(64) }] } : f,
    );
    const err = await loadDiffusionModels(parseManifest({ version: 1, models: bad }), options).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ModelError);
    expect(err.code).toBe('sha256-mismatch');
  });
});
