// Training in Chromium: the job of train.bench.mjs (one epoch of MLP 784-512-512-10 on Fashion-MNIST,
// batch 128, SGD lr 0.05 momentum 0.9; evaluation of the test set in batches of 1000) on a page of
// Debian's chromium driven by playwright-core: modeconn on the page's thread and on pools of 1 and 2
// module workers (2 shards per batch), against jax-js (Wasm backend, jitted step;
// bench/peers/jax-mlp.mjs) and tfjs-backend-wasm (bench/peers/tfjs-mlp.mjs). The page is cross-origin
// isolated (COOP/COEP), so both peers have SharedArrayBuffer and run on navigator.hardwareConcurrency
// threads; relaxed SIMD is on in Chromium (modeconn and jax-js use it). Data, initialisation and shuffle come from Node, so every column does the same
// work. Same quick-run variables as train.bench.mjs (MODECONN_BENCH_TRAIN_SAMPLES / _EVAL_SAMPLES /
// _TFJS_STEPS);
// CHROMIUM_PATH picks the browser; MODECONN_BENCH_TRAIN_COLUMNS without `browser` skips the section.
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fmt, table } from './util.mjs';

const HIDDEN = [512, 512];
const BATCH = 128;
const EVAL_BATCH = 1000;
const LR = 0.05;
const MOMENTUM = 0.9;
const SEED = 1;
const TRAIN_REPS = 2;
const EVAL_REPS = 5;
const TITLE = 'Training in Chromium: MLP 784-512-512-10 on Fashion-MNIST (modeconn vs jax-js and tfjs)';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
// Cross-origin isolation: without these two headers a page has no SharedArrayBuffer (jax-js then runs one thread).
const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' };

