// Paths (issue #5, Benchmarks): evaluating a 25-point path on 10,000 images for an MLP 784-512-512-10
// and a small BatchNorm convnet — WASM inline (evaluatePath), WASM on pools of 1 and 2 workers
// (evaluatePath's `pool` option) and the pure-TS twin (ReferencePlan, a few points × a couple of
// batches, extrapolated); one epoch of curve fitting (fitCurve, one-bend Bezier, MLP, batch 128) WASM
// vs the twin (a few steps, extrapolated); and the wall time of `modeconn demo`.
// The path is the straight line between two seeded initialisations: the cost of evaluating a point
// does not depend on whether the endpoints were trained, so no training is done here.
//
// Environment (for quick checks): MODECONN_BENCH_PATH_POINTS (default 25), MODECONN_BENCH_PATH_SAMPLES
// (evaluation images, default 10000), MODECONN_BENCH_PATH_ROUNDS (WASM repetitions, best kept; default
// 1 to bound the run, which is long: the convnet's WASM evaluation alone takes minutes), MODECONN_BENCH_FIT_SAMPLES
// (training images of the fit epoch, default 10000), MODECONN_BENCH_TWIN_POINTS (default 2),
// MODECONN_BENCH_TWIN_BATCHES (default 2), MODECONN_BENCH_TWIN_STEPS (default 10),
// MODECONN_BENCH_SKIP_DEMO=1, MODECONN_BENCH_DEMO_ARGS (extra demo flags, e.g. "--quick").
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, table } from './util.mjs';

const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const POINTS = env('MODECONN_BENCH_PATH_POINTS', 25);
const SAMPLES = env('MODECONN_BENCH_PATH_SAMPLES', 10000);
const ROUNDS = env('MODECONN_BENCH_PATH_ROUNDS', 1);
const FIT_SAMPLES = env('MODECONN_BENCH_FIT_SAMPLES', 10000);
const TWIN_POINTS = env('MODECONN_BENCH_TWIN_POINTS', 2);
const TWIN_BATCHES = env('MODECONN_BENCH_TWIN_BATCHES', 2);
const TWIN_STEPS = env('MODECONN_BENCH_TWIN_STEPS', 10);
const SKIP_DEMO = process.env.MODECONN_BENCH_SKIP_DEMO === '1';
const DEMO_ARGS = (process.env.MODECONN_BENCH_DEMO_ARGS ?? '').split(/\s+/).filter(Boolean);
const EVAL_BATCH = 1000;
const FIT_BATCH = 128;
const FIT_LR = 0.05;
const FIT_MOMENTUM = 0.9;

const now = () => performance.now() / 1000;
const seconds = async (fn) => {
  const t0 = now();
  const value = await fn();
  return { s: now() - t0, value };
};
const first = (lib, data, n, name) => (n < data.n ? lib.subsetDataSet(data, Uint32Array.from({ length: n }, (_, i) => i), name) : data);

/** Test images (evaluation) and training images (BN recomputation, the fit epoch). */
async function loadData(lib) {
  try {
    const test = await lib.loadFashionMnist({ split: 'test' });
    const train = await lib.loadFashionMnist({ split: 'train' });
    return { test, train, source: 'Fashion-MNIST', testLabel: 'test split', trainLabel: 'training split' };
  } catch (error) {
    if (error.code !== 'DATA_UNAVAILABLE') throw error;
    const all = await lib.loadMnist({ split: 'all' });
    return { test: all, train: all, source: "MNIST digits ('all' of the mnist package)", testLabel: 'all', trainLabel: 'all' };
  }
}

/** Copies samples [start, start + n) of `data` into xb/yb. */
function slice(data, start, n, xb, yb) {
  const row = data.x.length / data.n;
  xb.set(data.x.subarray(start * row, (start + n) * row));
  for (let i = 0; i < n; i++) yb[i] = data.y[start + i];
}

