// Relaxed SIMD in Chromium (on by default since 114): the page's inline core and a pool of 2 module
// Web Workers run the relaxed kernels and train to the bits Node gets with relaxed SIMD on one
// machine; with setExactKernels(true) the page gets Node's simd128 bits. The page is cross-origin
// isolated, so the sharded run on the pool is a replica group (shared memory, Atomics.wait in the
// Web Workers), as are curve fitting (the curve's points in the workers) and AutoNEB (the pivots
// spread over them): the same bend and band as Node's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import * as lib from 'modeconn';
import { browserAvailable, launchBrowser, serve } from '../helpers/browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const page = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "#spawn-worker": "/dist/spawn.browser.js" } }</script>
<script type="module">
  const lib = await import('/dist/index.js');
  window.runTraining = async ({ x, y, dims, classes, hidden, train, curveFit, neb, exact }) => {
    lib.setExactKernels(exact);
    const data = lib.createDataSet({ name: 'from-node', x: Float32Array.from(x), y: Uint32Array.from(y), shape: [dims], classes });
    const arch = lib.mlp({ input: dims, hidden, classes });
    const inline = await lib.trainModel(arch, data, train);
    const pool = await lib.createPool({ workers: 2 });
    try {
      const pooled = await lib.trainModel(arch, data, { ...train, runner: pool });
      // Curve fitting whole in the workers, and AutoNEB's two pivots spread over them.
      const start = lib.initParams(lib.compileArch(arch), { seed: 1 });
      const fitted = await lib.fitCurve(lib.bezierCurve(start, inline.params), arch, data, { ...curveFit, runner: pool });
      const band = await lib.autoNeb(arch, start, inline.params, data, { ...neb, runner: pool });
      return {
        isolated: crossOriginIsolated, info: lib.kernelInfo(), poolKernel: pool.kernel, inline: Array.from(inline.params), pooled: Array.from(pooled.params),
        bend: Array.from(fitted.path.points[1]), pivots: band.path.points.slice(1, -1).map((p) => Array.from(p)),
      };
    } finally {
      await pool.close();
    }
  };
  window.ready = true;
</script>`;

describe.skipIf(!browserAvailable && !process.env.CI)('relaxed SIMD in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(root, { '/relaxed.html': page }, { isolated: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    lib.setExactKernels(false);
    await browser?.close();
    await server?.close();
  });

  it('trains inline and on 2 workers to Node\'s relaxed bits, and to its simd128 bits when exact', async () => {
    const data = lib.gaussianBlobs({ n: 400, classes: 4, dims: 30, seed: 2 });
    const hidden = [48, 36];
    const train = { seed: 3, epochs: 1, batchSize: 50, shards: 2, optimizer: { type: 'sgd' as const, lr: 0.05, momentum: 0.9 } };
    const arch = lib.mlp({ input: 30, hidden, classes: 4 });
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/relaxed.html`);
    await tab.waitForFunction('window.ready === true');
    const curveFit = { seed: 4, epochs: 1, batchSize: 50, shards: 2 };
    const neb = { seed: 5, pivots: 2, cycles: 1, steps: 6, batchSize: 50, scoreSamples: 100 };
    const input = { x: Array.from(data.x), y: Array.from(data.y), dims: 30, classes: 4, hidden, train, curveFit, neb };
    type Got = { isolated: boolean; info: lib.KernelInfo; poolKernel: string; inline: number[]; pooled: number[]; bend: number[]; pivots: number[][] };
    /** Node's curve bend and AutoNEB pivots from the same start, on this thread. */
    const nodePaths = async (trained: Float32Array) => {
      const start = lib.initParams(lib.compileArch(arch), { seed: 1 });
      const fitted = await lib.fitCurve(lib.bezierCurve(start, trained), arch, data, curveFit);
      const band = await lib.autoNeb(arch, start, trained, data, neb);
      return { bend: Array.from(fitted.path.points[1]), pivots: band.path.points.slice(1, -1).map((p) => Array.from(p)) };
    };
    const runIn = (exact: boolean) => tab.evaluate((arg) => (window as unknown as { runTraining(a: unknown): Promise<Got> }).runTraining(arg), { ...input, exact });

    const relaxed = await runIn(false);
    expect(errors).toEqual([]);
    expect(relaxed.isolated).toBe(true);
    expect(relaxed.info).toEqual({ relaxedSimd: true, exact: false, kernel: 'relaxed' });
    expect(relaxed.poolKernel).toBe('relaxed');
    lib.setExactKernels(false);
    const nodeTrained = (await lib.trainModel(arch, data, train)).params;
    const nodeRelaxed = Array.from(nodeTrained);
    expect(relaxed.inline).toEqual(nodeRelaxed);
    expect(relaxed.pooled).toEqual(nodeRelaxed);
    expect({ bend: relaxed.bend, pivots: relaxed.pivots }).toEqual(await nodePaths(nodeTrained));

    const exact = await runIn(true);
    expect(exact.poolKernel).toBe('simd128');
    lib.setExactKernels(true);
    const nodeExact = Array.from((await lib.trainModel(arch, data, train)).params);
    expect(exact.inline).toEqual(nodeExact);
    expect(exact.pooled).toEqual(nodeExact);
    expect(nodeExact).not.toEqual(nodeRelaxed);
  }, 120_000);
});
