// Training: one epoch of MLP 784-512-512-10 (batch 128, SGD lr 0.05 momentum 0.9) on the 60,000
// Fashion-MNIST training images, and evaluation of the 10,000 test images (batches of 1000), in Node:
// the WASM engine (trainModel / evaluateModel) with the simd128 and the relaxed-SIMD kernels on this
// thread and on pools of 1 and 2 workers (data-parallel shards), the pure-TS twin (ReferencePlan,
// timed on a few batches and extrapolated), the crate natively (examples/bench_train), PyTorch CPU
// with 1 and 2 threads (bench/torch_mlp.py, when /usr/bin/python3 has torch), jax-js (Wasm backend,
// jitted step; bench/peers/jax-mlp.mjs) and tfjs on the wasm backend, one thread. All in one run;
// quote the ratios. The same job in Chromium: train-browser.bench.mjs.
//
// Environment: MODECONN_BENCH_TRAIN_SAMPLES=n trains on the first n images and
// MODECONN_BENCH_EVAL_SAMPLES=n evaluates the first n test images (quick runs; every column the same).
// MODECONN_BENCH_TFJS_STEPS=k times only k tfjs training steps and extrapolates.
// MODECONN_BENCH_TRAIN_COLUMNS=wasm,relaxed,pool,twin,native,torch,jax,tfjs,browser picks columns (default
// all; `browser` is the Chromium section).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, median, table, time } from './util.mjs';

const ARCH_HIDDEN = [512, 512];
const BATCH = 128;
const EVAL_BATCH = 1000;
const LR = 0.05;
const MOMENTUM = 0.9;
const SEED = 1;
const TWIN_STEPS = 20;
const TWIN_EVAL_BATCHES = 2;
const DATA_DIR = '/usr/share/datasets/fashion-mnist';

const now = () => performance.now() / 1000;

/** Copies the samples order[start, start+n) of `data` into xb/yb. */
function gather(data, order, start, n, xb, yb) {
  const row = data.x.length / data.n;
  for (let i = 0; i < n; i++) {
    const ix = order[start + i];
    xb.set(data.x.subarray(ix * row, (ix + 1) * row), i * row);
    yb[i] = data.y[ix];
  }
}

/**
 * WASM engine: the library's own trainModel and evaluateModel, data already resident in WASM (or in
 * the pool's workers, sent by a warm-up evaluation). `exact` picks the kernels of this thread;
 * a runner brings its own (its workers follow the thread's choice when it was created).
 */
async function wasmColumn(lib, arch, compiled, train, test, init, { exact = true, runner, shards } = {}) {
  lib.setExactKernels(exact);
  const engine = await lib.Engine.local();
  engine.upload(train, compiled);
  engine.upload(test, compiled);
  if (runner) await lib.evaluateModel({ arch, params: init }, test, { batchSize: EVAL_BATCH, runner });
  const options = { seed: SEED, epochs: 1, batchSize: BATCH, optimizer: { type: 'sgd', lr: LR, momentum: MOMENTUM }, init, runner, shards };
  const trainS = [];
  let model;
  for (let r = 0; r < 2; r++) {
    const t0 = now();
    model = await lib.trainModel(arch, train, options);
    trainS.push(now() - t0);
  }
  const evalOnce = () => lib.evaluateModel(model, test, { batchSize: EVAL_BATCH, runner });
  const accuracy = (await evalOnce()).accuracy;
  const ev = await time(evalOnce, { reps: 5, warmup: 1 });
  engine.release(train);
  const dispose = () => engine.release(test);
  return { train: median(trainS), trainN: trainS.length, eval: ev.median, evalN: ev.n, accuracy, model, evalOnce, dispose, kernel: lib.kernelInfo().kernel };
}

