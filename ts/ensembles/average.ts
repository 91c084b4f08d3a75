/**
 * The average of parameter vectors θ̄ = (1/m)·Σ_i θ_i, accumulated as training's running average does
 * (θ̄_k = θ̄_{k−1} + (θ_k − θ̄_{k−1})/k, each operation rounded to f32), so equal vectors average to
 * themselves exactly and the average of snapshots equals trainModel's `average` of the same iterates.
 */
import { ModeconnError } from '../errors.js';

/** θ̄ of `params` (all of one length); see the module header. */
export function averageParams(params: readonly Float32Array[]): Float32Array {
  if (params.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'an average needs at least one parameter vector');
  const n = params[0].length;
  const mean = new Float32Array(n);
  params.forEach((theta, i) => {
    if (theta.length !== n) throw new ModeconnError('BAD_SHAPE', `parameter vector ${i} has ${theta.length} values; the first has ${n}`);
    const c = Math.fround(1 / (i + 1));
    for (let j = 0; j < n; j++) mean[j] = mean[j] + Math.fround(c * Math.fround(theta[j] - mean[j]));
  });
  return mean;
}
