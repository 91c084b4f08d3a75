/**
 * Training runs: the minibatch loop with its options (evaluation per epoch, snapshots, a running
 * average, stop and resume) over a stepper that takes one optimiser step per batch. On one engine
 * with one shard a step is one fused WASM call (gather, forward, loss, backward, optimiser) with θ
 * and the optimiser state resident for the whole run; with shards > 1 a step is a runner's training
 * session's (data-parallel on a pool, see ts/model/training-session.ts).
 * Shuffling, dropout and initialisation are seeded, so a seed gives the same bits on any runner.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Buf } from '../wasm/kernel.js';
import type { Arch } from './arch.js';
import { Engine, assertFinite, type EvalResult } from './engine.js';
import { checkEpochOptions, runEpochs } from './epochs.js';
import { initParams } from './init.js';
import { compiledOf } from './model.js';
import { optimizerWords } from './optimizer.js';
import { type BatchOutcome, ResidentBatches } from './resident-batches.js';
import type { Runner } from './runner.js';
import { openTraining } from './training-session.js';
import { checkShards } from './shards.js';
import { type Cadence, type EpochLog, type Snapshot, type TrainJob, type TrainResult, onCadence, progressClock } from './training-options.js';

/** The dropout stream of training runs. */
export const STREAM_DROPOUT = 0x20000;

/** One optimiser step per batch on a resident θ, whatever computes the gradient. */
interface Stepper {
  /** θ on this thread's core; where the stepper keeps θ elsewhere, `push` sends it and `pull` fetches it. */
  readonly theta: Buf;
  push?(): void;
  pull?(): void;
  setOrder(order: Uint32Array): void | Promise<void>;
  step(lr: number, step: number, start: number, n: number): BatchOutcome | Promise<BatchOutcome>;
  optimizerState(): Float32Array[] | Promise<Float32Array[]>;
  loadState(optimizer: readonly Float32Array[], rng: Uint32Array): void | Promise<void>;
  rng(): Uint32Array;
  evaluate(params: Float32Array, data: DataSet): Promise<EvalResult>;
  free(): Promise<void>;
}

function checkCadence(name: string, cadence: Cadence): void {
  for (const [field, v] of [['every', cadence.every ?? 1], ['start', cadence.start ?? 1]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ModeconnError('BAD_ARGUMENT', `${name}.${field} must be a positive integer, got ${v}`);
  }
  if (cadence.unit !== undefined && cadence.unit !== 'step' && cadence.unit !== 'epoch') {
    throw new ModeconnError('BAD_ARGUMENT', `${name}.unit must be 'step' or 'epoch', got ${String(cadence.unit)}`);
  }
}

/** The run's initial θ, checked. */
function initialParams(arch: Arch, job: TrainJob): Float32Array {
  const compiled = compiledOf(arch);
  const init = job.init instanceof Float32Array ? job.init : initParams(compiled, { seed: job.seed, scheme: job.init ?? 'pytorch' });
  if (init.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `initial parameters have ${init.length} values; the architecture needs ${compiled.totalLength}`);
  }
  assertFinite(init, 'initial parameters');
  return init;
}

/** Trains `arch` on `data` on `engine` with one fused call per batch (one shard). */
export async function trainOnEngine(engine: Engine, arch: Arch, data: DataSet, job: TrainJob): Promise<TrainResult> {
  const batchSize = job.batchSize ?? 128;
  checkEpochOptions(job.epochs, batchSize, job.schedule ?? { type: 'constant' }, data);
  const compiled = compiledOf(arch);
  const optimizer = job.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  const { kind, hyper, buffers } = optimizerWords(optimizer);
  const core = engine.core;
  const P = compiled.paramCount;
  const batches = new ResidentBatches(engine, compiled, data, Math.min(batchSize, data.n), job.seed, STREAM_DROPOUT);
  const bufs = {
    theta: core.allocF32(compiled.totalLength), grads: core.allocF32(compiled.totalLength),
    stateA: core.allocF32(buffers >= 1 ? P : 0), stateB: core.allocF32(buffers >= 2 ? P : 0),
  };
  const opt = { kind, hyper, stateA: bufs.stateA, stateB: bufs.stateB };
  const stepper: Stepper = {
    theta: bufs.theta,
    setOrder: (order) => batches.setOrder(order),
    step: (lr, step, start, n) => batches.trainStep(bufs.theta, bufs.grads, opt, lr, step, start, n),
    optimizerState: () => [bufs.stateA, bufs.stateB].slice(0, buffers).map((b) => core.f32(b).slice()),
    loadState: (state, rng) => {
      if (state.length !== buffers || state.some((b) => b.length !== P)) {
        throw new ModeconnError('BAD_SHAPE', `the resumed state holds ${state.length} optimiser buffers; ${optimizer.type} needs ${buffers} of ${P} values`);
      }
      state.forEach((b, i) => core.f32(i === 0 ? bufs.stateA : bufs.stateB).set(b));
      batches.setRngState(rng);
    },
    rng: () => batches.rngState(),
    evaluate: async (params, set) => engine.evaluate(compiled, params, set),
    free: async () => {
      for (const b of Object.values(bufs)) core.free(b);
      batches.free();
    },
  };
  return runTraining(engine, arch, data, job, stepper);
}

