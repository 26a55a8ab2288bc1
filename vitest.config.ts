import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: CPU-bound model tests and process-spawning e2e tests fight less with few forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
