/** Vector ops on the WASM core: shapes checked here, loops (simd128) in Rust. */
import { expectLength } from '../../errors.js';
import { type BlendKernels, checkBlend } from '../../kernels/blend.js';
import type { Core } from '../kernel.js';

/** BlendKernels backed by `core`. */
export function blendKernels(core: Core): BlendKernels {
  return {
    vecAxpy({ a }, x, y) {
      expectLength('y', y, x.length);
      core.call('vec_axpy', (s) => [s.in(x), s.inout(y), x.length, a]);
    },
    vecScale({ a }, x) {
      core.call('vec_scale', (s) => [s.inout(x), x.length, a]);
    },
    vecBlend(coeffs, thetas, out) {
      checkBlend(coeffs, thetas, out);
      core.call('vec_blend', (s) => [s.ptrs(thetas.map((t) => s.in(t))), s.in(coeffs), thetas.length, s.out(out), out.length]);
    },
    vecDot(x, y, out) {
      expectLength('y', y, x.length);
      expectLength('out', out, 1);
      core.call('vec_dot', (s) => [s.in(x), s.in(y), x.length, s.out(out)]);
    },
    vecNorm2(x, out) {
      expectLength('out', out, 1);
      core.call('vec_norm2', (s) => [s.in(x), x.length, s.out(out)]);
    },
    vecMaxabs(x, out) {
      expectLength('out', out, 1);
      core.call('vec_maxabs', (s) => [s.in(x), x.length, s.out(out)]);
    },
    vecDist2(x, y, out) {
      expectLength('y', y, x.length);
      expectLength('out', out, 1);
      core.call('vec_dist2', (s) => [s.in(x), s.in(y), x.length, s.out(out)]);
    },
  };
}
