/** The dropout twin: the mask from the same uniforms as crate/src/dropout.rs, f32 rounding per op. */
import { expectLength } from '../errors.js';
import { type DropoutKernels, checkDropout } from '../kernels/dropout.js';
import { checkState } from '../kernels/rng.js';
import { uniform } from './rng.js';

/** Dropout in plain TS. */
export const dropoutReference: DropoutKernels = {
  dropoutForward(params, state, x, y, mask) {
    checkDropout(params);
    checkState(state);
    expectLength('y', y, x.length);
    expectLength('mask', mask, x.length);
    const p = Math.fround(params.p);
    const scale = Math.fround(1 / Math.fround(1 - p));
    for (let i = 0; i < x.length; i++) {
      const m = uniform(state) >= p ? scale : 0;
      mask[i] = m;
      y[i] = x[i] * m;
    }
  },
  dropoutBackward(dy, mask, dx) {
    expectLength('mask', mask, dy.length);
    expectLength('dx', dx, dy.length);
    for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * mask[i];
  },
};
