/**
 * What the path code needs from a worker pool: evaluate many θ's on one data set and return the
 * per-θ results in order. The real pool (ts/workers/) satisfies it; tests pass a stub.
 */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { EvalResult } from '../model/engine.js';

/** Options of one `evaluateMany` call. */
export interface PoolEvaluateOptions {
  /** 'eval' uses θ's running statistics; 'batch-stats' normalises each batch by its own statistics. */
  mode: 'eval' | 'batch-stats';
  /** Samples per WASM call. */
  batchSize?: number;
  /** When set, each θ's BatchNorm statistics are first recomputed over this set (Garipov's update_bn). */
  bnData?: DataSet;
  /** Also return logits [n, classes]. */
  logits?: boolean;
}

/** A pool that evaluates θ's in parallel; results[i] belongs to thetas[i], identical for any worker count. */
export interface PathPool {
  evaluateMany(arch: Arch, thetas: Float32Array[], data: DataSet, options: PoolEvaluateOptions): Promise<EvalResult[]>;
}
