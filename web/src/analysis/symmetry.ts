/**
 * Symmetries made visible: the unit correlation matrices of A and B per hidden layer, before and
 * after matching (after: column j is B's unit perm[j], the aligned net's unit j, with the matching —
 * weight or activation — that explainBarrier found to leave the lower barrier), and the barrier
 * decomposition of explainBarrier.
 */
import { explainBarrier, subsetDataSet, unitCorrelation, type ExplainRow, type Runner, type UnitCorrelation } from 'modeconn';
import type { Pair } from '../pair.js';

/** Units shown per layer (a 64 × 64 heatmap stays readable on a phone). */
export const MAX_UNITS = 64;

export interface LayerCorrelation {
  group: string;
  size: number;
  /** Row-major [shown, shown] before and after matching. */
  before: Float64Array;
  after: Float64Array;
  shown: number;
  /** Mean of C[i, perm[i]] after and of C[i, i] before, over all units. */
  diagonalBefore: number;
  diagonalAfter: number;
}

export interface SymmetryResult {
  layers: LayerCorrelation[];
  rows: ExplainRow[];
  best: 'weight' | 'activation';
}

/** Before/after matrices of one group with the weight-matching permutation `perm`. */
export function permuteColumns(c: UnitCorrelation, perm: Uint32Array): LayerCorrelation {
  const n = c.size;
  const shown = Math.min(n, MAX_UNITS);
  const before = new Float64Array(shown * shown);
  const after = new Float64Array(shown * shown);
  let [db, da] = [0, 0];
  for (let i = 0; i < n; i++) {
    db += c.matrix[i * n + i] / n;
    da += c.matrix[i * n + perm[i]] / n;
  }
  for (let i = 0; i < shown; i++) {
    for (let j = 0; j < shown; j++) {
      before[i * shown + j] = c.matrix[i * n + j];
      after[i * shown + j] = c.matrix[i * n + perm[j]];
    }
  }
  return { group: c.group, size: n, before, after, shown, diagonalBefore: db, diagonalAfter: da };
}

/** Training samples explainBarrier reads (REPAIR reads them on this thread; matching and BN resets take the first 1000). */
const EXPLAIN_TRAIN = 2000;

/** explainBarrier on the test set, then the correlations on up to 1000 test samples. */
export async function analyseSymmetry(pair: Pair, points: number, runner: Runner, hooks: { onStage?: (text: string, fraction: number) => void } = {}): Promise<SymmetryResult> {
  const train = pair.train.n > EXPLAIN_TRAIN ? subsetDataSet(pair.train, Array.from({ length: EXPLAIN_TRAIN }, (_, i) => i)) : pair.train;
  const explained = await explainBarrier(pair.a, pair.b, { train, test: pair.test }, {
    points, samples: 1000, seed: pair.seed, runner,
    onStage: (stage, done, total) => hooks.onStage?.(`explaining the barrier: ${stage}`, done / total),
  });
  hooks.onStage?.('correlating hidden units…', 1);
  const correlations = await unitCorrelation(pair.a, pair.b, pair.test, { samples: 1000, runner });
  const perms = explained[explained.best].permutations;
  const layers = correlations.map((c) => permuteColumns(c, perms[c.group]));
  return { layers, rows: explained.rows, best: explained.best };
}
