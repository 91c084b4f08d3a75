/**
 * Training in a random affine subspace, θ = θ₀ + P·z with z ∈ R^d (Li et al. 2018): minibatch
 * gradients g = ∇θ L come from the runner's gradient session (one WASM call per batch, shards on a
 * pool), the chain rule gives ∇z L = Pᵀ·g, and SGD or Adam steps z (f64, on this thread). BatchNorm
 * running statistics live in θ's tail and are updated by the train-mode passes as in ordinary training.
 * `intrinsicDimension` sweeps d and reports the smallest reaching 90% of the full model's accuracy
 * (d_int90).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { permutation, rngState } from '../kernels/xoshiro.js';
import type { Arch } from '../model/arch.js';
import { Engine } from '../model/engine.js';
import { resolveRunner } from '../model/inline-runner.js';
import { initParams } from '../model/init.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { randomProjection, type ProjectionKind } from './projection.js';

/** The optimiser of z. */
export type SubspaceOptimizer = { type: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number } | { type: 'sgd'; lr: number; momentum?: number };

export interface SubspaceOptions extends RunnerOption {
  /** Subspace dimension. */
  d: number;
  /** Default 'fastfood'. */
  projection?: ProjectionKind;
  /** Seed of θ₀ (when not given), the projection, the shuffles and dropout. */
  seed: number;
  epochs: number;
  /** Default 128. */
  batchSize?: number;
  /** Default Adam, lr 0.01. */
  optimizer?: SubspaceOptimizer;
  /** θ₀ (default: a fresh seeded initialisation). */
  init?: Float32Array;
  /** Evaluated after every epoch (eval mode). */
  evalData?: DataSet;
  onEpoch?: (log: SubspaceEpoch) => void;
  onStep?: (step: number, steps: number, loss: number) => void;
  signal?: AbortSignal;
  /** Virtual shards per batch for data-parallel gradients on a pool (see TrainingLoopOptions.shards; default 1). */
  shards?: number;
  /** BatchNorm statistics with shards > 1 (see TrainingLoopOptions.bnStatistics). */
  bnStatistics?: 'batch' | 'shard';
}

export interface SubspaceEpoch {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss?: number;
  testAccuracy?: number;
  seconds: number;
}

export interface SubspaceResult {
  params: Float32Array;
  z: Float64Array;
  log: SubspaceEpoch[];
}

/** The optimiser's step on z: z ← z − update(g). */
function stepper(opt: SubspaceOptimizer, d: number): (z: Float64Array, g: Float64Array) => void {
  if (opt.type === 'sgd') {
    const { lr, momentum = 0.9 } = opt;
    const buf = new Float64Array(d);
    return (z, g) => {
      for (let i = 0; i < d; i++) {
        buf[i] = momentum * buf[i] + g[i];
        z[i] -= lr * buf[i];
      }
    };
  }
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = opt;
  const m = new Float64Array(d);
  const v = new Float64Array(d);
  let t = 0;
  return (z, g) => {
    t += 1;
    const [c1, c2] = [1 - beta1 ** t, 1 - beta2 ** t];
    for (let i = 0; i < d; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      z[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  };
}

/** Trains `arch` on `data` in a random d-dimensional subspace (see the module header). */
export async function trainSubspace(arch: Arch, data: DataSet, options: SubspaceOptions): Promise<SubspaceResult> {
  const compiled = compiledOf(arch);
  const { d, seed, epochs, batchSize = 128 } = options;
  const P = compiled.paramCount;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ModeconnError('BAD_ARGUMENT', `epochs must be a positive integer, got ${epochs}`);
  const projection = randomProjection(options.projection ?? 'fastfood', d, P, seed);
  const theta0 = options.init ?? initParams(compiled, { seed });
  if (theta0.length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `init has ${theta0.length} values; the architecture needs ${compiled.totalLength}`);
  const runner = await resolveRunner(options.runner);
  const engine = await Engine.local();
  const core = engine.core;
  const capacity = Math.min(batchSize, data.n);
  const session = await runner.openGradients(arch, data, { capacity, seed, mode: 'train', shards: options.shards, bnStatistics: options.bnStatistics });
  const theta = core.allocF32(compiled.totalLength);
  const grads = core.allocF32(compiled.totalLength);
  const z = new Float64Array(d);
  const offset = new Float64Array(P);
  const g = new Float64Array(P);
  const gz = new Float64Array(d);
  const step = stepper(options.optimizer ?? { type: 'adam', lr: 0.01 }, d);
  const log: SubspaceEpoch[] = [];
  try {
    core.f32(theta).set(theta0);
    const steps = epochs * Math.ceil(data.n / capacity);
    let done = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const started = performance.now();
      const order = new Uint32Array(data.n);
      permutation(rngState(seed, 0x50000 + epoch), order);
      await session.setOrder(order);
      let [lossSum, right] = [0, 0];
      for (let start = 0; start < data.n; start += capacity) {
        if (options.signal?.aborted) throw new ModeconnError('CANCELLED', 'subspace training cancelled', { cause: options.signal.reason });
        const n = Math.min(capacity, data.n - start);
        projection.apply(z, offset);
        const view = core.f32(theta);
        for (let i = 0; i < P; i++) view[i] = theta0[i] + offset[i];
        const outcome = await session.gradient(theta, grads, start, n);
        const gv = core.f32(grads);
        for (let i = 0; i < P; i++) g[i] = gv[i];
        projection.adjoint(g, gz);
        step(z, gz);
        lossSum += outcome.loss * n;
        right += outcome.right;
        options.onStep?.(++done, steps, outcome.loss);
      }
      projection.apply(z, offset);
      const params = core.f32(theta).slice();
      for (let i = 0; i < P; i++) params[i] = theta0[i] + offset[i];
      const entry: SubspaceEpoch = { epoch, trainLoss: lossSum / data.n, trainAccuracy: right / data.n, seconds: 0 };
      if (options.evalData) {
        const [[r]] = await runner.evaluate(arch, [params], [options.evalData]);
        Object.assign(entry, { testLoss: r.loss, testAccuracy: r.accuracy });
      }
      entry.seconds = (performance.now() - started) / 1000;
      log.push(entry);
      options.onEpoch?.(entry);
    }
    projection.apply(z, offset);
    const params = core.f32(theta).slice();
    for (let i = 0; i < P; i++) params[i] = theta0[i] + offset[i];
    return { params, z, log };
  } finally {
    core.free(theta);
    core.free(grads);
    await session.close();
  }
}
