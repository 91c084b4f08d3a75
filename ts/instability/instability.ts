/**
 * Instability analysis (Frankle et al. 2020, arXiv 1912.05671): train a parent run to step k, spawn
 * two children from its exact state (θ, optimiser buffers, dropout streams) that differ only in the
 * data order from there (seeds s₁ ≠ s₂; resuming with a seed changes the order from step k on),
 * train both to the end and evaluate the line θ(t) = θ₁ + t·(θ₂ − θ₁); the instability at k is the
 * error barrier max_t E(θ(t)) − ½(E(θ₁) + E(θ₂)). Children run at once on a pool (runner).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { stepsPerEpoch } from '../model/epochs.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import type { TrainingLoopOptions, TrainResult } from '../model/training-options.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { barrierMaxMinusMean } from '../paths/metrics.js';

export interface InstabilityOptions extends TrainingLoopOptions, RunnerOption {
  /** Seed of the parent run: initialisation and data order up to k (default 1). */
  seed?: number;
  /** Seeds of the two children's data order after k (default [seed + 1000, seed + 2000]). */
  childSeeds?: [number, number];
  /** Spawn steps k, each in [0, total steps] (default defaultSpawnSteps(total, 6)). */
  spawnSteps?: number[];
  /** Evenly spaced points of the line, ends included (default 11). */
  points?: number;
  /** The parent's initial θ (default a fresh seeded initialisation). */
  init?: Float32Array;
  /** BatchNorm statistics of every point recomputed over this set (arches with BatchNorm; default the training set). */
  bnData?: DataSet;
  onProgress?: (p: { fraction: number; detail: string }) => void;
}

/** The line between the two children spawned at step k. */
export interface SpawnResult {
  step: number;
  /** Epochs of training done at k. */
  epoch: number;
  ts: number[];
  /** Test loss and error along the line. */
  loss: number[];
  error: number[];
  /** max_t E(θ(t)) − ½(E(θ₁) + E(θ₂)) on error and loss. */
  errorBarrier: number;
  lossBarrier: number;
  /** ‖θ₁ − θ₂‖₂ over every θ value. */
  distance: number;
}

export interface InstabilityReport {
  totalSteps: number;
  stepsPerEpoch: number;
  childSeeds: [number, number];
  spawns: SpawnResult[];
  /** The earliest spawn step from which every error barrier is at most 2% (Frankle's threshold of stability), or null. */
  stableFrom: number | null;
}

/** `count` spawn steps: 0, then total·2^−j for j = count−2 … 0 (rounded, distinct). */
export function defaultSpawnSteps(total: number, count = 6): number[] {
  const steps = [0, ...Array.from({ length: Math.max(0, count - 1) }, (_, i) => Math.round(total / 2 ** (count - 2 - i)))];
  return [...new Set(steps)].sort((a, b) => a - b);
}

/** θ₁ + t·(θ₂ − θ₁) in f32: every point is θ₁ exactly when the children are equal. */
function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + t * (b[i] - a[i]);
  return out;
}

/** Runs the instability analysis of `arch` on `train`, evaluating on `test`; see the module header. */
export async function instabilityAnalysis(arch: Arch, train: DataSet, test: DataSet, options: InstabilityOptions): Promise<InstabilityReport> {
  const { seed = 1, points = 11, init, bnData = train, onProgress, runner: given, ...loop } = options;
  const childSeeds = options.childSeeds ?? [seed + 1000, seed + 2000];
  if (childSeeds[0] === childSeeds[1]) throw new ModeconnError('BAD_ARGUMENT', 'instability analysis needs two different child seeds');
  if (!Number.isInteger(points) || points < 2) throw new ModeconnError('BAD_ARGUMENT', `points must be an integer ≥ 2, got ${points}`);
  const perEpoch = stepsPerEpoch(train.n, Math.min(loop.batchSize ?? 128, train.n));
  const totalSteps = perEpoch * loop.epochs;
  const spawnSteps = [...new Set(options.spawnSteps ?? defaultSpawnSteps(totalSteps))].sort((a, b) => a - b);
  for (const k of spawnSteps) {
    if (!Number.isInteger(k) || k < 0 || k > totalSteps) throw new ModeconnError('BAD_ARGUMENT', `spawn step ${k} is outside 0..${totalSteps} (the run's steps)`);
  }
  const runner = await resolveRunner(given);
  const bn = hasBatchNorm(compiledOf(arch)) ? { bnData } : {};
  const ts = Array.from({ length: points }, (_, i) => i / (points - 1));
  const jobs = spawnSteps.length * 3;
  let done = 0;
  const tick = (detail: string) => onProgress?.({ fraction: ++done / jobs, detail });
  const spawns: SpawnResult[] = [];
  let parent: TrainResult | undefined;
  for (const k of spawnSteps) {
    // The parent continues from its previous spawn point: the bits of one run stopped at every k.
    parent = await runner.train(arch, train, {
      ...loop, seed, stopAfter: k, returnState: true,
      ...(parent ? { init: parent.params, resume: parent.state, initCounts: parent.batchesTracked } : init ? { init } : {}),
    });
    tick(`parent to step ${k}`);
    const from = parent;
    const children = await Promise.all(childSeeds.map(async (s) => {
      const child = await runner.train(arch, train, { ...loop, seed: s, init: from.params, resume: from.state, initCounts: from.batchesTracked });
      tick(`child (seed ${s}) from step ${k}`);
      return child.params;
    }));
    const line = ts.map((t) => lerp(children[0], children[1], t));
    const [results] = await runner.evaluate(arch, line, [test], bn);
    const loss = results.map((r) => r.loss);
    const error = results.map((r) => 1 - r.accuracy);
    let d2 = 0;
    for (let i = 0; i < children[0].length; i++) d2 += (children[0][i] - children[1][i]) ** 2;
    spawns.push({
      step: k, epoch: k / perEpoch, ts, loss, error,
      errorBarrier: barrierMaxMinusMean(ts, error), lossBarrier: barrierMaxMinusMean(ts, loss), distance: Math.sqrt(d2),
    });
  }
  let stableFrom: number | null = null;
  for (let i = spawns.length - 1; i >= 0 && spawns[i].errorBarrier <= 0.02; i--) stableFrom = spawns[i].step;
  return { totalSteps, stepsPerEpoch: perEpoch, childSeeds, spawns, stableFrom };
}
