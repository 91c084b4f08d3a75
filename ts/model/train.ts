/**
 * Training and evaluation of models. θ, gradients and optimiser state stay in WASM memory for the
 * whole run; each batch is one call (gather by index, forward, loss, backward, optimiser step).
 * Shuffling, dropout and initialisation are seeded, so a seed gives bit-identical weights.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from './arch.js';
import { compileArch, type CompiledArch } from './compile.js';
import { Engine, assertFinite, rngState, type EvalResult, type EvaluateOptions } from './engine.js';
import { checkEpochOptions, runEpochs } from './epochs.js';
import { initParams, type InitScheme } from './init.js';
import type { Schedule } from './schedule.js';
import type { Pool } from '../workers/pool.js';

/** A network: its architecture and its flat vector θ (layout from `compileArch(arch)`). */
export interface Model {
  arch: Arch;
  params: Float32Array;
  /** PyTorch's `num_batches_tracked` per BatchNorm (state_dict name → count); absent or missing names count 0. */
  batchesTracked?: Record<string, number>;
}

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }
  | { type: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled?: boolean };

export interface EpochLog {
  epoch: number;
  /** Learning rate at the epoch's last step. */
  lr: number;
  /** Mean training loss over the epoch's batches (train mode: batch statistics, dropout). */
  trainLoss: number;
  trainAccuracy: number;
  testLoss?: number;
  testAccuracy?: number;
  seconds: number;
}

export interface TrainProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  lr: number;
  /** Fraction of the run done, in [0, 1]. */
  fraction: number;
}

/** The options of the minibatch loop that trainModel and fitCurve share. */
export interface TrainingLoopOptions {
  epochs: number;
  /** Default 128. */
  batchSize?: number;
  /** Default SGD, lr 0.05, momentum 0.9. */
  optimizer?: OptimizerConfig;
  /** Default constant. */
  schedule?: Schedule;
  warmupEpochs?: number;
  signal?: AbortSignal;
  engine?: Engine;
}

export interface TrainOptions extends TrainingLoopOptions {
  /** u32 seed for initialisation, shuffling and dropout. */
  seed: number;
  /** Initial θ, or a scheme for a fresh seeded initialisation (default 'pytorch'). */
  init?: Float32Array | InitScheme;
  /** BatchNorm num_batches_tracked of the initial θ (e.g. a loaded model's `batchesTracked`). */
  initCounts?: Record<string, number>;
  /** Evaluated (eval mode) after every epoch. */
  evalData?: DataSet;
  onProgress?: (progress: TrainProgress) => void;
  onEpoch?: (log: EpochLog) => void;
  /** Train in a worker of this pool (same result, bit for bit); without one, on this thread. */
  pool?: Pool;
}

export interface TrainResult extends Model {
  log: EpochLog[];
}

const STREAM_DROPOUT = 0x20000;

const compiledCache = new WeakMap<Arch, CompiledArch>();

/** `compileArch` with a per-object cache. */
export function compiledOf(arch: Arch): CompiledArch {
  let compiled = compiledCache.get(arch);
  if (!compiled) {
    compiled = compileArch(arch);
    compiledCache.set(arch, compiled);
  }
  return compiled;
}

function optimizerWords(opt: OptimizerConfig): { kind: number; hyper: Float32Array; buffers: number } {
  if (opt.type === 'sgd') {
    const momentum = opt.momentum ?? 0;
    const hyper = Float32Array.of(opt.lr, momentum, opt.dampening ?? 0, opt.weightDecay ?? 0, opt.nesterov ? 1 : 0);
    return { kind: 0, hyper, buffers: momentum === 0 ? 0 : 1 };
  }
  if (opt.type === 'adam') {
    const hyper = Float32Array.of(opt.lr, opt.beta1 ?? 0.9, opt.beta2 ?? 0.999, opt.eps ?? 1e-8, opt.weightDecay ?? 0, opt.decoupled ? 1 : 0);
    return { kind: 1, hyper, buffers: 2 };
  }
  throw new ModeconnError('BAD_ARGUMENT', `unknown optimizer ${JSON.stringify((opt as { type: unknown }).type)}; use sgd or adam`);
}

