/**
 * The classical geometry stage end to end (features → pose → stereo → fusion) on synthetic scenes with
 * exact ground truth: the issue-4 gates, posed mode from a transforms.json scene, and bad input.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSceneDir } from '../../../tools/synthetic/write-scene';
import type { GpuContext } from '../gpu/context';
import { testGpu } from '../gpu/test-gpu';
import { decodeImage } from '../io/decode-node';
import { applyOrientation } from '../io/image';
import { readTransforms, relativeTo } from '../io/transforms';
import type { Camera } from './camera';
import { classicalGeometry, type GeometryPhoto } from './classical';
import { describeFigures, GEOMETRY_GATES, geometryFigures } from './geometry-metrics';
import { fromRotationTranslation, multiply } from './mat4';
import { PoseError } from './pose';
import { makeSyntheticScene, type PresetName, renderView } from './synthetic';

let gpu: GpuContext;
beforeAll(async () => {
  gpu = await testGpu();
});
afterAll(() => gpu?.dispose());

const W = 256;
const H = 192;

function render(preset: PresetName, seed: number, views: number, width = W, height = H) {
  const s = makeSyntheticScene({ preset, seed, views, width, height });
  const renders = s.cameras.map((c) => renderView(s.scene, c));
  return { s, renders };
}

const photosOf = (renders: { width: number; height: number; rgba: Uint8ClampedArray }[], priors?: number[]) =>
  renders.map(
    (r, i): GeometryPhoto => ({
      name: `view ${i}`,
      image: { width: r.width, height: r.height, data: r.rgba },
      focalPrior: priors ? priors[i] : null,
    }),
  );

function expectGates(figures: ReturnType<typeof geometryFigures>, maxRotationDeg: number): void {
  const g = GEOMETRY_GATES;
  expect(figures.maxRotationDeg).toBeLessThanOrEqual(maxRotationDeg);
  expect(figures.maxTranslationDeg).toBeLessThanOrEqual(g.maxTranslationDeg);
  expect(figures.maxFocal).toBeLessThanOrEqual(g.maxFocal);
  expect(figures.maxDepthError).toBeLessThanOrEqual(g.maxDepthError);
  expect(figures.minCoverage).toBeGreaterThanOrEqual(g.minCoverage);
}

// Three presets, two and three views; each once pose-free (no EXIF) and once with the true focal as
// prior. Tabletop seed 1 is the converging-axes case (all cameras aim at one point) whose focal the
// matcher's ~150 matches a pair left ill-determined (8 % off with 3 views); it needs the densified tracks.
// Objects seed 3 with 2 views (optical axes 7° apart) passes only since occlusion-edge tracks are
// rejected by neighbour consistency (pose/track-filter.ts; it was 6.3 % off before). Tabletop seed 4 with
// 2 views leaves the focal 1.7 % uncertain and the adjustment puts it 3.35 % off; the floor and the back
// wall meeting square set it (right-angle-focal.ts).
const CASES: { preset: PresetName; seed: number; views: number; rightAngles?: boolean }[] = [
  { preset: 'room', seed: 2, views: 2 },
  { preset: 'objects', seed: 3, views: 3 },
  { preset: 'objects', seed: 3, views: 2 },
  { preset: 'tabletop', seed: 1, views: 2 },
  { preset: 'tabletop', seed: 1, views: 3 },
  { preset: 'tabletop', seed: 4, views: 2, rightAngles: true },
];

describe('classical geometry gates on synthetic scenes', () => {
  for (const c of CASES) {
    const label = `${c.preset} seed ${c.seed}, ${c.views} views`;
    const scene = () => render(c.preset, c.seed, c.views);
    it(`${label}, no focal prior: rotation ≤ 1°, translation ≤ 3°, focal ≤ 3 %, depth ≤ 3 %, coverage ≥ 60 %`, async () => {
      const { s, renders } = scene();
      const result = await classicalGeometry(gpu.device, photosOf(renders));
      expect(result.pose?.focalEstimated).toBe(true);
      const f = geometryFigures(result.views, { cameras: s.cameras, depth: renders.map((r) => r.depth) });
      const dense = result.pose?.pairs.map((p) => p.dense).join('/');
      console.log(`${label}, no prior: ${describeFigures(f)}, dense tracks a pair ${dense}`);
      expectGates(f, GEOMETRY_GATES.maxRotationDeg);
      if (c.rightAngles) expect(result.rightAngles).not.toBeNull();
      expect(result.cloud.count).toBeGreaterThan(1000);
      // The photos were densified: far more correspondences than the matcher's.
      for (const p of result.pose!.pairs) expect(p.dense).toBeGreaterThan(p.verified);
    });
    it(`${label}, true focal as prior: the same with rotation ≤ 0.5°`, async () => {
      const { s, renders } = scene();
      const priors = s.cameras.map((cam) => cam.intrinsics.fx);
      const result = await classicalGeometry(gpu.device, photosOf(renders, priors));
      expect(result.pose?.focalEstimated).toBe(false);
      const f = geometryFigures(result.views, { cameras: s.cameras, depth: renders.map((r) => r.depth) });
      console.log(`${label}, true prior: ${describeFigures(f)}`);
      expectGates(f, GEOMETRY_GATES.maxRotationDegWithPrior);
    });
  }
});

describe('posed mode (cameras from transforms.json)', () => {
  it('triangulates matches with the known cameras to bound the sweep, and meets the depth gates', async () => {
    const { s, renders } = render('tabletop', 4, 2);
    const dir = mkdtempSync(join(tmpdir(), 'posed-'));
    try {
      writeSceneDir(dir, s, renders);
      const jsonPath = join(dir, 'transforms.json');
      const scene = readTransforms(JSON.parse(readFileSync(jsonPath, 'utf8')), {
        resolve: relativeTo(jsonPath),
      });
      const photos: GeometryPhoto[] = [];
      for (const frame of scene.frames) {
        const { image } = await decodeImage(new Uint8Array(readFileSync(frame.imagePath)), frame.filePath);
        photos.push({ name: frame.filePath, image, focalPrior: frame.camera.intrinsics.fx });
      }
      const result = await classicalGeometry(gpu.device, photos, {
        cameras: scene.frames.map((f) => f.camera),
      });
      expect(result.source).toBe('posed');
      expect(result.pose).toBeNull();
      expect(result.sparsePoints.length / 3).toBeGreaterThan(50);
      // The triangulated points lie on the true surfaces (view 0 = world; scale as in transforms.json).
      const k = s.cameras[0].intrinsics;
      const offSurface: number[] = [];
      for (let p = 0; p < result.sparsePoints.length; p += 3) {
        const [x, y, z] = result.sparsePoints.subarray(p, p + 3);
        const u = Math.floor((k.fx * x) / z + k.cx);
        const v = Math.floor((k.fy * y) / z + k.cy);
        if (u < 0 || v < 0 || u >= W || v >= H) continue;
        offSurface.push(Math.abs(z / renders[0].depth[v * W + u] - 1));
      }
      offSurface.sort((a, b) => a - b);
      expect(offSurface[offSurface.length >> 1]).toBeLessThan(0.02);
      const f = geometryFigures(result.views, { cameras: s.cameras, depth: renders.map((r) => r.depth) });
      console.log(
        `posed tabletop seed 4: ${result.sparsePoints.length / 3} sparse points, ${describeFigures(f)}`,
      );
      expect(f.maxRotationDeg).toBeLessThan(1e-3);
      expect(f.maxTranslationDeg).toBeLessThan(1e-3);
      expect(f.maxDepthError).toBeLessThanOrEqual(0.03);
      expect(f.minCoverage).toBeGreaterThanOrEqual(0.6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bounds the sweep from the few features small photos yield, with accurate depth', async () => {
    // 128×96, two views 33° apart: only a handful of features match, too few for percentiles.
    const s = makeSyntheticScene({ preset: 'objects', seed: 2, views: 5, width: 128, height: 96 });
    const cameras = [s.cameras[0], s.cameras[4]];
    const renders = cameras.map((c) => renderView(s.scene, c));
    const result = await classicalGeometry(gpu.device, photosOf(renders), { cameras });
    const f = geometryFigures(result.views, { cameras, depth: renders.map((r) => r.depth) });
    console.log(
      `posed objects 128×96: ${result.sparsePoints.length / 3} sparse points, ${describeFigures(f)}`,
    );
    expect(result.sparsePoints.length / 3).toBeLessThan(20);
    expect(f.maxDepthError).toBeLessThanOrEqual(0.03);
    // About 60 % here whichever way the range is bounded (61 % with the percentile margins): at this size
    // the wide baseline leaves much of the co-visible area to textureless or foreshortened surfaces.
    expect(f.minCoverage).toBeGreaterThanOrEqual(0.5);
  });

  it('names cameras that do not fit the photos', async () => {
    const { s, renders } = render('room', 2, 2);
    const cams: Camera[] = s.cameras.map((c) => ({ ...c, intrinsics: { ...c.intrinsics, width: 100 } }));
    await expect(classicalGeometry(gpu.device, photosOf(renders), { cameras: cams })).rejects.toThrow(
      /camera 1 is for a 100×192 image, photo 1 is 256×192/,
    );
  });
});

async function poseError(photos: GeometryPhoto[]): Promise<PoseError> {
  const err = await classicalGeometry(gpu.device, photos).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PoseError);
  return err as PoseError;
}

describe('bad input', () => {
  it('fewer than two photos', async () => {
    const { renders } = render('room', 2, 2);
    await expect(classicalGeometry(gpu.device, photosOf(renders.slice(0, 1)))).rejects.toThrow(
      /at least two/,
    );
  });

  it('photos of two different scenes: too-few-matches with the verified count', async () => {
    const a = render('room', 2, 2).renders[0];
    const b = render('objects', 3, 2).renders[0];
    const err = await poseError(photosOf([a, b]));
    console.log(`unrelated photos: ${err.message}`);
    expect(err.kind).toBe('too-few-matches');
    expect(err.message).toMatch(/\d+/);
  });

  it('the same photo twice, or a tiny shift: no-baseline', async () => {
    const { s, renders } = render('objects', 3, 2);
    const same = await poseError(photosOf([renders[0], renders[0]]));
    console.log(`same photo twice: ${same.message}`);
    expect(same.kind).toBe('no-baseline');
    // 0.2 % of the scene depth sideways: far below a usable baseline.
    const shifted = {
      ...s.cameras[0],
      worldFromCamera: fromRotationTranslation([1, 0, 0, 0, 1, 0, 0, 0, 1], [0.002, 0, 0]),
    };
    const tiny = await poseError(photosOf([renders[0], renderView(s.scene, shifted)]));
    console.log(`tiny shift: ${tiny.message}`);
    expect(tiny.kind).toBe('no-baseline');
  });

  it('mixed sizes and orientations: per-photo intrinsics, cameras and depth still right', async () => {
    const s = makeSyntheticScene({ preset: 'room', seed: 2, views: 2, width: 320, height: 240 });
    const r0 = renderView(s.scene, s.cameras[0]);
    // Photo 2: a portrait photo (the camera rolled 90° clockwise about its optical axis): 240×320.
    const r1 = renderView(s.scene, s.cameras[1]);
    const portrait = applyOrientation({ width: 320, height: 240, data: r1.rgba }, 6);
    expect([portrait.width, portrait.height]).toEqual([240, 320]);
    const k = s.cameras[1].intrinsics;
    // Rotated pixel (u', v') = (240 − v, u): camera axes X' = −Y, Y' = X, Z' = Z.
    const rolled: Camera = {
      intrinsics: { fx: k.fy, fy: k.fx, cx: 240 - k.cy, cy: k.cx, width: 240, height: 320 },
      worldFromCamera: multiply(
        s.cameras[1].worldFromCamera,
        fromRotationTranslation([0, 1, 0, -1, 0, 0, 0, 0, 1], [0, 0, 0]),
      ),
    };
    const rolledDepth = new Float32Array(240 * 320);
    for (let y = 0; y < 320; y++)
      for (let x = 0; x < 240; x++) rolledDepth[y * 240 + x] = r1.depth[(239 - x) * 320 + y];
    const result = await classicalGeometry(gpu.device, [
      { name: 'landscape', image: { width: 320, height: 240, data: r0.rgba }, focalPrior: null },
      { name: 'portrait', image: portrait, focalPrior: null },
    ]);
    expect(result.views[1].camera.intrinsics.width).toBe(240);
    expect(result.views[1].depth.length).toBe(240 * 320);
    const f = geometryFigures(result.views, {
      cameras: [s.cameras[0], rolled],
      depth: [r0.depth, rolledDepth],
    });
    console.log(`landscape + portrait: ${describeFigures(f)}`);
    expectGates(f, GEOMETRY_GATES.maxRotationDeg);
  });
});
