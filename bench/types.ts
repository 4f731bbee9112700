import type { GpuContext } from '../src/engine/gpu/context';
import type { AdapterReport } from '../src/engine/gpu/device';

export interface BenchContext {
  gpu: GpuContext;
  args: string[];
  adapter: AdapterReport;
}

/** Prints its table to stdout and returns the JSON object that bench/main.ts prints last. */
export type Benchmark = (context: BenchContext) => Promise<Record<string, unknown>>;

/** A name for the adapter in results: vendor, architecture, description. */
export const adapterName = (a: AdapterReport): string =>
  [a.vendor, a.architecture, a.description].filter((s) => s && s !== 'unknown').join(' ') +
  (a.software ? ' (software)' : '');