/** jax-js (@jax-js/jax, Wasm backend; one thread in Node) on the same job: bench/peers/jax-mlp.mjs. */
async function jaxColumn(train, test, init, order) {
  let jax;
  let version;
  try {
    jax = await import('@jax-js/jax');
  } catch (error) {
    return { reason: `jax-js unavailable: ${error.message}` };
  }
  try {
    // The package exports no ./package.json: read it next to the resolved entry (dist/index.js).
    const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
    version = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')).version;
  } catch {
    version = undefined;
  }
  const { jaxMlpRun } = await import('./peers/jax-mlp.mjs');
  const out = await jaxMlpRun(jax, {
    sizes: [784, ...ARCH_HIDDEN, 10], init, batch: BATCH, evalBatch: EVAL_BATCH, lr: LR, momentum: MOMENTUM, evalReps: 5,
    train: { n: train.n, x: train.x, y: train.y, order }, test: { n: test.n, x: test.x, y: test.y },
  });
  return { train: out.trainS, trainN: 1, eval: median(out.evalS), evalN: out.evalS.length, accuracy: out.accuracy, version };
}

/** The pure-TS twin: TWIN_STEPS training steps and TWIN_EVAL_BATCHES evaluation batches, extrapolated. */
function twinColumn(lib, reference, compiled, train, test, init) {
  const { ReferencePlan } = reference;
  const inSize = compiled.inputSize;
  const plan = new ReferencePlan(compiled.words, BATCH);
  const params = init.slice();
  const grads = new Float32Array(compiled.totalLength);
  const momentumBuffer = new Float32Array(compiled.paramCount);
  const order = lib.shuffledOrder(train.n, SEED);
  const xb = new Float32Array(BATCH * inSize);
  const yb = new Uint32Array(BATCH);
  const steps = Math.ceil(train.n / BATCH);
  const step = (s) => {
    gather(train, order, s * BATCH, BATCH, xb, yb);
    const optimizer = { kind: 'sgd', params: { lr: LR, momentum: MOMENTUM, dampening: 0, weightDecay: 0, nesterov: false, first: s === 0 }, momentumBuffer };
    plan.trainStep(params, xb, yb, BATCH, optimizer, grads);
  };
  step(0); // warm-up (JIT)
  const t0 = now();
  for (let s = 1; s <= TWIN_STEPS; s++) step(s);
  const perStep = (now() - t0) / TWIN_STEPS;

  const evalPlan = new ReferencePlan(compiled.words, EVAL_BATCH);
  const exb = new Float32Array(EVAL_BATCH * inSize);
  const eyb = new Uint32Array(EVAL_BATCH);
  const identity = Uint32Array.from({ length: test.n }, (_, i) => i);
  const evalBatch = (b) => {
    gather(test, identity, b * EVAL_BATCH, EVAL_BATCH, exb, eyb);
    evalPlan.evaluate(params, exb, eyb, EVAL_BATCH);
  };
  evalBatch(0);
  const t1 = now();
  for (let b = 1; b <= TWIN_EVAL_BATCHES; b++) evalBatch(b);
  const perBatch = (now() - t1) / TWIN_EVAL_BATCHES;
  return { train: perStep * steps, eval: (perBatch * test.n) / EVAL_BATCH };
}

