/**
 * The minibatch loop of trainModel and fitCurve: `epochs` passes over a data set, each in the order
 * of a xoshiro128** permutation seeded with (seed, stream 0x10000 + epoch); the learning rate of
 * every step from the schedule; cancellation between batches; a yield to the event loop every 50 ms.
 */
import { yieldToEventLoop } from '../event-loop.js';
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { permutation, rngState } from '../kernels/xoshiro.js';
import { checkSchedule, learningRate, type Schedule } from './schedule.js';

const STREAM_SHUFFLE = 0x10000;

/** One minibatch: samples order[start, start + n) at the 1-based `step` of `steps`, with learning rate `lr`. */
export interface Batch {
  epoch: number;
  step: number;
  steps: number;
  start: number;
  n: number;
  lr: number;
}

/** An epoch's mean batch loss and accuracy over all samples, the learning rate of its last step, and when it started (performance.now()). */
export interface EpochSummary {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  started: number;
}

export interface EpochLoop {
  data: DataSet;
  seed: number;
  epochs: number;
  batchSize: number;
  /** The base learning rate the schedule scales. */
  lr: number;
  schedule: Schedule;
  warmupEpochs: number;
  signal?: AbortSignal;
  /** The activity a cancellation error names ('training', 'curve fitting'). */
  activity: string;
  /** Steps already taken (a resumed run): the loop starts at step `startStep + 1`, mid-epoch if need be. */
  startStep?: number;
  /** Stop after this step (default: the last of `epochs` epochs); the epoch it ends in is logged over the batches run. */
  stopStep?: number;
  /** At the start of each epoch, with the epoch's sample order. */
  onOrder(order: Uint32Array): void | Promise<void>;
  /** Runs one batch; returns its mean loss and how many of its samples were classified right. */
  runBatch(batch: Batch): { loss: number; right: number } | Promise<{ loss: number; right: number }>;
  onEpochEnd(summary: EpochSummary): void | Promise<void>;
}

/** Checks the loop's options (BAD_ARGUMENT) and that there is data (EMPTY_DATA). */
export function checkEpochOptions(epochs: number, batchSize: number, schedule: Schedule, data: DataSet): void {
  for (const [name, v] of [['epochs', epochs], ['batchSize', batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ModeconnError('BAD_ARGUMENT', `${name} must be a positive integer, got ${v}`);
  }
  checkSchedule(schedule);
  if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
}

/** Steps per epoch of a loop over `n` samples in batches of `batchSize` (the last one short). */
export function stepsPerEpoch(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}

/** Runs the loop; returns the number of steps taken in all (resumed ones included). */
export async function runEpochs(loop: EpochLoop): Promise<number> {
  const { data, seed, epochs, batchSize, schedule, signal } = loop;
  const perEpoch = stepsPerEpoch(data.n, batchSize);
  const ctx = { lr: loop.lr, stepsPerEpoch: perEpoch, totalSteps: perEpoch * epochs, warmupSteps: Math.round(loop.warmupEpochs * perEpoch) };
  const startStep = loop.startStep ?? 0;
  const stopStep = Math.min(loop.stopStep ?? ctx.totalSteps, ctx.totalSteps);
  for (const [name, v] of [['startStep', startStep], ['stopStep', stopStep]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ModeconnError('BAD_ARGUMENT', `${name} must be a non-negative integer, got ${v}`);
  }
  if (startStep > stopStep) throw new ModeconnError('BAD_ARGUMENT', `the run starts after step ${startStep} but stops at step ${stopStep}`);
  const order = new Uint32Array(data.n);
  let step = startStep;
  let lastYield = performance.now();
  for (let epoch = Math.floor(startStep / perEpoch) + 1; epoch <= epochs && step < stopStep; epoch++) {
    const started = performance.now();
    for (let i = 0; i < data.n; i++) order[i] = i;
    permutation(rngState(seed, STREAM_SHUFFLE + epoch), order);
    await loop.onOrder(order);
    let lossSum = 0;
    let rightSum = 0;
    let seen = 0;
    let lr = loop.lr;
    for (let start = (step - (epoch - 1) * perEpoch) * batchSize; start < data.n && step < stopStep; start += batchSize) {
      if (signal?.aborted) throw new ModeconnError('CANCELLED', `${loop.activity} cancelled in epoch ${epoch}`, { cause: signal.reason });
      const n = Math.min(batchSize, data.n - start);
      lr = learningRate(schedule, step, ctx);
      step += 1;
      const { loss, right } = await loop.runBatch({ epoch, step, steps: ctx.totalSteps, start, n, lr });
      lossSum += loss * n;
      rightSum += right;
      seen += n;
      if (performance.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    await loop.onEpochEnd({ epoch, lr, trainLoss: lossSum / seen, trainAccuracy: rightSum / seen, started });
  }
  return step;
}
