/**
 * Curve fitting (Garipov et al. 2018): minimise E_{t~U[0,1]} L(θ(t)) over the bends of a Bezier or
 * polygonal curve whose endpoints stay fixed. Per batch: draw t (seeded), θ(t) = Σ_j c_j(t)·θ_j (one
 * WASM blend), ∇L(θ(t)) in TRAIN mode (BatchNorm batch statistics, dropout; one WASM call), then for
 * each bend g_j = c_j(t)·∇L (vec_axpy) and an optimiser step on the bend's trainable prefix θ_j[0, P).
 * The bends' BatchNorm buffers are not fitted: evaluate fitted BN curves with bn: 'recompute'.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { uniform } from '../reference/rng.js';
import type { Arch } from '../model/arch.js';
import type { CompiledArch } from '../model/compile.js';
import { Engine, PlanMode, assertFinite, compiledOf, rngState, type TrainingLoopOptions, type OptimizerConfig } from '../model/index.js';
import { checkEpochOptions, runEpochs } from '../model/epochs.js';
import type { Buf } from '../wasm/kernel.js';
import { PathBlender } from './blender.js';
import { checkPath } from './evaluate.js';
import { createManifest, type RunManifest } from './manifest.js';
import { type Path, bendIndices, withPoints } from './path.js';

export interface FitCurveOptions extends TrainingLoopOptions {
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

const STREAM_DROPOUT = 0x20000;
const STREAM_T = 0x30000;

/**
 * WASM state for gradients along a curve: resident points, θ(t), ∇L, one bend gradient and batch
 * outputs. Any `Path` whose coefficients the caller controls works (fitSimplex uses it for simplexes).
 */
export class CurveGradients {
  readonly blender: PathBlender;
  readonly theta: Buf;
  readonly grads: Buf;
  readonly bendGrad: Buf;
  readonly order: Buf;
  readonly rng: Buf;
  readonly losses: Buf;
  readonly correct: Buf;
  readonly mean: Buf;
  readonly handle: number;

  constructor(readonly engine: Engine, readonly compiled: CompiledArch, path: Path, readonly data: DataSet, capacity: number, seed: number) {
    const core = engine.core;
    this.handle = engine.plan(compiled, capacity);
    engine.upload(data, compiled);
    this.blender = new PathBlender(core, path);
    this.theta = core.allocF32(compiled.totalLength);
    this.grads = core.allocF32(compiled.totalLength);
    this.bendGrad = core.allocF32(compiled.paramCount);
    this.order = core.allocU32(data.n);
    this.rng = core.allocU32(4);
    this.losses = core.allocF32(capacity);
    this.correct = core.allocU32(capacity);
    this.mean = core.allocF32(1);
    core.u32(this.rng).set(rngState(seed, STREAM_DROPOUT));
  }

  /** θ(t), then ∇L(θ(t)) over order[start, start + n) in `mode`; returns the mean loss and c(t). */
  gradientAt(t: number, start: number, n: number, mode: PlanMode): { loss: number; coeffs: Float32Array } {
    const core = this.engine.core;
    const device = this.engine.upload(this.data, this.compiled);
    const coeffs = this.blender.blendInto(t, this.theta);
    core.invokeChecked('plan_gradient', this.handle, this.theta.ptr, this.grads.ptr, this.compiled.totalLength,
      device.x.ptr, device.y.ptr, this.data.n, this.order.ptr + 4 * start, n, mode, 0, this.rng.ptr,
      this.losses.ptr, this.correct.ptr, this.mean.ptr);
    return { loss: core.f32(this.mean)[0], coeffs };
  }

  /** bendGrad = c·∇L over the trainable prefix (zero, then one vec_axpy). */
  scaleInto(c: number): Buf {
    const core = this.engine.core;
    core.f32(this.bendGrad).fill(0);
    core.invokeChecked('vec_axpy', this.grads.ptr, this.bendGrad.ptr, this.compiled.paramCount, c);
    return this.bendGrad;
  }

  free(): void {
    const core = this.engine.core;
    for (const b of [this.theta, this.grads, this.bendGrad, this.order, this.rng, this.losses, this.correct, this.mean]) core.free(b);
    this.blender.free();
  }
}