// The page: modeconn from dist/ (an import map names the browser's worker spawner), jax-js from
// node_modules; the data as raw little-endian arrays fetched from /bench-data/.
const page = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "#spawn-worker": "/dist/spawn.browser.js", "@jax-js/jax": "/node_modules/@jax-js/jax/dist/index.js" } }</script>
<script type="module">
  const lib = await import('/dist/index.js');
  const fetchArray = async (name, Type) => new Type(await (await fetch('/bench-data/' + name)).arrayBuffer());
  const now = () => performance.now() / 1000;
  const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  let data;
  const load = async (job) => {
    if (data) return data;
    const [trainX, trainY, testX, testY, init] = await Promise.all([
      fetchArray('train-x', Float32Array), fetchArray('train-y', Uint32Array), fetchArray('test-x', Float32Array), fetchArray('test-y', Uint32Array), fetchArray('init', Float32Array)]);
    const shape = [job.sizes[0]];
    const classes = job.sizes[job.sizes.length - 1];
    data = {
      train: lib.createDataSet({ name: 'fashion-mnist train', x: trainX, y: trainY, shape, classes }),
      test: lib.createDataSet({ name: 'fashion-mnist test', x: testX, y: testY, shape, classes }),
      init,
    };
    return data;
  };
  const fail = (error) => ({ reason: String(error && error.message || error) });
  window.host = () => ({ isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency, userAgent: navigator.userAgent, kernel: lib.kernelInfo() });
  // modeconn: this thread (workers = 0) or a pool, 'shards' shards per batch on a pool.
  window.runModeconn = async (job, workers) => {
    try {
      const { train, test, init } = await load(job);
      const arch = lib.mlp({ input: job.sizes[0], hidden: job.sizes.slice(1, -1), classes: job.sizes[job.sizes.length - 1] });
      const compiled = lib.compileArch(arch);
      let runner;
      let engine;
      if (workers > 0) {
        runner = await lib.createPool({ workers });
        await lib.evaluateModel({ arch, params: init }, test, { batchSize: job.evalBatch, runner }); // data into the workers
      } else {
        engine = await lib.Engine.local();
        engine.upload(train, compiled);
        engine.upload(test, compiled);
      }
      try {
        const options = { seed: job.seed, epochs: 1, batchSize: job.batch, optimizer: { type: 'sgd', lr: job.lr, momentum: job.momentum }, init, runner, shards: workers > 0 ? job.shards : undefined };
        const trainS = [];
        let model;
        for (let r = 0; r < job.trainReps; r++) {
          const t0 = now();
          model = await lib.trainModel(arch, train, options);
          trainS.push(now() - t0);
        }
        const evalOnce = () => lib.evaluateModel(model, test, { batchSize: job.evalBatch, runner });
        const accuracy = (await evalOnce()).accuracy;
        const evalS = [];
        for (let r = 0; r < job.evalReps; r++) {
          const t0 = now();
          await evalOnce();
          evalS.push(now() - t0);
        }
        return { train: median(trainS), trainN: trainS.length, eval: median(evalS), evalN: evalS.length, accuracy, kernel: runner ? runner.kernel : lib.kernelInfo().kernel };
      } finally {
        if (runner) await runner.close();
        if (engine) { engine.release(train); engine.release(test); }
      }
    } catch (error) {
      return fail(error);
    }
  };
  window.runJax = async (job) => {
    try {
      const { train, test, init } = await load(job);
      const jax = await import('@jax-js/jax');
      const { jaxMlpRun } = await import('/bench/peers/jax-mlp.mjs');
      const order = lib.shuffledOrder(train.n, job.seed);
      const out = await jaxMlpRun(jax, { ...job, init, train: { n: train.n, x: train.x, y: train.y, order }, test: { n: test.n, x: test.x, y: test.y } });
      return { train: out.trainS, trainN: 1, eval: median(out.evalS), evalN: out.evalS.length, accuracy: out.accuracy };
    } catch (error) {
      return fail(error);
    }
  };
  // tfjs from its UMD bundles (classic scripts that fill the global \`tf\`; tfjs-layers adds to it).
  const loadScript = (src) => new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src, onload: resolve, onerror: () => reject(new Error('cannot load ' + src)) });
    document.head.append(script);
  });
  window.runTfjs = async (job) => {
    try {
      const { train, test, init } = await load(job);
      for (const p of ['tfjs-core/dist/tf-core', 'tfjs-layers/dist/tf-layers', 'tfjs-backend-wasm/dist/tf-backend-wasm']) await loadScript('/node_modules/@tensorflow/' + p + '.es2017.js');
      const tf = self.tf;
      tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/');
      // Ask for every core, as jax-js takes them; its threaded build's worker pool is sized at load
      // (about half the cores), so the row reports the count it actually runs (getThreadsCount).
      tf.wasm.setThreadsCount(navigator.hardwareConcurrency);
      if (!(await tf.setBackend('wasm'))) return { reason: 'the wasm backend failed to initialise' };
      await tf.ready();
      const { tfjsMlpRun } = await import('/bench/peers/tfjs-mlp.mjs');
      const out = await tfjsMlpRun(tf, tf, { ...job, init, train, test });
      const accuracy = out.evalOnce().accuracy;
      const evalS = [];
      for (let r = 0; r < job.evalReps; r++) {
        const t0 = now();
        out.evalOnce();
        evalS.push(now() - t0);
      }
      out.dispose();
      return { train: out.trainS, trainN: 1, partial: out.partial, eval: median(evalS), evalN: evalS.length, accuracy: out.partial ? NaN : accuracy, threads: tf.wasm.getThreadsCount(), threadedBuild: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'), version: tf.version_wasm ?? tf.version_core };
    } catch (error) {
      return fail(error);
    }
  };
  window.ready = true;
</script>`;

/** Serves the repository read-only with cross-origin isolation, plus the page and the data arrays. */
async function serveBench(root, blobs) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/bench.html') return res.writeHead(200, { 'content-type': 'text/html', ...isolation }).end(page);
    if (blobs[path]) return res.writeHead(200, { 'content-type': 'application/octet-stream', ...isolation }).end(blobs[path]);
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', ...isolation }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** The bytes of a typed array (a view, not a copy). */
const bytesOf = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export default async function run(ctx) {
  const { lib, root } = ctx;
  const skip = (why) => ({ title: TITLE, markdown: `Skipped: ${why}.` });
  const columns = process.env.MODECONN_BENCH_TRAIN_COLUMNS;
  if (columns && !columns.split(',').includes('browser')) return skip('not run (MODECONN_BENCH_TRAIN_COLUMNS has no `browser`)');
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return skip(`no browser at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (error) {
    return skip(`playwright-core unavailable: ${error.message}`);
  }
  let train;
  let test;
  try {
    train = await lib.loadFashionMnist({ split: 'train' });
    test = await lib.loadFashionMnist({ split: 'test' });
  } catch (error) {
    return skip(error.message);
  }
  const trainN = Math.min(Number(process.env.MODECONN_BENCH_TRAIN_SAMPLES) || train.n, train.n);
  const testN = Math.min(Number(process.env.MODECONN_BENCH_EVAL_SAMPLES) || test.n, test.n);
  const row = train.x.length / train.n;
  const compiled = lib.compileArch(lib.mlp({ input: row, hidden: HIDDEN, classes: train.classes }));
  const init = lib.initParams(compiled, { seed: SEED, scheme: 'pytorch' });
  const blobs = {
    '/bench-data/train-x': bytesOf(train.x.subarray(0, trainN * row)),
    '/bench-data/train-y': bytesOf(Uint32Array.from(train.y.subarray(0, trainN))),
    '/bench-data/test-x': bytesOf(test.x.subarray(0, testN * row)),
    '/bench-data/test-y': bytesOf(Uint32Array.from(test.y.subarray(0, testN))),
    '/bench-data/init': bytesOf(init),
  };
  const job = {
    sizes: [row, ...HIDDEN, train.classes], batch: BATCH, evalBatch: EVAL_BATCH, lr: LR, momentum: MOMENTUM, seed: SEED, shards: 2, trainReps: TRAIN_REPS, evalReps: EVAL_REPS,
    steps: Number(process.env.MODECONN_BENCH_TFJS_STEPS) || 0,
  };

  const notes = [];
  const server = await serveBench(root, blobs);
  let browser;
  let host;
  const results = {};
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const tab = await browser.newPage();
    tab.on('pageerror', (e) => notes.push(`page error: ${e.message}`));
    await tab.goto(`${server.url}/bench.html`);
    await tab.waitForFunction('window.ready === true', null, { timeout: 60_000 });
    host = await tab.evaluate(() => window.host());
    const column = async (key, label, fn) => {
      process.stderr.write(`bench: train-browser: ${label}\n`);
      const t0 = performance.now();
      const result = await Promise.resolve().then(fn).catch((error) => ({ reason: error.message }));
      process.stderr.write(`bench: train-browser: ${label} done in ${fmt((performance.now() - t0) / 1000)} s\n`);
      if (result.reason) notes.push(`${label}: ${result.reason}`);
      results[key] = result;
    };
    await column('inline', 'modeconn, page thread', () => tab.evaluate(([j]) => window.runModeconn(j, 0), [job]));
    for (const workers of [1, 2]) await column(`pool${workers}`, `modeconn, pool of ${workers}`, () => tab.evaluate(([j, w]) => window.runModeconn(j, w), [job, workers]));
    await column('jax', 'jax-js', () => tab.evaluate(([j]) => window.runJax(j), [job]));
    await column('tfjs', 'tfjs wasm', () => tab.evaluate(([j]) => window.runTfjs(j), [job]));
  } catch (error) {
    notes.push(`Chromium run failed: ${error.message}`);
  } finally {
    await browser?.close().catch(() => {});
    await server.close();
  }

  const none = { reason: 'not run' };
  const [inline, pool1, pool2, jax, tfjs] = ['inline', 'pool1', 'pool2', 'jax', 'tfjs'].map((k) => results[k] ?? none);
  const secs = (c, key) => (c.reason ? '—' : fmt(c[key]));
  const acc = (c) => (c.reason || !Number.isFinite(c.accuracy) ? '—' : `${(100 * c.accuracy).toFixed(1)}%`);
  const how = (c, extra = '') => (c.reason ? 'unavailable' : `train ×${c.trainN}, eval ×${c.evalN}, medians${extra}`);
  // jax-js starts its worker pool exactly when SharedArrayBuffer and Worker exist (cross-origin isolation).
  const jaxThreads = host?.isolated ? `${host.cores} worker threads, the page being cross-origin isolated` : 'one thread, the page not being cross-origin isolated';
  const rows = [
    [`modeconn, page thread (${inline.kernel ?? '—'})`, secs(inline, 'train'), secs(inline, 'eval'), acc(inline), how(inline)],
    ...[[pool1, 1], [pool2, 2]].map(([c, w]) => [`modeconn, pool of ${w} worker${w > 1 ? 's' : ''} (${c.kernel ?? '—'}; 2 shards per batch)`, secs(c, 'train'), secs(c, 'eval'), acc(c), how(c, '; data resident in the workers')]),
    [`jax-js (Wasm backend, ${jaxThreads}; jitted step)`, secs(jax, 'train'), secs(jax, 'eval'), acc(jax), jax.reason ? 'unavailable' : `train ×1 (includes its jit compilation), eval ×${jax.evalN} median; same init and shuffle`],
    [`tfjs-backend-wasm${tfjs.version ? ` ${tfjs.version}` : ''} (${tfjs.threads ? `${tfjs.threadedBuild ? 'threaded build, ' : ''}${tfjs.threads} thread${tfjs.threads > 1 ? 's' : ''}` : 'threads: —'})`, secs(tfjs, 'train'), secs(tfjs, 'eval'), acc(tfjs),
      tfjs.reason ? 'unavailable' : `${tfjs.partial ? `extrapolated from ${tfjs.partial} steps` : 'train ×1'}, eval ×${tfjs.evalN} median; same init, own shuffle`],
  ];
  const ratio = (a, b, key) => (!a.reason && !b.reason ? `${fmt(b[key] / a[key])}×` : '—');
  const verdict = (a, b, target) => (!a.reason && !b.reason ? (b.train / a.train >= target ? 'meets' : 'misses') : '—');
  const ratios = [
    ['2 workers vs 1 worker (pool)', ratio(pool2, pool1, 'train'), ratio(pool2, pool1, 'eval'), `target train ≥ 1.8× (${verdict(pool2, pool1, 1.8)})`],
    ['modeconn, 2 workers vs jax-js', ratio(pool2, jax, 'train'), ratio(pool2, jax, 'eval'), `target ≥ 2× (${verdict(pool2, jax, 2)}); both use the page's cores`],
    ['modeconn, 2 workers vs tfjs-backend-wasm', ratio(pool2, tfjs, 'train'), ratio(pool2, tfjs, 'eval'), `target: ahead (${verdict(pool2, tfjs, 1)})`],
    ['modeconn, page thread vs jax-js', ratio(inline, jax, 'train'), ratio(inline, jax, 'eval'), `target ≥ 2× (${verdict(inline, jax, 2)}); jax-js on ${host?.isolated ? host.cores : 1} thread(s)`],
  ];
  const version = await readFile(join(root, 'node_modules', '@jax-js', 'jax', 'package.json'), 'utf8').then((t) => JSON.parse(t).version, () => '?');
  const text = [
    `The job of the Node training section (train.bench.mjs) in ${host ? host.userAgent.match(/(?:Headless)?Chrom(?:e|ium)\/[\d.]+/)?.[0] ?? 'Chromium' : 'Chromium'} (headless, playwright-core), ` +
      `page cross-origin isolated: ${host ? (host.isolated ? 'yes' : 'no') : '—'}, navigator.hardwareConcurrency ${host?.cores ?? '—'}, ` +
      `relaxed SIMD ${host ? (host.kernel.relaxedSimd ? 'on' : 'off') : '—'}. One epoch over ${trainN.toLocaleString('en')} training images (${Math.ceil(trainN / BATCH)} steps), ` +
      `evaluation of ${testN.toLocaleString('en')} test images in batches of ${EVAL_BATCH}; modeconn, jax-js ${version} and tfjs start from the same initialisation (modeconn and jax-js also from the same shuffle), sent from Node. ` +
      'Accuracy after the (last) epoch is a sanity check.',
    ...notes.map((n) => `Note: ${n}.`),
    '',
    table(['implementation (Chromium)', 'train epoch (s)', 'eval (s)', 'test accuracy', 'how measured'], rows),
    '',
    table(['ratio (speed-up of modeconn)', 'train', 'eval', 'note'], ratios),
  ];
  return { title: TITLE, markdown: text.join('\n') };
}
