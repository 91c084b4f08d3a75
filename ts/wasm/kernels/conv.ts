/** The conv and pooling kernels on the WASM core: shapes checked here (BAD_SHAPE), loops in Rust. */
import { expectLength } from '../../errors.js';
import { type ConvKernels, type Conv2dParams, type Pool2dParams, checkConv2dBackward, checkConv2dForward, pool2dShape } from '../../kernels/conv.js';
import type { Core } from '../kernel.js';

const convDims = (p: Conv2dParams) => [p.n, p.cIn, p.h, p.w, p.cOut, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw] as const;
const poolDims = (p: Pool2dParams) => [p.n, p.c, p.h, p.w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw] as const;

/** ConvKernels backed by `core`. */
export function convKernels(core: Core): ConvKernels {
  return {
    conv2dForward(p, x, weight, bias, y) {
      checkConv2dForward(p, x, weight, bias, y);
      core.call('conv2d_forward', (c) => [c.in(x), c.in(weight), bias ? c.in(bias) : 0, c.out(y), ...convDims(p)]);
    },

    conv2dBackward(p, x, weight, dy, dx, dweight, dbias) {
      checkConv2dBackward(p, x, weight, dy, dx, dweight, dbias);
      core.call('conv2d_backward', (c) => [
        c.in(x), c.in(weight), c.in(dy), dx ? c.out(dx) : 0, c.out(dweight), dbias ? c.out(dbias) : 0, ...convDims(p),
      ]);
    },

    maxPool2dForward(p, x, y, argmax) {
      const s = pool2dShape(p);
      expectLength('x', x, s.x);
      expectLength('y', y, s.y);
      expectLength('argmax', argmax, s.y);
      core.call('maxpool2d_forward', (c) => [c.in(x), c.out(y), c.out(argmax), ...poolDims(p)]);
    },

    maxPool2dBackward(p, dy, argmax, dx) {
      const s = pool2dShape(p);
      expectLength('dy', dy, s.y);
      expectLength('argmax', argmax, s.y);
      expectLength('dx', dx, s.x);
      core.call('maxpool2d_backward', (c) => [c.in(dy), c.in(argmax), c.out(dx), ...poolDims(p)]);
    },

    avgPool2dForward(p, x, y) {
      const s = pool2dShape(p);
      expectLength('x', x, s.x);
      expectLength('y', y, s.y);
      core.call('avgpool2d_forward', (c) => [c.in(x), c.out(y), ...poolDims(p)]);
    },

    avgPool2dBackward(p, dy, dx) {
      const s = pool2dShape(p);
      expectLength('dy', dy, s.y);
      expectLength('dx', dx, s.x);
      core.call('avgpool2d_backward', (c) => [c.in(dy), c.out(dx), ...poolDims(p)]);
    },
  };
}
