/**
 * Curve fitting (Garipov et al. 2018): minimise E_{t~U[0,1]} L(θ(t)) over the bends of a Bezier or
 * polygonal curve whose endpoints stay fixed. Per batch: draw t (seeded), θ(t) = Σ_j c_j(t)·θ_j (one
 * WASM blend), ∇L(θ(t)) in TRAIN mode (BatchNorm batch statistics, dropout; one WASM call), then for
 * each bend g_j = c_j(t)·∇L (vec_axpy) and an optimiser step on the bend's trainable prefix θ_j[0, P)
 * — a curve-training session of the runner (ts/model/curve-training.ts; on a pool, all in the workers).
 * The bends' BatchNorm buffers are not fitted: evaluate fitted BN curves with bn: 'recompute'.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { rngState, uniform } from '../kernels/xoshiro.js';
import type { Arch } from '../model/arch.js';
import type { CompiledArch } from '../model/compile.js';
import { Engine, assertFinite } from '../model/engine.js';
import { checkEpochOptions, runEpochs } from '../model/epochs.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import { openCurveTraining } from '../model/curve-training.js';
import type { GradientSession, Runner } from '../model/runner.js';
import type { RunnerOption } from '../model/train.js';
import { STREAM_DROPOUT } from '../model/training.js';
import type { TrainingLoopOptions } from '../model/training-options.js';
import type { Buf } from '../wasm/kernel.js';
import { PathBlender } from './blender.js';
import { checkPath } from './evaluate.js';
import { createManifest, type RunManifest } from './manifest.js';
import { type Path, bendIndices, withPoints } from './path.js';

export interface FitCurveOptions extends TrainingLoopOptions, RunnerOption {
  /** u32 seed: shuffling (stream 0x10000 + epoch), the t draws (stream 0x30000), dropout (0x20000). */
  seed: number;
  /** L2 coefficient on the bends (the optimiser's weight decay); default optimizer.weightDecay or 0. */
  l2?: number;
  onProgress?: (progress: { epoch: number; step: number; steps: number; loss: number; t: number; lr: number; fraction: number }) => void;
  onEpoch?: (log: FitEpochLog) => void;
}

export interface FitEpochLog {
  epoch: number;
  lr: number;
  /** Mean over the epoch's batches of L(θ(t)) at each batch's t (train mode). */
  trainLoss: number;
  trainAccuracy: number;
  seconds: number;
}

export interface FitResult {
  /** The fitted curve (same basis and endpoints, fitted bends). */
  path: Path;
  log: FitEpochLog[];
  manifest: RunManifest;
}

const STREAM_T = 0x30000;

/**
 * Gradients along a curve: the points resident on this thread's engine, θ(t) blended into a resident
 * block, ∇L(θ(t)) from a runner's gradient session, and one bend gradient c·∇L. Any `Path` whose
 * coefficients the caller controls works (fitSimplex and autoNeb use it too).
 */
export class CurveGradients {
  readonly blender: PathBlender;
  readonly theta: Buf;
  readonly grads: Buf;
  readonly bendGrad: Buf;

  private constructor(readonly engine: Engine, readonly compiled: CompiledArch, path: Path, readonly session: GradientSession) {
    const core = engine.core;
    this.blender = new PathBlender(engine.ops, path);
    this.theta = core.allocF32(compiled.totalLength);
    this.grads = core.allocF32(compiled.totalLength);
    this.bendGrad = core.allocF32(compiled.paramCount);
  }

  /** Gradients of `path` on `data` in batches of at most `capacity`, dropout from (seed, stream 0x20000 + shard), in `mode`. */
  static async open(runner: Runner, arch: Arch, path: Path, data: DataSet,
    options: { capacity: number; seed: number; mode: 'train' | 'batch-stats' | 'eval'; shards?: number; bnStatistics?: 'batch' | 'shard' }): Promise<CurveGradients> {
    const engine = await Engine.local();
    const session = await runner.openGradients(arch, data, { ...options, stream: STREAM_DROPOUT });
    return new CurveGradients(engine, compiledOf(arch), path, session);
  }

  /** θ(t), then ∇L(θ(t)) over order[start, start + n); returns the mean loss, the right count and c(t). */
  async gradientAt(t: number, start: number, n: number): Promise<{ loss: number; right: number; coeffs: Float32Array }> {
    const coeffs = this.blender.blendInto(t, this.theta);
    const { loss, right } = await this.session.gradient(this.theta, this.grads, start, n);
    return { loss, right, coeffs };
  }

  /** bendGrad = c·∇L over the trainable prefix (zero, then one axpy). */
  scaleInto(c: number): Buf {
    this.engine.core.f32(this.bendGrad).fill(0);
    this.engine.ops.axpy(this.grads, this.bendGrad, c, this.compiled.paramCount);
    return this.bendGrad;
  }

