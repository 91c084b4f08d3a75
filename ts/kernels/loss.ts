/**
 * Softmax cross-entropy on logits `[n, classes]` with integer labels `[n]`:
 * `loss_i = logsumexp(z_i) − z_i[label_i]`, `correct_i = (argmax z_i == label_i)` (ties to the
 * first maximal index, NaN counted as the maximum, as `torch.argmax`), the mean loss and,
 * optionally, its gradient `(softmax(z) − onehot(label))/n`.
 */
import { ModeconnError, expectDims, expectLength } from '../errors.js';

export interface SoftmaxXentParams {
  n: number;
  classes: number;
}

/** Loss kernels. */
export interface LossKernels {
  /**
   * Writes `losses[n]`, `correct[n]` (1/0) and, when `grad` is given, `grad[n·classes]` = d(mean
   * loss)/d logits; returns the mean loss. A label `>= classes` is BAD_ARGUMENT naming the sample.
   */
  softmaxXent(
    p: SoftmaxXentParams,
    logits: Float32Array, labels: Uint32Array,
    losses: Float32Array, correct: Uint32Array, grad?: Float32Array | null,
  ): number;
}

/** Validates shapes and labels (shared by the twin and the WASM wrapper). */
export function checkSoftmaxXent(
  p: SoftmaxXentParams, logits: Float32Array, labels: Uint32Array,
  losses: Float32Array, correct: Uint32Array, grad: Float32Array | null | undefined,
): void {
  expectDims({ n: p.n, classes: p.classes });
  if (p.n === 0) throw new ModeconnError('BAD_SHAPE', 'softmaxXent needs at least one sample (n = 0)');
  if (p.classes === 0) throw new ModeconnError('BAD_SHAPE', 'softmaxXent needs at least one class (classes = 0)');
  if (p.n * p.classes > 0x3fffffff) throw new ModeconnError('BAD_SHAPE', `logits of ${p.n * p.classes} values are too large`);
  expectLength('logits', logits, p.n * p.classes);
  expectLength('labels', labels, p.n);
  expectLength('losses', losses, p.n);
  expectLength('correct', correct, p.n);
  if (grad) expectLength('grad', grad, p.n * p.classes);
  for (let i = 0; i < p.n; i++) {
    if (labels[i] >= p.classes) {
      throw new ModeconnError('BAD_ARGUMENT', `label ${labels[i]} of sample ${i} is out of range for ${p.classes} classes`);
    }
  }
}
