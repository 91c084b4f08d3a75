/**
 * Vector kernels over resident buffers: blends, axpy, scale, dot, distances and optimiser steps on
 * blocks that stay in WASM memory (θ, gradients, bends, optimiser state), by pointer, with no copies.
 * `length` defaults to the whole block; a shorter length works on the block's prefix (for example the
 * trainable part of θ). Only this module and the engine turn a Buf into a pointer.
 */
import { ModeconnError } from '../errors.js';
import type { AdamParams, SgdParams } from '../kernels/optim.js';
import type { Buf, Core } from './kernel.js';

function prefix(name: string, buf: Buf, length: number): number {
  if (!Number.isInteger(length) || length < 0 || length > buf.length) {
    throw new ModeconnError('BAD_SHAPE', `${name}: ${length} values asked of a block of ${buf.length}`);
  }
  return length;
}

/** Resident-vector kernels on `core` (see the module header). */
export class ResidentOps {
  constructor(readonly core: Core) {}

  /** out[0, length) = Σ_j coeffs[j]·points[j][0, length): one `vec_blend` call. */
  blend(points: readonly Buf[], coeffs: Float32Array, out: Buf, length = out.length): void {
    if (coeffs.length !== points.length) throw new ModeconnError('BAD_SHAPE', `blend: ${coeffs.length} coefficients for ${points.length} points`);
    for (const p of points) prefix('blend point', p, length);
    prefix('blend output', out, length);
    this.core.call('vec_blend', (s) => [s.ptrs(points.map((p) => p.ptr)), s.in(coeffs), points.length, out.ptr, length]);
  }

  /** y += a·x over the first `length` values. */
  axpy(x: Buf, y: Buf, a: number, length = y.length): void {
    this.core.invokeChecked('vec_axpy', x.ptr, y.ptr, prefix('axpy', x, prefix('axpy', y, length)), a);
  }

  /** x *= a over the first `length` values. */
  scale(x: Buf, a: number, length = x.length): void {
    this.core.invokeChecked('vec_scale', x.ptr, prefix('scale', x, length), a);
  }

  /** Σ x·y over the first `length` values (f64 accumulation). */
  dot(x: Buf, y: Buf, length = x.length): number {
    const out = new Float64Array(1);
    this.core.call('vec_dot', (s) => [x.ptr, y.ptr, prefix('dot', y, prefix('dot', x, length)), s.out(out)]);
    return out[0];
  }

  /** ‖x − y‖ over the first `length` values (f64 accumulation). */
  distance(x: Buf, y: Buf, length = x.length): number {
    const out = new Float64Array(1);
    this.core.call('vec_dist2', (s) => [x.ptr, y.ptr, prefix('distance', y, prefix('distance', x, length)), s.out(out)]);
    return Math.sqrt(out[0]);
  }

  /** One SGD step (PyTorch semantics) on params[0, length); `momentum` is the buffer, unused when p.momentum is 0. */
  sgdStep(p: SgdParams, params: Buf, grads: Buf, momentum: Buf | null, length = params.length): void {
    const n = prefix('sgd params', params, prefix('sgd grads', grads, length));
    const buffer = p.momentum !== 0 && momentum ? momentum.ptr : 0;
    if (p.momentum !== 0 && !momentum) throw new ModeconnError('BAD_ARGUMENT', 'SGD with momentum needs a momentum buffer');
    this.core.invokeChecked('sgd_step', params.ptr, grads.ptr, buffer, n, p.lr, p.momentum, p.dampening, p.weightDecay, p.nesterov ? 1 : 0, p.first ? 1 : 0);
  }

  /** One Adam/AdamW step on params[0, length) with moment buffers m and v. */
  adamStep(p: AdamParams, params: Buf, grads: Buf, m: Buf, v: Buf, length = params.length): void {
    const n = prefix('adam params', params, prefix('adam grads', grads, prefix('adam m', m, prefix('adam v', v, length))));
    this.core.invokeChecked('adam_step', params.ptr, grads.ptr, m.ptr, v.ptr, n, p.step, p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.decoupled ? 1 : 0);
  }
}