/**
 * The twin: θ(t) by the twin's vecBlend, then ReferencePlan.evaluate on TWIN_BATCHES batches of
 * EVAL_BATCH, for TWIN_POINTS points; extrapolated to POINTS points × data.n samples.
 */
function twinPath(reference, compiled, path, data) {
  const { ReferencePlan, referenceKernels: k } = reference;
  const batch = Math.min(EVAL_BATCH, data.n);
  const plan = new ReferencePlan(compiled.words, batch);
  const xb = new Float32Array(batch * compiled.inputSize);
  const yb = new Uint32Array(batch);
  const theta = new Float32Array(compiled.totalLength);
  const batches = Math.min(TWIN_BATCHES, Math.floor(data.n / batch));
  const point = (t) => {
    const t0 = now();
    k.vecBlend(path.coefficients(t), path.points, theta);
    const blend = now() - t0;
    const t1 = now();
    for (let b = 0; b < batches; b++) {
      slice(data, b * batch, batch, xb, yb);
      plan.evaluate(theta, xb, yb, batch);
    }
    return { blend, perBatch: (now() - t1) / batches };
  };
  // Warm-up (JIT): one blend and one batch.
  k.vecBlend(path.coefficients(0), path.points, theta);
  slice(data, 0, batch, xb, yb);
  plan.evaluate(theta, xb, yb, batch);
  let blend = 0;
  let perBatch = 0;
  for (let i = 0; i < TWIN_POINTS; i++) {
    const r = point((i + 1) / (TWIN_POINTS + 1));
    blend += r.blend / TWIN_POINTS;
    perBatch += r.perBatch / TWIN_POINTS;
  }
  return POINTS * (blend + (perBatch * data.n) / batch);
}

/** Times inline, 1 and 2 workers for one model, interleaved round by round; best of ROUNDS; plus the twin. */
async function pathRows(lib, reference, label, arch, data, pools, extra = {}) {
  const compiled = lib.compileArch(arch);
  const a = lib.initParams(compiled, { seed: 1 });
  const b = lib.initParams(compiled, { seed: 2 });
  const path = lib.linearPath(a, b);
  const engine = await lib.Engine.local();
  const sets = { test: data };
  const base = { points: POINTS, bn: 'blend', batchSize: EVAL_BATCH };
  const configs = {
    'WASM inline (`evaluatePath`)': () => lib.evaluatePath(path, arch, sets, { ...base }),
    'WASM, pool of 1 worker': () => lib.evaluatePath(path, arch, sets, { ...base, runner: pools[1] }),
    'WASM, pool of 2 workers': () => lib.evaluatePath(path, arch, sets, { ...base, runner: pools[2] }),
  };
  // Warm-up: plans, uploads (the pools keep the data resident) and JIT, on 2 points.
  for (const fn of Object.values(configs)) {
    const save = base.points;
    base.points = 2;
    await fn();
    base.points = save;
  }
  const best = Object.fromEntries(Object.keys(configs).map((k) => [k, Infinity]));
  let identical = true;
  for (let r = 0; r < ROUNDS; r++) {
    let ref = null;
    for (const [name, fn] of Object.entries(configs)) {
      process.stderr.write(`bench: paths: ${label}: ${name}, round ${r + 1}\n`);
      const { s, value } = await seconds(fn);
      best[name] = Math.min(best[name], s);
      const pts = value.sets.test.points;
      ref ??= pts;
      identical &&= pts.every((p, i) => p.loss === ref[i].loss && p.accuracy === ref[i].accuracy);
    }
  }
  const times = { inline: best['WASM inline (`evaluatePath`)'], one: best['WASM, pool of 1 worker'], two: best['WASM, pool of 2 workers'] };
  let recompute = null;
  if (extra.recompute) {
    const opts = { ...base, bn: 'recompute', bnData: extra.recompute, engine };
    await lib.evaluatePath(path, arch, sets, { ...opts, points: 2 });
    process.stderr.write(`bench: paths: ${label}: recompute\n`);
    recompute = (await seconds(() => lib.evaluatePath(path, arch, sets, opts))).s;
  }
  process.stderr.write(`bench: paths: ${label}: TS twin\n`);
  const twin = twinPath(reference, compiled, path, data);
  return { label, times, recompute, twin, identical, params: compiled.paramCount };
}

