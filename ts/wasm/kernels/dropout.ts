/** Dropout on the WASM core: shapes and p checked here, the mask drawn in Rust. */
import { expectLength } from '../../errors.js';
import { type DropoutKernels, checkDropout } from '../../kernels/dropout.js';
import { checkState } from '../../kernels/rng.js';
import type { Core } from '../kernel.js';

/** DropoutKernels backed by `core`. */
export function dropoutKernels(core: Core): DropoutKernels {
  return {
    dropoutForward(params, state, x, y, mask) {
      checkDropout(params);
      checkState(state);
      expectLength('y', y, x.length);
      expectLength('mask', mask, x.length);
      core.call('dropout_forward', (s) => [s.inout(state), s.in(x), s.out(y), s.out(mask), x.length, params.p]);
    },
    dropoutBackward(dy, mask, dx) {
      expectLength('mask', mask, dy.length);
      expectLength('dx', dx, dy.length);
      core.call('dropout_backward', (s) => [s.in(dy), s.in(mask), s.out(dx), dy.length]);
    },
  };
}
