// Training: one epoch of MLP 784-512-512-10 (batch 128, SGD lr 0.05 momentum 0.9) on the 60,000
// Fashion-MNIST training images, and evaluation of the 10,000 test images (batches of 1000), for the
// WASM engine (trainModel / evaluateModel), the pure-TS twin (ReferencePlan, timed on a few batches
// and extrapolated), the crate natively (examples/bench_train), PyTorch CPU with one thread
// (bench/torch_mlp.py, when /usr/bin/python3 has torch) and tfjs-core on the wasm backend, one
// thread. All in one run; quote the ratios.
//
// Environment: MODECONN_BENCH_TFJS_STEPS=k times only k tfjs training steps and extrapolates (for
// quick runs; the default is the full epoch). MODECONN_BENCH_TRAIN_COLUMNS=wasm,twin,native,torch,tfjs
// picks columns (default all).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
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

/** WASM engine: the library's own trainModel and evaluateModel, data already resident in WASM. */
async function wasmColumn(lib, arch, compiled, train, test, init) {
  const engine = await lib.Engine.local();
  engine.upload(train, compiled);
  engine.upload(test, compiled);
  const options = { seed: SEED, epochs: 1, batchSize: BATCH, optimizer: { type: 'sgd', lr: LR, momentum: MOMENTUM }, init };
  const trainS = [];
  let model;
  for (let r = 0; r < 2; r++) {
    const t0 = now();
    model = await lib.trainModel(arch, train, options);
    trainS.push(now() - t0);
  }
  const evalOnce = () => lib.evaluateModel(model, test, { batchSize: EVAL_BATCH });
  const accuracy = (await evalOnce()).accuracy;
  const ev = await time(evalOnce, { reps: 5, warmup: 1 });
  engine.release(train);
  const dispose = () => engine.release(test);
  return { train: median(trainS), trainN: trainS.length, eval: ev.median, evalN: ev.n, accuracy, model, evalOnce, dispose };
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

/** PyTorch CPU, one thread, via bench/torch_mlp.py; or a reason it is unavailable. */
function torchColumn(root) {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { reason: 'PyTorch column skipped: /usr/bin/python3 not found' };
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reason: "PyTorch column skipped: /usr/bin/python3 cannot import torch (apt-get install -y python3-torch)" };
  const r = spawnSync(python, [join(root, 'bench', 'torch_mlp.py'), '--dir', DATA_DIR, '--epochs', '2', '--eval-reps', '5'], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) return { reason: `PyTorch run failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  return {
    train: median(out.train_s), trainN: out.train_s.length, eval: median(out.eval_s), evalN: out.eval_s.length,
    accuracy: out.accuracy, version: out.torch, capability: out.capability,
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

/** tfjs-layers on the wasm backend (one thread): tf.sequential of dense layers, model.fit; or a reason it is unavailable. */
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
  const inSize = compiled.inputSize;
  const classes = compiled.classes;
  const model = tfl.sequential();
  const widths = ARCH_HIDDEN.concat([classes]);
  widths.forEach((units, i) => {
    model.add(tfl.layers.dense({ units, activation: i < widths.length - 1 ? 'relu' : 'linear', ...(i === 0 ? { inputShape: [inSize] } : {}) }));
  });
  // θ in the library's layout (PyTorch's: Linear weight [out, in]) → tfjs kernels [in, out].
  const weights = tf.tidy(() => compiled.layout.filter((e) => e.kind === 'weight' || e.kind === 'bias').map((e) => {
    const values = init.subarray(e.offset, e.offset + e.length);
    return e.kind === 'weight' ? tf.transpose(tf.tensor2d(values, e.shape)) : tf.tensor1d(values);
  }));
  model.setWeights(weights);
  weights.forEach((w) => w.dispose());
  // Mean softmax cross-entropy on logits (the loss the other columns use).
  const loss = (yTrue, logits) => tf.losses.softmaxCrossEntropy(yTrue, logits);
  model.compile({ optimizer: tf.train.momentum(LR, MOMENTUM), loss });

  const stepsPerEpoch = Math.ceil(train.n / BATCH);
  const limit = Number(process.env.MODECONN_BENCH_TFJS_STEPS) || stepsPerEpoch;
  const steps = Math.min(limit, stepsPerEpoch);
  const nTrain = Math.min(train.n, steps * BATCH);
  const xs = tf.tensor2d(train.x.subarray(0, nTrain * inSize), [nTrain, inSize]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(train.y.subarray(0, nTrain)), 'int32'), classes));
  const t0 = now();
  await model.fit(xs, ys, { batchSize: BATCH, epochs: 1, shuffle: true, verbose: 0 });
  model.getWeights()[0].dataSync(); // wait for the last update
  const trainS = ((now() - t0) * stepsPerEpoch) / steps;
  xs.dispose();
  ys.dispose();

  const testX = tf.tensor2d(test.x, [test.n, inSize]);
  const testY = tf.tensor1d(Int32Array.from(test.y), 'int32');
  const evalOnce = () => {
    let right = 0;
    let lossSum = 0;
    for (let start = 0; start < test.n; start += EVAL_BATCH) {
      const n = Math.min(EVAL_BATCH, test.n - start);
      const [losses, correct] = tf.tidy(() => {
        const logits = model.predict(tf.slice(testX, [start, 0], [n, inSize]), { batchSize: n });
        const labels = tf.slice(testY, [start], [n]);
        const perSample = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits, undefined, undefined, tf.Reduction.NONE);
        return [perSample, tf.equal(tf.argMax(logits, 1), labels)];
      });
      const l = losses.dataSync();
      const c = correct.dataSync();
      for (let i = 0; i < n; i++) {
        lossSum += l[i];
        right += c[i];
      }
      losses.dispose();
      correct.dispose();
    }
    return { loss: lossSum / test.n, accuracy: right / test.n };
  };
  const accuracy = evalOnce().accuracy;
  const ev = await time(evalOnce, { reps: 5, warmup: 0 });
  const dispose = () => {
    model.dispose();
    testX.dispose();
    testY.dispose();
  };
  return { train: trainS, trainN: 1, partial: steps < stepsPerEpoch ? steps : 0, eval: ev.median, evalN: ev.n, accuracy: steps < stepsPerEpoch ? NaN : accuracy, version, evalOnce, dispose };
}

export default async function run(ctx) {
  const { lib, reference, root } = ctx;
  const notes = [];
  let train;
  let test;
  try {
    train = await lib.loadFashionMnist({ split: 'train' });
    test = await lib.loadFashionMnist({ split: 'test' });
  } catch (error) {
    return { title: 'Training: MLP 784-512-512-10 on Fashion-MNIST', markdown: `Skipped: ${error.message}` };
  }
  const arch = lib.mlp({ input: 784, hidden: ARCH_HIDDEN, classes: 10 });
  const compiled = lib.compileArch(arch);
  const init = lib.initParams(compiled, { seed: SEED, scheme: 'pytorch' });

  const want = new Set((process.env.MODECONN_BENCH_TRAIN_COLUMNS || 'wasm,twin,native,torch,tfjs').split(','));
  const skipped = { reason: 'not run (MODECONN_BENCH_TRAIN_COLUMNS)' };
  const column = async (name, label, fn) => {
    if (!want.has(name)) return skipped;
    const t0 = now();
    process.stderr.write(`bench: train: ${label}\n`);
    const result = await fn();
    process.stderr.write(`bench: train: ${label} done in ${fmt(now() - t0)} s\n`);
    if (result.reason) notes.push(result.reason);
    return result;
  };
  const wasm = await column('wasm', 'WASM engine', () => wasmColumn(lib, arch, compiled, train, test, init));
  const twin = await column('twin', 'TS twin', () => twinColumn(lib, reference, compiled, train, test, init));
  const native = await column('native', 'native crate', () => nativeColumn(root, compiled, train.n, test.n));
  const torch = await column('torch', 'PyTorch', () => torchColumn(root));
  const tfjs = await column('tfjs', 'tfjs wasm (about 2 minutes for the epoch)', () => tfjsColumn(compiled, train, test, init));

  // The eval ratio WASM/tfjs: both evaluations again, round by round, so that drift in the machine's
  // load (minutes pass between the columns) hits both alike.
  let interleavedEval = false;
  if (wasm.evalOnce && tfjs.evalOnce) {
    await wasm.evalOnce();
    tfjs.evalOnce();
    const [ws, ts] = [[], []];
    for (let r = 0; r < 7; r++) {
      let t0 = now();
      await wasm.evalOnce();
      ws.push(now() - t0);
      t0 = now();
      tfjs.evalOnce();
      ts.push(now() - t0);
    }
    wasm.eval = median(ws);
    tfjs.eval = median(ts);
    wasm.evalN = tfjs.evalN = ws.length;
    interleavedEval = true;
  }
  wasm.dispose?.();
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
  const rows = [
    ['WASM engine (trainModel / evaluateModel)', secs(wasm, 'train'), secs(wasm, 'eval'), acc(wasm), `train ×${wasm.trainN}, eval ×${wasm.evalN}, medians${interleavedEval ? '; eval interleaved round by round with tfjs' : ''}`],
    ['TS twin (ReferencePlan)', secs(twin, 'train'), secs(twin, 'eval'), '—', `extrapolated from ${TWIN_STEPS} steps and ${TWIN_EVAL_BATCHES} eval batches of ${EVAL_BATCH}`],
    ['native crate (plan executor; scalar twin of the SIMD trait, `-C target-cpu=native`)', secs(native, 'train'), secs(native, 'eval'), '—', native.reason ? 'unavailable' : 'random data of the same shapes, ×1'],
    [`PyTorch ${torch.version ?? ''} CPU, 1 thread${torch.capability ? ` (${torch.capability})` : ''}`, secs(torch, 'train'), secs(torch, 'eval'), acc(torch), torch.reason ? 'unavailable' : `train ×${torch.trainN}, eval ×${torch.evalN}, medians; own init and shuffle`],
    [`tfjs-backend-wasm ${tfjs.version ?? ''}, 1 thread`, secs(tfjs, 'train'), secs(tfjs, 'eval'), acc(tfjs), tfjs.reason ? 'unavailable' : `${tfjs.partial ? `extrapolated from ${tfjs.partial} steps` : 'train ×1'}, eval ×${tfjs.evalN} median${interleavedEval ? ', interleaved with WASM' : ''}`],
  ];
  const verdict = (value, target) => (Number.isFinite(value) ? (value >= target ? 'meets' : 'misses') : '—');
  const tfTrain = tfjs.reason ? NaN : tfjs.train / wasm.train;
  const tfEval = tfjs.reason ? NaN : tfjs.eval / wasm.eval;
  const ptTrain = torch.reason ? NaN : wasm.train / torch.train;
  const ptEval = torch.reason ? NaN : wasm.eval / torch.eval;
  const ratios = [
    ['WASM vs tfjs-backend-wasm', ratio(wasm.train, tfjs.train), ratio(wasm.eval, tfjs.eval), `targets train ≥ 7× (${verdict(tfTrain, 7)}), eval ≥ 1.5× (${verdict(tfEval, 1.5)})`],
    ['WASM vs TS twin', ratio(wasm.train, twin.train), ratio(wasm.eval, twin.eval), 'twin extrapolated'],
    ['WASM vs native crate', ratio(wasm.train, native.train), ratio(wasm.eval, native.eval), 'below 1×: native is faster'],
    ['WASM vs PyTorch', ratio(wasm.train, torch.train), ratio(wasm.eval, torch.eval),
      Number.isFinite(ptTrain) ? `WASM takes ${fmt(ptTrain)}× / ${fmt(ptEval)}× PyTorch's time; mark: within 5× (${ptTrain <= 5 ? 'meets' : 'misses'} / ${ptEval <= 5 ? 'meets' : 'misses'})` : '—'],
  ];
  const text = [
    `MLP 784-512-512-10 (669,706 parameters, no BatchNorm), batch ${BATCH}, SGD lr ${LR} momentum ${MOMENTUM}, one epoch over the ${train.n.toLocaleString('en')} Fashion-MNIST training images ` +
      `(${Math.ceil(train.n / BATCH)} steps, shuffled), then evaluation (per-sample loss and correctness) of the ${test.n.toLocaleString('en')} test images in batches of ${EVAL_BATCH}. ` +
      'WASM, twin and tfjs start from the same seeded PyTorch-default initialisation; WASM data are resident in WASM memory (uploaded before timing). ' +
      'tfjs = @tensorflow/tfjs-layers `tf.sequential` of three dense layers (ReLU), `model.fit` (batch 128, shuffle, `tf.train.momentum`, mean softmax cross-entropy on the logits) on the wasm backend, one thread; eval is `model.predict` per batch of 1000 with per-sample loss and argmax. ' +
      'Accuracy is on the test set after the (first) epoch, a sanity check, not a figure of merit.',
    ...notes.map((n) => `Note: ${n}.`),
    '',
    table(['implementation', 'train epoch (s)', 'eval 10k (s)', 'test accuracy', 'how measured'], rows),
    '',
    table(['ratio (speed-up of WASM)', 'train', 'eval', 'note'], ratios),
  ];
  return { title: 'Training: MLP 784-512-512-10 on Fashion-MNIST (single thread)', markdown: text.join('\n') };
}
