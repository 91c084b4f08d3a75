/**
 * ReLU: `y = max(x, 0)` elementwise (NaN passes through, as in PyTorch) and its backward
 * `dx = dy` where the forward input (equivalently its output) is `> 0`, else 0. Any shape.
 */

/** ReLU kernels; all arrays have the same length. */
export interface ActKernels {
  /** `y = max(x, 0)`; `y` may be `x` (in place). */
  reluForward(x: Float32Array, y: Float32Array): void;
  /** `dx = dy` where `mask > 0`, else 0 (`mask`: the forward input or output); `dx` may be `dy`. */
  reluBackward(dy: Float32Array, mask: Float32Array, dx: Float32Array): void;
}
