/**
 * `npm run eval -- --scene path/to/transforms.json --train 0,8,16 [--test rest|i,j,…]
 *    [--poses estimated|given] [--preset fast|balanced|quality] [--steps N] [--no-synthesis] [--init random]
 *    [--refine-poses] [--renders DIR] [--score-every N]`
 *
 * Protocol: reconstruct from the training views only (estimated poses: pose-free; given: the file's
 * cameras, posed mode), align the reconstruction's training cameras to the file's by a similarity
 * transform (and their focal lengths: the test views are drawn at the file's focal lengths times the
 * reconstruction's mean focal error), render every test view at the working resolution and score it against its photo (PSNR on
 * [0,1] RGB, SSIM with an 11×11 Gaussian window). Prints a line per test view, the means, and one JSON
 * object as the last stdout line. `--init random` is the plain-3DGS baseline (random splats in the
 * reconstructed bounding box instead of the point cloud). `--refine-poses` optimises the input cameras with
 * the splats; the alignment then uses the refined cameras. `--renders DIR` writes, per test view, the render,
 * the photo and their absolute difference (×4) side by side as DIR/view_<i>.png. Scenes with true depth
 * (the project's synthetic ones) also get a reference figure (`reference_psnr`, see warp-reference.ts) and
 * the reconstruction's PSNR over the same pixels (`psnr_seen`).
 * `--score-every N` also scores the test views every N optimisation steps and prints the curve (`curve`
 * in the JSON): where a sparse-view fit starts trading the held-out views for the photos. The run goes on
 * where it stopped, as an uninterrupted one would (not with --refine-poses: its rate schedule spans the run).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignSimilarity, cameraIntoSource, type Similarity } from '../src/engine/geometry/align-cameras';
import { type Camera, scaleIntrinsics } from '../src/engine/geometry/camera';
import { GpuContext } from '../src/engine/gpu/context';
import { nodeGpu } from '../src/engine/gpu/node-gpu';
import { decodeImage } from '../src/engine/io/decode-node';
import { type DecodedImage, resizeImage } from '../src/engine/io/image';
import { readTransforms, relativeTo, type TransformsFrame } from '../src/engine/io/transforms';
import { resolveSettings } from '../src/engine/pipeline/presets';
import { Reconstruction } from '../src/engine/pipeline/reconstruction';
import type { Preset, RunOptions } from '../src/engine/protocol';
import { scoreViews } from '../src/engine/splats/evaluate';
import { poseDistance } from '../src/engine/splats/pose-refine';
import { ProgressBar } from '../tools/cli-progress';
import { decodeDepthF32, encodePng } from '../tools/synthetic/write-scene';
import { type DepthView, psnrOver, type WarpReference, warpReference } from './warp-reference';

const USAGE =
  'usage: npm run eval -- --scene transforms.json --train 0,8,16 [--test rest|i,j,…] [--poses estimated|given] [--preset fast|balanced|quality] [--steps N] [--no-synthesis] [--init random] [--refine-poses] [--renders DIR] [--score-every N]';

function fail(reason: string): never {
  console.error(`eval: ${reason}`);
  process.exit(1);
}

function indices(list: string, what: string): number[] {
  const out = list.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n < 0))
    fail(`${what} must be comma-separated frame indices, got "${list}"`);
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? (argv[i + 1] ?? fail(`${name} needs a value`)) : undefined;
  };
  const scenePath = opt('--scene') ?? fail(`--scene is required\n${USAGE}`);
  const poses = (opt('--poses') ?? 'estimated') as 'estimated' | 'given';
  if (poses !== 'estimated' && poses !== 'given') fail('--poses is estimated or given');
  const preset = (opt('--preset') ?? 'balanced') as Preset;
  const steps = opt('--steps');
  const options: RunOptions = {
    preset,
    steps: steps ? Number(steps) : undefined,
    synthesis: !argv.includes('--no-synthesis'),
    refinePoses: argv.includes('--refine-poses') || undefined,
  };
  const init = opt('--init') === 'random' ? 'random' : 'points';
  const rendersDir = opt('--renders');
  const scoreEvery = opt('--score-every') === undefined ? 0 : Number(opt('--score-every'));
  if (!(Number.isInteger(scoreEvery) && scoreEvery >= 0))
    fail('--score-every must be a whole number of steps');
  // The pose learning rate decays over the run's steps, so a run cut into pieces would refine differently.
  if (scoreEvery && options.refinePoses) fail('--score-every does not combine with --refine-poses');

  let json: unknown;
  try {
    json = JSON.parse(readFileSync(scenePath, 'utf8'));
  } catch (err) {
    fail(`cannot read ${scenePath}: ${(err as Error).message}`);
  }
  const scene = readTransforms(json, { resolve: relativeTo(scenePath) });
  const n = scene.frames.length;
  const train = indices(opt('--train') ?? fail(`--train is required\n${USAGE}`), '--train');
  const testArg = opt('--test') ?? 'rest';
  const test =
    testArg === 'rest' ? [...Array(n).keys()].filter((i) => !train.includes(i)) : indices(testArg, '--test');
  for (const i of [...train, ...test])
    if (i >= n) fail(`frame ${i} does not exist (the scene has ${n} frames)`);
  if (train.length < 2) fail('--train needs at least two frames');
  if (test.length === 0) fail('no test frames');
  const both = test.filter((i) => train.includes(i));
  if (both.length > 0)
    fail(`frame ${both.join(', ')} is in both --train and --test; test frames must be held out`);

  const started = performance.now();
  const gpu = await GpuContext.create({ gpu: nodeGpu() });
  const device = gpu.device;
  const bar = new ProgressBar();
  const photos = train.map((i) => {
    const bytes = readFileSync(scene.frames[i].imagePath);
    return {
      name: scene.frames[i].filePath,
      bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    };
  });
  let failure: string | null = null;
  const reconstruction = new Reconstruction(
    device,
    photos,
    decodeImage,
    (event) => {
      bar.update(event);
      if (event.type === 'error') failure = event.error.message;
    },
    { knownCameras: poses === 'given' ? train.map((i) => scene.frames[i].camera) : undefined, init },
  );
  let settings: ReturnType<typeof resolveSettings>;
  try {
    settings = resolveSettings(options);
  } catch (err) {
    fail((err as Error).message);
  }
  const { workingSize, steps: totalSteps } = settings;
  const testImages: DecodedImage[] = [];
  for (const i of test) {
    const frame = scene.frames[i];
    const decoded = await decodeImage(new Uint8Array(readFileSync(frame.imagePath)), frame.filePath);
    const long = Math.max(decoded.image.width, decoded.image.height);
    const s = Math.min(1, workingSize / long);
    const width = Math.max(1, Math.round(decoded.image.width * s));
    const height = Math.max(1, Math.round(decoded.image.height * s));
    testImages.push(s < 1 ? resizeImage(decoded.image, width, height) : decoded.image);
  }
  const givenTrain = train.map((i) => scene.frames[i].camera);
  // Aligns the reconstruction's training cameras to the given ones and scores every test view.
  // `fileFocal` renders with the file's focal lengths instead of the reconstruction's (protocol step 2).
  const scoreTestViews = async (keepRenders: boolean, fileFocal = false) => {
    const fitted = await reconstructedInputCameras(reconstruction);
    const sim = alignSimilarity(fitted, givenTrain);
    const zoom = fileFocal ? 1 : focalRatio(fitted, givenTrain);
    const views = test.map((i, k) => {
      const camera = cameraIntoSource(sim, scene.frames[i].camera);
      const { width, height } = testImages[k];
      const K = scaleIntrinsics(scene.frames[i].camera.intrinsics, width, height);
      return {
        camera: { ...camera, intrinsics: { ...K, fx: K.fx * zoom, fy: K.fy * zoom } },
        rgba: testImages[k].data,
      };
    });
    const trainer = reconstruction.outputs.trainer!;
    const scores = await scoreViews(device, trainer.scene, views, {
      shDegree: trainer.options.shDegree,
      near: trainer.options.near,
      keepRenders,
    });
    return { scores, views, alignment: alignmentResidual(fitted, givenTrain, sim) };
  };
  const meanOf = (scores: { psnr: number; ssim: number }[], k: 'psnr' | 'ssim') =>
    scores.reduce((s, v) => s + v[k], 0) / scores.length;

  const curve: { step: number; psnr: number; ssim: number }[] = [];
  // Runs to each scoring point in turn; a re-run with more steps continues where the last one stopped.
  for (let at = 0; at < totalSteps; ) {
    at = scoreEvery ? Math.min(totalSteps, at + scoreEvery) : totalSteps;
    await reconstruction.run({ ...options, steps: at });
    if (failure) fail(failure);
    if (at === totalSteps) break;
    const { scores } = await scoreTestViews(false);
    curve.push({ step: at, psnr: meanOf(scores, 'psnr'), ssim: meanOf(scores, 'ssim') });
    console.log(
      `step ${at}: test PSNR ${curve.at(-1)!.psnr.toFixed(2)} dB, SSIM ${curve.at(-1)!.ssim.toFixed(4)}`,
    );
  }

  const trainer = reconstruction.outputs.trainer!;
  const reference = await depthReference(scene.frames, train, test, workingSize);
  const { scores, views, alignment } = await scoreTestViews(rendersDir !== undefined || reference !== null);
  if (scoreEvery)
    curve.push({ step: totalSteps, psnr: meanOf(scores, 'psnr'), ssim: meanOf(scores, 'ssim') });
  // With estimated cameras, the same views drawn at the file's focal lengths (the protocol before it
  // carried the focal over), so that both figures can be read.
  const fileFocal = poses === 'estimated' ? (await scoreTestViews(false, true)).scores : null;
  if (poses === 'estimated')
    console.log(
      `training cameras after alignment: rotation ≤ ${alignment.rotationDeg.toFixed(2)}°, centre ≤ ` +
        `${(100 * alignment.centre).toFixed(1)} % of their spread, focal ${(100 * alignment.focal).toFixed(1)} % off; ` +
        `drawn at the file's focal lengths instead, the test views score ${meanOf(fileFocal!, 'psnr').toFixed(2)} dB`,
    );
  if (rendersDir) {
    mkdirSync(rendersDir, { recursive: true });
    for (const [k, i] of test.entries()) {
      const { width, height } = views[k].camera.intrinsics;
      const png = encodePng(3 * width, height, sideBySide(scores[k].render!, views[k].rgba, width, height));
      writeFileSync(join(rendersDir, `view_${i}.png`), png);
    }
  }
  const mean = (k: 'psnr' | 'ssim') => meanOf(scores, k);
  console.log('view   PSNR (dB)   SSIM');
  for (const [k, i] of test.entries()) {
    console.log(
      `${String(i).padStart(4)}   ${scores[k].psnr.toFixed(2).padStart(8)}   ${scores[k].ssim.toFixed(4)}`,
    );
  }
  console.log(`mean   ${mean('psnr').toFixed(2).padStart(8)}   ${mean('ssim').toFixed(4)}`);
  // The reconstruction on the reference's pixels, so the two figures compare like for like.
  const psnrSeen = reference
    ? reference.views.reduce((s, r, k) => s + psnrOver(scores[k].render!, views[k].rgba, r.seen), 0) /
      reference.views.length
    : null;
  if (reference)
    console.log(
      `reference: the nearest training photo warped with the true depth scores ${reference.psnr.toFixed(2)} dB ` +
        `on the ${(100 * reference.coverage).toFixed(1)} % of test pixels the training photos see; ` +
        `the reconstruction scores ${psnrSeen!.toFixed(2)} dB on those pixels`,
    );
  const result = {
    scene: scenePath,
    train,
    test,
    poses,
    preset,
    init,
    refine_poses: !!options.refinePoses,
    synthesis: reconstruction.outputs.synthesis?.enabled ?? false,
    synthesized_frames: reconstruction.outputs.synthesis?.synthesized ?? 0,
    psnr: mean('psnr'),
    ssim: mean('ssim'),
    lpips: null,
    per_view: scores.map(({ psnr, ssim }) => ({ psnr, ssim })),
    alignment,
    ...(fileFocal ? { psnr_file_focal: meanOf(fileFocal, 'psnr') } : {}),
    ...(scoreEvery ? { curve } : {}),
    reference_psnr: reference?.psnr ?? null,
    psnr_seen: psnrSeen,
    seconds: (performance.now() - started) / 1000,
    splats: trainer.scene.count,
  };
  console.log(JSON.stringify(result));
  reconstruction.dispose();
  gpu.dispose();
}

/**
 * warpReference averaged over the test views (like the scores: the mean of their PSNRs), when every frame
 * has raw float32 true depth (the project's synthetic scenes) and the photos are scored at their own size;
 * else null.
 */
