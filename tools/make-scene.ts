/**
 * Synthetic ground-truth scene generator.
 *   node --import tsx tools/make-scene.ts --out DIR [--views 3] [--size 256x192] [--seed 0]
 *        [--preset tabletop|room|objects] [--kind pair|triplet|orbit] [--samples 3] [--previews]
 * Writes DIR/transforms.json, DIR/images/frame_NNNN.png and DIR/depth/frame_NNNN.f32 (see
 * tools/synthetic/write-scene.ts for the depth format). Deterministic in its arguments.
 */
import { parseArgs } from 'node:util';
import {
  type CameraKind,
  makeSyntheticScene,
  PRESETS,
  type PresetName,
  renderView,
} from '../src/engine/geometry/synthetic';
import { writeSceneDir } from './synthetic/write-scene';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    views: { type: 'string', default: '3' },
    size: { type: 'string', default: '256x192' },
    seed: { type: 'string', default: '0' },
    preset: { type: 'string' },
    kind: { type: 'string' },
    samples: { type: 'string', default: '3' },
    previews: { type: 'boolean', default: false },
  },
});

function fail(msg: string): never {
  console.error(`make-scene: ${msg}`);
  process.exit(2);
}

if (!values.out) fail('--out DIR is required');
const size = /^(\d+)x(\d+)$/.exec(values.size);
if (!size) fail(`--size must be WxH, got '${values.size}'`);
const views = Number(values.views);
const seed = Number(values.seed);
const samples = Number(values.samples);
if (!Number.isInteger(views) || views < 2) fail('--views must be an integer ≥ 2');
if (!Number.isInteger(seed)) fail('--seed must be an integer');
if (!Number.isInteger(samples) || samples < 1) fail('--samples must be an integer ≥ 1');
if (values.preset && !PRESETS.includes(values.preset as PresetName))
  fail(`--preset must be one of ${PRESETS.join('|')}`);
if (values.kind && !['pair', 'triplet', 'orbit'].includes(values.kind))
  fail('--kind must be pair|triplet|orbit');

const t0 = performance.now();
const synth = makeSyntheticScene({
  seed,
  views,
  width: Number(size[1]),
  height: Number(size[2]),
  preset: values.preset as PresetName | undefined,
  kind: values.kind as CameraKind | undefined,
});
const t1 = performance.now();
const renders = synth.cameras.map((c) => renderView(synth.scene, c, { samples }));
const t2 = performance.now();
writeSceneDir(values.out, synth, renders, { previews: values.previews });
const t3 = performance.now();
console.log(
  JSON.stringify({
    out: values.out,
    preset: synth.preset,
    kind: synth.kind,
    seed,
    views,
    size: values.size,
    scale: synth.scale,
    ms: {
      setup: Math.round(t1 - t0),
      renderPerView: Math.round((t2 - t1) / views),
      write: Math.round(t3 - t2),
    },
  }),
);
