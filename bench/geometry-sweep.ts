/**
 * The issue-4 gate sweep of the classical geometry stage (`npm run bench -- geometry --sweep`): every
 * synthetic case (3 presets × seeds 1–4 × 2 and 3 views, 256×192 by default) once without EXIF and once
 * with the true focal as prior. One row a run: rotation, translation direction, focal, depth errors,
 * coverage, the bundle adjustment's relative focal uncertainty, the gates passed; then pass counts.
 * The gates are GEOMETRY_GATES (geometry-metrics.ts), the same the gate tests assert.
 */

import { classicalGeometry, type GeometryPhoto } from '../src/engine/geometry/classical';
import { failedGates, geometryFigures } from '../src/engine/geometry/geometry-metrics';
import { makeSyntheticScene, PRESETS, type PresetName, renderView } from '../src/engine/geometry/synthetic';
import type { GpuContext } from '../src/engine/gpu/context';
import { adapterName } from './types';

interface Case {
  preset: PresetName;
  seed: number;
  views: number;
}

export interface SweepRow {
  label: string;
  prior: 'none' | 'true';
  rotationDeg: number;
  translationDeg: number;
  focalError: number;
  depthError: number;
  coverage: number;
  /** Relative std of the focal from the final bundle adjustment (null with a prior). */
  focalRelStd: number | null;
  /** Dense tracks per pair. */
  dense: number[];
  seconds: number;
  pass: boolean;
  /** Names of the failed gates, or the error message. */
  failed: string[];
}

const arg = (args: string[], name: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

function casesOf(args: string[]): Case[] {
  const listed = arg(args, 'cases');
  if (listed) {
    return listed.split(',').map((c) => {
      const [preset, seed, views] = c.split(':');
      if (!PRESETS.includes(preset as PresetName)) throw new Error(`--cases: unknown preset ${preset}`);
      return { preset: preset as PresetName, seed: Number(seed), views: Number(views) };
    });
  }
  const all: Case[] = [];
  for (const preset of PRESETS)
    for (let seed = 1; seed <= 4; seed++) for (const views of [2, 3]) all.push({ preset, seed, views });
  return all;
}

const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

export async function sweep(gpu: GpuContext, args: string[]): Promise<Record<string, unknown>> {
  const [width, height] = (arg(args, 'size') ?? '256x192').split('x').map(Number);
  const cases = casesOf(args);
  console.log(
    `adapter ${adapterName(gpu.handle.report)}, ${width}×${height}, ${cases.length} cases × 2 priors`,
  );
  console.log(
    '| case | prior | rot ° | trans ° | focal % | depth % | cover % | BA focal σ % | dense | s | gates |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|');
  const rows: SweepRow[] = [];
  for (const c of cases) {
    const label = `${c.preset} s${c.seed} ${c.views}v`;
    const s = makeSyntheticScene({ ...c, width, height });
    const renders = s.cameras.map((cam) => renderView(s.scene, cam));
    const truth = { cameras: s.cameras, depth: renders.map((r) => r.depth) };
    for (const prior of ['none', 'true'] as const) {
      const photos = renders.map(
        (r, i): GeometryPhoto => ({
          name: `view ${i}`,
          image: { width: r.width, height: r.height, data: r.rgba },
          focalPrior: prior === 'true' ? s.cameras[i].intrinsics.fx : null,
        }),
      );
      await gpu.device.queue.onSubmittedWorkDone();
      const t = performance.now();
      let row: SweepRow;
      try {
        const r = await classicalGeometry(gpu.device, photos);
        const f = geometryFigures(r.views, truth);
        const failed = failedGates(f, prior === 'true');
        row = {
          label,
          prior,
          rotationDeg: f.maxRotationDeg,
          translationDeg: f.maxTranslationDeg,
          focalError: f.maxFocal,
          depthError: f.maxDepthError,
          coverage: f.minCoverage,
          focalRelStd: r.pose?.focalRelStd ?? null,
          dense: r.pose?.pairs.map((p) => p.dense) ?? [],
          seconds: (performance.now() - t) / 1000,
          pass: failed.length === 0,
          failed,
        };
      } catch (err) {
        row = {
          label,
          prior,
          rotationDeg: Number.NaN,
          translationDeg: Number.NaN,
          focalError: Number.NaN,
          depthError: Number.NaN,
          coverage: Number.NaN,
          focalRelStd: null,
          dense: [],
          seconds: (performance.now() - t) / 1000,
          pass: false,
          failed: [`error: ${(err as Error).message}`],
        };
      }
      rows.push(row);
      console.log(
        `| ${label} | ${prior} | ${fmt(row.rotationDeg, 3)} | ${fmt(row.translationDeg, 3)} | ` +
          `${fmt(100 * row.focalError, 2)} | ${fmt(100 * row.depthError, 2)} | ${fmt(100 * row.coverage, 1)} | ` +
          `${row.focalRelStd === null ? '—' : fmt(100 * row.focalRelStd, 2)} | ${row.dense.join('/')} | ` +
          `${row.seconds.toFixed(1)} | ${row.pass ? 'pass' : `FAIL ${row.failed.join(' ')}`} |`,
      );
    }
  }
  const passed = (prior: string) => rows.filter((r) => r.prior === prior && r.pass).length;
  console.log('');
  console.log(
    `passed: ${passed('none')}/${cases.length} without EXIF, ${passed('true')}/${cases.length} with the true focal`,
  );
  return {
    benchmark: 'geometry-sweep',
    adapter: adapterName(gpu.handle.report),
    width,
    height,
    passedNoPrior: passed('none'),
    passedTruePrior: passed('true'),
    cases: cases.length,
    rows,
  };
}