async function depthReference(
  frames: TransformsFrame[],
  train: number[],
  test: number[],
  workingSize: number,
): Promise<{ psnr: number; coverage: number; views: WarpReference[] } | null> {
  const all = [...train, ...test];
  if (!all.every((i) => frames[i].depthPath?.endsWith('.f32'))) return null;
  const load = async (i: number): Promise<DepthView | null> => {
    const { camera, imagePath, filePath, depthPath } = frames[i];
    const { image } = await decodeImage(new Uint8Array(readFileSync(imagePath)), filePath);
    const depth = decodeDepthF32(readFileSync(depthPath!));
    const { width, height } = camera.intrinsics;
    const fits = image.width === width && image.height === height && depth.length === width * height;
    return fits && Math.max(width, height) <= workingSize ? { camera, rgba: image.data, depth } : null;
  };
  const trainViews = await Promise.all(train.map(load));
  const testViews = await Promise.all(test.map(load));
  if ([...trainViews, ...testViews].some((v) => v === null)) return null;
  const each = testViews.map((v) => warpReference(v!, trainViews as DepthView[]));
  const mean = (k: 'psnr' | 'coverage') => each.reduce((s, r) => s + r[k], 0) / each.length;
  return { psnr: mean('psnr'), coverage: mean('coverage'), views: each };
}

