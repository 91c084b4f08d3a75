// The package's entries mapped through one config: ESM out, the core wasm inlined (base64) so it
// loads in Node, browsers and workers without paths. Types come from `tsc -p tsconfig.build.json`.
import typescript from '@rollup/plugin-typescript';
import { wasm } from '@rollup/plugin-wasm';
import { chmodSync } from 'node:fs';

const entries = {
  index: 'ts/index.ts',
  reference: 'ts/reference/index.ts',
  // Node only: imports node: modules at top level and starts with a shebang (package.json "bin").
  cli: 'ts/cli/bin.ts',
};

export default {
  input: entries,
  output: { dir: 'dist', format: 'es', importAttributesKey: 'with', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true,
    banner: (chunk) => (chunk.isEntry && chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
  external: (id) => /^node:/.test(id) || id === 'comlink' || id.startsWith('comlink/'),
  plugins: [
    wasm({ targetEnv: 'auto-inline' }),
    // The bin runs directly from a checkout too (./dist/cli.js); npm sets the bit on install anyway.
    { name: 'executable-cli', writeBundle: (options) => chmodSync(`${options.dir}/cli.js`, 0o755) },
    typescript({ tsconfig: './tsconfig.json', include: ['ts/**/*'], compilerOptions: { noEmit: false, outDir: 'dist' } }),
  ],
};
