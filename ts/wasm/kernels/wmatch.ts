/** The weight-matching helpers on the WASM core (`wmatch_*`): TS checks shapes, the crate computes. */
import { type WmatchKernels, checkDot, checkTerm } from '../../kernels/wmatch.js';
import { ModeconnError } from '../../errors.js';
import type { Core } from '../kernel.js';

export function wmatchKernels(core: Core): WmatchKernels {
  return {
    wmatchTermUpdate(p, a, b, changed, map, basis, cost) {
      checkTerm(p, a, b, changed, map, basis, cost);
      core.call('wmatch_term_update', (s) => [
        s.in(a), s.in(b), p.p, p.q, p.s, p.axis, s.in(changed), changed.length, s.in(map), basis ? s.in(basis) : 0, basis ? 1 : 0, s.inout(cost),
      ]);
    },
    wmatchSum(terms, out) {
      for (const [i, t] of terms.entries()) {
        if (t.length < out.length) throw new ModeconnError('BAD_SHAPE', `terms[${i}] has ${t.length} elements, expected ${out.length}`);
      }
      core.call('wmatch_sum', (s) => [s.ptrs(terms.map((t) => s.in(t.subarray(0, out.length)))), terms.length, out.length, s.out(out)]);
    },
    wmatchDot(p, a, b, offs, acc) {
      checkDot(p, a, b, offs, acc);
      core.call('wmatch_dot', (s) => [s.in(a), s.in(b), ...p.dims, s.in(offs), s.inout(acc)]);
    },
  };
}
