/** Softmax cross-entropy on the WASM core. */
import { type LossKernels, checkSoftmaxXent } from '../../kernels/loss.js';
import type { Core } from '../kernel.js';

export function lossKernels(core: Core): LossKernels {
  return {
    softmaxXent(p, logits, labels, losses, correct, grad) {
      checkSoftmaxXent(p, logits, labels, losses, correct, grad);
      const mean = new Float32Array(1);
      core.call('softmax_xent', (s) => [
        s.in(logits), s.in(labels), s.out(losses), s.out(correct), s.out(mean), grad ? s.out(grad) : 0,
        p.n, p.classes,
      ]);
      return mean[0];
    },
  };
}
