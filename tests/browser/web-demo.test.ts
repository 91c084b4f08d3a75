// The browser demo page (web/index.html) in Chromium, as a user opens it: `?auto` runs the whole demo
// (two MLPs trained on 2 Web Workers, the line, a fitted Bezier curve, the weight-matched line) and the
// page draws an SVG with the three paths and fills the table. The line's test losses are the bits Node
// computes for the same data, seeds and options; the fitted curve's worst loss is below the line's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import * as lib from 'modeconn';
import { browserAvailable, launchBrowser, serve } from '../helpers/browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface DemoState {
  status: string;
  error: string | null;
  results: null | { seconds: number; metrics: Record<string, { loss: { max: number; barrier: number } }>; points: Record<string, Array<{ t: number; loss: number }>> };
}

describe.skipIf(!browserAvailable && !process.env.CI)('the web demo in Chromium', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(root);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs end to end and draws the paths; the line matches Node bit for bit', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/web/index.html?auto&exact&hidden=24&epochs=12&fitEpochs=6&seed=3`);
    await tab.waitForFunction('window.demo && (window.demo.results || window.demo.error)', undefined, { timeout: 150_000 });
    const demo = (await tab.evaluate('window.demo')) as DemoState;
    expect(errors).toEqual([]);
    expect(demo.error).toBeNull();
    const { metrics, points } = demo.results!;
    expect(Object.keys(metrics)).toEqual(['line', 'Bezier curve (1 bend)', 'line after weight matching']);
    expect(Object.values(points).map((p) => p.length)).toEqual([17, 17, 17]);
    expect(metrics['Bezier curve (1 bend)'].loss.max).toBeLessThan(metrics.line.loss.max);
    expect(await tab.locator('#plot svg polyline').count()).toBe(3);
    expect(await tab.locator('#table tbody tr').count()).toBe(3);

    // The same run in Node: identical data, seeds and options give the page's line, bit for bit (both
    // on the simd128 kernels: Chromium has relaxed SIMD, Node 20 has not; tests/relaxed/ compares those).
    lib.setExactKernels(true);
    const { train, test } = lib.splitDataSet(lib.spirals({ n: 1500, classes: 3, noise: 0.04, turns: 1, seed: 3 }), { test: 300, seed: 3 });
    const arch = lib.mlp({ input: 2, hidden: [24, 24], classes: 3 });
    const options = (s: number) => ({ seed: s, epochs: 12, batchSize: 64, optimizer: { type: 'adam' as const, lr: 0.01 } });
    const [a, b] = [await lib.trainModel(arch, train, options(3)), await lib.trainModel(arch, train, options(1003))];
    const line = await lib.evaluatePath(lib.linearPath(a.params, b.params), arch, { train, test }, { points: 17 });
    expect(points.line.map((p) => p.loss)).toEqual(line.sets.test.points.map((p) => p.loss));
  }, 180_000);
});
