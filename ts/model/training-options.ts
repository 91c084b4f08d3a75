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
}

export interface TrainResult extends Model {
  log: EpochLog[];
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
