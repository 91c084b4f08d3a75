// The worker pool in a real browser: a page imports the built package (dist/) from localhost, runs
// evaluations on 2 module Web Workers and a short training run, and gets Node's bits for the same
// data and seed, while a timer on the page keeps ticking. Cancellation uses the message path here
// (the page is not cross-origin isolated, so there is no SharedArrayBuffer), and data-parallel
// training takes the transfer path: each shard's gradient a task, reduced on the page's thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import * as lib from 'modeconn';
import { browserAvailable, launchBrowser, serve } from '../helpers/browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// A raw page has no bundler: an import map tells it which spawner `#spawn-worker` means.
const page = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "#spawn-worker": "/dist/spawn.browser.js" } }</script>
<script type="module">
  const lib = await import('/dist/index.js');
  window.runPool = async ({ x, y, dims, classes, hidden, seeds, train }) => {
    lib.setExactKernels(true);
    const data = lib.createDataSet({ name: 'from-node', x: Float32Array.from(x), y: Uint32Array.from(y), shape: [dims], classes });
    const arch = lib.mlp({ input: dims, hidden, classes });
    const compiled = lib.compileArch(arch);
    const thetas = seeds.map((seed) => lib.initParams(compiled, { seed }));
    let ticks = 0;
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks += 1;
    }, 10);
    const pool = await lib.createPool({ workers: 2 });
    try {
      const started = performance.now();
      const results = await lib.evaluateMany(arch, thetas, data, { runner: pool, batchSize: 250 });
      const evalMs = performance.now() - started;
      const tickGapDuringEval = maxGap;
      const ticksDuringEval = ticks;
      const trained = await pool.train(arch, data, train);
      const sharded = await lib.trainModel(arch, data, { ...train, shards: 3, returnState: true, runner: pool });
      const controller = new AbortController();
      let abortedAt = 0;
      const cancelled = await pool.train(arch, data, { ...train, epochs: 500, signal: controller.signal, onProgress: () => {
        if (!abortedAt) { abortedAt = performance.now(); controller.abort(); }
      } }).then(() => 'finished', (e) => e.code);
      const stopMs = performance.now() - abortedAt;
      return {
        size: pool.size,
        losses: results.map((r) => Array.from(r.losses)),
        means: results.map((r) => r.loss),
        trained: Array.from(trained.params),
        trainLoss: trained.log.map((l) => l.trainLoss),
        isolated: crossOriginIsolated,
        sharded: Array.from(sharded.params),
        shardedState: sharded.state.optimizer.map((b) => Array.from(b)),
        evalMs, ticksDuringEval, tickGapDuringEval, cancelled, stopMs,
      };
    } finally {
      clearInterval(timer);
      await pool.close();
    }
  };
  window.ready = true;
</script>`;

describe.skipIf(!browserAvailable && !process.env.CI)('worker pool in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(root, { '/pool.html': page });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('evaluates on 2 module workers and trains, with the bits Node gets, while the page stays responsive', async () => {
    const data = lib.gaussianBlobs({ n: 3000, classes: 10, dims: 64, seed: 4 });
    const hidden = [256, 256];
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const train = { seed: 9, epochs: 1, batchSize: 100, optimizer: { type: 'sgd' as const, lr: 0.02, momentum: 0.9 } };
    const arch = lib.mlp({ input: 64, hidden, classes: 10 });
    const compiled = lib.compileArch(arch);
    // simd128 on both sides (Chromium has relaxed SIMD, Node 20 has not): the same bits on any engine.
    lib.setExactKernels(true);
    const engine = await lib.Engine.create();
    const expected = seeds.map((seed) => engine.evaluate(compiled, lib.initParams(compiled, { seed }), data, { batchSize: 250 }));
    const expectedTrain = await lib.trainModel(arch, data, train);
    const expectedSharded = await lib.trainModel(arch, data, { ...train, shards: 3, returnState: true });

    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/pool.html`);
    await tab.waitForFunction('window.ready === true');
    const input = { x: Array.from(data.x), y: Array.from(data.y), dims: 64, classes: 10, hidden, seeds, train };
    const got = await tab.evaluate((arg) => (window as unknown as { runPool(a: unknown): Promise<Record<string, unknown>> }).runPool(arg), input) as {
      size: number; losses: number[][]; means: number[]; trained: number[]; trainLoss: number[]; isolated: boolean; sharded: number[]; shardedState: number[][];
      evalMs: number; ticksDuringEval: number; tickGapDuringEval: number; cancelled: string; stopMs: number;
    };
    expect(errors).toEqual([]);
    expect(got.size).toBe(2);
    expect(got.means).toEqual(expected.map((r) => r.loss));
    got.losses.forEach((losses, i) => expect(losses).toEqual(Array.from(expected[i].losses)));
    expect(got.trained).toEqual(Array.from(expectedTrain.params));
    expect(got.trainLoss).toEqual(expectedTrain.log.map((l) => l.trainLoss));
    expect(got.isolated).toBe(false);
    expect(got.sharded).toEqual(Array.from(expectedSharded.params));
    expect(got.shardedState).toEqual(expectedSharded.state!.optimizer.map((b) => Array.from(b)));
    // The page's timer (10 ms) kept ticking while the workers computed.
    expect(got.ticksDuringEval).toBeGreaterThanOrEqual(Math.floor(got.evalMs / 10 / 4));
    expect(got.tickGapDuringEval).toBeLessThan(250);
    // Without SharedArrayBuffer the cancel message lands at the run's next yield (every 50 ms).
    expect(got.cancelled).toBe('CANCELLED');
    expect(got.stopMs).toBeLessThan(1000);
  });
});
