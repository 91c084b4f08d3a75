// The ONNX byte API of the built package in Chromium: protobufjs's bundled chunk loads without a
// bundler, a PyTorch export parses to Node's model bit for bit, and serialize → parse round trips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { loadOnnx } from '../../ts/io/onnx-files.js';
import { browserAvailable, launchBrowser, serve } from '../helpers/browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const page = `<!doctype html><meta charset="utf-8"><script type="module">
  window.result = (async () => {
    const lib = await import('/dist/index.js');
    const bytes = new Uint8Array(await (await fetch('/tests/fixtures/onnx/resnet-bn.onnx')).arrayBuffer());
    const model = await lib.parseOnnx(bytes, { name: 'resnet-bn.onnx' });
    const again = await lib.parseOnnx(await lib.serializeOnnx(model));
    let error = null;
    try { await lib.parseOnnx(bytes.subarray(0, 100)); } catch (e) { error = e.code; }
    return { arch: model.arch, bits: Array.from(new Uint32Array(model.params.buffer)), againBits: Array.from(new Uint32Array(again.params.buffer)), error };
  })();
</script>`;

// Skipped only outside CI on machines without chromium; CI installs it and always runs this.
describe.skipIf(!browserAvailable && !process.env.CI)('ONNX in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(root, { '/onnx.html': page });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('parses a PyTorch export as Node does, and serialize → parse is bit-exact', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/onnx.html`);
    const result = (await tab.evaluate('window.result')) as { arch: unknown; bits: number[]; againBits: number[]; error: string };
    const node = await loadOnnx(`${root}tests/fixtures/onnx/resnet-bn.onnx`);
    expect(result.arch).toEqual(node.arch);
    expect(result.bits).toEqual(Array.from(new Uint32Array(node.params.buffer)));
    expect(result.againBits).toEqual(result.bits);
    expect(result.error).toBe('BAD_FILE');
    expect(errors).toEqual([]);
  });
});
