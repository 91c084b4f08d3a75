/** Pure-TS twin of the ReLU kernels (crate/src/act.rs). */
import { expectLength } from '../errors.js';
import type { ActKernels } from '../kernels/act.js';

function reluForward(x: Float32Array, y: Float32Array): void {
  expectLength('y', y, x.length);
  // `x < 0` (not `x > 0`) so that NaN passes through.
  for (let i = 0; i < x.length; i++) y[i] = x[i] < 0 ? 0 : x[i];
}

function reluBackward(dy: Float32Array, mask: Float32Array, dx: Float32Array): void {
  expectLength('mask', mask, dy.length);
  expectLength('dx', dx, dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = mask[i] > 0 ? dy[i] : 0;
}

/** The ReLU twin. */
export const actReference: ActKernels = { reluForward, reluBackward };
