/**
 * Where FGE's cycles and SWA's averaging tail begin: a trained model (optionally with the optimiser
 * state of the run that made it, so momentum carries on as in the papers' code), or a pretraining run
 * from scratch for a share of the budget (a standard schedule, default cosine; its state is kept).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { Schedule } from '../model/schedule.js';
import { trainModel } from '../model/train.js';
import type { Runner } from '../model/runner.js';
import type { EpochLog, OptimizerConfig, TrainJob, TrainProgress, TrainResult, TrainState } from '../model/training-options.js';
import type { RunnerOption } from '../model/train.js';

/** A trained starting point. */
export interface StartModel {
  params: Float32Array;
  /** The optimiser state of the run that produced `params` (TrainResult.state); without it momentum starts at zero. */
  state?: TrainState;
  batchesTracked?: Record<string, number>;
}

/** A pretraining run from scratch. */
export interface Pretrain {
  epochs: number;
  /** Default cosine (to 0). */
  schedule?: Schedule;
  /** Default the tail's optimiser with its base learning rate `lr`. */
  optimizer?: OptimizerConfig;
  /** Default the tail's seed. */
  seed?: number;
  warmupEpochs?: number;
}

/** `{ model }` or `{ pretrain }`. */
export type Start = { model: StartModel } | { pretrain: Pretrain };

/** The options FGE and SWA share: a run from `start` whose progress and epochs say which `Phase` they belong to. */
export interface StartedRunOptions<Phase extends string> extends RunnerOption {
  /** u32 seed of the run (shuffling, dropout); pretraining uses it too unless given its own. */
  seed: number;
  /** A trained model to start from, or a pretraining run. */
  start: Start;
  /** Default the optimiser's lr. */
  lr?: number;
  /** Default SGD, lr 0.05, momentum 0.9. */
  optimizer?: OptimizerConfig;
  batchSize?: number;
  /** BatchNorm statistics recomputed over this set (default the training data when the arch has BatchNorm; null: keep the trained ones). */
  bnData?: DataSet | null;
  /** Evaluated after every epoch (logs). */
  evalData?: DataSet;
  shards?: number;
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress & { phase: 'pretrain' | Phase }) => void;
  onEpoch?: (log: EpochLog & { phase: 'pretrain' | Phase }) => void;
}

/** The starting point, after pretraining when asked; `pretrained` is that run. */
export interface Started {
  model: StartModel;
  pretrained?: TrainResult;
  /** Epochs of training spent to get here (0 for a given model). */
  epochs: number;
}

/** What the tail's run passes on to pretraining. */
export interface StartContext {
  seed: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  runner?: Runner;
  signal?: AbortSignal;
  shards?: number;
  evalData?: DataSet;
  onProgress?: TrainJob['onProgress'];
  onEpoch?: TrainJob['onEpoch'];
}

/** Resolves `start` (pretraining if asked; see the module header). */
export async function resolveStart(arch: Arch, data: DataSet, start: Start, ctx: StartContext): Promise<Started> {
  if ('model' in start) {
    if (!(start.model?.params instanceof Float32Array)) throw new ModeconnError('BAD_ARGUMENT', 'start.model needs params (a Float32Array)');
    return { model: start.model, epochs: 0 };
  }
  const { pretrain } = start;
  if (!pretrain || !Number.isInteger(pretrain.epochs) || pretrain.epochs < 1) {
    throw new ModeconnError('BAD_ARGUMENT', `start.pretrain.epochs must be a positive integer, got ${pretrain?.epochs}`);
  }
  const pretrained = await trainModel(arch, data, {
    seed: pretrain.seed ?? ctx.seed,
    epochs: pretrain.epochs,
    batchSize: ctx.batchSize,
    optimizer: pretrain.optimizer ?? ctx.optimizer,
    schedule: pretrain.schedule ?? { type: 'cosine' },
    warmupEpochs: pretrain.warmupEpochs,
    returnState: true,
    runner: ctx.runner,
    signal: ctx.signal,
    shards: ctx.shards,
    evalData: ctx.evalData,
    onProgress: ctx.onProgress,
    onEpoch: ctx.onEpoch,
  });
  return { model: { params: pretrained.params, state: pretrained.state, batchesTracked: pretrained.batchesTracked }, pretrained, epochs: pretrain.epochs };
}

/** The trainModel options that continue from `model`: its θ, BatchNorm counters and (reset to step 0) optimiser state. */
export function continueFrom(model: StartModel): Pick<TrainJob, 'init' | 'initCounts' | 'resume'> {
  return {
    init: model.params,
    ...(model.batchesTracked ? { initCounts: model.batchesTracked } : {}),
    // Step 0: the tail's schedule and cadences count from its own first step; the buffers and dropout stream carry on.
    ...(model.state ? { resume: { step: 0, optimizer: model.state.optimizer, rng: model.state.rng } } : {}),
  };
}
