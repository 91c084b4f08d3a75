// The packed tarball in a page, built two ways: esbuild (which does not follow
// `new URL(..., import.meta.url)`, so the page copies dist/ and assets/ and passes `workerUrl` and
// `loadMnist({ url })`) and Vite (which emits the worker and the digits itself). Each page loads
// the shipped MNIST digits, trains on a pool of 2 Web Workers and evaluates, in Chromium, and must
// print the numbers Node prints for the same code (src/app.js) on worker_threads, bit for bit.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { browserAvailable, launchBrowser, serve } from '../helpers/browser.js';
import { cleanEnv, packAndInstall } from './packed.js';

const packed = packAndInstall('modeconn-bundlers-');

/** The app both pages and Node run: the shipped digits, training and evaluation on 2 workers. */
const APP = `import { compileArch, createPool, evaluateMany, initParams, loadMnist, mlp, setExactKernels, subsetDataSet, trainModel } from 'modeconn';

/** FNV-1a 32 of a Float32Array's bytes. */
function bitsHash(values) {
  let h = 0x811c9dc5;
  for (const b of new Uint8Array(values.buffer, values.byteOffset, values.byteLength)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export async function run({ workerUrl, assetsUrl } = {}) {
  // simd128 kernels everywhere: Chromium has relaxed SIMD (FMA), Node 20 does not; exact gives both the same bits.
  setExactKernels(true);
  const test = await loadMnist({ split: 'test', ...(assetsUrl ? { url: assetsUrl } : {}) });
  const data = subsetDataSet(test, Array.from({ length: 600 }, (_, i) => i));
  const arch = mlp({ input: [1, 28, 28], hidden: [32], classes: 10 });
  const pool = await createPool({ workers: 2, exact: true, ...(workerUrl ? { workerUrl } : {}) });
  try {
    const trained = await trainModel(arch, data, { seed: 7, epochs: 2, batchSize: 50, optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 }, runner: pool });
    const evals = await evaluateMany(arch, [trained.params, initParams(compileArch(arch), { seed: 1 })], test, { batchSize: 500, runner: pool });
    return {
      workers: pool.size, data: test.hash, params: bitsHash(trained.params),
      trainLoss: trained.log.map((l) => l.trainLoss), testLoss: evals.map((r) => r.loss), testAccuracy: evals.map((r) => r.accuracy),
    };
  } finally {
    await pool.close();
  }
}
`;

const PAGE = `import { run } from './app.js';
run(globalThis.MODECONN_PATHS ?? {}).then(
  (result) => { document.body.textContent = JSON.stringify(result); globalThis.result = result; },
  (error) => { document.body.textContent = 'error: ' + error.message; globalThis.failure = (error.code ?? '') + ' ' + error.message; },
);
`;

interface AppResult {
  workers: number;
  data: string;
  params: string;
  trainLoss: number[];
  testLoss: number[];
  testAccuracy: number[];
}

