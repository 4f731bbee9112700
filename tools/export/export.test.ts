/**
 * tools/export end to end: both Python exporters run with --standin (python3 with torch + onnx) into a
 * temporary models folder; then every exported model is loaded the way the studio loads it (manifest →
 * size + SHA-256 → ORT session → contract check against the entry's dims) and run on the inputs the
 * exporter saved, and its outputs must equal the PyTorch module's. On the wasm EP in every run, and
 * on the WebGPU EP (Dawn) for the pointmap and U-Net graphs.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/engine/gpu/context';
import { nodeGpu } from '../../src/engine/gpu/node-gpu';
import { testGpu } from '../../src/engine/gpu/test-gpu';
import { contractMismatches } from '../../src/engine/models/contracts';
import { ModelError } from '../../src/engine/models/errors';
import { fetchManifest, type LoadOptions, loadModel } from '../../src/engine/models/loader';
import { DEFAULT_SAMPLER, findModel, type Manifest, samplerOf } from '../../src/engine/models/manifest';
import { setupNodeRuntime } from '../../src/engine/models/node-runtime';
import type { ExecutionProvider, HostTensor } from '../../src/engine/models/runtime';
import { clipPreprocess } from '../../src/engine/synthesis/diffusion/conditioning';
import { loadDiffusionModels, releaseDiffusionModels } from '../../src/engine/synthesis/diffusion/models';
import { fileFetch } from '../model-files';

const exec = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

interface RefTensor {
  dims: number[];
  base64: string;
}
interface Reference {
  id: string;
  cases: { inputs: Record<string, RefTensor>; outputs: Record<string, RefTensor> }[];
}

function hostTensor(t: RefTensor): HostTensor {
  const bytes = Buffer.from(t.base64, 'base64');
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  expect(data.length).toBe(t.dims.reduce((a, b) => a * b, 1));
  return { data, dims: t.dims };
}

/** The first of $SPLAT_PYTHON, python3, /usr/bin/python3 that imports torch and onnx. */
async function findPython(): Promise<string> {
  const candidates = [process.env.SPLAT_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (p): p is string => !!p,
  );
  for (const python of candidates) {
    try {
      await exec(python, ['-c', 'import torch, onnx']);
      return python;
    } catch {
      // not this one
    }
  }
  throw new Error(
    `no Python with torch and onnx among ${candidates.join(', ')}: ` +
      'apt-get install python3-torch python3-onnx (scripts/test.sh installs them)',
  );
}

/** Largest |got − want| / (1e-4 + 1e-3·|want|) over the tensor: ≤ 1 passes. */
function mismatch(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-4 + 1e-3 * Math.abs(want[i])));
  }
  return worst;
}

