import { configDefaults, defineConfig } from 'vitest/config';
import { wasm } from '@rollup/plugin-wasm';

export default defineConfig({
  // The same plugin as the bundle, so tests load the committed core exactly as users do.
  plugins: [{ ...wasm({ targetEnv: 'auto-inline' }), enforce: 'pre' }],
  test: {
    testTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'node', include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, 'tests/browser/**'] } },
      // Browser tests measure the page's responsiveness (long tasks, timer gaps) in wall time: they
      // run after the rest, one file at a time, so no other test file competes for the cores.
      { extends: true, test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
