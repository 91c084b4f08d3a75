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
import { initParams } from './init.js';
import { compiledOf } from './model.js';
import { optimizerWords } from './optimizer.js';
import { ResidentBatches } from './resident-batches.js';
import { type EpochLog, type TrainJob, type TrainResult, progressClock } from './training-options.js';

/** The dropout stream of training runs. */
export const STREAM_DROPOUT = 0x20000;

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
  const { kind, hyper, buffers } = optimizerWords(optimizer);
  const core = engine.core;
  const total = compiled.totalLength;
  const P = compiled.paramCount;
  const batches = new ResidentBatches(engine, compiled, data, Math.min(batchSize, data.n), seed, STREAM_DROPOUT);
  const bufs = { theta: core.allocF32(total), grads: core.allocF32(total), stateA: core.allocF32(buffers >= 1 ? P : 0), stateB: core.allocF32(buffers >= 2 ? P : 0) };
  const opt = { kind, hyper, stateA: bufs.stateA, stateB: bufs.stateB };
  const clock = progressClock();
  const log: EpochLog[] = [];
  try {
    core.f32(bufs.theta).set(init);
    const steps = await runEpochs({
      data, seed, epochs, batchSize, lr: optimizer.lr, schedule, warmupEpochs, signal, activity: 'training',
      onOrder: (order) => batches.setOrder(order),
      runBatch: ({ epoch, step, steps: totalSteps, start, n, lr }) => {
        const outcome = batches.trainStep(bufs.theta, bufs.grads, opt, lr, step, start, n);
        if (!Number.isFinite(outcome.loss)) {
          throw new ModeconnError('DIVERGED', `training diverged: loss ${outcome.loss} at epoch ${epoch}, step ${step}`, {
            advice: 'lower the learning rate or add warm-up',
          });
        }
        job.onProgress?.({ epoch, step, steps: totalSteps, loss: outcome.loss, lr, ...clock(step / totalSteps) });
        return outcome;
      },
      onEpochEnd: ({ started, ...summary }) => {
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
    for (const e of compiled.layout) if (e.kind === 'counter') batchesTracked[e.name] = (job.initCounts?.[e.name] ?? 0) + steps;
    return { arch, params: core.f32(bufs.theta).slice(), log, ...(Object.keys(batchesTracked).length ? { batchesTracked } : {}) };
  } finally {
    for (const b of Object.values(bufs)) core.free(b);
    batches.free();
  }
}
