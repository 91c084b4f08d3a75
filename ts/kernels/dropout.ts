/**
 * Inverted dropout with a seeded mask: `y = x · mask`, where `mask_i = 1/(1 − p)` if the i-th
 * uniform of the generator is ≥ p (probability 1 − p), else 0. The mask holds the scale factors, so
 * the backward pass is `dx = dy · mask`. All arrays have the same length.
 */
import { ModeconnError } from '../errors.js';

/** Drop probability, 0 ≤ p < 1. */
export interface DropoutParams {
  p: number;
}

export interface DropoutKernels {
  /** Draws the mask from `state` (one uniform per element, state advanced) and writes `y`, `mask`. */
  dropoutForward(params: DropoutParams, state: Uint32Array, x: Float32Array, y: Float32Array, mask: Float32Array): void;
  /** `dx = dy · mask`. */
  dropoutBackward(dy: Float32Array, mask: Float32Array, dx: Float32Array): void;
}

/** Throws BAD_ARGUMENT unless 0 ≤ p < 1 (as an f32). */
export function checkDropout(params: DropoutParams): void {
  const p = Math.fround(params.p);
  if (!(p >= 0 && p < 1)) {
    throw new ModeconnError('BAD_ARGUMENT', `dropout p must be in [0, 1), got ${params.p}`);
  }
}