describe.skipIf(!browserAvailable && !process.env.CI)('the packed package in bundled pages (Chromium)', () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  let node: AppResult;
  let dir: string;

  beforeAll(async () => {
    dir = packed().dir;
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'app.js'), APP);
    writeFileSync(join(dir, 'src', 'page.js'), PAGE);
    writeFileSync(join(dir, 'src', 'node-run.mjs'), "import { run } from './app.js';\nconsole.log(JSON.stringify(await run()));\n");
    node = JSON.parse(execFileSync(process.execPath, ['src/node-run.mjs'], { cwd: dir, env: cleanEnv(), encoding: 'utf8' })) as AppResult;
    server = await serve(dir);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens `path`, waits for the page's result or failure; returns them with failed requests and page errors. */
  async function openPage(path: string): Promise<{ result: AppResult | null; failure: string | null; errors: string[] }> {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    tab.on('response', (r) => void (r.status() >= 400 && errors.push(`HTTP ${r.status()}: ${new URL(r.url()).pathname}`)));
    await tab.goto(`${server.url}${path}`);
    await tab.waitForFunction('globalThis.result || globalThis.failure', undefined, { timeout: 60_000 });
    const [result, failure] = (await tab.evaluate('[globalThis.result ?? null, globalThis.failure ?? null]')) as [AppResult | null, string | null];
    await tab.close();
    return { result, failure, errors };
  }

  /** The page's result; fails on any error. */
  async function runPage(path: string): Promise<AppResult> {
    const { result, failure, errors } = await openPage(path);
    expect({ failure, errors }).toEqual({ failure: null, errors: [] });
    return result!;
  }

  it('Node computes a trained model on 2 worker_threads from the shipped digits', () => {
    expect(node.workers).toBe(2);
    expect(node.testAccuracy[0]).toBeGreaterThan(0.6); // trained
    expect(node.testAccuracy[1]).toBeLessThan(0.3); // untrained
  });

  it('esbuild (platform browser): dist/ and assets/ copied, workerUrl and url given, Node\'s numbers', async () => {
    const out = join(dir, 'web-esbuild');
    const result = await esbuild({ entryPoints: [join(dir, 'src', 'page.js')], bundle: true, format: 'esm', platform: 'browser', outdir: out, absWorkingDir: dir, logLevel: 'silent', write: true });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    cpSync(join(dir, 'node_modules', 'modeconn', 'dist'), join(out, 'modeconn', 'dist'), { recursive: true });
    cpSync(join(dir, 'node_modules', 'modeconn', 'assets'), join(out, 'modeconn', 'assets'), { recursive: true });
    writeFileSync(join(out, 'index.html'), `<!doctype html><meta charset="utf-8"><title>esbuild</title>
<script>globalThis.MODECONN_PATHS = { workerUrl: '/web-esbuild/modeconn/dist/worker.js', assetsUrl: '/web-esbuild/modeconn/assets/' };</script>
<script type="module" src="./page.js"></script>\n`);
    expect(await runPage('/web-esbuild/index.html')).toEqual(node);

    // Without the paths: errors that name the URL tried and say what to pass.
    const paths = (p: object) => `<!doctype html><script>globalThis.MODECONN_PATHS = ${JSON.stringify(p)};</script><script type="module" src="./page.js"></script>\n`;
    writeFileSync(join(out, 'no-worker.html'), paths({ assetsUrl: '/web-esbuild/modeconn/assets/' }));
    writeFileSync(join(out, 'no-assets.html'), paths({ workerUrl: '/web-esbuild/modeconn/dist/worker.js' }));
    const noWorker = await openPage('/web-esbuild/no-worker.html');
    expect(noWorker.failure).toMatch(/^WORKER_LOAD the worker pool did not start: cannot load the worker script http:\/\/127\.0\.0\.1:\d+\/web-esbuild\/worker\.js/);
    expect(noWorker.failure).toContain('workerUrl');
    expect(noWorker.failure).not.toContain('stays usable');
    expect(new Set(noWorker.errors.filter((e) => e.startsWith('HTTP')))).toEqual(new Set(['HTTP 404: /web-esbuild/worker.js']));
    const noAssets = await openPage('/web-esbuild/no-assets.html');
    expect(noAssets.failure).toMatch(/^DATA_UNAVAILABLE cannot fetch http:\/\/127\.0\.0\.1:\d+\/assets\/mnist-10k-(images|labels)-idx\d-ubyte\.gz: HTTP 404/);
    expect(noAssets.failure).toContain('loadMnist({ url');
  });

  it('Vite (production build, no configuration): emits worker and digits itself, Node\'s numbers', async () => {
    const app = join(dir, 'vite-app');
    mkdirSync(app);
    writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Vite</title>\n<script type="module" src="../src/page.js"></script>\n');
    await viteBuild({ root: app, base: '/web-vite/', configFile: false, logLevel: 'silent', build: { outDir: join(dir, 'web-vite'), emptyOutDir: true } });
    expect(await runPage('/web-vite/index.html')).toEqual(node);
  });
});
