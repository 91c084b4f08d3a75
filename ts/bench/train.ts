/**
 * One training epoch and one evaluation pass of the MLP 784-512-512-10 (shapes.ts's TRAIN_JOB) on
 * random data of MNIST's shape (the cost does not depend on the values): this thread with the
 * simd128 kernels and with relaxed SIMD, the hosts' runners (worker pools with shards), the TS twin
 * (a few steps, extrapolated) and native Rust. Configurations take turns each round; medians.
 */
import { createDataSet, type DataSet } from '../data/dataset.js';
import { mlp } from '../model/builders.js';
import { Engine } from '../model/engine.js';
import { initParams } from '../model/init.js';
import { compiledOf, type Model } from '../model/model.js';
import type { Runner } from '../model/runner.js';
import { evaluateModel, trainModel } from '../model/train.js';
import { exactKernels, setExactKernels } from '../wasm/kernel-choice.js';
import { relaxedSimdSupported } from '../wasm/relaxed.js';
import { type Measured, median, timeOnce } from './measure.js';
import { TRAIN_JOB, type BenchScale } from './shapes.js';
import type { BenchHooks } from './types.js';

/** One configuration's row: seconds for the epoch and for the evaluation. */
export interface TrainRow {
  label: string;
  kernel: string;
  train: Measured<number>;
  eval: Measured<number>;
  /** How the figures were obtained. */
  note: string;
}

/** Seeded uniform features in [0, 1) and cycling labels: the shapes of MNIST. */
function syntheticSet(name: string, n: number, seed: number): DataSet {
  const x = new Float32Array(n * TRAIN_JOB.input);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32;
  }
  const y = Uint32Array.from({ length: n }, (_, i) => (i * 7) % TRAIN_JOB.classes);
  return createDataSet({ name, x, y, shape: [TRAIN_JOB.input], classes: TRAIN_JOB.classes });
}

interface Config {
  label: string;
  kernel: string;
  exact?: boolean;
  runner?: Runner;
  shards?: number;
}

/** Times every configuration; restores this thread's kernel choice afterwards. */
export async function benchTrain(scale: BenchScale, hooks: BenchHooks): Promise<TrainRow[]> {
  const arch = mlp({ input: TRAIN_JOB.input, hidden: [...TRAIN_JOB.hidden], classes: TRAIN_JOB.classes });
  const compiled = compiledOf(arch);
  const train = syntheticSet('bench-train', scale.trainSamples, 1);
  const test = syntheticSet('bench-test', scale.evalSamples, 2);
  const engine = await Engine.local();
  engine.upload(train, compiled);
  engine.upload(test, compiled);
  const configs: Config[] = [{ label: 'WASM simd128, this thread', kernel: 'simd128', exact: true }];
  if (relaxedSimdSupported()) configs.push({ label: 'WASM relaxed SIMD, this thread', kernel: 'relaxed', exact: false });
  for (const r of hooks.runners ?? []) configs.push({ label: r.label, kernel: 'as the runner chose', runner: r.runner, shards: r.shards });
  const options = (c: Config) => ({
    seed: TRAIN_JOB.seed, epochs: 1, batchSize: TRAIN_JOB.batchSize, runner: c.runner, shards: c.shards,
    optimizer: { type: 'sgd' as const, lr: TRAIN_JOB.lr, momentum: TRAIN_JOB.momentum },
  });
  const before = exactKernels();
  const samples = configs.map(() => ({ train: [] as number[], eval: [] as number[] }));
  const steps = scale.trainReps * configs.length;
  try {
    // Sends the data sets to a runner's workers once, before any timing.
    const warm = { arch, params: initParams(compiled, { seed: TRAIN_JOB.seed }) };
    for (const c of configs) if (c.runner) await evaluateModel(warm, test, { runner: c.runner, batchSize: TRAIN_JOB.evalBatch });
    for (let round = 0; round < scale.trainReps; round++) {
      for (const [i, c] of configs.entries()) {
        hooks.onProgress?.({ fraction: (round * configs.length + i) / steps, detail: `train: ${c.label}` });
        if (c.exact !== undefined) setExactKernels(c.exact);
        let model: Model = warm;
        samples[i].train.push(await timeOnce(async () => (model = await trainModel(arch, train, options(c)))));
        for (let e = 0; e < 3; e++) samples[i].eval.push(await timeOnce(() => evaluateModel(model, test, { runner: c.runner, batchSize: TRAIN_JOB.evalBatch })));
      }
    }
  } finally {
    setExactKernels(before);
  }
  const rows: TrainRow[] = configs.map((c, i) => ({
    label: c.label, kernel: c.kernel, train: { value: median(samples[i].train) }, eval: { value: median(samples[i].eval) },
    note: `${samples[i].train.length} epoch(s), ${samples[i].eval.length} evaluations; medians${c.shards ? `; ${c.shards} shards per batch` : ''}`,
  }));
  rows.push(twinRow(scale, compiled.words, compiled.totalLength, train, test, hooks));
  const native = hooks.native?.train
    ? await hooks.native.train(compiled.words, { batchSize: TRAIN_JOB.batchSize, evalBatch: TRAIN_JOB.evalBatch, trainSamples: scale.trainSamples, evalSamples: scale.evalSamples })
    : { reason: 'no native build here' };
  rows.push({
    label: 'native Rust (the same crate)', kernel: 'scalar twin of the SIMD trait, auto-vectorised',
    train: 'value' in native ? { value: native.value.train } : native, eval: 'value' in native ? { value: native.value.eval } : native,
    note: 'crate/examples/bench_train on random data of the same shapes',
  });
  return rows;
}

/** The twin: `twinSteps` gradient steps and one evaluation batch, extrapolated to the epoch and the set. */
function twinRow(scale: BenchScale, words: Uint32Array, length: number, train: DataSet, test: DataSet, hooks: BenchHooks): TrainRow {
  const row = { label: 'TS twin (ReferencePlan)', kernel: 'plain TypeScript' };
  if (!hooks.twin) return { ...row, train: { reason: 'no twin given' }, eval: { reason: 'no twin given' }, note: '' };
  hooks.onProgress?.({ fraction: 0.99, detail: 'train: TS twin' });
  const { batchSize, evalBatch, input } = TRAIN_JOB;
  const plan = hooks.twin.plan(words, batchSize);
  const params = new Float32Array(length).fill(0.01);
  const grads = new Float32Array(length);
  const x = train.x.subarray(0, batchSize * input);
  const y = train.y.subarray(0, batchSize);
  plan.gradient(params, x, y, batchSize, grads);
  const t0 = performance.now();
  for (let s = 0; s < scale.twinSteps; s++) plan.gradient(params, x, y, batchSize, grads);
  const perStep = (performance.now() - t0) / 1000 / scale.twinSteps;
  const n = Math.min(evalBatch, test.n);
  const evalPlan = hooks.twin.plan(words, n);
  const t1 = performance.now();
  evalPlan.evaluate(params, test.x.subarray(0, n * input), test.y.subarray(0, n), n);
  const perSample = (performance.now() - t1) / 1000 / n;
  return {
    ...row,
    train: { value: perStep * Math.ceil(scale.trainSamples / batchSize) },
    eval: { value: perSample * scale.evalSamples },
    note: `extrapolated from ${scale.twinSteps} gradient steps and ${n} evaluated samples`,
  };
}
