/**
 * Vector ops on flat parameter vectors: `y += a·x`, `x *= a`, the blend `out = Σ_j c_j θ_j` (the
 * point θ(t) of a path is one call) and reductions returned in `out[0]` of a `Float64Array(1)`.
 *
 * Elementwise ops are f32, summed j = 0..k−1. Reductions accumulate in f64 over four interleaved
 * lanes (element i in lane i mod 4), combined as (l0 + l1) + (l2 + l3), so WASM and twin agree bit
 * for bit.
 */
import { ModeconnError, expectLength } from '../errors.js';

/** The scalar of `vecAxpy` / `vecScale` (rounded to f32). */
export interface VecScalarParams {
  a: number;
}

export interface BlendKernels {
  /** `y += a·x`. */
  vecAxpy(params: VecScalarParams, x: Float32Array, y: Float32Array): void;
  /** `x *= a`. */
  vecScale(params: VecScalarParams, x: Float32Array): void;
  /** `out = Σ_j coeffs[j]·thetas[j]` (all of out's length; `out = 0` when there are no terms). */
  vecBlend(coeffs: Float32Array, thetas: readonly Float32Array[], out: Float32Array): void;
  /** `out[0] = Σ x_i·y_i`. */
  vecDot(x: Float32Array, y: Float32Array, out: Float64Array): void;
  /** `out[0] = sqrt(Σ x_i²)`. */
  vecNorm2(x: Float32Array, out: Float64Array): void;
  /** `out[0] = max |x_i|` (0 when empty, NaN if any element is NaN). */
  vecMaxabs(x: Float32Array, out: Float64Array): void;
  /** `out[0] = Σ (x_i − y_i)²`. */
  vecDist2(x: Float32Array, y: Float32Array, out: Float64Array): void;
}

/** Throws BAD_SHAPE unless there is one coefficient per vector and every vector has out's length. */
export function checkBlend(coeffs: Float32Array, thetas: readonly Float32Array[], out: Float32Array): void {
  if (thetas.length !== coeffs.length) {
    throw new ModeconnError('BAD_SHAPE', `thetas has ${thetas.length} vectors but coeffs has ${coeffs.length} values`);
  }
  thetas.forEach((t, j) => expectLength(`thetas[${j}]`, t, out.length));
}
