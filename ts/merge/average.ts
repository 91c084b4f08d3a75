/**
 * The naive average of N parameter vectors, θ̄ = (1/N)·Σ_i θ_i, summed in f64 and rounded once to
 * f32: N copies of one θ average to exactly θ (the merging tests rely on it).
 */
import { ModeconnError } from '../errors.js';

/** (1/N)·Σ_i θ_i over `params` (all the same length), optionally leaving out index `skip`. */
export function averageParams(params: readonly Float32Array[], skip = -1): Float32Array {
  const used = params.filter((_, i) => i !== skip);
  if (used.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'averaging needs at least one parameter vector');
  const n = used[0].length;
  used.forEach((p, i) => {
    if (p.length !== n) throw new ModeconnError('BAD_SHAPE', `parameter vector ${i} has ${p.length} values, vector 0 has ${n}`);
  });
  const sum = new Float64Array(n);
  for (const p of used) for (let k = 0; k < n; k++) sum[k] += p[k];
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = sum[k] / used.length;
  return out;
}
