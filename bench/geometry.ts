/**
 * `npm run bench -- geometry --sweep [--size=256x192] [--cases=tabletop:3:2,room:1:2]`: the issue-4 gate
 * table, every case (3 presets × seeds 1–4 × 2 and 3 views, or the listed preset:seed:views cases) once
 * without EXIF and once with the true focal as prior: errors, gate pass/fail, the bundle adjustment's
 * focal uncertainty, pass counts (bench/geometry-sweep.ts).
 *
 * `npm run bench -- geometry [--size=512x384] [--xfeat]`: the classical geometry stage end to end on
 * synthetic scenes (2 views: room seed 2, 3 views: objects seed 3 and tabletop seed 1, whose cameras aim
 * at one point: the hard case for the focal), rendered and encoded as PNG so the
 * decode step is real. Per-step seconds (decode, features, matching, pose, stereo, fusion) and the gate
 * figures against ground truth. `--xfeat` adds a front-end comparison (GPU SIFT-like vs XFeat on the
 * wasm EP, ../shared/models/xfeat.onnx) on the same photos. Figures only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type ClassicalResult,
  classicalGeometry,
  type GeometryPhoto,
} from '../src/engine/geometry/classical';
import {
  describeFigures,
  type GeometryFigures,
  geometryFigures,
} from '../src/engine/geometry/geometry-metrics';
import { makeSyntheticScene, type PresetName, renderView } from '../src/engine/geometry/synthetic';
import { decodeImage } from '../src/engine/io/decode-node';
import { setupNodeRuntime } from '../src/engine/models/node-runtime';
import { XFeat } from '../src/engine/models/xfeat';
import { encodePng } from '../tools/synthetic/write-scene';
import { sweep } from './geometry-sweep';
import { adapterName, type Benchmark } from './types';

const arg = (args: string[], name: string, fallback: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

const SCENES: { preset: PresetName; seed: number; views: number }[] = [
  { preset: 'room', seed: 2, views: 2 },
  { preset: 'objects', seed: 3, views: 3 },
  { preset: 'tabletop', seed: 1, views: 3 },
];
const STEPS = ['decode', 'features', 'matching', 'pose', 'stereo', 'fusion'] as const;
const pct = (x: number) => `${(100 * x).toFixed(2)}`;

interface Prepared {
  label: string;
  photos: GeometryPhoto[];
  truth: { cameras: ReturnType<typeof makeSyntheticScene>['cameras']; depth: Float32Array[] };
  decodeSeconds: number;
}

async function prepare(scene: (typeof SCENES)[number], width: number, height: number): Promise<Prepared> {
  const s = makeSyntheticScene({ ...scene, width, height });
  const renders = s.cameras.map((c) => renderView(s.scene, c));
  const pngs = renders.map((r) => encodePng(r.width, r.height, r.rgba));
  const t = performance.now();
  const photos: GeometryPhoto[] = [];
  for (const [i, png] of pngs.entries()) {
    const { image } = await decodeImage(new Uint8Array(png), `view${i}.png`);
    photos.push({ name: `view${i}.png`, image, focalPrior: null });
  }
  return {
    label: `${scene.preset} s${scene.seed} ${scene.views}v`,
    photos,
    truth: { cameras: s.cameras, depth: renders.map((r) => r.depth) },
    decodeSeconds: (performance.now() - t) / 1000,
  };
}

function row(label: string, r: ClassicalResult, f: GeometryFigures, decode: number) {
  const timings: Record<string, number> = { ...r.timings, decode };
  return {
    label,
    timings,
    matches: r.matchCounts.reduce((a, m) => a + m.matches, 0),
    verified: r.pose?.pairs.reduce((a, p) => a + p.verified, 0) ?? 0,
    rotationDeg: f.maxRotationDeg,
    translationDeg: f.maxTranslationDeg,
    focalError: f.maxFocal,
    depthError: f.maxDepthError,
    coverage: f.minCoverage,
  };
}

const bench: Benchmark = async ({ gpu, args }) => {
  if (args.includes('--sweep')) return sweep(gpu, args);
  const [width, height] = arg(args, 'size', '512x384').split('x').map(Number);
  const device = gpu.device;
  console.log(`adapter ${adapterName(gpu.handle.report)}, ${width}×${height}`);
  const prepared: Prepared[] = [];
  for (const scene of SCENES) prepared.push(await prepare(scene, width, height));

  const rows: ReturnType<typeof row>[] = [];
  for (const p of prepared) {
    // Wait for the device between runs so that one run's queue does not bleed into the next one's times.
    await device.queue.onSubmittedWorkDone();
    const r = await classicalGeometry(device, p.photos);
    const f = geometryFigures(r.views, p.truth);
    rows.push(row(p.label, r, f, p.decodeSeconds));
    console.log(`${p.label}: ${describeFigures(f)}`);
  }
  console.log('');
  console.log(`| scene | ${STEPS.join(' | ')} | total s | rot ° | trans ° | focal % | depth % | cover % |`);
  console.log(`|---|${STEPS.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|`);
  for (const r of rows) {
    const t = STEPS.map((s) => (r.timings as Record<string, number>)[s] ?? 0);
    console.log(
      `| ${r.label} | ${t.map((x) => x.toFixed(2)).join(' | ')} | ${t.reduce((a, b) => a + b, 0).toFixed(2)} | ` +
        `${r.rotationDeg.toFixed(3)} | ${r.translationDeg.toFixed(3)} | ${pct(r.focalError)} | ${pct(r.depthError)} | ${pct(r.coverage)} |`,
    );
  }

  let comparison: Record<string, unknown>[] | undefined;
  if (args.includes('--xfeat')) comparison = await compareXFeat(device, prepared);
  return { benchmark: 'geometry', adapter: adapterName(gpu.handle.report), width, height, rows, comparison };
};

async function compareXFeat(device: GPUDevice, prepared: Prepared[]): Promise<Record<string, unknown>[]> {
  const path = resolve(process.cwd(), '../shared/models/xfeat.onnx');
  if (!existsSync(path)) throw new Error(`--xfeat: ${path} not found`);
  setupNodeRuntime();
  const xfeat = await XFeat.create(new Uint8Array(readFileSync(path)), { executionProvider: 'wasm' });
  const frontEnds = [
    { name: 'gpu-sift', frontEnd: undefined },
    {
      name: 'xfeat (wasm)',
      frontEnd: { name: 'xfeat', extract: (img: GeometryPhoto['image']) => xfeat.extract(img) },
    },
  ];
  const out: Record<string, unknown>[] = [];
  console.log('');
  console.log(
    '| scene | front-end | matches | verified | rot ° | trans ° | focal % | depth % | features s | matching s |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of prepared) {
    for (const fe of frontEnds) {
      await device.queue.onSubmittedWorkDone();
      let line: Record<string, unknown>;
      try {
        const r = await classicalGeometry(device, p.photos, { frontEnd: fe.frontEnd });
        line = {
          scene: p.label,
          frontEnd: fe.name,
          ...row(p.label, r, geometryFigures(r.views, p.truth), 0),
        };
      } catch (err) {
        line = { scene: p.label, frontEnd: fe.name, error: (err as Error).message };
      }
      out.push(line);
      const l = line as ReturnType<typeof row> & { error?: string };
      console.log(
        l.error
          ? `| ${p.label} | ${fe.name} | failed: ${l.error} |`
          : `| ${p.label} | ${fe.name} | ${l.matches} | ${l.verified} | ${l.rotationDeg.toFixed(3)} | ` +
              `${l.translationDeg.toFixed(3)} | ${pct(l.focalError)} | ${pct(l.depthError)} | ` +
              `${l.timings.features.toFixed(2)} | ${l.timings.matching.toFixed(2)} |`,
      );
    }
  }
  await xfeat.release();
  return out;
}

export default bench;
