/** `lsaSolve` on the WASM core (`lsa_solve`): TS checks shapes, the crate solves. */
import { ModeconnError } from '../../errors.js';
import type { LsaKernels, LsaParams } from '../../kernels/lsa.js';
import { checkLsa } from '../../kernels/lsa-check.js';
import { infeasible } from '../../kernels/lsa.js';
import type { Core } from '../kernel.js';

/** The first NaN or wrong-signed infinity in `cost`, as the error to throw (undefined if none). */
function invalidEntry(cost: Float64Array, cols: number, maximize: boolean): ModeconnError | undefined {
  const wrong = maximize ? Infinity : -Infinity;
  for (let i = 0; i < cost.length; i++) {
    const x = cost[i];
    if (Number.isNaN(x) || x === wrong) {
      const [r, c] = [Math.floor(i / cols), i % cols];
      return new ModeconnError('BAD_ARGUMENT', `cost[${r}, ${c}] is ${x}; forbidden entries are ${maximize ? '-Infinity when maximising' : 'Infinity when minimising'}`);
    }
  }
  return undefined;
}

export function lsaKernels(core: Core): LsaKernels {
  return {
    lsaSolve(params: LsaParams, cost: Float64Array, colForRow: Uint32Array): number {
      checkLsa(params, cost, colForRow);
      const { rows, cols, maximize = false } = params;
      const total = new Float64Array(1);
      const feasible = new Uint32Array(1);
      if (rows === 0 || cols === 0) {
        colForRow.fill(0xffffffff);
        return 0;
      }
      // The crate validates every entry on its way through; only a failure pays for a search here.
      try {
        core.call('lsa_solve', (s) => [s.in(cost), rows, cols, maximize ? 1 : 0, s.out(colForRow), s.out(total), s.out(feasible)]);
      } catch (e) {
        if (e instanceof ModeconnError && e.code === 'WASM_STATUS') throw invalidEntry(cost, cols, maximize) ?? e;
        throw e;
      }
      if (feasible[0] !== 1) throw infeasible(rows, cols);
      return total[0];
    },
  };
}
