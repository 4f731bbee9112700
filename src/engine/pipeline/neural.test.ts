/**
 * The orchestrator's neural options end to end with the project's contract models, written to disk and
 * read through the manifest like the CLI does (onnxruntime-web; WebGPU EP on the engine's Dawn device):
 * pointmap geometry + diffusion synthesis on a tiny 64×48 pair, a wrong-signature unet falling back to
 * warp-and-fill with a warning naming the mismatch, a wrong pointmap model falling back to the classical
 * geometry, the reasons given for missing or damaged models, and cancelling during sampling.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localModels } from '../../../tools/model-files';
import { writeContractSet } from '../../../tools/onnx/contract-set';
import { makeSyntheticScene, renderView } from '../geometry/synthetic';
import type { GpuContext } from '../gpu/context';
import { nodeGpu } from '../gpu/node-gpu';
import { testGpu } from '../gpu/test-gpu';
import { decodeImage } from '../io/decode-node';
import { setupNodeRuntime } from '../models/node-runtime';
import { ModelSession } from '../models/session';
import type { EngineEvent, PhotoInput, RunOptions } from '../protocol';
import { exactGeometry } from '../synthesis/diffusion/test-fixtures';
import { interpolateTrajectory } from '../synthesis/trajectory';
import { diffusionStage, ModelLibrary, pointmapStage } from './neural';
import { Reconstruction } from './reconstruction';

/** A textured PNG whose mean brightness is about `level`: the contract pointmap model orders the pair
 * by brightness (view 0 must be the brighter), as a real network orders by content. */
function texturedPng(name: string, width: number, height: number, level: number, seed: number): PhotoInput {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v =
        level +
        40 * Math.sin(0.7 * x + seed) * Math.cos(0.45 * y - seed) +
        (((x * 7 + y * 13 + seed) % 5) - 2) * 6;
      const i = (y * width + x) * 4;
      png.data.set(
        [v, 0.9 * v, 0.8 * v, 255].map((c) => Math.max(0, Math.min(255, Math.round(c)))),
        i,
      );
    }
  const bytes = PNG.sync.write(png);
  return {
    name,
    bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}

const photos = () => [texturedPng('a.png', 64, 48, 150, 1), texturedPng('b.png', 64, 48, 90, 2)];

/** Fast with tiny overrides: 64 px working size, a few optimisation steps, 2 DDIM steps a window. */
const OPTIONS: RunOptions = {
  preset: 'fast',
  steps: 4,
  workingSize: 64,
  geometry: 'pointmap',
  synthesisMethod: 'diffusion',
  samplerSteps: 2,
};

let gpu: GpuContext;
let dir: string;
let good: string;
let wrongUnet: string;

