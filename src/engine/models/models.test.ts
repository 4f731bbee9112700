/**
 * The model layer without a GPU: contracts (with real ORT sessions on the wasm EP), manifest
 * validation, SHA-256 and size checks, downloads with progress and 404s, the cache, and loadModel.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointmapModel, wrongPointmapModel } from '../../../tools/onnx/pointmap-model';
import { MemoryCache } from './cache';
import { contractMismatches } from './contracts';
import { ModelError } from './errors';
import { sha256Hex, verifyModelFile } from './integrity';
import { fetchManifest, loadModel, loadModelFiles, type ModelProgress } from './loader';
import { findModel, parseManifest, samplerOf } from './manifest';
import { setupNodeRuntime } from './node-runtime';
import { ModelSession } from './session';

setupNodeRuntime();

async function rejection(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ModelError) return err;
    throw err;
  }
  throw new Error('expected a ModelError');
}

describe('contracts', () => {
  it('a wrong-signature model is rejected with every mismatch named', async () => {
    const err = await rejection(
      ModelSession.create(wrongPointmapModel(), 'pointmap', { executionProvider: 'wasm' }),
    );
    expect(err.code).toBe('contract-mismatch');
    expect(err.message).toBe(
      "pointmap model: input 'img2' missing; unexpected input 'image2'; " +
        "output 'conf_1' has rank 4, expected 3 [1,H,W]; output 'conf_2' missing",
    );
  });

  it('the contract model conforms, and sizes are checked against the manifest dims', async () => {
    const { bytes, scene } = pointmapModel();
    const session = await ModelSession.create(bytes, 'pointmap', {
      executionProvider: 'wasm',
      dims: { H: scene.height, W: scene.width },
    });
    expect(session.runtime.ep).toBe('wasm');
    expect(contractMismatches(session.signature, 'pointmap', { H: 48, W: 64 })).toEqual([
      "input 'img1' has size 24 on axis 2, expected 48 (H)",
      "input 'img1' has size 32 on axis 3, expected 64 (W)",
      "input 'img2' has size 24 on axis 2, expected 48 (H)",
      "input 'img2' has size 32 on axis 3, expected 64 (W)",
      "output 'pts3d_1' has size 24 on axis 1, expected 48 (H)",
      "output 'pts3d_1' has size 32 on axis 2, expected 64 (W)",
      "output 'conf_1' has size 24 on axis 1, expected 48 (H)",
      "output 'conf_1' has size 32 on axis 2, expected 64 (W)",
      "output 'pts3d_2' has size 24 on axis 1, expected 48 (H)",
      "output 'pts3d_2' has size 32 on axis 2, expected 64 (W)",
      "output 'conf_2' has size 24 on axis 1, expected 48 (H)",
      "output 'conf_2' has size 32 on axis 2, expected 64 (W)",
    ]);
    await session.release();
  });

  it('names dtype, tensor-ness and derived dims; accepts symbolic dims and optional inputs', () => {
    const sig = {
      inputMetadata: [
        { name: 'x', isTensor: true, type: 'float32', shape: [1, 8, 'T', 40, 64] },
        { name: 'timesteps', isTensor: true, type: 'int64', shape: [1] },
        { name: 'context', isTensor: false },
        { name: 'fs', isTensor: true, type: 'float32', shape: [] },
      ],
      outputMetadata: [{ name: 'v', isTensor: true, type: 'float32', shape: [1, 4, 16, 40, 63] }],
    };
    expect(contractMismatches(sig, 'video-unet', { C: 4, T: 16, h: 40, w: 64 })).toEqual([
      "input 'timesteps' has dtype int64, expected float32",
      "input 'context' is not a tensor",
      "output 'v' has size 63 on axis 4, expected 64 (w)",
    ]);
    expect(contractMismatches(sig, 'video-unet', { C: 3 })).toContain(
      "input 'x' has size 8 on axis 1, expected 6 (2*C)",
    );
  });
});

describe('manifest', () => {
  const sha = 'a'.repeat(64);
  const entry = {
    id: 'dust3r',
    role: 'pointmap',
    contract: 1,
    dims: { H: 288, W: 512 },
    files: [{ path: 'm.onnx', bytes: 10, sha256: sha }],
  };

  it('parses a valid manifest and fills sampler defaults', () => {
    const m = parseManifest({
      version: 1,
      models: [entry, { ...entry, id: 'unet', role: 'video-unet', sampler: { cfgScale: 5, steps: 25 } }],
    });
    expect(findModel(m, 'pointmap').id).toBe('dust3r');
    const sampler = samplerOf(findModel(m, 'unet'));
    expect(sampler.cfgScale).toBe(5);
    expect(sampler.guidanceRescale).toBe(0.7);
    expect(sampler.latentScale).toBe(0.18215);
    expect(() => findModel(m, 'lpips')).toThrow("no model 'lpips' in the models manifest");
  });

  it.each([
    [{ version: 2, models: [] }, 'models manifest: version must be 1'],
    [{ version: 1, models: [{ ...entry, role: 'depth' }] }, 'models[0].role must be one of'],
    [
      { version: 1, models: [{ ...entry, contract: 2 }] },
      'models[0].contract is 2, but this studio implements contract v1',
    ],
    [
      { version: 1, models: [{ ...entry, files: [{ path: 'm.onnx', bytes: 10, sha256: 'xyz' }] }] },
      'models[0].files[0].sha256 must be 64 hex digits',
    ],
    [
      { version: 1, models: [{ ...entry, files: [{ path: '../m.onnx', bytes: 10, sha256: sha }] }] },
      'models[0].files[0].path',
    ],
    [
      { version: 1, models: [{ ...entry, sampler: { cfg: 3 } }] },
      'models[0].sampler.cfg is not a sampler setting',
    ],
    [{ version: 1, models: [entry, entry] }, "(id 'dust3r') appears twice"],
  ])('rejects %j', (json, message) => {
    expect(() => parseManifest(json)).toThrow(message);
  });

  it('the shipped public/models/manifest.json is valid', async () => {
    const { readFileSync } = await import('node:fs');
    expect(parseManifest(JSON.parse(readFileSync('public/models/manifest.json', 'utf8'))).version).toBe(1);
  });
});

describe('integrity, download and cache', () => {
  const { bytes: model } = pointmapModel();
  let server: Server;
  let base = '';
  let requests = 0;
  const files = new Map<string, Uint8Array>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      const body = files.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end('missing');
        return;
      }
      res.writeHead(200, { 'content-length': String(body.byteLength) });
      // Several chunks a few ms apart, so progress has intermediate values.
      const step = Math.ceil(body.byteLength / 4);
      let o = 0;
      const next = () => {
        if (o >= body.byteLength) {
          res.end();
          return;
        }
        res.write(body.subarray(o, o + step));
        o += step;
        setTimeout(next, 5);
      };
      next();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/`;
    files.set('/models/pointmap.onnx', model);
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('computes SHA-256 (FIPS 180-2 test vector)', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('rejects a file whose SHA-256 or size differs from the manifest', async () => {
    const sha = await sha256Hex(model);
    await expect(
      verifyModelFile(model, { path: 'p.onnx', bytes: model.byteLength, sha256: sha }, 'm'),
    ).resolves.toBeUndefined();
    const tampered = model.slice();
    tampered[100] ^= 1;
    const bad = await rejection(
      verifyModelFile(tampered, { path: 'p.onnx', bytes: model.byteLength, sha256: sha }, 'm'),
    );
    expect(bad.code).toBe('sha256-mismatch');
    expect(bad.message).toContain(`the manifest says ${sha}`);
    const short = await rejection(
      verifyModelFile(model.subarray(1), { path: 'p.onnx', bytes: model.byteLength, sha256: sha }, 'm'),
    );
    expect(short.code).toBe('size-mismatch');
  });

  it('downloads with byte progress, verifies, caches, and loads a contract-checked session', async () => {
    const sha = await sha256Hex(model);
    const manifest = {
      version: 1,
      models: [
        {
          id: 'tiny',
          role: 'pointmap',
          contract: 1,
          dims: { H: 24, W: 32 },
          files: [{ path: 'pointmap.onnx', bytes: model.byteLength, sha256: sha }],
        },
      ],
    };
    files.set('/models/manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
    const m = await fetchManifest(`${base}manifest.json`);
    const cache = new MemoryCache();
    const progress: ModelProgress[] = [];
    const before = requests;
    const session = await loadModel(findModel(m, 'tiny'), {
      manifestUrl: `${base}manifest.json`,
      cache,
      onProgress: (p) => progress.push(p),
      session: { executionProvider: 'wasm' },
    });
    expect(session.runtime.ep).toBe('wasm');
    expect(requests - before).toBe(1);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({
      loaded: model.byteLength,
      total: model.byteLength,
      fromCache: false,
    });
    for (let k = 1; k < progress.length; k++)
      expect(progress[k].loaded).toBeGreaterThanOrEqual(progress[k - 1].loaded);
    expect(cache.entries.get(sha)?.byteLength).toBe(model.byteLength);
    await session.release();

    // Second load: from the cache, no request.
    const again = await loadModelFiles(findModel(m, 'tiny'), { manifestUrl: `${base}manifest.json`, cache });
    expect(requests - before).toBe(1);
    expect(again[0].byteLength).toBe(model.byteLength);

    // A corrupted cache entry is dropped and downloaded again.
    const corrupt = model.slice();
    corrupt[10] ^= 0xff;
    await cache.put(sha, corrupt);
    const healed = await loadModelFiles(findModel(m, 'tiny'), { manifestUrl: `${base}manifest.json`, cache });
    expect(requests - before).toBe(2);
    expect(await sha256Hex(healed[0])).toBe(sha);
  });

  it('a served file with the wrong hash is rejected, a missing one is a clear 404', async () => {
    const entry = {
      id: 'tiny',
      role: 'pointmap' as const,
      contract: 1,
      dims: {},
      files: [{ path: 'pointmap.onnx', bytes: model.byteLength, sha256: 'b'.repeat(64) }],
    };
    const bad = await rejection(loadModelFiles(entry, { manifestUrl: `${base}manifest.json` }));
    expect(bad.code).toBe('sha256-mismatch');
    const missing = await rejection(
      loadModelFiles(
        { ...entry, files: [{ ...entry.files[0], path: 'nope.onnx' }] },
        { manifestUrl: `${base}manifest.json` },
      ),
    );
    expect(missing.code).toBe('not-found');
    expect(missing.message).toContain(`${base}nope.onnx was not found (HTTP 404)`);
  });
});
