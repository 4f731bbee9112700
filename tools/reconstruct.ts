/**
 * `npm run reconstruct -- a.jpg b.jpg [more …] --out scene.ply [--splat scene.splat]
 *    [--preset fast|balanced|quality] [--steps N]`
 * The whole pipeline in Node (Dawn), through the same Engine the browser worker drives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Engine } from '../src/engine/engine';
import { nodeGpu } from '../src/engine/gpu/node-gpu';
import { decodeImage } from '../src/engine/io/decode-node';
import type { EngineEvent, PhotoInput, Preset, RunOptions } from '../src/engine/protocol';
import { ProgressBar } from './cli-progress';

const USAGE =
  'usage: npm run reconstruct -- a.jpg b.jpg [more …] --out scene.ply [--splat scene.splat] [--preset fast|balanced|quality] [--steps N]';

interface Args {
  photos: string[];
  out: string | null;
  splat: string | null;
  options: RunOptions;
}

function fail(reason: string): never {
  console.error(`reconstruct: ${reason}`);
  process.exit(1);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { photos: [], out: null, splat: null, options: { preset: 'balanced' } };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => argv[++i] ?? fail(`${a} needs a value\n${USAGE}`);
    if (a === '--out') args.out = value();
    else if (a === '--splat') args.splat = value();
    else if (a === '--preset') {
      const p = value();
      if (!['fast', 'balanced', 'quality'].includes(p))
        fail(`unknown preset "${p}" (fast, balanced or quality)`);
      args.options.preset = p as Preset;
    } else if (a === '--steps') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) fail('--steps needs a whole number ≥ 1');
      args.options.steps = n;
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}\n${USAGE}`);
    else args.photos.push(a);
  }
  if (!args.out && !args.splat) fail(`give --out scene.ply and/or --splat scene.splat\n${USAGE}`);
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const photos: PhotoInput[] = args.photos.map((path) => {
    try {
      const bytes = readFileSync(path);
      return {
        name: basename(path),
        bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    } catch (err) {
      return fail(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  });
  const bar = new ProgressBar();
  let error: EngineEvent | null = null;
  const exported = new Map<string, { bytes: ArrayBuffer; count: number }>();
  const engine = new Engine(
    (event) => {
      bar.update(event);
      if (event.type === 'error' || (event.type === 'capability' && !event.ok)) error = event;
      if (event.type === 'exported') exported.set(event.format, { bytes: event.bytes, count: event.count });
    },
    decodeImage,
    nodeGpu(),
  );
  const started = performance.now();
  await engine.handle({ type: 'init' });
  if (!error) await engine.handle({ type: 'start', photos, options: args.options });
  if (error) {
    const e = error as EngineEvent & { error: { message: string } };
    fail(e.error.message);
  }
  const r = engine.current!;
  if (args.out) await engine.handle({ type: 'export', format: 'ply' });
  if (args.splat) await engine.handle({ type: 'export', format: 'splat' });
  const ply = exported.get('ply');
  const splat = exported.get('splat');
  if (args.out && ply) writeFileSync(args.out, new Uint8Array(ply.bytes));
  if (args.splat && splat) writeFileSync(args.splat, new Uint8Array(splat.bytes));

  const geometry = r.outputs.geometry!;
  const summary = {
    photos: photos.length,
    cameras: geometry.views.map((v) => ({
      fx: Number(v.camera.intrinsics.fx.toFixed(2)),
      width: v.camera.intrinsics.width,
      height: v.camera.intrinsics.height,
    })),
    splats: (ply ?? splat)?.count ?? 0,
    seconds: Object.fromEntries(Object.entries(r.seconds).map(([k, v]) => [k, Number((v ?? 0).toFixed(2))])),
    total_seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    outputs: [args.out, args.splat].filter(Boolean),
  };
  console.log(`cameras: ${geometry.views.length} (focal ${summary.cameras.map((c) => c.fx).join(', ')} px)`);
  console.log(`splats:  ${summary.splats.toLocaleString('en-US')}`);
  for (const [stage, s] of Object.entries(summary.seconds))
    console.log(`${stage.padEnd(13)} ${s.toFixed(2)} s`);
  console.log(`wrote ${summary.outputs.join(', ')}`);
  console.log(JSON.stringify(summary));
  engine.dispose();
}

main().then(
  () => process.exit(0),
  (err) => fail((err as Error).message),
);