/** Trains through `runner`'s training session, `job.shards` shards per batch (data-parallel on a pool). */
export async function trainOnRunner(runner: Runner, arch: Arch, data: DataSet, job: TrainJob): Promise<TrainResult> {
  const batchSize = job.batchSize ?? 128;
  checkEpochOptions(job.epochs, batchSize, job.schedule ?? { type: 'constant' }, data);
  checkShards(job.shards ?? 1);
  const compiled = compiledOf(arch);
  const optimizer = job.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  const engine = await Engine.local();
  const session = await openTraining(runner, arch, data, {
    capacity: Math.min(batchSize, data.n), seed: job.seed, stream: STREAM_DROPOUT, mode: 'train', shards: job.shards, bnStatistics: job.bnStatistics, optimizer,
  });
  const theta = engine.core.allocF32(compiled.totalLength);
  const stepper: Stepper = {
    theta,
    push: () => session.setParams(theta),
    pull: () => session.readParams(theta),
    setOrder: (order) => session.setOrder(order),
    step: (lr, step, start, n) => session.step(start, n, lr, step),
    optimizerState: () => session.optimizerState(),
    loadState: async (state, rng) => {
      await session.loadOptimizerState(state);
      session.setRngState(rng);
    },
    rng: () => session.rngState(),
    evaluate: async (params, set) => (await runner.evaluate(arch, [params], [set]))[0][0],
    free: async () => {
      engine.core.free(theta);
      await session.close();
    },
  };
  return runTraining(engine, arch, data, job, stepper);
}

/** The loop shared by both steppers: epochs, progress, per-epoch evaluation, snapshots, average, stop/resume. */
async function runTraining(engine: Engine, arch: Arch, data: DataSet, job: TrainJob, stepper: Stepper): Promise<TrainResult> {
  const { seed, epochs, batchSize = 128, schedule = { type: 'constant' }, warmupEpochs = 0, signal } = job;
  const optimizer = job.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  const compiled = compiledOf(arch);
  const core = engine.core;
  const total = compiled.totalLength;
  const resume = job.resume;
  const average = core.allocF32(job.average ? total : 0);
  const delta = core.allocF32(job.average ? total : 0);
  const clock = progressClock();
  const log: EpochLog[] = [];
  const snapshots: Snapshot[] = [];
  let averaged = 0;
  let lastStep = resume?.step ?? 0;
  /** θ now, on this thread. */
  const current = (): Buf => {
    stepper.pull?.();
    return stepper.theta;
  };
  /** The per-step or per-epoch work of the `snapshots` and `average` options after step `step` (in `epoch`). */
  const after = (unit: 'step' | 'epoch', index: number, step: number, epoch: number) => {
    if (job.snapshots && (job.snapshots.unit ?? 'epoch') === unit && onCadence(job.snapshots, index)) {
      snapshots.push({ step, epoch, params: core.f32(current()).slice() });
    }
    if (job.average && (job.average.unit ?? 'epoch') === unit && onCadence(job.average, index)) {
      // θ̄ += (θ − θ̄)/k rather than one blend of θ̄·(k−1)/k and θ/k: iterates equal to θ̄ leave it
      // exactly as it is (the blend's two roundings move about one value in six by an ulp).
      averaged += 1;
      engine.ops.blend([current(), average], Float32Array.of(1, -1), delta);
      engine.ops.axpy(delta, average, 1 / averaged);
    }
  };
  try {
    for (const [name, cadence] of [['snapshots', job.snapshots], ['average', job.average]] as const) if (cadence) checkCadence(name, cadence);
    const init = initialParams(arch, job);
    core.f32(stepper.theta).set(init);
    stepper.push?.();
    if (resume) await stepper.loadState(resume.optimizer, resume.rng);
    if (job.snapshots?.initial && !resume) snapshots.push({ step: 0, epoch: 0, params: init.slice() });
    const steps = await runEpochs({
      data, seed, epochs, batchSize, lr: optimizer.lr, schedule, warmupEpochs, signal, activity: 'training',
      startStep: resume?.step, stopStep: job.stopAfter,
      onOrder: (order) => stepper.setOrder(order),
      runBatch: async ({ epoch, step, steps: totalSteps, start, n, lr }) => {
        const outcome = await stepper.step(lr, step, start, n);
        if (!Number.isFinite(outcome.loss)) {
          throw new ModeconnError('DIVERGED', `training diverged: loss ${outcome.loss} at epoch ${epoch}, step ${step}`, {
            advice: 'lower the learning rate or add warm-up',
          });
        }
        lastStep = step;
        after('step', step, step, epoch);
        job.onProgress?.({ epoch, step, steps: totalSteps, loss: outcome.loss, lr, ...clock(step / totalSteps) });
        return outcome;
      },
      onEpochEnd: async ({ started, ...summary }) => {
        after('epoch', summary.epoch, lastStep, summary.epoch);
        const entry: EpochLog = { ...summary, seconds: 0 };
        if (job.evalData) {
          const result = await stepper.evaluate(core.f32(current()).slice(), job.evalData);
          entry.testLoss = result.loss;
          entry.testAccuracy = result.accuracy;
        }
        entry.seconds = (performance.now() - started) / 1000;
        log.push(entry);
        job.onEpoch?.(entry);
      },
    });
    // PyTorch counts every train-mode forward in each BatchNorm's num_batches_tracked.
    const batchesTracked: Record<string, number> = {};
    for (const e of compiled.layout) if (e.kind === 'counter') batchesTracked[e.name] = (job.initCounts?.[e.name] ?? 0) + steps - (resume?.step ?? 0);
    return {
      arch, params: core.f32(current()).slice(), log,
      ...(Object.keys(batchesTracked).length ? { batchesTracked } : {}),
      ...(job.snapshots ? { snapshots } : {}),
      ...(job.average ? { average: { params: core.f32(average).slice(), count: averaged } } : {}),
      ...(job.returnState ? { state: { step: steps, optimizer: await stepper.optimizerState(), rng: stepper.rng() } } : {}),
    };
  } finally {
    core.free(average);
    core.free(delta);
    await stepper.free();
  }
}