/** Render | photo | 4 × |render − photo|, one RGBA row-major image three views wide. */
function sideBySide(
  render: Float32Array,
  photo: Uint8ClampedArray,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(3 * width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * 4;
      const row = y * 3 * width;
      for (let c = 0; c < 3; c++) {
        const r = Math.round(255 * Math.min(1, Math.max(0, render[src + c])));
        out[(row + x) * 4 + c] = r;
        out[(row + width + x) * 4 + c] = photo[src + c];
        out[(row + 2 * width + x) * 4 + c] = Math.min(255, 4 * Math.abs(r - photo[src + c]));
      }
      for (let p = 0; p < 3; p++) out[(row + p * width + x) * 4 + 3] = 255;
    }
  }
  return out;
}

/**
 * The reconstruction's focal length relative to the file's, as the geometric mean over the training cameras
 * (fx over image width, so working and file sizes compare): 1 with given cameras.
 */
function focalRatio(fitted: Camera[], given: Camera[]): number {
  const fx = (c: Camera) => c.intrinsics.fx / c.intrinsics.width;
  const logs = fitted.map((f, k) => Math.log(fx(f) / fx(given[k])));
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}

/**
 * How far the fitted training cameras are from the given ones once aligned: the largest rotation error,
 * the largest centre error as a fraction of the centres' RMS distance from their mean, and the largest
 * relative focal error (fx over image width, so working and file sizes compare). Zero-ish with given poses.
 */