  async close(): Promise<void> {
    const core = this.engine.core;
    for (const b of [this.theta, this.grads, this.bendGrad]) core.free(b);
    this.blender.free();
    await this.session.close();
  }
}

/**
 * ∂L(θ(t))/∂θ_j = c_j(t)·∇L(θ(t)) for every point j (trainable prefix, P values each), over the
 * samples `indices` of `data` in `mode` (default 'batch-stats': deterministic, no running-stat update).
 */
export async function curveGradient(path: Path, arch: Arch, data: DataSet, indices: Uint32Array, t: number,
  options: { mode?: 'batch-stats' | 'train' | 'eval'; seed?: number } & RunnerOption = {}) {
  const compiled = compiledOf(arch);
  checkPath(path, compiled);
  if (indices.length === 0) throw new ModeconnError('EMPTY_DATA', 'curveGradient needs at least one sample');
  const runner = await resolveRunner(options.runner);
  const blender = new PathBlender((await Engine.local()).ops, path);
  let theta: Float32Array;
  try {
    theta = blender.blend(t);
  } finally {
    blender.free();
  }
  const coeffs = path.coefficients(t);
  const { grads: g, loss } = await runner.gradient(arch, theta, data, indices, { mode: options.mode ?? 'batch-stats', seed: options.seed ?? 0, stream: STREAM_DROPOUT });
  const P = compiled.paramCount;
  // 0 + c·g rounded to f32: what the resident zero-then-axpy gives, signed zeros included.
  const grads = Array.from(coeffs, (c) => Float32Array.from({ length: P }, (_, i) => 0 + Math.fround(c * g[i])));
  return { loss, coeffs, grads };
}

/** Fits the bends of `path` (Bezier or polychain; endpoints fixed) on `data`; returns the fitted curve and a log. */
export async function fitCurve(path: Path, arch: Arch, data: DataSet, options: FitCurveOptions): Promise<FitResult> {
  const { seed, epochs, batchSize = 128, schedule = { type: 'constant' }, warmupEpochs = 0, signal } = options;
  const optimizer = options.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  checkEpochOptions(epochs, batchSize, schedule, data);
  if (optimizer.type !== 'sgd' && optimizer.type !== 'adam') throw new ModeconnError('BAD_ARGUMENT', `unknown optimizer ${String((optimizer as { type: unknown }).type)}; use sgd or adam`);
  const compiled = compiledOf(arch);
  checkPath(path, compiled);
  path.points.forEach((p, j) => assertFinite(p, `curve point ${j}`));
  const bends = bendIndices(path);
  if (bends.length === 0) throw new ModeconnError('BAD_ARGUMENT', `a ${path.kind} with no bends has nothing to fit`, { advice: 'use bezierCurve(a, b) or polyChainCurve(a, b)' });
  const weightDecay = options.l2 ?? optimizer.weightDecay ?? 0;
  const runner = await resolveRunner(options.runner);
  const capacity = Math.min(batchSize, data.n);
  const session = await openCurveTraining(runner, arch, data, {
    capacity, seed, stream: STREAM_DROPOUT, mode: 'train', shards: options.shards, bnStatistics: options.bnStatistics,
    optimizer, weightDecay, points: path.points, bends,
  });
  const tState = rngState(seed, STREAM_T);
  const log: FitEpochLog[] = [];
  try {
    await runEpochs({
      data, seed, epochs, batchSize, lr: optimizer.lr, schedule, warmupEpochs, signal, activity: 'curve fitting',
      onOrder: (order) => session.setOrder(order),
      runBatch: async ({ epoch, step, steps, start, n, lr }) => {
        const t = uniform(tState);
        const { loss, right } = await session.step(path.coefficients(t), start, n, lr, step);
        if (!Number.isFinite(loss)) {
          throw new ModeconnError('DIVERGED', `curve fitting diverged: loss ${loss} at epoch ${epoch}, step ${step}, t = ${t}`, { advice: 'lower the learning rate' });
        }
        options.onProgress?.({ epoch, step, steps, loss, t, lr, fraction: step / steps });
        return { loss, right };
      },
      onEpochEnd: ({ started, ...summary }) => {
        const entry: FitEpochLog = { ...summary, seconds: (performance.now() - started) / 1000 };
        log.push(entry);
        options.onEpoch?.(entry);
      },
    });
    const fitted = withPoints(path, session.readPoints());
    return {
      path: fitted,
      log,
      manifest: createManifest({
        operation: 'fitCurve',
        arch,
        points: fitted.points,
        data: { train: data },
        seeds: { fit: seed },
        sampleOrder: `shuffled per epoch: xoshiro128** permutation with (seed, stream 0x10000 + epoch); t per batch from (seed, stream 0x30000)`,
        options: { ...options, optimizer, schedule, batchSize, l2: weightDecay, pathKind: path.kind, degree: path.degree, knots: path.knots },
      }),
    };
  } finally {
    await session.close();
  }
}
