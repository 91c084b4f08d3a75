/** Optimiser steps on the WASM core: arguments checked here, the update in Rust. */
import { type OptimKernels, checkAdam, checkSgd } from '../../kernels/optim.js';
import type { Core } from '../kernel.js';

/** OptimKernels backed by `core`; weights and state buffers are copied in and back. */
export function optimKernels(core: Core): OptimKernels {
  return {
    sgdStep(p, weights, grads, buf) {
      checkSgd(p, weights, grads, buf);
      const n = weights.length;
      const useBuf = Math.fround(p.momentum) !== 0;
      core.call('sgd_step', (s) => [
        s.inout(weights), s.in(grads), useBuf ? s.inout(buf) : 0, n,
        p.lr, p.momentum, p.dampening, p.weightDecay, p.nesterov ? 1 : 0, p.first ? 1 : 0,
      ]);
    },
    adamStep(p, weights, grads, m, v) {
      checkAdam(p, weights, grads, m, v);
      const n = weights.length;
      core.call('adam_step', (s) => [
        s.inout(weights), s.in(grads), s.inout(m), s.inout(v), n, p.step,
        p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.decoupled ? 1 : 0,
      ]);
    },
  };
}
