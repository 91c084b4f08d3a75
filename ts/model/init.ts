/**
 * Seeded initialisation of θ. `pytorch`: Linear/Conv weight and bias ~ U(−1/√fan_in, 1/√fan_in)
 * (PyTorch's defaults); `kaiming`: weights ~ N(0, 2/fan_in) (He et al., fan_in mode, ReLU gain),
 * biases 0. Both: BatchNorm γ = 1, β = 0, running_mean = 0, running_var = 1. Tensor k of the layout
 * draws from stream k of the seed, so each tensor's values depend only on (seed, k, its shape).
 */
import { ModeconnError } from '../errors.js';
import { xoshiroKernels } from '../kernels/xoshiro.js';
import type { CompiledArch, LayoutEntry } from './compile.js';

export type InitScheme = 'pytorch' | 'kaiming';

export interface InitOptions {
  /** u32 seed. */
  seed: number;
  /** Default `'pytorch'`. */
  scheme?: InitScheme;
}

/** Inputs feeding each output unit: `in` for dense, `cIn·kh·kw` for conv. */
function fanIn(weight: LayoutEntry): number {
  return weight.shape.slice(1).reduce((a, b) => a * b, 1);
}

/** A fresh θ (`Float32Array(totalLength)`) for a compiled arch. */
export function initParams(compiled: Pick<CompiledArch, 'layout' | 'totalLength'>, options: InitOptions): Float32Array {
  const { seed, scheme = 'pytorch' } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ModeconnError('BAD_ARGUMENT', `seed must be an integer in [0, 2^32 − 1], got ${seed}`);
  }
  if (scheme !== 'pytorch' && scheme !== 'kaiming') {
    throw new ModeconnError('BAD_ARGUMENT', `scheme must be 'pytorch' or 'kaiming', got ${JSON.stringify(scheme)}`);
  }
  const theta = new Float32Array(compiled.totalLength);
  const byName = new Map(compiled.layout.map((e) => [e.name, e]));
  const state = new Uint32Array(4);
  compiled.layout.forEach((entry, k) => {
    if (entry.kind === 'counter') return;
    const values = theta.subarray(entry.offset, entry.offset + entry.length);
    if (entry.kind === 'bn_weight' || entry.kind === 'running_var') {
      values.fill(1);
      return;
    }
    if (entry.kind === 'bn_bias' || entry.kind === 'running_mean') return;
    const weight = entry.kind === 'weight' ? entry : byName.get(entry.name.replace(/bias$/, 'weight'));
    if (!weight) throw new ModeconnError('BAD_ARGUMENT', `layout: bias ${entry.name} has no weight to take its fan-in from`);
    const fan = fanIn(weight);
    xoshiroKernels.rngSeed({ seed, stream: k }, state);
    if (scheme === 'pytorch') {
      const bound = 1 / Math.sqrt(fan);
      xoshiroKernels.rngUniform(state, values);
      for (let i = 0; i < values.length; i++) values[i] = (2 * values[i] - 1) * bound;
    } else if (entry.kind === 'weight') {
      const std = Math.sqrt(2 / fan);
      xoshiroKernels.rngNormal(state, values);
      for (let i = 0; i < values.length; i++) values[i] *= std;
    }
  });
  return theta;
}