/** PyTorch CPU with `threads` threads, via bench/torch_mlp.py; or a reason it is unavailable. */
function torchColumn(root, threads, trainSamples) {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { reason: 'PyTorch column skipped: /usr/bin/python3 not found' };
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reason: "PyTorch column skipped: /usr/bin/python3 cannot import torch (apt-get install -y python3-torch)" };
  const r = spawnSync(python, [join(root, 'bench', 'torch_mlp.py'), '--dir', DATA_DIR, '--epochs', '2', '--eval-reps', '5',
    '--threads', String(threads), '--train-samples', String(trainSamples)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) return { reason: `PyTorch run failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  return {
    train: median(out.train_s), trainN: out.train_s.length, eval: median(out.eval_s), evalN: out.eval_s.length,
    accuracy: out.accuracy, version: out.torch, capability: out.capability, threads: out.threads,
  };
}

/** Native crate: the plan executor via examples/bench_train (random data of the same shapes). */
function nativeColumn(root, compiled, trainN, testN) {
  const crate = join(root, 'crate');
  const env = { ...process.env, RUSTFLAGS: '-C target-cpu=native' };
  const targetDir = join(crate, 'target', 'bench-native');
  const build = spawnSync('cargo', ['build', '--quiet', '--release', '--example', 'bench_train', '--target-dir', targetDir], { cwd: crate, env, encoding: 'utf8' });
  if (build.status !== 0) return { reason: `native build failed: ${(build.stderr || build.error?.message || '').trim().split('\n')[0]}` };
  const exe = join(targetDir, 'release', 'examples', 'bench_train');
  const words = Array.from(compiled.words).join(',');
  const r = spawnSync(exe, [words, String(BATCH), String(EVAL_BATCH), String(trainN), String(testN), '1'], { encoding: 'utf8' });
  if (r.status !== 0) return { reason: `native run failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  return { train: out.train_s, eval: out.eval_s, parts: out.parts_s };
}

/** tfjs-layers on the wasm backend (one thread), bench/peers/tfjs-mlp.mjs; or a reason it is unavailable. */
async function tfjsColumn(compiled, train, test, init) {
  let tf;
  let tfl;
  let version;
  try {
    const require = createRequire(import.meta.url);
    tf = await import('@tensorflow/tfjs-core');
    tfl = await import('@tensorflow/tfjs-layers'); // also registers the op gradients training needs
    const backend = await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (tf.getBackend() !== 'wasm') {
      try {
        backend.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out') + '/');
      } catch {
        // Already initialised by another bench in this process (setWasmPaths must come first).
      }
      backend.setThreadsCount?.(1);
      if (!(await tf.setBackend('wasm'))) return { reason: 'tfjs wasm backend failed to initialise' };
    }
    await tf.ready();
    version = require('@tensorflow/tfjs-backend-wasm/package.json').version;
  } catch (error) {
    return { reason: `tfjs unavailable: ${error.message}` };
  }
  const { tfjsMlpRun } = await import('./peers/tfjs-mlp.mjs');
  const out = await tfjsMlpRun(tf, tfl, {
    sizes: [compiled.inputSize, ...ARCH_HIDDEN, compiled.classes], init, train, test, batch: BATCH, evalBatch: EVAL_BATCH, lr: LR, momentum: MOMENTUM,
    steps: Number(process.env.MODECONN_BENCH_TFJS_STEPS) || 0,
  });
  const accuracy = out.evalOnce().accuracy;
  const ev = await time(out.evalOnce, { reps: 5, warmup: 0 });
  return { train: out.trainS, trainN: 1, partial: out.partial, eval: ev.median, evalN: ev.n, accuracy: out.partial ? NaN : accuracy, version, evalOnce: out.evalOnce, dispose: out.dispose };
}

export default async function run(ctx) {
  const { lib, reference, root } = ctx;
  const notes = [];
  let train;
  let test;
  try {
    train = await lib.loadFashionMnist({ split: 'train' });
    test = await lib.loadFashionMnist({ split: 'test' });
    const limit = Number(process.env.MODECONN_BENCH_TRAIN_SAMPLES) || train.n;
    if (limit < train.n) train = lib.subsetDataSet(train, Uint32Array.from({ length: limit }, (_, i) => i), `${train.name} (first ${limit})`);
    const evalLimit = Number(process.env.MODECONN_BENCH_EVAL_SAMPLES) || test.n;
    if (evalLimit < test.n) test = lib.subsetDataSet(test, Uint32Array.from({ length: evalLimit }, (_, i) => i), `${test.name} (first ${evalLimit})`);
  } catch (error) {
    return { title: 'Training: MLP 784-512-512-10 on Fashion-MNIST', markdown: `Skipped: ${error.message}` };
  }
  const arch = lib.mlp({ input: 784, hidden: ARCH_HIDDEN, classes: 10 });
  const compiled = lib.compileArch(arch);
  const init = lib.initParams(compiled, { seed: SEED, scheme: 'pytorch' });

  const want = new Set((process.env.MODECONN_BENCH_TRAIN_COLUMNS || 'wasm,relaxed,pool,twin,native,torch,jax,tfjs').split(','));
  const skipped = { reason: 'not run (MODECONN_BENCH_TRAIN_COLUMNS)' };
  // Peers are optional: a column that throws becomes a note (the library's own columns too, so one
  // broken column never costs the rest of the run).
  const column = async (name, label, fn) => {
    if (!want.has(name)) return { ...skipped };
    const t0 = now();
    process.stderr.write(`bench: train: ${label}\n`);
    const result = await Promise.resolve().then(fn).catch((error) => ({ reason: `${label} failed: ${error?.message ?? error}` }));
    process.stderr.write(`bench: train: ${label} done in ${fmt(now() - t0)} s\n`);
    if (result.reason) notes.push(result.reason);
    return result;
  };
  const relaxedOn = lib.relaxedSimdSupported();
  const wasm = await column('wasm', 'WASM engine, simd128', () => wasmColumn(lib, arch, compiled, train, test, init, { exact: true }));
  const relaxed = relaxedOn
    ? await column('relaxed', 'WASM engine, relaxed SIMD', () => wasmColumn(lib, arch, compiled, train, test, init, { exact: false }))
    : { reason: 'relaxed SIMD unavailable in this Node (run through `npm run bench`, which adds --experimental-wasm-relaxed-simd on Node < 22)' };
  // Pools run the fastest kernels this process has; 2 shards per batch on both, so 1 and 2 workers do the same work.
  const pools = {};
  for (const workers of [1, 2]) {
    pools[workers] = await column('pool', `WASM pool of ${workers} worker(s), 2 shards`, async () => {
      lib.setExactKernels(!relaxedOn);
      const pool = await lib.createPool({ workers });
      try {
        const result = await wasmColumn(lib, arch, compiled, train, test, init, { exact: !relaxedOn, runner: pool, shards: 2 });
        return { ...result, kernel: pool.kernel };
      } finally {
        await pool.close();
      }
    });
  }
  lib.setExactKernels(false);
  const twin = await column('twin', 'TS twin', () => twinColumn(lib, reference, compiled, train, test, init));
  const native = await column('native', 'native crate', () => nativeColumn(root, compiled, train.n, test.n));
  const torch = await column('torch', 'PyTorch, 1 thread', () => torchColumn(root, 1, train.n));
  const torch2 = await column('torch', 'PyTorch, 2 threads', () => torchColumn(root, 2, train.n));
  const jax = await column('jax', 'jax-js (Wasm, jitted step)', () => jaxColumn(train, test, init, lib.shuffledOrder(train.n, SEED)));
  const tfjs = await column('tfjs', 'tfjs wasm (about 2 minutes for the epoch)', () => tfjsColumn(compiled, train, test, init));

  // The eval ratio WASM/tfjs: the fastest this-thread WASM column's evaluation and tfjs's again, round
  // by round, so that drift in the machine's load (minutes pass between the columns) hits both alike.
  const fastest = relaxed.reason ? wasm : relaxed;
  let interleavedEval = false;
  lib.setExactKernels(fastest === wasm); // evalOnce runs on the kernels the thread has now
  if (fastest.evalOnce && tfjs.evalOnce) {
    await fastest.evalOnce();
    tfjs.evalOnce();
    const [ws, ts] = [[], []];
    for (let r = 0; r < 7; r++) {
      let t0 = now();
      await fastest.evalOnce();
      ws.push(now() - t0);
      t0 = now();
      tfjs.evalOnce();
      ts.push(now() - t0);
    }
    fastest.eval = median(ws);
    tfjs.eval = median(ts);
    fastest.evalN = tfjs.evalN = ws.length;
    interleavedEval = true;
  }
  lib.setExactKernels(false);
  wasm.dispose?.();
  relaxed.dispose?.();
  tfjs.dispose?.();
  if (native.parts) {
    const p = native.parts;
    const sum = Object.values(p).reduce((a, b) => a + b, 0);
    const pct = (v) => `${Math.round((100 * v) / sum)}%`;
    notes.push(`native epoch by part: forward ${pct(p.forward)}, backward ${pct(p.backward)}, optimiser ${pct(p.optimizer)}, batch gather ${pct(p.gather)}, loss ${pct(p.loss)} ` +
      '(GEMMs are about 90% of a step in WASM too: `node bench/profile-train.mjs`)');
  }
  const ratio = (a, b) => (a && b ? `${fmt(b / a)}×` : '—');
  const secs = (c, key) => (c && !c.reason ? fmt(c[key]) : '—');
  const acc = (c) => (c && !c.reason && Number.isFinite(c.accuracy) ? `${(100 * c.accuracy).toFixed(1)}%` : '—');
  const interleaved = (c) => (interleavedEval && c === fastest ? '; eval interleaved round by round with tfjs' : '');
  const rows = [
    ['WASM engine, simd128, this thread (trainModel / evaluateModel)', secs(wasm, 'train'), secs(wasm, 'eval'), acc(wasm), wasm.reason ? 'unavailable' : `train ×${wasm.trainN}, eval ×${wasm.evalN}, medians${interleaved(wasm)}`],
    ['WASM engine, relaxed SIMD (FMA), this thread', secs(relaxed, 'train'), secs(relaxed, 'eval'), acc(relaxed), relaxed.reason ? 'unavailable' : `train ×${relaxed.trainN}, eval ×${relaxed.evalN}, medians${interleaved(relaxed)}`],
    ...[1, 2].map((w) => [`WASM pool of ${w} worker${w > 1 ? 's' : ''} (${pools[w].kernel ?? '—'}; 2 shards per batch)`, secs(pools[w], 'train'), secs(pools[w], 'eval'), acc(pools[w]),
      pools[w].reason ? 'unavailable' : `train ×${pools[w].trainN}, eval ×${pools[w].evalN}, medians; data resident in the workers`]),
    ['TS twin (ReferencePlan)', secs(twin, 'train'), secs(twin, 'eval'), '—', twin.reason ? 'unavailable' : `extrapolated from ${TWIN_STEPS} steps and ${TWIN_EVAL_BATCHES} eval batches of ${EVAL_BATCH}`],
    ['native crate (plan executor; scalar twin of the SIMD trait, `-C target-cpu=native`)', secs(native, 'train'), secs(native, 'eval'), '—', native.reason ? 'unavailable' : 'random data of the same shapes, ×1'],
    ...[[torch, 1], [torch2, 2]].map(([t, n]) => [`PyTorch${t.version ? ` ${t.version}` : ''} CPU, ${n} thread${n > 1 ? 's' : ''}${t.capability ? ` (${t.capability})` : ''}`, secs(t, 'train'), secs(t, 'eval'), acc(t),
      t.reason ? 'unavailable' : `train ×${t.trainN}, eval ×${t.evalN}, medians; own init and shuffle`]),
    [`jax-js${jax.version ? ` ${jax.version}` : ''} (Wasm backend, one thread in Node; jitted step)`, secs(jax, 'train'), secs(jax, 'eval'), acc(jax), jax.reason ? 'unavailable' : `train ×1 (includes its jit compilation), eval ×${jax.evalN} median; same init and shuffle`],
    [`tfjs-backend-wasm${tfjs.version ? ` ${tfjs.version}` : ''}, 1 thread`, secs(tfjs, 'train'), secs(tfjs, 'eval'), acc(tfjs), tfjs.reason ? 'unavailable' : `${tfjs.partial ? `extrapolated from ${tfjs.partial} steps` : 'train ×1'}, eval ×${tfjs.evalN} median${interleavedEval ? `, interleaved with WASM ${fastest === wasm ? 'simd128' : 'relaxed'}` : ''}`],
  ];
  const verdict = (value, target, below = false) => (Number.isFinite(value) ? ((below ? value <= target : value >= target) ? 'meets' : 'misses') : '—');
  const over = (a, b) => (a && b && !a.reason && !b.reason ? a.train / b.train : NaN);
  const tfTrain = tfjs.reason || fastest.reason ? NaN : tfjs.train / fastest.train;
  const tfEval = tfjs.reason || fastest.reason ? NaN : tfjs.eval / fastest.eval;
  const ratios = [
    ['2 workers vs 1 worker (pool)', ratio(pools[2].train, pools[1].train), ratio(pools[2].eval, pools[1].eval), `target train ≥ 1.8× (${verdict(over(pools[1], pools[2]), 1.8)})`],
    ['relaxed SIMD vs simd128 (this thread)', ratio(relaxed.train, wasm.train), ratio(relaxed.eval, wasm.eval), relaxed.reason ? 'relaxed SIMD unavailable' : 'FMA vs mul+add'],
    ['best WASM (2 workers) vs jax-js', ratio(pools[2].train, jax.train), ratio(pools[2].eval, jax.eval), `target ≥ 2× (${verdict(over(jax, pools[2]), 2)})`],
    [`WASM (this thread, ${fastest === wasm ? 'simd128' : 'relaxed'}) vs jax-js`, ratio(fastest.train, jax.train), ratio(fastest.eval, jax.eval), 'both one thread'],
    [`WASM (this thread, ${fastest === wasm ? 'simd128' : 'relaxed'}) vs tfjs-backend-wasm`, ratio(fastest.train, tfjs.train), ratio(fastest.eval, tfjs.eval),
      `targets: ahead (${verdict(tfTrain, 1)}); train ≥ 7× (${verdict(tfTrain, 7)}), eval ≥ 1.5× (${verdict(tfEval, 1.5)})`],
    ['WASM vs TS twin', ratio(wasm.train, twin.train), ratio(wasm.eval, twin.eval), 'twin extrapolated'],
    ['WASM vs native crate', ratio(wasm.train, native.train), ratio(wasm.eval, native.eval), 'below 1×: native is faster'],
    [`WASM (this thread, ${fastest === wasm ? 'simd128' : 'relaxed'}) vs PyTorch, 1 thread`, ratio(fastest.train, torch.train), ratio(fastest.eval, torch.eval), 'below 1×: PyTorch is faster'],
    ['WASM (2 workers) vs PyTorch, 2 threads', ratio(pools[2].train, torch2.train), ratio(pools[2].eval, torch2.eval),
      Number.isFinite(over(pools[2], torch2)) ? `WASM takes ${fmt(over(pools[2], torch2))}× PyTorch's time; target within ${relaxedOn ? '2.5' : '3.5'}× (${verdict(over(pools[2], torch2), relaxedOn ? 2.5 : 3.5, true)})` : '—'],
  ];
  const text = [
    `MLP 784-512-512-10 (669,706 parameters, no BatchNorm), batch ${BATCH}, SGD lr ${LR} momentum ${MOMENTUM}, one epoch over the ${train.n.toLocaleString('en')} Fashion-MNIST training images ` +
      `(${Math.ceil(train.n / BATCH)} steps, shuffled), then evaluation (per-sample loss and correctness) of the ${test.n.toLocaleString('en')} test images in batches of ${EVAL_BATCH}. ` +
      'WASM, twin, jax-js and tfjs start from the same seeded PyTorch-default initialisation; WASM data are resident in WASM memory (uploaded before timing). ' +
      `${lib.relaxedSimdSupported() ? 'Relaxed SIMD is on in this process (Node ' + process.version + (process.execArgv.includes('--experimental-wasm-relaxed-simd') ? ' with --experimental-wasm-relaxed-simd' : '') + '); jax-js uses it too. ' : 'Relaxed SIMD is off in this process. '}` +
      'tfjs = @tensorflow/tfjs-layers `tf.sequential` of three dense layers (ReLU), `model.fit` (batch 128, shuffle, `tf.train.momentum`, mean softmax cross-entropy on the logits) on the wasm backend, one thread; eval is `model.predict` per batch of 1000 with per-sample loss and argmax. ' +
      'Accuracy is on the test set after the (first) epoch, a sanity check, not a figure of merit.',
    ...notes.map((n) => `Note: ${n}.`),
    '',
    table(['implementation', 'train epoch (s)', 'eval 10k (s)', 'test accuracy', 'how measured'], rows),
    '',
    table(['ratio (speed-up of WASM)', 'train', 'eval', 'note'], ratios),
  ];
  return { title: 'Training: MLP 784-512-512-10 on Fashion-MNIST (Node: one thread, pools, peers)', markdown: text.join('\n') };
}
