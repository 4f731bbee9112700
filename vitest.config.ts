import { defineConfig } from 'vitest/config';

// Unit tests run in Node with real WebGPU (Dawn on SwiftShader when there is no GPU). The software GPU
// is slow and has two cores to share, so test files run one at a time in child processes.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
