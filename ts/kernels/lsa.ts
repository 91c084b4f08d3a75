/**
 * Linear sum assignment: for a cost matrix `[rows, cols]` (row-major f64) choose one distinct
 * column per row (min(rows, cols) pairs) with the least (or, with `maximize`, greatest) total.
 * Forbidden entries are +∞ when minimising and −∞ when maximising.
 */

import { ModeconnError } from '../errors.js';
/** Sizes and sense of an assignment problem. */
export interface LsaParams {
  rows: number;
  cols: number;
  maximize?: boolean;
}

/** Marks a row left without a column (only when rows > cols). */
export const UNASSIGNED = 0xffffffff;

export interface LsaKernels {
  /**
   * Solves the problem; writes each row's column to `colForRow` (length rows, `UNASSIGNED` for rows
   * left out) and returns the total cost (summed in row order). Throws ModeconnError INFEASIBLE when
   * every complete assignment uses a forbidden entry, BAD_ARGUMENT for NaN or a wrong-signed ∞.
   */
  lsaSolve(params: LsaParams, cost: Float64Array, colForRow: Uint32Array): number;
}

/** The typed error of a problem with no finite assignment. */
export function infeasible(rows: number, cols: number): ModeconnError {
  return new ModeconnError('INFEASIBLE', `the ${rows}x${cols} assignment problem has no assignment that avoids every forbidden entry`, {
    advice: 'allow more entries (fewer ±Infinity costs) or check the cost matrix',
  });
}