/**
 * ∂L(θ(t))/∂θ_j = c_j(t)·∇L(θ(t)) for every point j (trainable prefix, P values each), over the
 * samples `indices` of `data` in `mode` (default 'batch-stats': deterministic, no running-stat update).
 */
export async function curveGradient(path: Path, arch: Arch, data: DataSet, indices: Uint32Array, t: number, options: { mode?: 'batch-stats' | 'train' | 'eval'; engine?: Engine; seed?: number } = {}) {
  const compiled = compiledOf(arch);
  checkPath(path, compiled);
  if (indices.length === 0) throw new ModeconnError('EMPTY_DATA', 'curveGradient needs at least one sample');
  const engine = options.engine ?? (await Engine.create());
  const state = new CurveGradients(engine, compiled, path, data, indices.length, options.seed ?? 0);
  try {
    engine.core.u32(state.order).set(indices);
    const mode = { eval: PlanMode.EVAL, 'batch-stats': PlanMode.BATCH_STATS, train: PlanMode.TRAIN }[options.mode ?? 'batch-stats'];
    const { loss, coeffs } = state.gradientAt(t, 0, indices.length, mode);
    const grads = Array.from(coeffs, (c) => engine.core.f32(state.scaleInto(c)).slice());
    return { loss, coeffs, grads };
  } finally {
    state.free();
  }
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
  const engine = options.engine ?? (await Engine.create());
  const core = engine.core;
  const capacity = Math.min(batchSize, data.n);
  const P = compiled.paramCount;
  const state = new CurveGradients(engine, compiled, path, data, capacity, seed);
  const stateA = bends.map(() => core.allocF32(optimizer.type === 'adam' || (optimizer.momentum ?? 0) !== 0 ? P : 0));
  const stateB = bends.map(() => core.allocF32(optimizer.type === 'adam' ? P : 0));
  const tState = rngState(seed, STREAM_T);
  const log: FitEpochLog[] = [];
  try {
    await runEpochs({
      data, seed, epochs, batchSize, lr: optimizer.lr, schedule, warmupEpochs, signal, activity: 'curve fitting',
      onOrder: (order) => core.u32(state.order).set(order),
      runBatch: ({ epoch, step, steps, start, n, lr }) => {
        const t = uniform(tState);
        const { loss, coeffs } = state.gradientAt(t, start, n, PlanMode.TRAIN);
        if (!Number.isFinite(loss)) {
          throw new ModeconnError('DIVERGED', `curve fitting diverged: loss ${loss} at epoch ${epoch}, step ${step}, t = ${t}`, { advice: 'lower the learning rate' });
        }
        bends.forEach((j, b) => stepBend(core, optimizer, state.blender.point(j).ptr, state.scaleInto(coeffs[j]).ptr, stateA[b], stateB[b], P, lr, weightDecay, step));
        const right = core.u32(state.correct).subarray(0, n).reduce((a, b) => a + b, 0);
        options.onProgress?.({ epoch, step, steps, loss, t, lr, fraction: step / steps });
        return { loss, right };
      },
      onEpochEnd: ({ started, ...summary }) => {
        const entry: FitEpochLog = { ...summary, seconds: (performance.now() - started) / 1000 };
        log.push(entry);
        options.onEpoch?.(entry);
      },
    });
    const fitted = withPoints(path, state.blender.readPoints());
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
    for (const b of [...stateA, ...stateB]) core.free(b);
    state.free();
  }
}

/** One SGD or Adam step on a bend's trainable prefix (one WASM call). */
export function stepBend(core: Engine['core'], opt: OptimizerConfig, params: number, grads: number, a: Buf, b: Buf, P: number, lr: number, wd: number, step: number): void {
  if (opt.type === 'sgd') {
    const momentum = opt.momentum ?? 0;
    core.invokeChecked('sgd_step', params, grads, momentum !== 0 ? a.ptr : 0, P, lr, momentum, opt.dampening ?? 0, wd, opt.nesterov ? 1 : 0, step === 1 ? 1 : 0);
  } else {
    core.invokeChecked('adam_step', params, grads, a.ptr, b.ptr, P, step, lr, opt.beta1 ?? 0.9, opt.beta2 ?? 0.999, opt.eps ?? 1e-8, wd, opt.decoupled ? 1 : 0);
  }
}

