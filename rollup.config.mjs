// The package's entries mapped through one config: ESM out, the core wasm inlined (base64) so it
// loads in Node, browsers and workers without paths. Types come from `tsc -p tsconfig.build.json`.
// Comlink is bundled (dist/worker.js must load in a browser worker, where bare imports cannot be
// mapped); `#spawn-worker` stays external: Node and bundlers pick spawn.node.js or spawn.browser.js
// through the package.json "imports" conditions. protobufjs (CommonJS, used by the ONNX reader and
// writer) is bundled into its own chunk, loaded by a dynamic import on first use, so the ONNX byte
// API works in browsers without a bundler and costs nothing to users who never call it.
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { wasm } from '@rollup/plugin-wasm';

const entries = {
  index: 'ts/index.ts',
  reference: 'ts/reference/index.ts',
  // Node only: rendering plots (vega, vega-lite, @resvg/resvg-wasm are optional peer dependencies).
  plot: 'ts/plot/node.ts',
  // Node only: loss-landscape's HDF5 files through h5wasm (an optional peer dependency).
  hdf5: 'ts/io/landscape-h5.ts',
  worker: 'ts/workers/worker.ts',
  'spawn.node': 'ts/workers/spawn.node.ts',
  'spawn.browser': 'ts/workers/spawn.browser.ts',
  'host.node': 'ts/host.node.ts',
  'host.browser': 'ts/host.browser.ts',
  // Node only: imports node: modules at top level and starts with a shebang (package.json "bin").
  cli: 'ts/cli/bin.ts',
};

/** `comlink` and `comlink/...` from node_modules, ESM build (the package has no "exports" map); fflate's browser build. */
const comlink = {
  name: 'resolve-comlink',
  resolveId(id) {
    if (id === 'comlink') return fileURLToPath(new URL('node_modules/comlink/dist/esm/comlink.mjs', import.meta.url));
    if (id.startsWith('comlink/')) return fileURLToPath(new URL(`node_modules/${id}`, import.meta.url));
    // fflate's browser build (no node: imports; its Node entry pulls in worker_threads for async APIs we do not use).
    if (id === 'fflate/browser') return fileURLToPath(new URL('node_modules/fflate/esm/browser.js', import.meta.url));
    return null;
  },
};

/** protobufjs and its own dependencies, the only CommonJS packages in the bundle. */
const PROTOBUF = /\/node_modules\/(protobufjs|@protobufjs\/[^/]+|long)\//;

export default {
  input: entries,
  output: { dir: 'dist', format: 'es', importAttributesKey: 'with', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true,
    manualChunks: (id) => (id.includes('/node_modules/comlink/') ? 'comlink' : PROTOBUF.test(id) ? 'protobuf' : undefined),
    banner: (chunk) => (chunk.isEntry && chunk.name === 'cli' ? '#!/usr/bin/env node' : '') },
  // 'modeconn/reference': `modeconn bench` loads the twin through the package's own entry at run time.
  // protobufjs's modules require each other in cycles that CommonJS resolves at run time: not ours to fix.
  onwarn: (warning, warn) => (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.every((id) => PROTOBUF.test(id)) ? undefined : warn(warning)),
  external: (id) => /^node:/.test(id) || id === '#spawn-worker' || id === '#host' || id === 'modeconn/reference' || /^(vega|vega-lite|@resvg\/resvg-wasm|h5wasm)(\/|$)/.test(id),
  plugins: [
    comlink,
    nodeResolve({ browser: true, resolveOnly: ['protobufjs', /^@protobufjs\//, 'long'] }),
    commonjs({ include: PROTOBUF }),
    wasm({ targetEnv: 'auto-inline' }),
    // Chunk names carry content hashes: clear the old ones so a rebuilt dist/ holds only this build's.
    { name: 'clean-chunks', buildStart: () => rmSync('dist/chunks', { recursive: true, force: true }) },
    // The bin runs directly from a checkout too (./dist/cli.js); npm sets the bit on install anyway.
    { name: 'executable-cli', writeBundle: (options) => chmodSync(`${options.dir}/cli.js`, 0o755) },
    typescript({ tsconfig: './tsconfig.json', include: ['ts/**/*'], compilerOptions: { noEmit: false, outDir: 'dist' } }),
  ],
};
