/**
 * The options and results of training runs (trainModel and every fitting loop): optimiser, schedule,
 * per-epoch log and progress. Plain data, so a run can be described to a worker.
 */
import type { DataSet } from '../data/dataset.js';
import type { InitScheme } from './init.js';
import type { Model } from './model.js';
import type { Schedule } from './schedule.js';

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

/** How far a job is: fraction done in [0, 1], seconds so far and an estimate of the seconds left. */
export interface JobProgress {
  fraction: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface TrainProgress extends JobProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  lr: number;
}

/** The options of the minibatch loop that trainModel and the fitting loops share. */
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
  /**
   * Virtual shards per batch (default 1): gradients of S shards are computed (in parallel on a pool) and
   * blended with weights n_s/n — the same bits on any runner and worker count; S = 1 is one fused call.
   */
  shards?: number;
  /** BatchNorm in train mode with shards > 1: 'shard' normalises each shard by its own statistics (ghost BatchNorm); 'batch' (default) refuses. */
  bnStatistics?: 'batch' | 'shard';
}

/** A training run as a runner takes it. */
export interface TrainJob extends TrainingLoopOptions {
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
  /** Keep copies of θ along the run (a trajectory, FGE's snapshots); only the ones asked for are stored. */
  snapshots?: Cadence & { /** Also keep the initial θ (step 0). */ initial?: boolean };
  /** A running average of θ (SWA, Izmailov et al. 2018): θ̄_k = θ̄_{k−1} + (θ_k − θ̄_{k−1})/k in f32 after each chosen step or epoch. */
  average?: Cadence;
  /** Stop after this optimiser step (counting a resumed run's earlier steps); the last epoch is logged over the batches run. */
  stopAfter?: number;
  /** Continue a run from its `state` (init must then be that run's θ); same seed: the same bits as a run never stopped. */
  resume?: TrainState;
  /** Return the optimiser state, so that the run can be resumed (instability analysis spawns copies from it). */
  returnState?: boolean;
}

/** Which steps (or epochs) a per-run option acts on: index ≥ start and (index − start) % every = 0 (indices 1-based). */
export interface Cadence {
  /** Default 'epoch'. */
  unit?: 'step' | 'epoch';
  /** Default 1. */
  every?: number;
  /** First index acted on (default `every`). */
  start?: number;
}

/** θ at one point of a run. */
export interface Snapshot {
  /** Optimiser steps taken (0: the initial θ). */
  step: number;
  /** The epoch it was taken in (0 for the initial θ). */
  epoch: number;
  params: Float32Array;
}

/** What a run needs to continue exactly: steps taken, the optimiser's buffers, the dropout stream. */
export interface TrainState {
  step: number;
  /** SGD: [momentum] (none without momentum); Adam: [m, v]; each over the trainable prefix. */
  optimizer: Float32Array[];
  /** The dropout streams: 4 words per shard. */
  rng: Uint32Array;
}

export interface TrainResult extends Model {
  log: EpochLog[];
  snapshots?: Snapshot[];
  /** The running average of θ and how many iterates it holds (BatchNorm buffers: recompute them, e.g. recomputeBatchNorm). */
  average?: { params: Float32Array; count: number };
  state?: TrainState;
}

/** Whether 1-based `index` is one that `cadence` acts on. */
export function onCadence(cadence: Cadence, index: number): boolean {
  const every = cadence.every ?? 1;
  const start = cadence.start ?? every;
  return index >= start && (index - start) % every === 0;
}

/** A clock for JobProgress: call it with the fraction done. */
export function progressClock(): (fraction: number) => JobProgress {
  const started = performance.now();
  return (fraction) => {
    const elapsedSeconds = (performance.now() - started) / 1000;
    const etaSeconds = fraction > 0 ? (elapsedSeconds * (1 - fraction)) / fraction : Infinity;
    return { fraction, elapsedSeconds, etaSeconds };
  };
}
