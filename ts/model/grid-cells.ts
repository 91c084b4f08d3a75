/**
 * Grids of independent cells (the points of a path, the points of a landscape grid, the rows of a
 * table), evaluated in any subset: shard k of N takes cells k, k + N, k + 2N, … Every cell is computed
 * by the same code whatever the split, so the cells of all shards, put back in cell order, are the
 * single run's bit for bit (docs/CLUSTER.md).
 */
import { ModeconnError } from '../errors.js';

/** Shard `index` (0-based) of `count`. */
export interface ShardIndex {
  index: number;
  count: number;
}

/** What a plan of cells offers: its JSON-safe description, the number of cells, and evaluation of any subset. */
export interface CellPlan<Plan, Cell> {
  /** Everything about the grid that is known before any cell is evaluated (the same in every shard). */
  plan: Plan;
  count: number;
  /** The cells at `indices`, in that order. */
  evaluate(indices: readonly number[]): Promise<Cell[]>;
}

/** Throws BAD_ARGUMENT unless 0 ≤ index < count are integers. */
export function checkShard(shard: ShardIndex): void {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new ModeconnError('BAD_ARGUMENT', `shard ${index}/${count}: needs 0 ≤ k < N (0-based shard k of N shards)`);
  }
}

/** The cells shard `index` of `count` computes: index, index + count, … below `total` (round robin keeps costs even). */
export function cellsOfShard(total: number, shard: ShardIndex): number[] {
  checkShard(shard);
  const out: number[] = [];
  for (let i = shard.index; i < total; i += shard.count) out.push(i);
  return out;
}

/** All indices 0 … total − 1. */
export function allCells(total: number): number[] {
  return Array.from({ length: total }, (_, i) => i);
}
