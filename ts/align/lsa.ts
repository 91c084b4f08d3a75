/**
 * The public face of the assignment solver: `linearSumAssignment(cost, rows, cols)` returns
 * scipy-style `rowInd`/`colInd` pairs (sorted by row), each row's column and the optimal cost.
 */
import type { LsaKernels } from '../kernels/lsa.js';
import { UNASSIGNED } from '../kernels/lsa.js';
import { getCore } from '../wasm/kernel.js';
import { lsaKernels } from '../wasm/kernels/lsa.js';

/** An optimal assignment. */
export interface Assignment {
  /** Rows that got a column, increasing (all rows when rows ≤ cols). */
  rowInd: Uint32Array;
  /** The column of each `rowInd` entry. */
  colInd: Uint32Array;
  /** Column of every row; `UNASSIGNED` (0xffffffff) for rows left out when rows > cols. */
  colForRow: Uint32Array;
  /** Sum of the chosen costs. */
  cost: number;
}

export interface AssignmentOptions {
  /** Maximise the total instead (forbidden entries are then −Infinity). */
  maximize?: boolean;
}

/** Solves with the given kernels (WASM or twin), synchronously. */
export function solveAssignment(kernels: LsaKernels, cost: Float64Array, rows: number, cols: number, options: AssignmentOptions = {}): Assignment {
  const colForRow = new Uint32Array(rows);
  const total = kernels.lsaSolve({ rows, cols, maximize: options.maximize ?? false }, cost, colForRow);
  const k = Math.min(rows, cols);
  const rowInd = new Uint32Array(k);
  const colInd = new Uint32Array(k);
  let at = 0;
  for (let i = 0; i < rows; i++) {
    if (colForRow[i] === UNASSIGNED) continue;
    rowInd[at] = i;
    colInd[at] = colForRow[i];
    at += 1;
  }
  return { rowInd, colInd, colForRow, cost: total };
}

/**
 * Linear sum assignment on the WASM core: `cost` is `[rows, cols]` row-major; forbidden entries
 * are +Infinity (−Infinity when maximising). Throws ModeconnError INFEASIBLE when no assignment
 * avoids them, BAD_ARGUMENT on NaN, BAD_SHAPE when `cost.length !== rows·cols`.
 */
export async function linearSumAssignment(cost: Float64Array, rows: number, cols: number, options: AssignmentOptions = {}): Promise<Assignment> {
  return solveAssignment(lsaKernels(await getCore()), cost, rows, cols, options);
}
