/**
 * A training run on one engine: θ, gradients and optimiser state stay in WASM memory for the whole
 * run; each batch is one fused call (gather by index, forward, loss, backward, optimiser step).
 * Shuffling, dropout and initialisation are seeded, so a seed gives bit-identical weights.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from './arch.js';
import { type Engine, assertFinite } from './engine.js';
import { checkEpochOptions, runEpochs } from './epochs.js';
import type { Buf } from '../wasm/kernel.js';
import { initParams } from './init.js';
import { compiledOf } from './model.js';
import { optimizerWords } from './optimizer.js';
import { ResidentBatches } from './resident-batches.js';
import { type Cadence, type EpochLog, type Snapshot, type TrainJob, type TrainResult, onCadence, progressClock } from './training-options.js';

/** The dropout stream of training runs. */
export const STREAM_DROPOUT = 0x20000;

function checkCadence(name: string, cadence: Cadence): void {
  for (const [field, v] of [['every', cadence.every ?? 1], ['start', cadence.start ?? 1]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ModeconnError('BAD_ARGUMENT', `${name}.${field} must be a positive integer, got ${v}`);
  }
  if (cadence.unit !== undefined && cadence.unit !== 'step' && cadence.unit !== 'epoch') {
    throw new ModeconnError('BAD_ARGUMENT', `${name}.unit must be 'step' or 'epoch', got ${String(cadence.unit)}`);
  }
}

/** Trains `arch` on `data` on `engine` (see the module header). */
export async function trainOnEngine(engine: Engine, arch: Arch, data: DataSet, job: TrainJob): Promise<TrainResult> {
  const { seed, epochs, batchSize = 128, schedule = { type: 'constant' }, warmupEpochs = 0, signal } = job;
  const optimizer = job.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  checkEpochOptions(epochs, batchSize, schedule, data);
  const compiled = compiledOf(arch);
  const init = job.init instanceof Float32Array ? job.init : initParams(compiled, { seed, scheme: job.init ?? 'pytorch' });
  if (init.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `initial parameters have ${init.length} values; the architecture needs ${compiled.totalLength}`);
  }
  assertFinite(init, 'initial parameters');
  for (const [name, cadence] of [['snapshots', job.snapshots], ['average', job.average]] as const) if (cadence) checkCadence(name, cadence);
  const { kind, hyper, buffers } = optimizerWords(optimizer);
  const core = engine.core;
  const total = compiled.totalLength;
  const P = compiled.paramCount;
  const resume = job.resume;
  if (resume && (resume.optimizer.length !== buffers || resume.optimizer.some((b) => b.length !== P))) {
    throw new ModeconnError('BAD_SHAPE', `the resumed state holds ${resume.optimizer.length} optimiser buffers; ${optimizer.type} needs ${buffers} of ${P} values`);
  }
  const batches = new ResidentBatches(engine, compiled, data, Math.min(batchSize, data.n), seed, STREAM_DROPOUT);
  const bufs = {
    theta: core.allocF32(total), grads: core.allocF32(total), stateA: core.allocF32(buffers >= 1 ? P : 0), stateB: core.allocF32(buffers >= 2 ? P : 0),
    average: core.allocF32(job.average ? total : 0),
  };
  const opt = { kind, hyper, stateA: bufs.stateA, stateB: bufs.stateB };
  const clock = progressClock();
  const log: EpochLog[] = [];
  const snapshots: Snapshot[] = [];
  let averaged = 0;
  let lastStep = resume?.step ?? 0;
  /** The per-step or per-epoch work of the `snapshots` and `average` options after step `step` (in `epoch`). */
  const after = (unit: 'step' | 'epoch', index: number, step: number, epoch: number) => {
    if (job.snapshots && (job.snapshots.unit ?? 'epoch') === unit && onCadence(job.snapshots, index)) {
      snapshots.push({ step, epoch, params: core.f32(bufs.theta).slice() });
    }
    if (job.average && (job.average.unit ?? 'epoch') === unit && onCadence(job.average, index)) {
      averaged += 1;
      engine.ops.blend([bufs.average, bufs.theta], Float32Array.of((averaged - 1) / averaged, 1 / averaged), bufs.average);
    }
  };
  try {
    core.f32(bufs.theta).set(init);
    if (resume) {
      resume.optimizer.forEach((b, i) => core.f32(i === 0 ? bufs.stateA : bufs.stateB).set(b));
      batches.setRngState(resume.rng);
    }
    if (job.snapshots?.initial && !resume) snapshots.push({ step: 0, epoch: 0, params: init.slice() });
    const steps = await runEpochs({
      data, seed, epochs, batchSize, lr: optimizer.lr, schedule, warmupEpochs, signal, activity: 'training',
      startStep: resume?.step, stopStep: job.stopAfter,
      onOrder: (order) => batches.setOrder(order),
      runBatch: ({ epoch, step, steps: totalSteps, start, n, lr }) => {
        const outcome = batches.trainStep(bufs.theta, bufs.grads, opt, lr, step, start, n);
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
      onEpochEnd: ({ started, ...summary }) => {
        after('epoch', summary.epoch, lastStep, summary.epoch);
        const entry: EpochLog = { ...summary, seconds: 0 };
        if (job.evalData) {
          const result = engine.evaluate(compiled, core.f32(bufs.theta).slice(), job.evalData);
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
    const state = (b: Buf) => core.f32(b).slice();
    return {
      arch, params: core.f32(bufs.theta).slice(), log,
      ...(Object.keys(batchesTracked).length ? { batchesTracked } : {}),
      ...(job.snapshots ? { snapshots } : {}),
      ...(job.average ? { average: { params: core.f32(bufs.average).slice(), count: averaged } } : {}),
      ...(job.returnState ? { state: { step: steps, optimizer: [bufs.stateA, bufs.stateB].slice(0, buffers).map(state), rng: batches.rngState() } } : {}),
    };
  } finally {
    for (const b of Object.values(bufs)) core.free(b);
    batches.free();
  }
}
