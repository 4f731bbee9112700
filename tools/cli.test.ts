/**
 * The two command-line tools run as a user runs them (a child Node process on Dawn): `reconstruct` on two
 * photos of a synthetic scene, pose-free, writing .ply and .splat; `eval` on a transforms.json scene with
 * given and with estimated poses. A handful of steps each: this checks the plumbing, the files and the output contract, not
 * the quality (the README's evaluation tables are for that). Bad input exits 1 with a one-line reason.
 */
import { type ExecFileException, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSyntheticScene, renderView } from '../src/engine/geometry/synthetic';
import { readPly } from '../src/engine/io/ply';
import { readSplat } from '../src/engine/io/splat';
import { writeSceneDir } from './synthetic/write-scene';

const root = fileURLToPath(new URL('..', import.meta.url));
const temp = mkdtempSync(join(tmpdir(), 'cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// 256×192: the size at which the classical front end poses these scenes (see the geometry gates).
const synth = makeSyntheticScene({ seed: 2, views: 3, width: 256, height: 192, preset: 'objects' });
const scene = join(temp, 'scene');
writeSceneDir(
  scene,
  synth,
  synth.cameras.map((c) => renderView(synth.scene, c, { samples: 2 })),
);
const image = (i: number) => join(scene, 'images', `frame_000${i}.png`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--import', './tools/register-raw.mjs', script, ...args],
      { cwd: root, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } },
      (err: ExecFileException | null, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

describe('npm run reconstruct', () => {
  it('poses two photos, writes a .ply and a .splat, and prints a summary with a JSON last line', async () => {
    const ply = join(temp, 'out.ply');
    const splat = join(temp, 'out.splat');
    const r = await run('tools/reconstruct.ts', [
      image(0),
      image(1),
      '--out',
      ply,
      '--splat',
      splat,
      '--preset',
      'fast',
      '--steps',
      '3',
      '--synthesis',
      'off',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/optimization/); // the progress bar
    const summary = lastJson(r.stdout);
    expect(summary.photos).toBe(2);
    expect(summary.cameras).toHaveLength(2);
    expect(summary.methods.geometry.method).toBe('classical');
    expect(summary.splats).toBeGreaterThan(1000);
    const fromPly = readPly(new Uint8Array(readFileSync(ply)));
    const fromSplat = readSplat(new Uint8Array(readFileSync(splat)));
    expect(fromPly.count).toBe(summary.splats);
    expect(fromSplat.count).toBe(summary.splats);
  });

  it('exits 1 with one line naming the problem: a non-image, a single photo, a bad option', async () => {
    const text = join(temp, 'notes.png');
    writeFileSync(text, 'not a picture');
    const cases: [string[], RegExp][] = [
      [[image(0), text, '--out', join(temp, 'x.ply')], /notes\.png/],
      [[image(0), '--out', join(temp, 'x.ply')], /two photos|at least 2|at least two/i],
      [[image(0), image(1), '--out', join(temp, 'x.ply'), '--preset', 'ultra'], /unknown preset "ultra"/],
    ];
    for (const [args, reason] of cases) {
      const r = await run('tools/reconstruct.ts', args);
      expect(r.code, args.join(' ')).toBe(1);
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('reconstruct: '));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(reason);
    }
  });
});

describe('npm run eval', () => {
  it('scores held-out views and ends with the JSON the protocol names', async () => {
    const renders = join(temp, 'renders');
    const r = await run('bench/eval.ts', [
      '--scene',
      join(scene, 'transforms.json'),
      '--train',
      '0,2',
      '--test',
      '1',
      '--poses',
      'given',
      '--preset',
      'fast',
      '--steps',
      '3',
      '--no-synthesis',
      '--renders',
      renders,
      '--score-every',
      '2',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout);
    for (const key of ['scene', 'train', 'test', 'poses', 'psnr', 'ssim', 'lpips', 'seconds', 'splats'])
      expect(out).toHaveProperty(key);
    expect(out.train).toEqual([0, 2]);
    expect(out.test).toEqual([1]);
    expect(out.poses).toBe('given');
    expect(out.lpips).toBeNull();
    // Three steps from the point cloud (opacity 0.1) give a dim image of the scene: it must already beat
    // an empty (black) render of the test view clearly, and with given poses the alignment is exact.
    const photo = PNG.sync.read(readFileSync(image(1)));
    let sq = 0;
    for (let i = 0; i < photo.data.length; i += 4)
      for (let c = 0; c < 3; c++) sq += (photo.data[i + c] / 255) ** 2;
    const blackPsnr = -10 * Math.log10(sq / ((3 * photo.data.length) / 4));
    expect(out.psnr).toBeGreaterThan(blackPsnr + 2);
    expect(out.alignment.rotationDeg).toBeLessThan(1e-3);
    expect(r.stdout).toMatch(/^ {3}1 {3}/m); // the per-view line
    // The curve scores the test view after step 2 and again at the end; the run goes on from step 2.
    expect(out.curve.map((p: { step: number }) => p.step)).toEqual([2, 3]);
    expect(out.curve[1].psnr).toBe(out.psnr);
    expect(out.curve[1].psnr).toBeGreaterThan(out.curve[0].psnr);
    expect(r.stdout).toMatch(/^step 2: test PSNR \d+\.\d\d dB, SSIM /m);
    // The scene has true depth, so the warp reference is there; a 3-step render is far below it.
    expect(out.reference_psnr).toBeGreaterThan(out.psnr + 5);
    expect(r.stdout).toMatch(/^reference: .* dB on the \d+\.\d % of test pixels/m);
    // And the render's own figure over the reference's pixels.
    expect(Number.isFinite(out.psnr_seen)).toBe(true);
    expect(out.psnr_seen).toBeLessThan(out.reference_psnr);
    expect(r.stdout).toMatch(/the reconstruction scores \d+\.\d\d dB on those pixels$/m);
    const png = PNG.sync.read(readFileSync(join(renders, 'view_1.png')));
    expect([png.width, png.height]).toEqual([3 * 256, 192]);
  });

  it('with estimated poses, draws the test views at the reconstruction focal and reports both figures', async () => {
    const r = await run('bench/eval.ts', [
      '--scene',
      join(scene, 'transforms.json'),
      '--train',
      '0,2',
      '--test',
      '1',
      '--poses',
      'estimated',
      '--preset',
      'fast',
      '--steps',
      '2',
      '--no-synthesis',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = lastJson(r.stdout);
    expect(out.poses).toBe('estimated');
    expect(out.alignment.rotationDeg).toBeLessThan(1);
    expect(out.alignment.focal).toBeLessThan(0.05);
    expect(Number.isFinite(out.psnr_file_focal)).toBe(true);
    expect(Math.abs(out.psnr_file_focal - out.psnr)).toBeLessThan(3);
    expect(r.stdout).toMatch(
      /focal \d+\.\d % off; drawn at the file's focal lengths instead, the test views score \d+\.\d\d dB$/m,
    );
  });

  it('exits 1 with one line for a frame the scene does not have', async () => {
    const r = await run('bench/eval.ts', ['--scene', join(scene, 'transforms.json'), '--train', '0,7']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('eval: frame 7 does not exist (the scene has 3 frames)');
  });

  it('exits 1 with one line when a test frame is also a training frame', async () => {
    const args = ['--scene', join(scene, 'transforms.json'), '--train', '0,2', '--test', '1,2'];
    const r = await run('bench/eval.ts', args);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'eval: frame 2 is in both --train and --test; test frames must be held out',
    );
  });

  it('exits 1 with one line for a scoring interval it cannot honour', async () => {
    const base = ['--scene', join(scene, 'transforms.json'), '--train', '0,2'];
    const reasons: [string[], string][] = [
      [['--score-every', '-5'], 'eval: --score-every must be a whole number of steps'],
      [['--score-every', '50', '--refine-poses'], 'eval: --score-every does not combine with --refine-poses'],
    ];
    for (const [args, reason] of reasons) {
      const r = await run('bench/eval.ts', [...base, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(reason);
    }
  });
});
