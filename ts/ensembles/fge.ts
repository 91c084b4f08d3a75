/**
 * Fast geometric ensembling (Garipov et al. 2018, §5): from a trained network (or one pretrained here
 * for a share of the budget), SGD with a cyclic learning rate of c steps — the triangle α(i) = (1−2t)α1
 * + 2tα2 for t ≤ ½, (2−2t)α2 + (2t−1)α1 after, t = (mod(i−1, c)+1)/c, or its cosine twin — and a
 * snapshot of θ at each cycle's minimum (t = ½), where the network sits in a low-loss region yet
 * differs from the last snapshot. The run stops at the last snapshot. Each snapshot's BatchNorm
 * statistics are recomputed over the training data (update_bn). Ensemble them with ensembleGrowth.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { stepsPerEpoch } from '../model/epochs.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import { cycleMinimum, learningRate, type Schedule } from '../model/schedule.js';
import { trainModel } from '../model/train.js';
import type { EpochLog, TrainResult } from '../model/training-options.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { createManifest, type RunManifest } from '../paths/manifest.js';
import { continueFrom, resolveStart, type StartedRunOptions } from './start.js';

/** FGE's options; bnData is each snapshot's BatchNorm recomputation set. */
export interface FgeOptions extends StartedRunOptions<'cycles'> {
  /** Cycles, one snapshot each. */
  cycles: number;
  /** Epochs per cycle (default 2; rounded to whole steps, at least 2 steps). */
  cycle?: number;
  /** α2, the smallest, reached at each snapshot (default α1/100; α1 is `lr`). */
  lrMin?: number;
  /** Default 'triangle' (the paper's); 'cosine' is the smooth cycle with the same ends. */
  shape?: 'triangle' | 'cosine';
}

/** One snapshot: its cycle, the step and epoch of the cycle run it was taken at, the learning rate of that step, and θ (BatchNorm recomputed). */
export interface FgeSnapshot {
  cycle: number;
  step: number;
  epoch: number;
  lr: number;
  params: Float32Array;
}

export interface FgeResult {
  snapshots: FgeSnapshot[];
  /** The starting point the cycles left from (the pretrained network when pretraining ran). */
  start: Float32Array;
  pretrained?: TrainResult;
  /** The cycle run's per-epoch log. */
  log: EpochLog[];
  /** Training spent: pretraining epochs, the cycles' steps as epochs (steps / steps per epoch), and their sum. */
  epochs: { pretrain: number; cycles: number; total: number };
  schedule: Schedule;
  manifest: RunManifest;
}

/** Runs FGE; see the module header. */
export async function fastGeometricEnsemble(arch: Arch, data: DataSet, options: FgeOptions): Promise<FgeResult> {
  const { seed, cycles, cycle = 2, batchSize = 128, shape = 'triangle' } = options;
  const optimizer = options.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  const lr = options.lr ?? optimizer.lr;
  const lrMin = options.lrMin ?? lr / 100;
  if (!Number.isInteger(cycles) || cycles < 1) throw new ModeconnError('BAD_ARGUMENT', `cycles must be a positive integer, got ${cycles}`);
  if (!(lr > 0) || !(lrMin > 0) || lrMin > lr) throw new ModeconnError('BAD_ARGUMENT', `FGE needs 0 < lrMin ≤ lr, got lr ${lr}, lrMin ${lrMin}`);
  if (shape !== 'triangle' && shape !== 'cosine') throw new ModeconnError('BAD_ARGUMENT', `FGE's cycle shape is 'triangle' or 'cosine', got ${String(shape)}`);
  if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
  const compiled = compiledOf(arch);
  const perEpoch = stepsPerEpoch(data.n, Math.min(batchSize, data.n));
  const schedule: Extract<Schedule, { type: 'cyclic' }> = { type: 'cyclic', cycle, lrMin, shape };
  const { steps: c, offset } = cycleMinimum(schedule, perEpoch);
  const lastStep = (cycles - 1) * c + offset;
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
    epochs: Math.ceil(lastStep / perEpoch),
    stopAfter: lastStep,
    optimizer: { ...optimizer, lr },
    schedule,
    snapshots: { unit: 'step', every: c, start: offset },
    onProgress: (p) => options.onProgress?.({ ...p, phase: 'cycles', fraction: p.step / lastStep }),
    onEpoch: (e) => options.onEpoch?.({ ...e, phase: 'cycles' }),
  });
  const taken = run.snapshots ?? [];
  const bnData = options.bnData === undefined ? (hasBatchNorm(compiled) ? data : null) : options.bnData;
  const params = bnData && hasBatchNorm(compiled)
    ? await runner.recomputeBatchNorm(arch, taken.map((s) => s.params), bnData, { signal: options.signal })
    : taken.map((s) => s.params);
  const ctx = { lr, stepsPerEpoch: perEpoch, totalSteps: lastStep };
  const snapshots = taken.map((s, i): FgeSnapshot => ({ cycle: i + 1, step: s.step, epoch: s.epoch, lr: learningRate(schedule, s.step - 1, ctx), params: params[i] }));
  const cycleEpochs = lastStep / perEpoch;
  return {
    snapshots,
    start: started.model.params,
    ...(started.pretrained ? { pretrained: started.pretrained } : {}),
    log: run.log,
    epochs: { pretrain: started.epochs, cycles: cycleEpochs, total: started.epochs + cycleEpochs },
    schedule,
    manifest: createManifest({
      operation: 'fastGeometricEnsemble',
      arch,
      points: snapshots.map((s) => s.params),
      data: { train: data, ...(bnData ? { bn: bnData } : {}) },
      seeds: { cycles: seed, ...('pretrain' in options.start ? { pretrain: options.start.pretrain.seed ?? seed } : {}) },
      sampleOrder: 'shuffled per epoch: xoshiro128** permutation with (seed, stream 0x10000 + epoch)',
      options: { cycles, cycle, cycleSteps: c, snapshotOffset: offset, lr, lrMin, shape, batchSize, optimizer, start: 'pretrain' in options.start ? options.start : 'model' },
    }),
  };
}
