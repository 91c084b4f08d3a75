/** `lsaSolve` on the WASM core (`lsa_solve`): TS checks shapes, the crate solves. */
import { ModeconnError } from '../../errors.js';
import type { LsaKernels, LsaParams } from '../../kernels/lsa.js';
import { checkLsa } from '../../kernels/lsa-check.js';
import { infeasible } from '../../reference/lsa.js';
import type { Core } from '../kernel.js';

export function lsaKernels(core: Core): LsaKernels {
  return {
    lsaSolve(params: LsaParams, cost: Float64Array, colForRow: Uint32Array): number {
      checkLsa(params, cost, colForRow);
      const { rows, cols, maximize = false } = params;
      for (let i = 0; i < cost.length; i++) {
        const x = cost[i];
        if (Number.isNaN(x) || x === (maximize ? Infinity : -Infinity)) {
          const [r, c] = [Math.floor(i / cols), i % cols];
          throw new ModeconnError('BAD_ARGUMENT', `cost[${r}, ${c}] is ${x}; forbidden entries are ${maximize ? '-Infinity when maximising' : 'Infinity when minimising'}`);
        }
      }
      const total = new Float64Array(1);
      const feasible = new Uint32Array(1);
      if (rows === 0 || cols === 0) {
        colForRow.fill(0xffffffff);
        return 0;
      }
      core.call('lsa_solve', (s) => [s.in(cost), rows, cols, maximize ? 1 : 0, s.out(colForRow), s.out(total), s.out(feasible)]);
      if (feasible[0] !== 1) throw infeasible(rows, cols);
      return total[0];
    },
  };
}
