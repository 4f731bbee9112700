/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts on the engine in Node (Dawn; SwiftShader when the
 * machine has no GPU). Each benchmark prints a readable table and returns one JSON object, printed as the
 * last stdout line. Figures only: nothing here asserts a time.
 */
import { testGpu } from '../src/engine/gpu/test-gpu';
import type { BenchContext, Benchmark } from './types';

const BENCHMARKS: Record<string, () => Promise<{ default: Benchmark }>> = {
  gpu: () => import('./gpu'),
  geometry: () => import('./geometry'),
  stereo: () => import('./stereo'),
  sort: () => import('./sort'),
  raster: () => import('./raster'),
  synthesis: () => import('./synthesis'),
  viewer: () => import('./viewer'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name ? BENCHMARKS[name] : undefined;
  if (!load) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [args]`);
    process.exit(2);
  }
  const gpu = await testGpu();
  const context: BenchContext = { gpu, args, adapter: gpu.handle.report };
  const { default: bench } = await load();
  const result = await bench(context);
  gpu.dispose();
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
