import { configDefaults, defineConfig } from 'vitest/config';
import { wasm } from '@rollup/plugin-wasm';

// Node 20 and 21 have relaxed SIMD only behind a V8 flag; from Node 22 it is on by default.
const relaxedFlag = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

export default defineConfig({
  // The same plugin as the bundle, so tests load the committed core exactly as users do.
  plugins: [{ ...wasm({ targetEnv: 'auto-inline' }), enforce: 'pre' }],
  test: {
    testTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Everything else runs as users of Node 20 do: no relaxed SIMD, the simd128 kernels.
      { extends: true, test: { name: 'default', include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, 'tests/relaxed/**'] } },
      // The relaxed-SIMD kernels, in processes whose engine has them (and their workers: V8 flags are per process).
      { extends: true, test: { name: 'relaxed', include: ['tests/relaxed/**/*.test.ts'], execArgv: relaxedFlag } },
    ],
  },
});
