/** Pure-TS twin of softmax cross-entropy (crate/src/loss.rs), in f64. */
import { type LossKernels, type SoftmaxXentParams, checkSoftmaxXent } from '../kernels/loss.js';

/** First maximal index; NaN beats every number (the first NaN wins), as torch.argmax. */
function argmaxFirst(z: Float32Array, start: number, length: number): number {
  let best = 0;
  for (let j = 1; j < length; j++) {
    const b = z[start + best];
    if (Number.isNaN(b)) break;
    const v = z[start + j];
    if (Number.isNaN(v) || v > b) best = j;
  }
  return best;
}

function softmaxXent(
  p: SoftmaxXentParams, logits: Float32Array, labels: Uint32Array,
  losses: Float32Array, correct: Uint32Array, grad?: Float32Array | null,
): number {
  checkSoftmaxXent(p, logits, labels, losses, correct, grad);
  const { n, classes } = p;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * classes;
    const label = labels[i];
    let max = -Infinity;
    for (let j = 0; j < classes; j++) if (logits[row + j] > max) max = logits[row + j];
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(logits[row + j] - max);
    const loss = max + Math.log(sum) - logits[row + label];
    losses[i] = loss;
    total += loss;
    correct[i] = argmaxFirst(logits, row, classes) === label ? 1 : 0;
    if (grad) {
      for (let j = 0; j < classes; j++) {
        grad[row + j] = (Math.exp(logits[row + j] - max) / sum - (j === label ? 1 : 0)) / n;
      }
    }
  }
  return Math.fround(total / n);
}

/** The loss twin. */
export const lossReference: LossKernels = { softmaxXent };
