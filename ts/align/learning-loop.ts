/**
 * The loop learned permutations share: minibatches of a seeded shuffle, t at the midpoint or drawn
 * uniformly per step (Peña et al. 2023: a random t along the line), ∇L(θ(t)) of the batch from the
 * runner's gradient session (batch statistics: the midpoint's BatchNorm buffers are meaningless; with
 * `shards`, data-parallel on a pool), and Adam on a flat f64 vector (Kingma & Ba 2015).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { shuffledOrder } from '../data/dataset.js';
import { rngState, uniform } from '../kernels/xoshiro.js';
import type { Arch } from '../model/arch.js';
import { Engine } from '../model/engine.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';

export interface LearnedPermutationOptions extends RunnerOption {
  /** Optimiser steps (default 100). */
  steps?: number;
  /** Samples per step (default 256). */
  batchSize?: number;
  /** Adam's learning rate (defaults: STE 1e-3, Sinkhorn 0.1). */
  lr?: number;
  /** 'midpoint' (t = ½, Ainsworth et al.) or 'random' (t ~ U[0, 1] per step, Peña et al.); default 'midpoint'. */
  t?: 'midpoint' | 'random';
  /** Seed of the batches and the t draws (default 0). */
  seed?: number;
  /** Virtual shards per batch (data-parallel gradients on a pool; default 1; see TrainingLoopOptions.shards). */
  shards?: number;
  onProgress?: (p: { step: number; steps: number; loss: number }) => void;
}

/** Adam on a flat vector: x ← x − lr·m̂/(√v̂ + ε). */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private count = 0;

  constructor(length: number, private readonly lr: number, private readonly beta1 = 0.9, private readonly beta2 = 0.999, private readonly eps = 1e-8) {
    this.m = new Float64Array(length);
    this.v = new Float64Array(length);
  }

  /** One step on `x` with gradient `g` (descent). */
  step(x: Float64Array | Float32Array, g: ArrayLike<number>): void {
    this.count += 1;
    const c1 = 1 - this.beta1 ** this.count;
    const c2 = 1 - this.beta2 ** this.count;
    for (let i = 0; i < x.length; i++) {
      this.m[i] = this.beta1 * this.m[i] + (1 - this.beta1) * g[i];
      this.v[i] = this.beta2 * this.v[i] + (1 - this.beta2) * g[i] * g[i];
      x[i] -= (this.lr * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + this.eps);
    }
  }
}

/** Runs `steps` steps: `theta(t)` builds θ(t), `apply(grads, t, loss)` takes ∇L(θ(t)) (trainable prefix). Returns the losses. */
export async function runLearningLoop(arch: Arch, data: DataSet, options: LearnedPermutationOptions,
  theta: (t: number) => Float32Array, apply: (grads: Float32Array, t: number) => void | Promise<void>): Promise<number[]> {
  const { steps = 100, batchSize = 256, t: tMode = 'midpoint', seed = 0, onProgress } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new ModeconnError('BAD_ARGUMENT', `steps must be a positive integer, got ${steps}`);
  if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `learning a permutation needs samples; data set ${data.name} has none`);
  const runner = await resolveRunner(options.runner);
  const size = Math.min(batchSize, data.n);
  const perEpoch = Math.floor(data.n / size);
  const draws = rngState(seed, 0x5e0000);
  const { core } = await Engine.local();
  const session = await runner.openGradients(arch, data, { capacity: size, seed, stream: 0, mode: 'batch-stats', shards: options.shards });
  const thetaBuf = core.allocF32(compiledOf(arch).totalLength);
  const gradsBuf = core.allocF32(compiledOf(arch).totalLength);
  const losses: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const b = step % perEpoch;
      if (b === 0) await session.setOrder(shuffledOrder(data.n, step === 0 ? seed : seed + step));
      const t = tMode === 'random' ? uniform(draws) : 0.5;
      const point = theta(t); // before taking a view: building θ(t) may grow the core's memory
      core.f32(thetaBuf).set(point);
      const { loss } = await session.gradient(thetaBuf, gradsBuf, b * size, size);
      losses.push(loss);
      await apply(core.f32(gradsBuf).slice(), t);
      onProgress?.({ step: step + 1, steps, loss });
    }
  } finally {
    core.free(thetaBuf);
    core.free(gradsBuf);
    await session.close();
  }
  return losses;
}
