/**
 * The intrinsic dimension of an objective landscape (Li et al. 2018): train the full model (the
 * baseline), then train in random subspaces of increasing dimension d (same θ₀, same epochs); d_int90
 * is the smallest d whose test accuracy reaches 90% of the baseline's (`threshold`).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { initParams } from '../model/init.js';
import { compiledOf } from '../model/model.js';
import { evaluateModel, trainModel, type RunnerOption } from '../model/train.js';
import type { OptimizerConfig } from '../model/training-options.js';
import type { ProjectionKind } from './projection.js';
import { trainSubspace, type SubspaceEpoch, type SubspaceOptimizer } from './train.js';

export interface IntrinsicOptions extends RunnerOption {
  /** Subspace dimensions to try, ascending. */
  dims: readonly number[];
  seed: number;
  epochs: number;
  batchSize?: number;
  projection?: ProjectionKind;
  /** The subspace optimiser (default Adam, lr 0.01). */
  optimizer?: SubspaceOptimizer;
  /** Virtual shards per batch, for the baseline and every subspace run (data-parallel on a pool; default 1). */
  shards?: number;
  bnStatistics?: 'batch' | 'shard';
  /** The full model's optimiser (default SGD, lr 0.05, momentum 0.9). */
  baselineOptimizer?: OptimizerConfig;
  /** Fraction of the baseline accuracy to reach (default 0.9). */
  threshold?: number;
  /** Stop the sweep at the first d that reaches it (default false). */
  stopAtThreshold?: boolean;
  onRow?: (row: IntrinsicRow) => void;
  onBaseline?: (accuracy: number) => void;
}

export interface IntrinsicRow {
  d: number;
  testAccuracy: number;
  testLoss: number;
  log: SubspaceEpoch[];
  seconds: number;
}

export interface IntrinsicResult {
  parameters: number;
  baseline: { testAccuracy: number; testLoss: number; seconds: number };
  threshold: number;
  rows: IntrinsicRow[];
  /** The smallest d reaching threshold × the baseline's accuracy, or null when none did. */
  dInt: number | null;
}

/** The smallest d whose accuracy reaches `target`, among rows sorted by d. */
export function smallestReaching(rows: readonly { d: number; testAccuracy: number }[], target: number): number | null {
  const hit = [...rows].sort((a, b) => a.d - b.d).find((r) => r.testAccuracy >= target);
  return hit ? hit.d : null;
}

/** The sweep of the module header. */
export async function intrinsicDimension(arch: Arch, train: DataSet, test: DataSet, options: IntrinsicOptions): Promise<IntrinsicResult> {
  const compiled = compiledOf(arch);
  const { seed, epochs, batchSize = 128, threshold = 0.9 } = options;
  if (options.dims.length === 0 || options.dims.some((d) => !Number.isInteger(d) || d < 1 || d > compiled.paramCount)) {
    throw new ModeconnError('BAD_ARGUMENT', `dims must be integers in [1, ${compiled.paramCount}], got [${options.dims.join(', ')}]`);
  }
  const init = initParams(compiled, { seed });
  const started = performance.now();
  const full = await trainModel(arch, train, {
    seed, epochs, batchSize, init, runner: options.runner, optimizer: options.baselineOptimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 },
    shards: options.shards, bnStatistics: options.bnStatistics,
  });
  const evald = await evaluateModel(full, test, { runner: options.runner });
  const baseline = { testAccuracy: evald.accuracy, testLoss: evald.loss, seconds: (performance.now() - started) / 1000 };
  options.onBaseline?.(baseline.testAccuracy);
  const rows: IntrinsicRow[] = [];
  for (const d of [...options.dims].sort((a, b) => a - b)) {
    const t0 = performance.now();
    const r = await trainSubspace(arch, train, { d, seed, epochs, batchSize, init, projection: options.projection, optimizer: options.optimizer, runner: options.runner,
      shards: options.shards, bnStatistics: options.bnStatistics });
    const e = await evaluateModel({ arch, params: r.params }, test, { runner: options.runner });
    const row = { d, testAccuracy: e.accuracy, testLoss: e.loss, log: r.log, seconds: (performance.now() - t0) / 1000 };
    rows.push(row);
    options.onRow?.(row);
    if (options.stopAtThreshold && row.testAccuracy >= threshold * baseline.testAccuracy) break;
  }
  return { parameters: compiled.paramCount, baseline, threshold, rows, dInt: smallestReaching(rows, threshold * baseline.testAccuracy) };
}
