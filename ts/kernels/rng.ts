/**
 * The seeded PRNG: xoshiro128** over a caller-held state of 4 u32 words (a `Uint32Array(4)`,
 * advanced in place by every call), seeded from `(seed, stream)`. The WASM core and the TS twin
 * produce bit-identical streams (tests/fixtures/rng-golden.json pins them).
 *
 * Uniforms are the top 24 bits of a draw times 2^-24; normals come in pairs from Marsaglia's polar
 * method (an odd-length fill drops the second value of its last pair).
 */
import { ModeconnError, expectLength } from '../errors.js';

/** Which generator: `seed` and `stream` are u32; each (seed, stream) pair is an independent stream. */
export interface RngSeedParams {
  seed: number;
  stream: number;
}

/** The bound of `rngBelow`: draws are uniform integers in [0, n), 1 ≤ n ≤ 2^32 − 1. */
export interface RngBelowParams {
  n: number;
}

export interface RngKernels {
  /** Writes the generator state for `(seed, stream)` into `state` (length 4). */
  rngSeed(params: RngSeedParams, state: Uint32Array): void;
  /** Fills `out` with raw u32 draws. */
  rngU32(state: Uint32Array, out: Uint32Array): void;
  /** Fills `out` with uniforms in [0, 1) on the 2^-24 grid. */
  rngUniform(state: Uint32Array, out: Float32Array): void;
  /** Fills `out` with standard normals. */
  rngNormal(state: Uint32Array, out: Float32Array): void;
  /** Fills `out` with integers uniform in [0, n), without modulo bias. */
  rngBelow(params: RngBelowParams, state: Uint32Array, out: Uint32Array): void;
  /** Writes a uniformly random permutation of 0..out.length − 1 into `out` (Fisher–Yates). */
  rngPermutation(state: Uint32Array, out: Uint32Array): void;
}

/** Throws BAD_SHAPE unless `state` holds 4 words. */
export function checkState(state: Uint32Array): void {
  expectLength('state', state, 4);
}

/** Throws BAD_ARGUMENT unless `value` is a u32. */
export function checkU32(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min || value > 0xffffffff) {
    throw new ModeconnError('BAD_ARGUMENT', `${name} must be an integer in [${min}, 2^32 − 1], got ${value}`);
  }
}