/** One epoch of fitCurve (one-bend Bezier) on `train`, WASM; best of ROUNDS (each its own fresh curve). */
async function fitWasm(lib, arch, compiled, path, train) {
  const engine = await lib.Engine.local();
  engine.upload(train, compiled);
  const options = { seed: 1, epochs: 1, batchSize: FIT_BATCH, optimizer: { type: 'sgd', lr: FIT_LR, momentum: FIT_MOMENTUM } };
  let best = Infinity;
  let loss = NaN;
  for (let r = 0; r < ROUNDS; r++) {
    process.stderr.write(`bench: paths: fit epoch WASM, round ${r + 1}\n`);
    const { s, value } = await seconds(() => lib.fitCurve(path, arch, train, options));
    best = Math.min(best, s);
    loss = value.log[0].trainLoss;
  }
  engine.release?.(train);
  return { s: best, loss };
}

/**
 * The twin's fit step: θ(t) = vecBlend(c(t), points), ReferencePlan.gradient (train mode), then for the
 * bend: bendGrad = c_1·∇L (vecScale to zero + vecAxpy) and sgdStep. TWIN_STEPS steps, extrapolated.
 */
function fitTwin(lib, reference, compiled, path, train) {
  const { ReferencePlan, referenceKernels: k } = reference;
  const P = compiled.paramCount;
  const plan = new ReferencePlan(compiled.words, FIT_BATCH);
  const points = path.points.map((p) => p.slice());
  const bends = lib.bendIndices(path);
  const theta = new Float32Array(compiled.totalLength);
  const grads = new Float32Array(compiled.totalLength);
  const bendGrad = new Float32Array(P);
  const momentum = bends.map(() => new Float32Array(P));
  const xb = new Float32Array(FIT_BATCH * compiled.inputSize);
  const yb = new Uint32Array(FIT_BATCH);
  const batches = Math.floor(train.n / FIT_BATCH);
  const parts = { blend: 0, gradient: 0, bends: 0 };
  const step = (s, t) => {
    const t0 = now();
    const c = path.coefficients(t);
    k.vecBlend(c, points, theta);
    const t1 = now();
    slice(train, (s % batches) * FIT_BATCH, FIT_BATCH, xb, yb);
    plan.gradient(theta, xb, yb, FIT_BATCH, grads);
    const t2 = now();
    bends.forEach((j, bi) => {
      k.vecScale({ a: 0 }, bendGrad);
      k.vecAxpy({ a: c[j] }, grads.subarray(0, P), bendGrad);
      const params = { lr: FIT_LR, momentum: FIT_MOMENTUM, dampening: 0, weightDecay: 0, nesterov: false, first: s === 0 };
      k.sgdStep(params, points[j].subarray(0, P), bendGrad, momentum[bi]);
    });
    const t3 = now();
    return [t1 - t0, t2 - t1, t3 - t2];
  };
  step(0, 0.5); // warm-up (JIT)
  for (let s = 1; s <= TWIN_STEPS; s++) {
    const [bl, gr, be] = step(s, s / (TWIN_STEPS + 1));
    parts.blend += bl / TWIN_STEPS;
    parts.gradient += gr / TWIN_STEPS;
    parts.bends += be / TWIN_STEPS;
  }
  const steps = Math.ceil(train.n / FIT_BATCH);
  return { s: steps * (parts.blend + parts.gradient + parts.bends), parts, steps };
}

