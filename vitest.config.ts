import { defineConfig } from 'vitest/config';
import { wasm } from '@rollup/plugin-wasm';

export default defineConfig({
  // The same plugin as the bundle, so tests load the committed core exactly as users do.
  plugins: [{ ...wasm({ targetEnv: 'auto-inline' }), enforce: 'pre' }],
  test: {
    include: ['tests/**/*.test.ts'],
    // fast-check's global seed (tests/setup/fast-check.ts): the same cases on every run.
    setupFiles: ['tests/setup/fast-check.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