describe('tools/export: stand-in DUSt3R and DynamiCrafter exports load and run in the studio runtime', () => {
  let dir: string;
  let manifest: Manifest;
  let options: LoadOptions;
  const references = new Map<string, Reference>();

  beforeAll(async () => {
    setupNodeRuntime();
    const python = await findPython();
    dir = await mkdtemp(join(tmpdir(), 'splat-export-'));
    const out = join(dir, 'models');
    const common = ['--standin', '--out', out, '--reference-dir', join(dir, 'ref')];
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    // A manifest the user already has: an unrelated model (kept) and an older export (replaced in place).
    const stale = { path: 'old.onnx', bytes: 1, sha256: '0'.repeat(64) };
    await mkdir(out, { recursive: true });
    await writeFile(
      join(out, 'manifest.json'),
      JSON.stringify({
        version: 1,
        models: [
          { id: 'users-lpips', role: 'lpips', contract: 1, dims: {}, files: [stale] },
          { id: 'dust3r-pointmap', role: 'pointmap', contract: 1, dims: { H: 8, W: 8 }, files: [stale] },
        ],
      }),
    );
    // DUSt3R-sized models need external data; the stand-in is forced to use it so that path is tested.
    for (const args of [
      [
        'tools/export/export_dust3r.py',
        ...common,
        ...'--width 48 --height 32 --external-data always'.split(' '),
      ],
      ['tools/export/export_dynamicrafter.py', ...common, '--structure', '--plucker'],
    ]) {
      await exec(python, args, { cwd: root, env, timeout: 180_000 });
    }
    const manifestUrl = pathToFileURL(join(out, 'manifest.json')).href;
    manifest = await fetchManifest(manifestUrl, fileFetch);
    options = { manifestUrl, fetch: fileFetch, session: { executionProvider: 'wasm' } };
    for (const m of manifest.models.filter((m) => m.id !== 'users-lpips')) {
      const text = await readFile(join(dir, 'ref', `${m.id}.reference.json`), 'utf8');
      references.set(m.id, JSON.parse(text) as Reference);
    }
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('updates the manifest: one entry per role, external data for the pointmap, the sampler block', () => {
    expect(manifest.models.map((m) => [m.id, m.role])).toEqual([
      ['users-lpips', 'lpips'],
      ['dust3r-pointmap', 'pointmap'],
      ['dynamicrafter-unet', 'video-unet'],
      ['dynamicrafter-vae-encoder', 'vae-encoder'],
      ['dynamicrafter-vae-decoder', 'vae-decoder'],
      ['dynamicrafter-image-encoder', 'image-encoder'],
      ['dynamicrafter-structure-encoder', 'structure-encoder'],
    ]);
    const pointmap = findModel(manifest, 'pointmap');
    expect(pointmap.files.map((f) => f.path)).toEqual(['dust3r-pointmap.onnx', 'dust3r-pointmap.onnx.data']);
    expect(pointmap.dims).toEqual({ H: 32, W: 48 });
    // The stand-in carries DynamiCrafter-interp's schedule attributes, so the block read from it must
    // come out as the studio's DynamiCrafter defaults.
    const unet = findModel(manifest, 'video-unet');
    expect(unet.sampler).toBeDefined();
    expect(samplerOf(unet)).toEqual(DEFAULT_SAMPLER);
    expect(unet.dims).toEqual({ C: 4, T: 4, h: 4, w: 6, L: 13, D: 32, S: 8 });
  });

  const runReferences = async (id: string, ep: ExecutionProvider, device?: GPUDevice) => {
    const entry = findModel(manifest, id);
    const session = await loadModel(entry, { ...options, session: { executionProvider: ep, device } });
    try {
      expect(session.runtime.ep).toBe(ep);
      expect(contractMismatches(session.signature, entry.role, entry.dims)).toEqual([]);
      const ref = references.get(id)!;
      expect(ref.cases.length).toBeGreaterThan(0);
      for (const c of ref.cases) {
        const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, hostTensor(t)]));
        const out = await session.run(feeds);
        for (const [name, want] of Object.entries(c.outputs)) {
          const got = out[name];
          expect(got, `${id}: output ${name}`).toBeDefined();
          expect(got.dims).toEqual(want.dims);
          expect(got.data.every(Number.isFinite), `${id}: ${name} finite`).toBe(true);
          expect(mismatch(got.data, hostTensor(want).data), `${id}: ${name} vs PyTorch`).toBeLessThanOrEqual(
            1,
          );
        }
        if (entry.role === 'pointmap') {
          expect(out.conf_1.data.every((v) => v >= 1) && out.conf_2.data.every((v) => v >= 1)).toBe(true);
        }
      }
    } finally {
      await session.release();
    }
  };

  it.each([
    'dust3r-pointmap',
    'dynamicrafter-unet',
    'dynamicrafter-vae-encoder',
    'dynamicrafter-vae-decoder',
    'dynamicrafter-image-encoder',
    'dynamicrafter-structure-encoder',
  ])('%s validates against its contract and matches PyTorch (wasm EP)', async (id) => {
    await runReferences(id, 'wasm');
  });

  it("the studio's unconditional image (zeros through clipPreprocess) gets the empty-prompt context", async () => {
    const entry = findModel(manifest, 'image-encoder');
    const session = await loadModel(entry, options);
    try {
      const [W, H] = [48, 32];
      const image = clipPreprocess(new Float32Array(3 * W * H), W, H);
      const out = await session.run({ image: { data: image, dims: [1, 3, 224, 224] } });
      // Case 1 of the reference is the exporter's own unconditional image, run through PyTorch.
      const [photo, uncond] = references.get(entry.id)!.cases;
      expect(mismatch(out.tokens.data, hostTensor(uncond.outputs.tokens).data)).toBeLessThanOrEqual(1);
      // ...and the model is not a constant (the match above would then say nothing).
      expect(mismatch(out.tokens.data, hostTensor(photo.outputs.tokens).data)).toBeGreaterThan(1);
    } finally {
      await session.release();
    }
  });

  it('the diffusion set loads as the synthesis stage loads it (optional structure and plucker inputs)', async () => {
    const models = await loadDiffusionModels(manifest, options);
    try {
      expect(models.dims).toMatchObject({ C: 4, T: 4, h: 4, w: 6, L: 13, D: 32, S: 8, P: 64, H: 32, W: 48 });
      expect([...models.unet.inputNames].sort()).toEqual(
        ['context', 'fs', 'plucker', 'structure', 'timesteps', 'x'].sort(),
      );
      expect(models.imageEncoder && models.structureEncoder).toBeTruthy();
    } finally {
      await releaseDiffusionModels(models);
    }
  });

  it('a manifest whose dims disagree with the exported graph is refused', async () => {
    const entry = { ...findModel(manifest, 'pointmap'), dims: { H: 64, W: 48 } };
    const err = await loadModel(entry, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('contract-mismatch');
  });

  describe('WebGPU EP (Dawn)', () => {
    let gpu: GpuContext;
    beforeAll(async () => {
      setupNodeRuntime(nodeGpu());
      gpu = await testGpu();
    });
    afterAll(() => gpu?.dispose());

    it.each(['dust3r-pointmap', 'dynamicrafter-unet'])(
      '%s matches PyTorch on the engine device',
      async (id) => {
        await runReferences(id, 'webgpu', gpu.device);
      },
    );
  });
});
