import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { wasm } from '@rollup/plugin-wasm';

const hostSource = fileURLToPath(new URL('./ts/host.node.ts', import.meta.url));
const sourceHost = {
  name: 'source-host',
  enforce: 'pre' as const,
  resolveId: (id: string, importer?: string) => (id === '#host' && importer?.includes('/ts/') ? hostSource : null),
};

// Node 20 and 21 have relaxed SIMD only behind a V8 flag; from Node 22 it is on by default.
const relaxedFlag = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

export default defineConfig({
  // The same plugin as the bundle, so tests load the committed core exactly as users do.
  // `#host` from ts/ is the source host (dist/host.node.js would bring dist's own ModeconnError
  // class); from dist/ it resolves through package.json as it does for users.
  plugins: [{ ...wasm({ targetEnv: 'auto-inline' }), enforce: 'pre' }, sourceHost],
  test: {
    // fast-check's global seed (tests/setup/fast-check.ts): the same cases on every run.
    setupFiles: ['tests/setup/fast-check.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // Two forks on two cores: many files wait on child processes (the CLI) or worker threads, so one
    // fork (vitest's default, cores − 1) leaves a core idle.
    maxWorkers: 2,
    projects: [
      // Everything else runs as users of Node 20 do: no relaxed SIMD, the simd128 kernels.
      { extends: true, test: { name: 'node', include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, 'tests/browser/**', 'tests/relaxed/**'] } },
      // The relaxed-SIMD kernels, in processes whose engine has them (and their workers: V8 flags are per process).
      { extends: true, test: { name: 'relaxed', include: ['tests/relaxed/**/*.test.ts'], execArgv: relaxedFlag } },
      // Browser tests measure the page's responsiveness (long tasks, timer gaps) in wall time: they
      // run after the rest, one file at a time, so no other test file competes for the cores.
      { extends: true, test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
