// The lab (web/) in Chromium, built by Vite as `npm run build:web` builds it and served with the
// cross-origin isolation headers of `npm run web`. The playground's paths are Node's bits for the same
// seeds; scrubbing t moves the boundary and the marked point; the plane and the symmetries appear;
// the digits gallery shows digits that Node confirms flip; two model files given to the file input
// run the analysis (Node's bits again) and a broken one shows its typed error. Throughout: no
// main-thread task over 100 ms while training, no console errors, no horizontal scroll at 375 px.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import * as lib from 'modeconn';
import { browserAvailable, launchBrowser } from '../helpers/browser.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface PathNumbers { ts: number[]; loss: number[]; accuracy: number[]; lossBarrier: number }
interface Lab {
  status: string;
  error: { code: string; message: string } | null;
  trainingWindows: Array<{ start: number; end: number }>;
  results: {
    paths?: Record<string, PathNumbers>;
    plane?: { xs: number[]; ys: number[]; loss: number[][] };
    symmetry?: { rows: unknown[]; layers: Array<{ diagonalBefore: number; diagonalAfter: number }> };
  };
  view: { path: string; t: number; loss: number; regions?: string; flips?: Array<{ index: number; label: number; predicted: number }> } | null;
}

const readLab = (tab: Page) => tab.evaluate(() => {
  const lab = (window as unknown as { lab: Lab }).lab;
  return JSON.parse(JSON.stringify({ status: lab.status, error: lab.error, trainingWindows: lab.trainingWindows, results: lab.results, view: lab.view })) as Lab;
});
const finished = (tab: Page, runs = 1) => tab.waitForFunction((n) => {
  const lab = (window as unknown as { lab?: Lab & { runs: number } }).lab;
  return lab && lab.runs >= n && (lab.status === 'done' || lab.status === 'error');
}, runs, { timeout: 60_000 });

// Long tasks are recorded from the first byte; console errors and page errors are collected.
async function openLab(browser: Browser, url: string, width = 1280): Promise<{ tab: Page; errors: string[] }> {
  const tab = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.addInitScript(() => {
    const w = window as unknown as { longTasks: Array<[number, number]> };
    w.longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push([e.startTime, e.duration]))).observe({ type: 'longtask', buffered: true });
  });
  await tab.goto(url);
  return { tab, errors };
}

/** Long tasks over 100 ms that overlap a training window, as "start+duration" strings with the windows (for the failure message). */
async function longTasksWhileTraining(tab: Page): Promise<string[]> {
  const { tasks, windows } = await tab.evaluate(() => ({
    tasks: (window as unknown as { longTasks: Array<[number, number]> }).longTasks,
    windows: (window as unknown as { lab: Lab }).lab.trainingWindows,
  }));
  expect(windows.length).toBeGreaterThan(0);
  const during = tasks.filter(([start, duration]) => duration > 100 && windows.some((w) => start < w.end && start + duration > w.start));
  return during.map(([start, duration]) => `task at ${start.toFixed(0)} ms for ${duration.toFixed(0)} ms; training ${windows.map((w) => `${w.start.toFixed(0)}–${w.end.toFixed(0)}`).join(', ')}`);
}

const noHorizontalScroll = (tab: Page) => tab.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth);