/** `node dist/cli.js demo --out <tmp> -q`, wall time in seconds; or a reason. */
function demo(root) {
  if (SKIP_DEMO) return { reason: 'skipped (MODECONN_BENCH_SKIP_DEMO=1)' };
  const out = mkdtempSync(join(tmpdir(), 'modeconn-demo-bench-'));
  const args = [join(root, 'dist', 'cli.js'), 'demo', '--out', out, '-q', ...DEMO_ARGS];
  process.stderr.write(`bench: paths: node ${args.slice(1).join(' ')}\n`);
  try {
    const t0 = now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
    const s = now() - t0;
    if (r.status !== 0) return { reason: `demo failed (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
    return { s };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export default async function run({ lib, reference, root }) {
  const loaded = await loadData(lib);
  const test = first(lib, loaded.test, SAMPLES, `${loaded.test.name}-first-${SAMPLES}`);
  const train = first(lib, loaded.train, FIT_SAMPLES, `${loaded.train.name}-first-${FIT_SAMPLES}`);
  const mlp = lib.mlp({ input: [1, 28, 28], hidden: [512, 512], classes: 10 });
  const conv = lib.vgg({ input: [1, 28, 28], channels: [16, 'M', 32, 'M'], classes: 10, batchNorm: true });
  const load = [loadavg()[0]];

  const pools = { 1: await lib.createPool({ workers: 1 }), 2: await lib.createPool({ workers: 2 }) };
  let models;
  try {
    models = [
      await pathRows(lib, reference, 'MLP 784-512-512-10', mlp, test, pools),
      await pathRows(lib, reference, 'convnet 16-M-32-M-fc10 + BatchNorm', conv, test, pools, { recompute: train }),
    ];
  } finally {
    await Promise.all(Object.values(pools).map((p) => p.close()));
  }
  load.push(loadavg()[0]);

  const compiled = lib.compileArch(mlp);
  const a = lib.initParams(compiled, { seed: 1 });
  const b = lib.initParams(compiled, { seed: 2 });
  const curve = lib.bezierCurve(a, b, { degree: 2 });
  const fitW = await fitWasm(lib, mlp, compiled, curve, train);
  process.stderr.write('bench: paths: fit epoch TS twin\n');
  const fitT = fitTwin(lib, reference, compiled, curve, train);
  load.push(loadavg()[0]);
  const demoRun = demo(root);

  const x = (num, den) => (Number.isFinite(num) && Number.isFinite(den) && den > 0 ? `${fmt(num / den)}×` : '—');
  const evalRows = [];
  for (const m of models) {
    const { inline, one, two } = m.times;
    evalRows.push([m.label, 'WASM inline (`evaluatePath`)', fmt(inline), fmt(POINTS / inline), '1×', `${x(m.twin, inline)}`]);
    evalRows.push([m.label, 'WASM, pool of 1 worker', fmt(one), fmt(POINTS / one), x(inline, one), x(m.twin, one)]);
    evalRows.push([m.label, 'WASM, pool of 2 workers', fmt(two), fmt(POINTS / two), x(inline, two), x(m.twin, two)]);
    if (m.recompute != null) {
      evalRows.push([m.label, "WASM inline, bn 'recompute' (BN statistics recomputed at every point)", fmt(m.recompute), fmt(POINTS / m.recompute), x(inline, m.recompute), x(m.twin, m.recompute)]);
    }
    evalRows.push([m.label, `TS twin (ReferencePlan; extrapolated from ${TWIN_POINTS} points × ${TWIN_BATCHES} batches)`, fmt(m.twin), fmt(POINTS / m.twin), x(inline, m.twin), '1×']);
  }
  const ratioRows = models.map((m) => [
    m.label, `**${x(m.times.one, m.times.two)}**`, x(m.times.inline, m.times.one), x(m.times.inline, m.times.two), `**${x(m.twin, m.times.inline)}**`, m.identical ? 'yes' : '**no**',
  ]);
  const fitRows = [
    ['WASM (`fitCurve`)', fmt(fitW.s), fmt(fitT.steps / fitW.s), `${ROUNDS > 1 ? `best of ${ROUNDS} epochs, each` : 'one epoch'} from the midpoint init, data resident in WASM; mean train loss ${fmt(fitW.loss)}`],
    ['TS twin (ReferencePlan.gradient + vecBlend + vecScale/vecAxpy + sgdStep)', fmt(fitT.s), fmt(fitT.steps / fitT.s),
      `extrapolated from ${TWIN_STEPS} steps; per step blend ${fmt(1e3 * fitT.parts.blend)} ms, gradient ${fmt(1e3 * fitT.parts.gradient)} ms, bend update ${fmt(1e3 * fitT.parts.bends)} ms`],
  ];
  const demoLine = demoRun.reason
    ? `- \`modeconn demo\`: ${demoRun.reason}.`
    : `- \`modeconn demo --out <tmpdir> -q${DEMO_ARGS.length ? ` ${DEMO_ARGS.join(' ')}` : ''}\` (\`node dist/cli.js\`, one run): **${fmt(demoRun.s)} s** wall time (target < 180 s: ${demoRun.s < 180 ? 'meets' : 'misses'}).`;

  const text = [
    `Path evaluation: the straight line (\`linearPath\`) between two seeded initialisations (seeds 1 and 2; no training — the cost of a point does not depend on the weights), ${POINTS} evenly spaced points, ` +
      `each evaluated (eval mode, batches of ${EVAL_BATCH}, loss and accuracy) on the first ${test.n.toLocaleString('en')} images of the ${loaded.source} ${loaded.testLabel}. ` +
      "Convnet = `vgg({ input: [1,28,28], channels: [16,'M',32,'M'], classes: 10, batchNorm: true })`, timed with bn 'blend' (the evaluation itself); the 'recompute' row also re-estimates the BatchNorm statistics at every point over " +
      `${train.n.toLocaleString('en')} ${loaded.source} ${loaded.trainLabel} images. Pools: \`createPool({ workers })\` passed as evaluatePath's \`pool\` (data resident in the workers after a warm-up). ` +
      (ROUNDS > 1 ? `WASM configurations interleaved round by round, best of ${ROUNDS} rounds. ` : 'WASM configurations run once each, in turn, after a 2-point warm-up. ') +
      `The TS twin blends θ(t) with the twin's vecBlend and runs ReferencePlan.evaluate on ${TWIN_BATCHES} batches of ${EVAL_BATCH} at ${TWIN_POINTS} points, extrapolated to ${POINTS} points × ${test.n.toLocaleString('en')} images. ` +
      `1-minute load average ${load.map((l) => fmt(l, 2)).join(' → ')} (2 cores shared with other jobs: a load above 2 means they took some of them).`,
    '',
    table(['model', 'configuration', `seconds (${POINTS} points)`, 'points/s', 'speed vs inline', 'speed-up vs twin'], evalRows),
    '',
    table(['model', '2 workers vs 1', 'pool (1 worker) vs inline', '2 workers vs inline', 'WASM inline vs twin', 'bit-identical inline / 1 / 2 workers'], ratioRows),
    '',
    `Curve fitting: one epoch of \`fitCurve\` on a one-bend Bezier curve (\`bezierCurve(a, b, { degree: 2 })\`, bend initialised at the midpoint) of the MLP 784-512-512-10, batch ${FIT_BATCH}, SGD lr ${FIT_LR} momentum ${FIT_MOMENTUM}, ` +
      `on the first ${train.n.toLocaleString('en')} images of the ${loaded.source} ${loaded.trainLabel} (${fitT.steps} steps; kept short — an epoch over 60,000 images is ${+(60000 / train.n).toFixed(1)}× this). Single thread.`,
    '',
    table(['implementation', 'epoch (s)', 'steps/s', 'how measured'], fitRows),
    '',
    `- Fit epoch, WASM vs twin: **${x(fitT.s, fitW.s)}**.`,
    demoLine,
  ];
  return { title: 'Paths: evaluation along a path, curve fitting, `modeconn demo`', markdown: text.join('\n') };
}