/** Trains `arch` on `data`; returns the trained model and a per-epoch log. */
export async function trainModel(arch: Arch, data: DataSet, options: TrainOptions): Promise<TrainResult> {
  if (options.pool) {
    const { pool, engine: _engine, ...rest } = options;
    return pool.train(arch, data, rest);
  }
  const { seed, epochs, batchSize = 128, schedule = { type: 'constant' }, warmupEpochs = 0, signal } = options;
  const optimizer = options.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  checkEpochOptions(epochs, batchSize, schedule, data);
  const compiled = compiledOf(arch);
  const init = options.init instanceof Float32Array ? options.init : initParams(compiled, { seed, scheme: options.init ?? 'pytorch' });
  if (init.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `initial parameters have ${init.length} values; the architecture needs ${compiled.totalLength}`);
  }
  assertFinite(init, 'initial parameters');
  const { kind, hyper, buffers } = optimizerWords(optimizer);
  const engine = options.engine ?? (await Engine.create());
  const core = engine.core;
  const capacity = Math.min(batchSize, data.n);
  const device = engine.upload(data, compiled);
  const handle = engine.plan(compiled, capacity);
  const total = compiled.totalLength;
  const P = compiled.paramCount;

  const bufs = {
    theta: core.allocF32(total),
    grads: core.allocF32(total),
    stateA: core.allocF32(buffers >= 1 ? P : 0),
    stateB: core.allocF32(buffers >= 2 ? P : 0),
    hyper: core.allocF32(hyper.length),
    rng: core.allocU32(4),
    order: core.allocU32(data.n),
    losses: core.allocF32(capacity),
    correct: core.allocU32(capacity),
    mean: core.allocF32(1),
  };
  const log: EpochLog[] = [];
  try {
    core.f32(bufs.theta).set(init);
    core.u32(bufs.rng).set(rngState(seed, STREAM_DROPOUT));
    const steps = await runEpochs({
      data, seed, epochs, batchSize, lr: optimizer.lr, schedule, warmupEpochs, signal, activity: 'training',
      onOrder: (order) => core.u32(bufs.order).set(order),
      runBatch: ({ epoch, step, steps: totalSteps, start, n, lr }) => {
        hyper[0] = lr;
        core.f32(bufs.hyper).set(hyper);
        core.invokeChecked('plan_train_step', handle, bufs.theta.ptr, bufs.grads.ptr, total, kind, bufs.hyper.ptr,
          buffers >= 1 ? bufs.stateA.ptr : 0, buffers >= 2 ? bufs.stateB.ptr : 0, step,
          device.x.ptr, device.y.ptr, data.n, bufs.order.ptr + 4 * start, n, bufs.rng.ptr,
          bufs.losses.ptr, bufs.correct.ptr, bufs.mean.ptr);
        const loss = core.f32(bufs.mean)[0];
        if (!Number.isFinite(loss)) {
          throw new ModeconnError('DIVERGED', `training diverged: loss ${loss} at epoch ${epoch}, step ${step}`, {
            advice: 'lower the learning rate or add warm-up',
          });
        }
        const right = core.u32(bufs.correct).subarray(0, n).reduce((a, b) => a + b, 0);
        options.onProgress?.({ epoch, step, steps: totalSteps, loss, lr, fraction: step / totalSteps });
        return { loss, right };
      },
      onEpochEnd: ({ started, ...summary }) => {
        const entry: EpochLog = { ...summary, seconds: 0 };
        if (options.evalData) {
          const result = engine.evaluate(compiled, core.f32(bufs.theta).slice(), options.evalData);
          entry.testLoss = result.loss;
          entry.testAccuracy = result.accuracy;
        }
        entry.seconds = (performance.now() - started) / 1000;
        log.push(entry);
        options.onEpoch?.(entry);
      },
    });
    // PyTorch counts every train-mode forward in each BatchNorm's num_batches_tracked.
    const batchesTracked: Record<string, number> = {};
    for (const e of compiled.layout) if (e.kind === 'counter') batchesTracked[e.name] = (options.initCounts?.[e.name] ?? 0) + steps;
    return { arch, params: core.f32(bufs.theta).slice(), log, ...(Object.keys(batchesTracked).length ? { batchesTracked } : {}) };
  } finally {
    for (const b of Object.values(bufs)) core.free(b);
  }
}

/** Loss and accuracy of a model on a data set, with per-sample results; sharded over `pool` when given (same bits). */
export async function evaluateModel(model: Model, data: DataSet, options: EvaluateOptions & { engine?: Engine; pool?: Pool } = {}): Promise<EvalResult> {
  if (options.pool) {
    const { pool, engine: _engine, start: _start, count: _count, ...rest } = options;
    return pool.evaluate(model, data, rest);
  }
  const compiled = compiledOf(model.arch);
  if (model.params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${model.params.length} values; the architecture needs ${compiled.totalLength}`);
  }
  assertFinite(model.params, 'model parameters');
  const engine = options.engine ?? (await Engine.create());
  return engine.evaluate(compiled, model.params, data, options);
}

/** Loss and accuracy of many parameter vectors of `arch` (path points, grid cells), in order; spread over `pool` when given. */
export async function evaluateMany(arch: Arch, params: readonly Float32Array[], data: DataSet, options: EvaluateOptions & { engine?: Engine; pool?: Pool } = {}): Promise<EvalResult[]> {
  if (options.pool) {
    const { pool, engine: _engine, start: _start, count: _count, ...rest } = options;
    return pool.evaluateMany(arch, params, data, rest);
  }
  const engine = options.engine ?? (await Engine.create());
  const results: EvalResult[] = [];
  for (const p of params) results.push(await evaluateModel({ arch, params: p }, data, { ...options, engine }));
  return results;
}

/** The model with its BatchNorm running statistics recomputed over `data` (exact average), in a worker of `pool` when given. */
export async function recomputeBatchNorm(model: Model, data: DataSet, options: { batchSize?: number; engine?: Engine; pool?: Pool } = {}): Promise<Model> {
  if (options.pool) return options.pool.recomputeBatchNorm(model, data, { batchSize: options.batchSize });
  const compiled = compiledOf(model.arch);
  const engine = options.engine ?? (await Engine.create());
  return { arch: model.arch, params: engine.recomputeBatchNorm(compiled, model.params, data, options) };
}
