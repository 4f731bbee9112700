/**
 * The whole neural geometry path with the project's tiny `pointmap` contract model (tools/onnx): an
 * ORT session on the WebGPU EP using the engine's own GPUDevice (Dawn in Node) → symmetric pairwise
 * inference → Weiszfeld focal → similarity pose → alignment → GeometryResult, checked against the
 * geometry the model was generated from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axisAngle,
  defaultPointmapScene,
  planeDepth,
  pointmapModel,
} from '../../../../tools/onnx/pointmap-model';
import type { GpuContext } from '../../gpu/context';
import { nodeGpu } from '../../gpu/node-gpu';
import { testGpu } from '../../gpu/test-gpu';
import type { DecodedImage } from '../../io/image';
import { setupNodeRuntime } from '../../models/node-runtime';
import { ModelSession } from '../../models/session';
import { get, rotationOf, translationOf } from '../mat4';
import { unitConfidence } from './confidence';
import { pointmapGeometry } from './pipeline';
import { rotationDistanceDeg } from './rotation';

/** A textured RGBA image with mean brightness around `level` (0..255). */
function texturedImage(width: number, height: number, level: number, seed: number): DecodedImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v =
        level +
        40 * Math.sin(0.7 * x + seed) * Math.cos(0.45 * y - seed) +
        (((x * 7 + y * 13 + seed) % 5) - 2) * 6;
      const i = (y * width + x) * 4;
      data[i] = v;
      data[i + 1] = v * 0.9;
      data[i + 2] = v * 0.8;
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

describe('pointmap model → geometry (WebGPU EP on the engine device)', () => {
  let gpu: GpuContext;
  let session: ModelSession;
  const scene = defaultPointmapScene(32, 24);

  beforeAll(async () => {
    setupNodeRuntime(nodeGpu());
    gpu = await testGpu();
    session = await ModelSession.create(pointmapModel(scene).bytes, 'pointmap', {
      device: gpu.device,
      dims: { H: scene.height, W: scene.width },
      id: 'tiny-plane',
    });
  });
  afterAll(async () => {
    await session?.release();
    gpu?.dispose();
  });

  it('recovers the focal lengths and the relative pose the model encodes', async () => {
    console.log(`pointmap session: ${JSON.stringify(session.runtime)}`);
    expect(session.runtime).toMatchObject({ ep: 'webgpu', device: 'engine' });

    // Photos at twice the model size (same aspect): fitted to 32×24; photo 1 is the brighter one.
    const images = [texturedImage(64, 48, 150, 1), texturedImage(64, 48, 90, 2)];
    const geo = await pointmapGeometry(images, session, {
      size: { width: scene.width, height: scene.height },
    });
    expect(geo.source).toBe('pointmap-model');
    expect(Object.keys(geo.timings)).toEqual(['preprocess', 'inference', 'alignment', 'cloud']);

    const [v0, v1] = geo.views;
    expect(v0.camera.intrinsics.fx / scene.focal[0]).toBeCloseTo(1, 4);
    expect(v1.camera.intrinsics.fx / scene.focal[1]).toBeCloseTo(1, 4);
    expect(v1.camera.intrinsics).toMatchObject({ cx: 16, cy: 12, width: 32, height: 24 });
    // World = camera 0.
    expect(rotationDistanceDeg(rotationOf(v0.camera.worldFromCamera), [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe(0);
    expect(rotationDistanceDeg(rotationOf(v1.camera.worldFromCamera), scene.rotation1)).toBeLessThan(0.01);
    // Scale: median depth of view 0 is 1, so the true centre is divided by the true median depth.
    const d0 = [...planeDepth(scene, 0)].sort((a, b) => a - b);
    const m = 0.5 * (d0[d0.length / 2 - 1] + d0[d0.length / 2]);
    const c1 = translationOf(v1.camera.worldFromCamera);
    for (let a = 0; a < 3; a++) expect(c1[a]).toBeCloseTo(scene.centre1[a] / m, 4);
    const depths = [...v0.depth].sort((a, b) => a - b);
    expect(0.5 * (depths[depths.length / 2 - 1] + depths[depths.length / 2])).toBeCloseTo(1, 5);
    expect(get(v1.camera.worldFromCamera, 3, 3)).toBe(1);

    // Both views' world points lie on the plane n·X = c (scaled by 1/m).
    for (const view of geo.views) {
      for (let p = 0; p < view.depth.length; p += 37) {
        const X = [view.pointmap[p * 3], view.pointmap[p * 3 + 1], view.pointmap[p * 3 + 2]];
        const n = scene.planeNormal;
        expect(n[0] * X[0] + n[1] * X[1] + n[2] * X[2]).toBeCloseTo(scene.planeOffset / m, 4);
      }
    }
    // Confidence: raw conf = 1 + exp(2|lap| + 0.5) ≥ 1 + e^0.5, mapped by 1 − 1/conf.
    for (const view of geo.views) {
      for (const c of view.confidence) {
        expect(c).toBeGreaterThanOrEqual(unitConfidence(1 + Math.exp(0.5)) - 1e-6);
        expect(c).toBeLessThan(1);
      }
    }
    expect(geo.cloud.count).toBeGreaterThan(100);
    expect(geo.cloud.colors.every((c) => c >= 0 && c <= 1)).toBe(true);
    console.log(
      `pointmap path: f0 ${v0.camera.intrinsics.fx.toFixed(4)} (true ${scene.focal[0]}), f1 ` +
        `${v1.camera.intrinsics.fx.toFixed(4)} (true ${scene.focal[1]}), rotation error ` +
        `${rotationDistanceDeg(rotationOf(v1.camera.worldFromCamera), scene.rotation1).toExponential(2)}°, ` +
        `cloud ${geo.cloud.count} points, timings ${JSON.stringify(geo.timings)}, last run ${session.lastRunMs.toFixed(0)} ms`,
    );
  });

  it('a model that encodes a different pose gives a different answer (the check can fail)', async () => {
    const other = { ...scene, rotation1: axisAngle([0, 1, 0], (25 * Math.PI) / 180) };
    const wrong = await ModelSession.create(pointmapModel(other).bytes, 'pointmap', {
      executionProvider: 'wasm',
    });
    const images = [texturedImage(32, 24, 150, 1), texturedImage(32, 24, 90, 2)];
    const geo = await pointmapGeometry(images, wrong, { size: { width: scene.width, height: scene.height } });
    expect(
      rotationDistanceDeg(rotationOf(geo.views[1].camera.worldFromCamera), scene.rotation1),
    ).toBeGreaterThan(5);
    await wrong.release();
  });
});
