/**
 * Stochastic weight averaging (Izmailov et al. 2018, Algorithm 1): from a trained network (or one
 * pretrained here), SGD with a constant learning rate α1 or the cyclical sawtooth α(i) = (1 − t)α1 +
 * tα2, t = (mod(i−1, c)+1)/c, while θ̄_k = θ̄_{k−1} + (θ_k − θ̄_{k−1})/k collects θ every epoch
 * (constant) or at each cycle's end (cyclic), or at a cadence given. θ̄'s BatchNorm statistics are
 * then recomputed with one pass over the training data (the paper's update_bn = recomputeBatchNorm).
 * Returns θ_SWA, the raw average and the last SGD iterate, which keeps its own running statistics.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { stepsPerEpoch } from '../model/epochs.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import { cycleSteps, type Schedule } from '../model/schedule.js';
import { trainModel } from '../model/train.js';
import type { Cadence, EpochLog, TrainResult } from '../model/training-options.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { createManifest, type RunManifest } from '../paths/manifest.js';
import { continueFrom, resolveStart, type StartedRunOptions } from './start.js';

/** SWA's learning rate in the averaging tail: constant α1, or the sawtooth from α1 to α2 = lrMin over `cycle` epochs. */
export type SwaSchedule = 'constant' | { cycle: number; lrMin: number };

/** SWA's options; `lr` is α1, bnData update_bn's data for θ̄ (null: leave θ̄'s averaged buffers). */
export interface SwaOptions extends StartedRunOptions<'swa'> {
  /** Epochs of the averaging tail. */
  epochs: number;
  /** Default 'constant'. */
  schedule?: SwaSchedule;
  /** Which iterates join the average (default every epoch when constant, each cycle's last step when cyclic). */
  average?: Cadence;
}

export interface SwaResult {
  /** θ_SWA: the average with BatchNorm statistics recomputed. */
  swa: Float32Array;
  /** The running average as trained (BatchNorm buffers averaged too) and how many iterates it holds. */
  average: { params: Float32Array; count: number };
  /** The last SGD iterate of the tail (its own running statistics). */
  last: Float32Array;
  /** Where the tail started. */
  start: Float32Array;
  pretrained?: TrainResult;
  log: EpochLog[];
  epochs: { pretrain: number; swa: number; total: number };
  schedule: Schedule;
  cadence: Cadence;
  manifest: RunManifest;
}

/** Runs SWA; see the module header. */
export async function stochasticWeightAveraging(arch: Arch, data: DataSet, options: SwaOptions): Promise<SwaResult> {
  const { seed, epochs, batchSize = 128 } = options;
  const optimizer = options.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  const lr = options.lr ?? optimizer.lr;
  const swaSchedule = options.schedule ?? 'constant';
  if (!Number.isInteger(epochs) || epochs < 1) throw new ModeconnError('BAD_ARGUMENT', `epochs must be a positive integer, got ${epochs}`);
  if (!(lr > 0)) throw new ModeconnError('BAD_ARGUMENT', `the SWA learning rate must be positive, got ${lr}`);
  if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
  const compiled = compiledOf(arch);
  const perEpoch = stepsPerEpoch(data.n, Math.min(batchSize, data.n));
  let schedule: Schedule;
  let cadence: Cadence;
  if (swaSchedule === 'constant') {
    schedule = { type: 'constant' };
    cadence = options.average ?? { unit: 'epoch', every: 1 };
  } else {
    if (!(swaSchedule.lrMin > 0) || swaSchedule.lrMin > lr) throw new ModeconnError('BAD_ARGUMENT', `the cycle needs 0 < lrMin ≤ lr, got ${swaSchedule.lrMin}`);
    const cyclic = { type: 'cyclic' as const, cycle: swaSchedule.cycle, lrMin: swaSchedule.lrMin, shape: 'sawtooth' as const };
    const c = cycleSteps(cyclic, perEpoch);
    schedule = cyclic;
    cadence = options.average ?? { unit: 'step', every: c, start: c };
  }
  const runner = await resolveRunner(options.runner);
  const common = { batchSize, runner, signal: options.signal, shards: options.shards, evalData: options.evalData };
  const started = await resolveStart(arch, data, options.start, {
    ...common, seed, optimizer,
    onProgress: (p) => options.onProgress?.({ ...p, phase: 'pretrain' }),
    onEpoch: (e) => options.onEpoch?.({ ...e, phase: 'pretrain' }),
  });
  const run = await trainModel(arch, data, {
    ...common,
    ...continueFrom(started.model),
    seed,
    epochs,
    optimizer: { ...optimizer, lr },
    schedule,
    average: cadence,
    onProgress: (p) => options.onProgress?.({ ...p, phase: 'swa' }),
    onEpoch: (e) => options.onEpoch?.({ ...e, phase: 'swa' }),
  });
  const average = run.average!;
  if (average.count === 0) {
    throw new ModeconnError('BAD_ARGUMENT', `the average cadence ${JSON.stringify(cadence)} names no step of a ${epochs}-epoch tail`, { advice: 'start averaging earlier or train longer' });
  }
  const bnData = options.bnData === undefined ? (hasBatchNorm(compiled) ? data : null) : options.bnData;
  const [swa] = bnData && hasBatchNorm(compiled)
    ? await runner.recomputeBatchNorm(arch, [average.params], bnData, { signal: options.signal })
    : [average.params.slice()];
  return {
    swa,
    average,
    last: run.params,
    start: started.model.params,
    ...(started.pretrained ? { pretrained: started.pretrained } : {}),
    log: run.log,
    epochs: { pretrain: started.epochs, swa: epochs, total: started.epochs + epochs },
    schedule,
    cadence,
    manifest: createManifest({
      operation: 'stochasticWeightAveraging',
      arch,
      points: [swa, run.params],
      data: { train: data, ...(bnData ? { bn: bnData } : {}) },
      seeds: { swa: seed, ...('pretrain' in options.start ? { pretrain: options.start.pretrain.seed ?? seed } : {}) },
      sampleOrder: 'shuffled per epoch: xoshiro128** permutation with (seed, stream 0x10000 + epoch)',
      options: { epochs, lr, schedule, cadence, batchSize, optimizer, averaged: average.count, start: 'pretrain' in options.start ? options.start : 'model' },
    }),
  };
}