function alignmentResidual(fitted: Camera[], given: Camera[], sim: Similarity) {
  const inFitted = given.map((g) => cameraIntoSource(sim, g));
  const centres = fitted.map((c) => [c.worldFromCamera[12], c.worldFromCamera[13], c.worldFromCamera[14]]);
  const mean = [0, 1, 2].map((k) => centres.reduce((s, c) => s + c[k], 0) / centres.length);
  const spread = Math.sqrt(
    centres.reduce((s, c) => s + (c[0] - mean[0]) ** 2 + (c[1] - mean[1]) ** 2 + (c[2] - mean[2]) ** 2, 0) /
      centres.length,
  );
  let rotationDeg = 0;
  let centre = 0;
  let focal = 0;
  for (const [k, f] of fitted.entries()) {
    const d = poseDistance(f, inFitted[k]);
    rotationDeg = Math.max(rotationDeg, d.rotationDeg);
    centre = Math.max(centre, d.translation / Math.max(spread, 1e-12));
    const fx = (c: Camera) => c.intrinsics.fx / c.intrinsics.width;
    focal = Math.max(focal, Math.abs(fx(f) / fx(given[k]) - 1));
  }
  return { rotationDeg, centre, focal };
}

/**
 * The input cameras the splats were fitted to: the geometry stage's, or with pose refinement the trainer's
 * refined ones (each geometry camera matched to the training input view that started from it).
 */
async function reconstructedInputCameras(reconstruction: Reconstruction): Promise<Camera[]> {
  const given = reconstruction.outputs.geometry!.views.map((v) => v.camera);
  const trainer = reconstruction.outputs.trainer!;
  if (!trainer.options.refinePoses) return given;
  const frames = reconstruction.outputs.synthesis!.frames;
  const refined = await trainer.cameras();
  return given.map((camera) => {
    let best = -1;
    let bestD = Infinity;
    frames.forEach((f, i) => {
      if (f.source !== 'input') return;
      const d = poseDistance(f.camera, camera);
      const score = d.rotationDeg + d.translation;
      if (score < bestD) [best, bestD] = [i, score];
    });
    return best >= 0 ? refined[best] : camera;
  });
}

main().then(
  () => process.exit(0),
  (err) => fail((err as Error).message),
);
