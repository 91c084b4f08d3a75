/** BatchNorm kernels on the WASM core: TS validates shapes, then one call per kernel; null arrays pass pointer 0. */
import {
  type NormKernels, checkBatchNormArrays, checkEps, checkRunningUpdate,
} from '../../kernels/norm.js';
import type { Core } from '../kernel.js';

/** The pointer of an optional array (0 = absent). */
const opt = (place: (a: Float32Array) => number, a: Float32Array | null): number => (a ? place(a) : 0);

/** ABI mode numbers of `batchnorm_forward_train`. */
const MODE = { momentum: 0, average: 1, frozen: 2 } as const;

export function normKernels(core: Core): NormKernels {
  return {
    batchnormForwardTrain(p, x, gamma, beta, y, saveMean, saveInvstd, runningMean, runningVar) {
      checkBatchNormArrays(p, { x, y }, { gamma, beta, saveMean, saveInvstd });
      checkEps(p.eps);
      const u = p.update;
      checkRunningUpdate(u, p.c, runningMean, runningVar);
      const frozen = u.kind === 'frozen';
      core.call('batchnorm_forward_train', (s) => [
        s.in(x), opt(s.in, gamma), opt(s.in, beta), s.out(y), s.out(saveMean), s.out(saveInvstd),
        frozen ? 0 : s.inout(runningMean), frozen ? 0 : s.inout(runningVar),
        p.n, p.c, p.s, p.eps, MODE[u.kind],
        u.kind === 'momentum' ? u.momentum : 0, u.kind === 'average' ? u.seen : 0,
      ]);
    },
    batchnormForwardEval(p, x, gamma, beta, runningMean, runningVar, y) {
      checkBatchNormArrays(p, { x, y }, { gamma, beta, runningMean, runningVar });
      checkEps(p.eps);
      core.call('batchnorm_forward_eval', (s) => [
        s.in(x), opt(s.in, gamma), opt(s.in, beta), s.in(runningMean), s.in(runningVar), s.out(y), p.n, p.c, p.s, p.eps,
      ]);
    },
    batchnormBackward(p, x, dy, gamma, saveMean, saveInvstd, dx, dgamma, dbeta) {
      checkBatchNormArrays(p, { x, dy, dx }, { gamma, saveMean, saveInvstd, dgamma, dbeta });
      core.call('batchnorm_backward', (s) => [
        s.in(x), s.in(dy), opt(s.in, gamma), s.in(saveMean), s.in(saveInvstd), s.out(dx), opt(s.out, dgamma), opt(s.out, dbeta),
        p.n, p.c, p.s,
      ]);
    },
    batchnormBackwardEval(p, x, dy, gamma, runningMean, runningVar, dx, dgamma, dbeta) {
      checkBatchNormArrays(p, { x, dy, dx }, { gamma, runningMean, runningVar, dgamma, dbeta });
      checkEps(p.eps);
      core.call('batchnorm_backward_eval', (s) => [
        s.in(x), s.in(dy), opt(s.in, gamma), s.in(runningMean), s.in(runningVar), s.out(dx), opt(s.out, dgamma), opt(s.out, dbeta),
        p.n, p.c, p.s, p.eps,
      ]);
    },
  };
}
