// The lab's build: a static folder (dist-web/) that any host serves. The library comes from the
// built package (dist/, as users receive it); its worker (dist/worker.js, the WASM core inlined) is
// bundled by Vite from `new Worker(new URL('./worker.js', import.meta.url))` in the browser spawner.
// The digits are static files made by scripts/lab-data.mjs into web/public/data/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: here('public'),
  resolve: { alias: [{ find: /^modeconn$/, replacement: here('../dist/index.js') }] },
  worker: { format: 'es' },
  build: {
    outDir: here('../dist-web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
    rollupOptions: {
      // A slow, shared build machine is not news worth a warning.
      checks: { bundlerTimings: false },
      // The package's Node-only code (files, PNG rendering) imports node: modules inside functions
      // the lab never calls, and vega is imported both ways: neither is a problem for this page.
      onwarn(warning, warn) {
        if (warning.code === 'INEFFECTIVE_DYNAMIC_IMPORT' || /externalized for browser compatibility/.test(warning.message)) return;
        warn(warning);
      },
    },
  },
});
