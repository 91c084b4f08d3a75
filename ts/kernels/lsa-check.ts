/** Shape checks of `lsaSolve`, shared by the WASM wrapper and the twin. */
import { ModeconnError } from '../errors.js';
import type { LsaParams } from './lsa.js';

/** BAD_ARGUMENT / BAD_SHAPE naming the argument. */
export function checkLsa(params: LsaParams, cost: Float64Array, colForRow: Uint32Array): void {
  const { rows, cols } = params;
  for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffff) throw new ModeconnError('BAD_ARGUMENT', `lsaSolve: ${name} must be an integer in [0, 2^24], got ${v}`);
  }
  if (!(cost instanceof Float64Array)) throw new ModeconnError('BAD_ARGUMENT', 'lsaSolve: cost must be a Float64Array');
  if (cost.length !== rows * cols) throw new ModeconnError('BAD_SHAPE', `lsaSolve: cost has ${cost.length} elements, expected rows·cols = ${rows}·${cols}`);
  if (colForRow.length !== rows) throw new ModeconnError('BAD_SHAPE', `lsaSolve: colForRow has ${colForRow.length} elements, expected rows = ${rows}`);
}