describe.skipIf(!browserAvailable && !process.env.CI)('the lab in Chromium', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let out: string;

  beforeAll(async () => {
    // The scripts npm run build:web and npm run web use (plain .mjs, so imported by path).
    const { writeDigits } = await import(join(root, 'scripts/lab-data.mjs'));
    const { serveDir } = await import(join(root, 'scripts/serve-web.mjs'));
    const { build } = await import('vite');
    await writeDigits();
    out = mkdtempSync(join(tmpdir(), 'modeconn-lab-'));
    await build({ configFile: join(root, 'web/vite.config.ts'), logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    server = await serveDir(out);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('playground: Node’s bits on every path; t scrubs the boundary and the marked point; plane, symmetries, exports', async () => {
    // Node first (the page's long tasks are measured without this process competing for the cores).
    const seed = 3;
    const all = lib.spirals({ n: 600, classes: 3, noise: 0.05, turns: 1, seed: 0 });
    const { train, test } = lib.splitDataSet(all, { test: 150, seed: 0 });
    const arch = lib.mlp({ input: 2, hidden: [24, 24], classes: 3 });
    const optimizer = { type: 'adam' as const, lr: 0.01 };
    const a = await lib.trainModel(arch, train, { seed, epochs: 12, batchSize: 32, optimizer });
    const b = await lib.trainModel(arch, train, { seed: seed + 1, epochs: 12, batchSize: 32, optimizer });
    const curve = await lib.fitCurve(lib.bezierCurve(a.params, b.params), arch, train, { seed, epochs: 6, batchSize: 32, optimizer });
    const matched = await lib.weightMatching(a, b, { seed });
    const expected: Record<string, lib.PathReport> = {};
    for (const [key, path] of [['line', lib.linearPath(a.params, b.params)], ['curve', curve.path], ['matched', lib.linearPath(a.params, matched.aligned.params)]] as const) {
      expected[key] = await lib.evaluatePath(path, arch, { test }, { points: 11 });
    }

    const { tab, errors } = await openLab(browser, `${server.url}?exact&n=600&width=24&epochs=12&fit=6&points=11&grid=9&seed=${seed}`);
    await finished(tab);
    const lab = await readLab(tab);
    expect(lab.error).toBeNull();
    for (const key of ['line', 'curve', 'matched']) {
      expect(lab.results.paths![key].loss).toEqual(expected[key].sets.test.points.map((p) => p.loss));
      expect(lab.results.paths![key].accuracy).toEqual(expected[key].sets.test.points.map((p) => p.accuracy));
    }
    expect(lab.results.paths!.curve.lossBarrier).toBeLessThan(lab.results.paths!.line.lossBarrier);
    expect(await longTasksWhileTraining(tab)).toEqual([]);

    // Scrub: the midpoint of the line is drawn; the keyboard takes t to 0 (network A).
    expect(lab.view).toMatchObject({ path: 'line', t: 0.5 });
    const regionsAtMid = await tab.locator('#regions canvas').screenshot();
    await tab.locator('#t').focus();
    await tab.keyboard.press('Home');
    await tab.waitForFunction(() => (window as unknown as { lab: Lab }).lab.view?.t === 0);
    const atA = (await readLab(tab)).view!;
    expect(atA.regions).not.toBe(lab.view!.regions);
    expect(Buffer.compare(await tab.locator('#regions canvas').screenshot(), regionsAtMid)).not.toBe(0);
    // θ(0) is A: the marked point is the line's first point, bit for bit.
    expect(atA.loss).toBe(expected.line.sets.test.points[0].loss);
    const marker = await tab.evaluate(() => (window as unknown as { lab: { chartData(id: string, n: string): object[] } }).lab.chartData('loss-chart', 'marker'));
    expect(marker).toMatchObject([{ t: 0, loss: atA.loss }]);
    expect(new URL(tab.url()).searchParams.get('t')).toBe('0');
    // Another path: the Bezier curve at t = 0.3 (two arrow presses from 0.28 would be fragile; fill sets it).
    await tab.locator('input[name=path][value=curve]').check();
    await tab.locator('#t').fill('0.3');
    await tab.waitForFunction(() => { const v = (window as unknown as { lab: Lab }).lab.view; return v?.path === 'curve' && v.t === 0.3; });
    const onCurve = (await readLab(tab)).view!;
    expect(onCurve.regions).not.toBe(atA.regions);
    expect(await tab.evaluate(() => (window as unknown as { lab: { chartData(id: string, n: string): object[] } }).lab.chartData('loss-chart', 'marker'))).toMatchObject([{ path: 'Bezier curve', t: 0.3, loss: onCurve.loss }]);

    // The plane: a 9 × 9 heatmap with the line and the curve on it.
    type ChartData = { lab: { chartData(id: string, n: string): Array<Record<string, unknown>> } };
    const chartData = (id: string, name: string) => tab.evaluate(([i, n]) => (window as unknown as ChartData).lab.chartData(i, n), [id, name]);
    expect(lab.results.plane!.loss.flat().every(Number.isFinite)).toBe(true);
    expect((await chartData('plane-chart', 'cells')).length).toBe(81);
    expect(new Set((await chartData('plane-chart', 'paths')).map((r) => r.path))).toEqual(new Set(['line', 'Bezier curve']));
    // Symmetries: matching raises the correlation of paired units; the decomposition has its bars.
    const layers = lab.results.symmetry!.layers;
    expect(layers.length).toBe(2);
    for (const layer of layers) expect(layer.diagonalAfter).toBeGreaterThan(layer.diagonalBefore);
    expect((await chartData('explain-chart', 'rows')).length).toBeGreaterThanOrEqual(5);

    // Exports: the report JSON carries the page's numbers; a chart downloads as SVG.
    const [report] = await Promise.all([tab.waitForEvent('download'), tab.locator('#export-json').click()]);
    const json = JSON.parse(await streamText(await report.createReadStream()));
    expect(json.results.paths.line.loss).toEqual(lab.results.paths!.line.loss);
    expect(json.state).toMatchObject({ n: 600, width: 24, seed });
    const [svg] = await Promise.all([tab.waitForEvent('download'), tab.getByRole('button', { name: 'download "Test loss along the paths" as SVG' }).click()]);
    expect(await streamText(await svg.createReadStream())).toMatch(/^<svg[\s\S]*<\/svg>$/);

    await tab.setViewportSize({ width: 375, height: 800 });
    await tab.waitForTimeout(300);
    expect(await noHorizontalScroll(tab)).toBe(true);
    expect(errors).toEqual([]);
    await tab.close();
  }, 120_000);

  it('digits at 375 px: the gallery shows test digits right at both ends and wrong at t, as Node finds them', async () => {
    const { tab, errors } = await openLab(browser, `${server.url}?exact&src=digits&samples=2000&width=32&epochs=2&fit=0&points=5&grid=5`, 375);
    await finished(tab);
    const lab = await readLab(tab);
    expect(lab.error).toBeNull();
    expect(lab.view!.t).toBe(0.5);
    const flips = lab.view!.flips!;
    expect(flips.length).toBeGreaterThan(0);
    expect(await tab.locator('#gallery img').count()).toBe(Math.min(60, flips.length));
    expect(await tab.locator('#gallery img').first().getAttribute('alt')).toMatch(/^test digit \d+: a \d, read as \d at t = 0\.50$/);
    expect(await longTasksWhileTraining(tab)).toEqual([]);

    // Node: A, B and θ(0.5) on the same test digits give exactly this list.
    const { a, b } = (await tab.evaluate(() => (window as unknown as { lab: { params(): { a: number[]; b: number[] } } }).lab.params()));
    const arch = lib.mlp({ input: [1, 28, 28], hidden: [32, 32], classes: 10 });
    const test = await lib.loadMnist({ split: 'test' });
    const [pa, pb] = [Float32Array.from(a), Float32Array.from(b)];
    const mid = lib.pointAt(lib.linearPath(pa, pb), 0.5, lib.wasmKernels(await lib.getCore()));
    const [ra, rb, rm] = await Promise.all([pa, pb, mid].map((params) => lib.evaluateModel({ arch, params }, test, { logits: true })));
    const nodeFlips = [];
    for (let i = 0; i < test.n; i++) {
      if (!ra.correct[i] || !rb.correct[i] || rm.correct[i]) continue;
      const row = Array.from(rm.logits!.subarray(10 * i, 10 * i + 10));
      nodeFlips.push({ index: i, label: test.y[i], predicted: row.indexOf(Math.max(...row)) });
    }
    expect(flips).toEqual(nodeFlips);
    expect(await noHorizontalScroll(tab)).toBe(true);

    // Cancel: a long training run stops soon after the button is pressed.
    await tab.locator('#epochs').fill('500');
    await tab.locator('#epochs').press('Enter');
    await tab.waitForFunction(() => (window as unknown as { lab: Lab }).lab.trainingWindows.length === 2);
    const pressed = Date.now();
    await tab.locator('#cancel').click();
    await tab.waitForFunction(() => (window as unknown as { lab: Lab }).lab.status === 'cancelled', undefined, { timeout: 10_000 });
    expect(Date.now() - pressed).toBeLessThan(3000);
    expect(await tab.locator('#status').textContent()).toBe('cancelled');
    expect(errors).toEqual([]);
    await tab.close();
  }, 120_000);

  it('your models: two safetensors files through the file input run the analysis; a broken file shows its code', async () => {
    // Two PyTorch-style state_dicts (no modeconn metadata: the page infers the MLP from the names).
    const digits = lib.subsetDataSet(await lib.loadMnist({ split: 'train' }), Array.from({ length: 1000 }, (_, i) => i));
    const test = await lib.loadMnist({ split: 'test' });
    const arch = lib.mlp({ input: 784, hidden: [16], classes: 10 });
    const models = await Promise.all([5, 6].map((seed) => lib.trainModel(arch, digits, { seed, epochs: 1, batchSize: 50 })));
    const dir = mkdtempSync(join(tmpdir(), 'modeconn-lab-models-'));
    const files = models.map((m, k) => {
      const file = join(dir, `${'ab'[k]}.safetensors`);
      writeFileSync(file, lib.serializeSafetensors(lib.modelToTensors(m)));
      return file;
    });
    const line = await lib.evaluatePath(lib.linearPath(models[0].params, models[1].params), arch, { test }, { points: 5 });

    const { tab, errors } = await openLab(browser, `${server.url}?exact&src=own&fit=0&points=5&grid=5`);
    await tab.waitForFunction(() => (window as unknown as { lab?: Lab }).lab?.status === 'idle');
    await tab.locator('#files').setInputFiles(files);
    await finished(tab);
    const lab = await readLab(tab);
    expect(lab.error).toBeNull();
    expect(lab.results.paths!.line.loss).toEqual(line.sets.test.points.map((p) => p.loss));
    expect(lab.results.plane!.loss.length).toBe(5);
    expect(await tab.locator('#files-list').textContent()).toContain('a.safetensors');

    // A truncated file: the error panel names the problem and its code.
    const broken = join(dir, 'c.safetensors');
    writeFileSync(broken, Buffer.from('{"broken'));
    await tab.locator('#files').setInputFiles([files[0], broken]);
    await finished(tab, 2);
    expect(await tab.locator('#error').isVisible()).toBe(true);
    const code = await tab.locator('#error-code').textContent();
    expect(code).toBe((await readLab(tab)).error!.code);
    expect(['BAD_FILE', 'HEADER_TOO_LARGE']).toContain(code);
    expect(await tab.locator('#error-message').textContent()).toContain('c.safetensors');
    expect(errors).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
    await tab.close();
  }, 120_000);
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
