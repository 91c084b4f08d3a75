// The built package in a real browser: the inlined core compiles and runs in Chromium and in a
// module Web Worker, and gives the same bits as Node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { browserAvailable, launchBrowser, serve } from '../helpers/browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const probe = `
  const lib = await import(self.location.origin + '/dist/index.js');
  const core = await lib.getCore();
  const buf = core.allocF32(5);
  core.f32(buf).set([1, 2, 3, 4, 5]);
  const out = Array.from(core.f32(buf));
  let trap = null;
  try { core.invoke('debug_trap'); } catch (e) { trap = e.code; }
  const after = core.allocF32(3);
  return { out, trap, generation: core.generation, afterLength: core.f32(after).length, simd: WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,123,3,2,1,0,10,10,1,8,0,65,0,253,15,253,98,11])) };
`;

const page = `<!doctype html><meta charset="utf-8"><script type="module">
  window.result = (async () => { ${probe} })();
  const worker = new Worker(URL.createObjectURL(new Blob([\`
    onmessage = async () => { const r = await (async () => { ${probe.replace(/`/g, '\\`')} })(); postMessage(r); };
  \`], { type: 'text/javascript' })), { type: 'module' });
  window.workerResult = new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.postMessage(0); });
</script>`;

// Skipped only outside CI on machines without chromium; CI installs it and always runs this.
describe.skipIf(!browserAvailable && !process.env.CI)('core in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(root, { '/core.html': page });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads the bundled core on the page and in a module worker, and recovers from a trap', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/core.html`);
    const expected = { out: [1, 2, 3, 4, 5], trap: 'WASM_TRAP', generation: 1, afterLength: 3, simd: true };
    expect(await tab.evaluate('window.result')).toEqual(expected);
    expect(await tab.evaluate('window.workerResult')).toEqual(expected);
    expect(errors).toEqual([]);
  });
});
