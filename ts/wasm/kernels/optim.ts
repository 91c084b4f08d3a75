/** Optimiser steps on the WASM core: arguments checked here, the update in Rust. */
import { expectLength } from '../../errors.js';
import { type OptimKernels, checkAdam, checkSgd } from '../../kernels/optim.js';
import type { Core } from '../kernel.js';

/** OptimKernels backed by `core`; weights and state buffers are copied in and back. */
export function optimKernels(core: Core): OptimKernels {
  return {
    sgdStep(p, weights, grads, buf) {
      checkSgd(p);
      const n = weights.length;
      expectLength('grads', grads, n);
      const useBuf = Math.fround(p.momentum) !== 0;
      if (useBuf) expectLength('momentumBuffer', buf, n);
      core.call('sgd_step', (s) => [
        s.inout(weights), s.in(grads), useBuf ? s.inout(buf) : 0, n,
        p.lr, p.momentum, p.dampening, p.weightDecay, p.nesterov ? 1 : 0, p.first ? 1 : 0,
      ]);
    },
    adamStep(p, weights, grads, m, v) {
      checkAdam(p);
      const n = weights.length;
      expectLength('grads', grads, n);
      expectLength('m', m, n);
      expectLength('v', v, n);
      core.call('adam_step', (s) => [
        s.inout(weights), s.in(grads), s.inout(m), s.inout(v), n, p.step,
        p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.decoupled ? 1 : 0,
      ]);
    },
  };
}
