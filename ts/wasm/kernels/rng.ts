/** The PRNG kernels on the WASM core: arguments checked here, the generator in Rust. */
import { type RngKernels, checkState, checkU32 } from '../../kernels/rng.js';
import type { Core } from '../kernel.js';

/** RngKernels backed by `core`; `state` is copied in and the advanced state copied back. */
export function rngKernels(core: Core): RngKernels {
  return {
    rngSeed({ seed, stream }, state) {
      checkU32('seed', seed);
      checkU32('stream', stream);
      checkState(state);
      core.call('rng_seed', (s) => [s.out(state), seed, stream]);
    },
    rngU32(state, out) {
      checkState(state);
      core.call('rng_u32', (s) => [s.inout(state), s.out(out), out.length]);
    },
    rngUniform(state, out) {
      checkState(state);
      core.call('rng_uniform', (s) => [s.inout(state), s.out(out), out.length]);
    },
    rngNormal(state, out) {
      checkState(state);
      core.call('rng_normal', (s) => [s.inout(state), s.out(out), out.length]);
    },
    rngBelow({ n }, state, out) {
      checkU32('n', n, 1);
      checkState(state);
      core.call('rng_below', (s) => [s.inout(state), n, s.out(out), out.length]);
    },
    rngPermutation(state, out) {
      checkState(state);
      core.call('rng_permutation', (s) => [s.inout(state), s.out(out), out.length]);
    },
  };
}
