/**
 * `npm run reconstruct -- a.jpg b.jpg [more …] --out scene.ply [--splat scene.splat]
 *    [--preset fast|balanced|quality] [--steps N] [--size PX]
 *    [--models path/to/manifest.json] [--geometry classical|pointmap] [--geometry-model ID]
 *    [--synthesis warp-fill|diffusion|off] [--sampler-steps N] [--refine-poses]`
 * The whole pipeline in Node (Dawn), through the same Engine the browser worker drives. A neural choice
 * whose model cannot be used falls back to the classical default with a warning; the summary says which
 * method each stage actually ran.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import v8 from 'node:v8';
import { Engine } from '../src/engine/engine';
import { nodeGpu } from '../src/engine/gpu/node-gpu';
import { decodeImage } from '../src/engine/io/decode-node';
import { setupNodeRuntime } from '../src/engine/models/node-runtime';
import type { EngineEvent, PhotoInput, Preset, RunOptions } from '../src/engine/protocol';
import { ProgressBar } from './cli-progress';
import { localModels } from './model-files';

const USAGE =
  'usage: npm run reconstruct -- a.jpg b.jpg [more …] --out scene.ply [--splat scene.splat] [--preset fast|balanced|quality] [--steps N] [--size PX]' +
  ' [--models manifest.json] [--geometry classical|pointmap] [--geometry-model ID] [--synthesis warp-fill|diffusion|off] [--sampler-steps N] [--refine-poses]';

interface Args {
  photos: string[];
  out: string | null;
  splat: string | null;
  models: string | null;
  options: RunOptions;
}

function fail(reason: string): never {
  console.error(`reconstruct: ${reason}`);
  process.exit(1);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { photos: [], out: null, splat: null, models: null, options: { preset: 'balanced' } };
  const whole = (v: string, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) fail(`${flag} needs a whole number ≥ 1`);
    return n;
  };
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
    } else if (a === '--size') args.options.workingSize = whole(value(), a);
    else if (a === '--models') args.models = value();
    else if (a === '--geometry') {
      const g = value();
      if (g !== 'classical' && g !== 'pointmap') fail(`--geometry is classical or pointmap (got "${g}")`);
      args.options.geometry = g;
    } else if (a === '--geometry-model') {
      args.options.geometry = 'pointmap';
      args.options.geometryModel = value();
    } else if (a === '--synthesis') {
      const m = value();
      if (m === 'off') args.options.synthesis = false;
      else if (m === 'warp-fill' || m === 'diffusion') args.options.synthesisMethod = m;
      else fail(`--synthesis is warp-fill, diffusion or off (got "${m}")`);
    } else if (a === '--sampler-steps') args.options.samplerSteps = whole(value(), a);
    else if (a === '--refine-poses') args.options.refinePoses = true;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}\n${USAGE}`);
    else args.photos.push(a);
  }
  if (!args.out && !args.splat) fail(`give --out scene.ply and/or --splat scene.splat\n${USAGE}`);
  const neural = args.options.geometry === 'pointmap' || args.options.synthesisMethod === 'diffusion';
  if (neural && !args.models)
    console.error(
      'reconstruct: no --models manifest given: the neural choice will fall back to the classical default',
    );
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
  const gpu = nodeGpu();
  // onnxruntime-web in Node: local wasm files, and its WebGPU EP on Dawn (the engine's device).
  if (args.models) {
    // Node 20's V8 tiers onnxruntime's 26 MB asyncify wasm up to TurboFan while the first WebGPU session
    // is created, and waits for it: 60–90 s of CPU on the 2-core dev box (Liftoff alone: ~1 s). With the
    // WebGPU EP the wasm only orchestrates, so baseline code costs little (the wasm EP fallback runs slower).
    v8.setFlagsFromString('--liftoff-only');
    setupNodeRuntime(gpu);
  }
  const engine = new Engine(
    (event) => {
      bar.update(event);
      if (event.type === 'error' || (event.type === 'capability' && !event.ok)) error = event;
      if (event.type === 'exported') exported.set(event.format, { bytes: event.bytes, count: event.count });
    },
    decodeImage,
    gpu,
    { models: args.models ? localModels(args.models) : undefined },
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
    methods: r.methods,
    seconds: Object.fromEntries(Object.entries(r.seconds).map(([k, v]) => [k, Number((v ?? 0).toFixed(2))])),
    total_seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    outputs: [args.out, args.splat].filter(Boolean),
  };
  console.log(`cameras: ${geometry.views.length} (focal ${summary.cameras.map((c) => c.fx).join(', ')} px)`);
  console.log(`splats:  ${summary.splats.toLocaleString('en-US')}`);
  for (const [stage, m] of Object.entries(r.methods)) {
    const models = m?.models?.length ? ` (${m.models.join(', ')}${m.ep ? `, ${m.ep}` : ''})` : '';
    console.log(`${stage.padEnd(13)} ran ${m?.method}${models}`);
  }
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