beforeAll(async () => {
  setupNodeRuntime(nodeGpu());
  gpu = await testGpu();
  dir = mkdtempSync(join(tmpdir(), 'splat-neural-'));
  good = writeContractSet(join(dir, 'good'));
  wrongUnet = writeContractSet(join(dir, 'wrong-unet'), { wrongUnet: true });
});
afterAll(() => {
  gpu?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function reconstruction(manifest: string, events: EngineEvent[]) {
  return new Reconstruction(gpu.device, photos(), decodeImage, (e) => events.push(e), {
    models: localModels(manifest),
  });
}

const finished = (events: EngineEvent[]) =>
  Object.fromEntries(
    events.flatMap((e) =>
      e.type === 'stage-finished' ? [[e.stage, { method: e.method, models: e.models, ep: e.ep }]] : [],
    ),
  );

describe('neural stages in the reconstruction', () => {
  it('pointmap geometry and diffusion synthesis run with the contract models; sessions are released', async () => {
    const release = vi.spyOn(ModelSession.prototype, 'release');
    const events: EngineEvent[] = [];
    const r = reconstruction(good, events);
    await r.run(OPTIONS);
    const methods = finished(events);
    console.log(`methods: ${JSON.stringify(methods)}; seconds ${JSON.stringify(r.seconds)}`);
    expect(events.filter((e) => e.type === 'warning')).toEqual([]);
    expect(methods.geometry).toEqual({ method: 'pointmap', models: ['pointmap-contract'], ep: 'webgpu' });
    expect(methods.synthesis).toEqual({
      method: 'diffusion',
      models: [
        'video-unet-contract',
        'vae-encoder-contract',
        'vae-decoder-contract',
        'image-encoder-contract',
        'structure-encoder-contract',
      ],
      ep: 'webgpu',
    });
    expect(methods.optimization.method).toBe('3dgs');
    expect(r.methods.synthesis?.method).toBe('diffusion');
    // One session per model, each released by the end of its stage.
    expect(release).toHaveBeenCalledTimes(6);
    release.mockRestore();

    // The geometry is the model's (its focal lengths), and the frames are the diffusion frames.
    const geometry = r.outputs.geometry!;
    expect(geometry.source).toBe('pointmap-model');
    expect(geometry.views[0].camera.intrinsics.fx).toBeCloseTo(1.2 * 64, 2);
    const trajectory = r.outputs.trajectory!;
    const synthesis = r.outputs.synthesis!;
    expect(synthesis.synthesized).toBe(trajectory.cameras.length - 2);
    expect(synthesis.frames).toHaveLength(trajectory.cameras.length);
    for (const f of synthesis.frames) {
      expect(f.camera.intrinsics.width).toBe(64);
      expect(f.rgba.length).toBe(64 * 48 * 4);
    }
    // Byte progress while loading, then one progress event per DDIM step with the sampler's ETA.
    const progress = events.filter(
      (e): e is Extract<EngineEvent, { type: 'stage-progress' }> =>
        e.type === 'stage-progress' && e.stage === 'synthesis',
    );
    expect(progress.some((p) => p.activity?.startsWith('loading '))).toBe(true);
    const sampled = progress.filter((p) => p.sampler);
    const windows = sampled[0].sampler!.windows;
    expect(sampled.map((p) => p.sampler!.step)).toEqual(Array.from({ length: 2 * windows }, (_, i) => i + 1));
    expect(sampled.every((p) => p.etaSeconds !== undefined && p.etaSeconds >= 0)).toBe(true);
    expect(sampled.at(-1)!.etaSeconds).toBe(0);
    const fractions = progress.map((p) => p.fraction);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1])).toBe(true);
    // Then the cover points, from the generated frames' colours.
    const placing = progress.findIndex(
      (p) => p.activity === 'placing splats where the point cloud leaves holes',
    );
    expect(placing).toBeGreaterThan(progress.indexOf(sampled.at(-1)!));
    expect(synthesis.cover).toBeDefined();
    // The optimiser trained on them.
    expect(r.outputs.trainer!.step).toBe(4);
    expect((await r.currentSplats())!.count).toBeGreaterThan(0);
    r.dispose();
  });

  it('a wrong-signature video-unet falls back to warp-and-fill with a warning naming the mismatch', async () => {
    const events: EngineEvent[] = [];
    const r = reconstruction(wrongUnet, events);
    await r.run({ ...OPTIONS, steps: 2 });
    const warnings = events.filter((e) => e.type === 'warning');
    expect(warnings).toHaveLength(1);
    const message = (warnings[0] as { message: string }).message;
    console.log(`warning: ${message}`);
    expect(warnings[0]).toMatchObject({ code: 'model-fallback' });
    expect(message).toContain("video-unet model 'video-unet-wrong'");
    expect(message).toContain('does not match its contract');
    expect(message).toContain("input 'x' has rank 4, expected 5");
    expect(message).toContain('warp-and-fill) runs instead');
    const methods = finished(events);
    expect(methods.geometry.method).toBe('pointmap');
    expect(methods.synthesis).toEqual({ method: 'warp-fill', models: undefined, ep: undefined });
    expect(r.outputs.synthesis!.synthesized).toBeGreaterThan(0);
    expect(r.outputs.trainer!.step).toBe(2);
    r.dispose();
  });

  it('a wrong-signature pointmap model falls back to the classical geometry (features + stereo)', async () => {
    // Classical matching needs more than 64×48: a synthetic room pair at 256×192.
    const s = makeSyntheticScene({ preset: 'room', seed: 2, views: 2, width: 256, height: 192 });
    const inputs = s.cameras.map((c, i) => {
      const { rgba } = renderView(s.scene, c);
      const png = new PNG({ width: 256, height: 192 });
      png.data.set(rgba);
      const bytes = PNG.sync.write(png);
      return {
        name: `room-${i}.png`,
        bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
      };
    });
    const events: EngineEvent[] = [];
    const r = new Reconstruction(gpu.device, inputs, decodeImage, (e) => events.push(e), {
      models: localModels(good),
    });
    await r.run({
      preset: 'fast',
      workingSize: 256,
      steps: 1,
      geometryModel: 'pointmap-wrong',
      geometry: 'pointmap',
      synthesis: false,
    });
    const warnings = events
      .filter((e) => e.type === 'warning')
      .map((e) => (e as { message: string }).message);
    console.log(`warning: ${warnings[0]}`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Geometry: the pointmap model 'pointmap-wrong' could not be used");
    expect(warnings[0]).toContain("input 'img2' missing");
    expect(warnings[0]).toContain(
      'The classical default (GPU features + matching, plane-sweep stereo) runs instead.',
    );
    expect(finished(events).geometry).toEqual({ method: 'classical', models: undefined, ep: undefined });
    expect(r.outputs.geometry!.source).toBe('classical');
    expect(finished(events).synthesis.method).toBe('off');
    r.dispose();
  });

  it('say what is missing: no manifest, an unknown id, a missing role, a checksum mismatch', async () => {
    const progress = () => undefined;
    const prepared = [
      {
        name: 'a',
        image: { width: 64, height: 48, data: new Uint8ClampedArray(64 * 48 * 4) },
        focalPrior: null,
        originalWidth: 64,
        originalHeight: 48,
      },
      {
        name: 'b',
        image: { width: 64, height: 48, data: new Uint8ClampedArray(64 * 48 * 4) },
        focalPrior: null,
        originalWidth: 64,
        originalHeight: 48,
      },
    ];
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => 'ran',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    const none = new ModelLibrary(undefined, gpu.device);
    expect(await reason(pointmapStage(none, prepared, { maxPoints: 10, progress }))).toMatch(
      /^NeuralUnavailable: no models manifest is configured/,
    );
    const absent = new ModelLibrary(localModels(join(dir, 'nowhere', 'manifest.json')), gpu.device);
    expect(await reason(pointmapStage(absent, prepared, { maxPoints: 10, progress }))).toMatch(
      /^NeuralUnavailable: the models manifest file:.*nowhere\/manifest\.json could not be used — its file was not found/,
    );
    const lib = new ModelLibrary(localModels(good), gpu.device);
    expect(
      await reason(pointmapStage(lib, prepared, { modelId: 'pointmap-large', maxPoints: 10, progress })),
    ).toBe("NeuralUnavailable: the pointmap model 'pointmap-large' is not in the models manifest");
    // A manifest without a vae-decoder, and one whose vae-encoder checksum is wrong.
    const manifest = JSON.parse(readFileSync(good, 'utf8'));
    const write = (name: string, edit: (m: typeof manifest) => void) => {
      const m = structuredClone(manifest);
      edit(m);
      const path = join(dir, 'good', name);
      writeFileSync(path, JSON.stringify(m));
      return new ModelLibrary(localModels(path), gpu.device);
    };
    const noDecoder = write('no-decoder.json', (m) => {
      m.models = m.models.filter((e: { role: string }) => e.role !== 'vae-decoder');
    });
    const badSum = write('bad-sum.json', (m) => {
      m.models.find((e: { role: string }) => e.role === 'vae-encoder').files[0].sha256 = '0'.repeat(64);
    });
    const geometry = exactGeometry(3, 64, 48).geometry;
    const trajectory = interpolateTrajectory(
      geometry.views.map((v) => v.camera),
      5,
    );
    expect(await reason(diffusionStage(noDecoder, gpu.device, geometry, trajectory, { progress }))).toBe(
      "NeuralUnavailable: the models manifest lists no 'vae-decoder' model (the diffusion path needs video-unet, vae-encoder and vae-decoder)",
    );
    const release = vi.spyOn(ModelSession.prototype, 'release');
    expect(await reason(diffusionStage(badSum, gpu.device, geometry, trajectory, { progress }))).toMatch(
      /^NeuralUnavailable: the vae-encoder model 'vae-encoder-contract' could not be used — its checksum does not match the manifest: model 'vae-encoder-contract': vae-encoder-contract.onnx has SHA-256 [0-9a-f]{64}, the manifest says 0{64}/,
    );
    // The unet loaded before the encoder failed is released again.
    expect(release).toHaveBeenCalledTimes(1);
    release.mockRestore();
  });

  it('cancelling during sampling stops the run with AbortError and releases the sessions', async () => {
    const release = vi.spyOn(ModelSession.prototype, 'release');
    const ctl = new AbortController();
    const events: EngineEvent[] = [];
    const r = new Reconstruction(
      gpu.device,
      photos(),
      decodeImage,
      (e) => {
        events.push(e);
        if (e.type === 'stage-progress' && e.sampler?.step === 1) ctl.abort();
      },
      { models: localModels(good) },
    );
    await expect(r.run({ ...OPTIONS, samplerSteps: 3 }, ctl.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(events.some((e) => e.type === 'stage-finished' && e.stage === 'synthesis')).toBe(false);
    expect(events.filter((e) => e.type === 'warning')).toEqual([]);
    expect(release).toHaveBeenCalledTimes(6);
    release.mockRestore();
    r.dispose();
  });
});
