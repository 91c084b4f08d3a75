/**
 * The Runner: the one interface every long job runs through. Evaluation of many θ on data sets,
 * BatchNorm recomputation, training runs, gradients of a batch and per-layer activations. The inline
 * runner (this thread, its engine) and the worker pool (ts/workers) both implement it and give the
 * same bits; library functions take one optional `runner` and default to the inline runner.
 */
import type { DataSet } from '../data/dataset.js';
import type { Buf } from '../wasm/kernel.js';
import type { Arch } from './arch.js';
import type { EvalResult, ForwardMode } from './engine.js';
import type { BatchOutcome } from './resident-batches.js';
import type { JobProgress, OptimizerConfig, TrainJob, TrainResult } from './training-options.js';

/** Cancellation and progress of one runner call. */
export interface JobOptions {
  /** Aborting rejects the call with CANCELLED (within one batch). */
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

export interface RunnerEvaluateOptions extends JobOptions {
  /** Samples per WASM call (default 1000); the pool shards on this grid, so results never depend on it being split. */
  batchSize?: number;
  /** 'eval' (default) uses θ's running statistics; 'batch-stats' normalises each batch by its own statistics. */
  mode?: 'eval' | 'batch-stats';
  /** Also return the logits `[n, classes]`. */
  logits?: boolean;
  /** First recompute each θ's BatchNorm statistics over this set (exact average, same batch size). */
  bnData?: DataSet;
}

export interface GradientOptions {
  /** Default 'batch-stats' (deterministic, running statistics untouched). */
  mode?: ForwardMode;
  /** Dropout draws come from `rngState(seed, stream)` (default 0, stream 0). */
  seed?: number;
  stream?: number;
}

/** ∂(mean loss)/∂θ over one batch, with the batch's per-sample results. */
export interface BatchGradient {
  grads: Float32Array;
  loss: number;
  losses: Float32Array;
  correct: Uint32Array;
}

export interface GradientSessionOptions {
  /** The most samples of one batch. */
  capacity: number;
  /** Dropout draws come from `rngState(seed, stream)` (default stream 0x20000), continued across calls. */
  seed: number;
  stream?: number;
  /** Default 'train' (batch statistics, dropout). */
  mode?: ForwardMode;
  /**
   * Virtual shards per batch (default 1): each batch's gradient is the (n_s/n)-weighted blend of S shard
   * gradients, computed in parallel on a pool; the same bits on any runner (see ts/model/shards.ts).
   */
  shards?: number;
  /** BatchNorm statistics in train mode with shards > 1: only 'shard' (each shard's own) is built; 'batch' refuses. */
  bnStatistics?: 'batch' | 'shard';
  /** θ's per `gradients` call (default 1; AutoNEB's pivots): a pool spreads their shards over its workers at once. */
  thetas?: number;
}

/**
 * Gradients of many batches of one data set, for a loop that keeps its own state (curve bends,
 * simplex vertices, NEB pivots) in resident blocks of `Engine.local()`. Close it when done.
 */
export interface GradientSession {
  /** The sample order the ranges below index (one epoch's shuffle). */
  setOrder(order: Uint32Array): Promise<void>;
  /** grads = ∇(mean loss) at θ over order[start, start + n); θ and grads are blocks of `Engine.local()`'s core. */
  gradient(theta: Buf, grads: Buf, start: number, n: number): Promise<BatchOutcome>;
  /**
   * grads[k] = ∇(mean loss) at thetas[k] over the same samples, for the session's `thetas` θ's at once;
   * the same bits as `gradient` on each in turn (`gradientsAt` in ts/model/gradients-at.ts falls back to that).
   */
  gradients?(thetas: readonly Buf[], grads: readonly Buf[], start: number, n: number): Promise<BatchOutcome[]>;
  /** The dropout streams' states now: 4 words per shard. */
  rngState(): Uint32Array;
  /** Continues the dropout streams from `rngState()`'s words. */
  setRngState(state: Uint32Array): void;
  close(): Promise<void>;
}

export interface TrainingSessionOptions extends GradientSessionOptions {
  /** The optimiser the session steps θ with (its state lives in the session). */
  optimizer: OptimizerConfig;
}

/**
 * Optimiser steps on one θ over batches of one data set: a gradient session and an optimiser. The
 * pool keeps θ and the optimiser replicated in its workers (data-parallel, no per-step transfers);
 * other runners compose `openGradients` with an optimiser on the calling thread (`openTraining` in
 * ts/model/training-session.ts picks). Both give the same bits. Close it when done.
 */
export interface TrainingSession {
  /** The sample order the ranges below index (one epoch's shuffle). */
  setOrder(order: Uint32Array): Promise<void>;
  /** The session's θ ← `theta` (a block of `Engine.local()`'s core of θ's total length). */
  setParams(theta: Buf): void;
  /** `theta` ← the session's θ (a block of `Engine.local()`'s core). */
  readParams(theta: Buf): void;
  /** θ ← one optimiser step along ∇(mean loss) over order[start, start + n) at rate `lr` (`step` 1-based). */
  step(start: number, n: number, lr: number, step: number): Promise<BatchOutcome>;
  /** The optimiser's buffers (SGD: [momentum] or none; Adam: [m, v]), each of the trainable length. */
  optimizerState(): Promise<Float32Array[]>;
  /** Loads buffers saved by `optimizerState()`. */
  loadOptimizerState(state: readonly Float32Array[]): Promise<void>;
  rngState(): Uint32Array;
  setRngState(state: Uint32Array): void;
  close(): Promise<void>;
}

export interface CurveTrainingOptions extends TrainingSessionOptions {
  /** The curve's points q_j, each of θ's total length; each step trains at θ = Σ_j c_j q_j. */
  points: readonly Float32Array[];
  /** The indices of the points the optimiser moves (a curve's bends); the others stay fixed. */
  bends: readonly number[];
  /** L2 coefficient on the bends (default the optimiser's weightDecay, else 0). */
  weightDecay?: number;
}

/**
 * Optimiser steps on the bends of a curve θ(c) = Σ_j c_j q_j (Garipov et al.'s curve fitting): per
 * step θ(c) is blended, ∇L(θ(c)) taken over the batch (its shards blended as a gradient session's),
 * and each bend moves along ∂L/∂q_j = c_j·∇L(θ(c)) over the trainable prefix with its own optimiser.
 * The pool runs all of it in its workers (each reduces and steps one slice of every bend); other
 * runners compose `openGradients` with the update on the calling thread (`openCurveTraining` in
 * ts/model/curve-training.ts picks). Both give the same bits. Close it when done.
 */
export interface CurveTrainingSession {
  /** The sample order the ranges below index (one epoch's shuffle). */
  setOrder(order: Uint32Array): Promise<void>;
  /** One step at the curve's point with coefficients `coeffs` (one per point) over order[start, start + n). */
  step(coeffs: Float32Array, start: number, n: number, lr: number, step: number): Promise<BatchOutcome>;
  /** The points now (the fixed ones as given, the bends as trained), copied. */
  readPoints(): Float32Array[];
  rngState(): Uint32Array;
  setRngState(state: Uint32Array): void;
  close(): Promise<void>;
}

export interface ActivationOptions {
  /** 'eval' (default) or 'batch-stats' (the samples form one batch). */
  mode?: 'eval' | 'batch-stats';
}

/** How H·v is taken: batch size (the reduction grid) and the BatchNorm mode. */
export interface HvpOptions extends JobOptions {
  /** Samples per WASM call (default 1000); results do not depend on how a runner spreads the batches. */
  batchSize?: number;
  /** 'eval' (default; running statistics, the loss is one function of θ) or 'batch-stats' (each batch normalised by its own statistics). */
  mode?: 'eval' | 'batch-stats';
  /** Also return the gradient of the mean loss (default false). */
  gradient?: boolean;
}

/** H·v for each vector, the mean loss at θ and (when asked) its gradient; all of θ's length, 0 past P. */
export interface HvpResult {
  products: Float32Array[];
  loss: number;
  gradient?: Float32Array;
}


/** Where long jobs run; see the module header. */
export interface Runner {
  /** Jobs it runs at once (1 inline, the worker count for a pool). */
  readonly size: number;
  /** results[s][i]: θ_i on sets[s], each with per-sample results, identical for every runner. */
  evaluate(arch: Arch, params: readonly Float32Array[], sets: readonly DataSet[], options?: RunnerEvaluateOptions): Promise<EvalResult[][]>;
  /** Each θ with its BatchNorm running statistics recomputed over `data` (Garipov's update_bn). */
  recomputeBatchNorm(arch: Arch, params: readonly Float32Array[], data: DataSet, options?: JobOptions & { batchSize?: number }): Promise<Float32Array[]>;
  /** A whole training run (trainModel). */
  train(arch: Arch, data: DataSet, job: TrainJob): Promise<TrainResult>;
  /** The gradient of one batch: samples `indices` of `data`. */
  gradient(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, options?: GradientOptions): Promise<BatchGradient>;
  /** A session of batch gradients (see GradientSession). */
  openGradients(arch: Arch, data: DataSet, options: GradientSessionOptions): Promise<GradientSession>;
  /** A session of optimiser steps, where the runner runs the optimiser itself (else `openTraining` composes one). */
  openTraining?(arch: Arch, data: DataSet, options: TrainingSessionOptions): Promise<TrainingSession>;
  /** A session of curve-fitting steps, where the runner runs them itself (else `openCurveTraining` composes one). */
  openCurveTraining?(arch: Arch, data: DataSet, options: CurveTrainingOptions): Promise<CurveTrainingSession>;
  /**
   * H·v_k at θ of the mean loss over `data` for each vector (R-operator, one WASM call per batch and
   * vector), reduced over the batches in batch order: the same bits on every runner (ts/model/hvp.ts).
   */
  hessianVectorProducts(arch: Arch, params: Float32Array, data: DataSet, vectors: readonly Float32Array[], options?: HvpOptions): Promise<HvpResult>;
  /** The plan's activation buffers `buffers` after a forward pass over samples `indices`, each `[n, size]`. */
  activations(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, buffers: readonly number[], options?: ActivationOptions): Promise<Float32Array[]>;
  /** Frees what the runner keeps of a data set or architecture (sent again if used later). */
  release(target: DataSet | Arch): Promise<void>;
}
