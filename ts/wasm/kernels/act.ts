/** ReLU kernels on the WASM core; in-place calls pass one buffer for both arguments. */
import { ModeconnError, expectLength } from '../../errors.js';
import type { ActKernels } from '../../kernels/act.js';
import type { Core } from '../kernel.js';

function checkLength(length: number): void {
  if (length > 0x3fffffff) throw new ModeconnError('BAD_SHAPE', `ReLU input of ${length} values is too large`);
}

export function actKernels(core: Core): ActKernels {
  return {
    reluForward(x, y) {
      expectLength('y', y, x.length);
      checkLength(x.length);
      if (x.length === 0) return;
      core.call('relu_forward', (s) => {
        if (x === y) {
          const p = s.inout(y);
          return [p, p, x.length];
        }
        return [s.in(x), s.out(y), x.length];
      });
    },
    reluBackward(dy, mask, dx) {
      expectLength('mask', mask, dy.length);
      expectLength('dx', dx, dy.length);
      checkLength(dy.length);
      if (dy.length === 0) return;
      core.call('relu_backward', (s) => {
        // The mask is copied in first, so even dx === mask works on separate scratch.
        const m = s.in(mask);
        if (dx === dy) {
          const p = s.inout(dx);
          return [p, m, p, dy.length];
        }
        return [s.in(dy), m, s.out(dx), dy.length];
      });
    },
  };
}
