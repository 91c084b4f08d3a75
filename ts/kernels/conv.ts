/**
 * 2-D convolution and pooling kernels (PyTorch semantics, NCHW, floor mode).
 *
 * conv2d: x `[n, cIn, h, w]`, weight `[cOut, cIn, kh, kw]`, bias `[cOut]` → y `[n, cOut, oh, ow]`
 * with oh = (h + 2·ph − kh)/sh + 1, zero padding. Pooling: x `[n, c, h, w]` → y `[n, c, oh, ow]`,
 * padding at most half the window. Flatten needs no kernel: `[n, c, h, w]` is already `[n, c·h·w]`.
 */
import { ModeconnError, expectDims, expectLength } from '../errors.js';

/** Geometry of a 2-D convolution: batch, channels, input size, kernel, stride and padding. */
export interface Conv2dParams {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/** Geometry of a 2-D pooling: batch, channels, input size, window, stride and padding. */
export interface Pool2dParams {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

/** Output size and buffer lengths of a convolution. */
export interface Conv2dShape {
  oh: number;
  ow: number;
  /** n·cIn·h·w */
  x: number;
  /** cOut·cIn·kh·kw */
  weight: number;
  /** n·cOut·oh·ow */
  y: number;
}

/** Output size and buffer lengths of a pooling (`y` is also the argmax length). */
export interface Pool2dShape {
  oh: number;
  ow: number;
  x: number;
  y: number;
}

function outLen(axis: string, size: number, k: number, stride: number, pad: number): number {
  if (size + 2 * pad < k) {
    throw new ModeconnError('BAD_SHAPE', `kernel ${axis} = ${k} is larger than the padded input (${size} + 2·${pad})`);
  }
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

function positive(dims: Record<string, number>): void {
  expectDims(dims);
  for (const [name, value] of Object.entries(dims)) {
    if (value === 0) throw new ModeconnError('BAD_ARGUMENT', `${name} must be at least 1`);
  }
}

/** Validates a convolution's geometry (BAD_ARGUMENT / BAD_SHAPE) and returns its output size. */
export function conv2dShape(p: Conv2dParams): Conv2dShape {
  expectDims({ n: p.n, ph: p.ph, pw: p.pw });
  positive({ cIn: p.cIn, h: p.h, w: p.w, cOut: p.cOut, kh: p.kh, kw: p.kw, sh: p.sh, sw: p.sw });
  const oh = outLen('height', p.h, p.kh, p.sh, p.ph);
  const ow = outLen('width', p.w, p.kw, p.sw, p.pw);
  return { oh, ow, x: p.n * p.cIn * p.h * p.w, weight: p.cOut * p.cIn * p.kh * p.kw, y: p.n * p.cOut * oh * ow };
}

/** conv2dShape, then the lengths of conv2dForward's buffers (BAD_SHAPE naming the buffer). */
export function checkConv2dForward(...[p, x, weight, bias, y]: Parameters<ConvKernels['conv2dForward']>): Conv2dShape {
  const s = conv2dShape(p);
  expectLength('x', x, s.x);
  expectLength('weight', weight, s.weight);
  if (bias) expectLength('bias', bias, p.cOut);
  expectLength('y', y, s.y);
  return s;
}

/** conv2dShape, then the lengths of conv2dBackward's buffers (BAD_SHAPE naming the buffer). */
export function checkConv2dBackward(...[p, x, weight, dy, dx, dweight, dbias]: Parameters<ConvKernels['conv2dBackward']>): Conv2dShape {
  const s = conv2dShape(p);
  expectLength('x', x, s.x);
  expectLength('weight', weight, s.weight);
  expectLength('dy', dy, s.y);
  if (dx) expectLength('dx', dx, s.x);
  expectLength('dweight', dweight, s.weight);
  if (dbias) expectLength('dbias', dbias, p.cOut);
  return s;
}

/** Validates a pooling's geometry (padding ≤ half the window) and returns its output size. */
export function pool2dShape(p: Pool2dParams): Pool2dShape {
  expectDims({ n: p.n, ph: p.ph, pw: p.pw });
  positive({ c: p.c, h: p.h, w: p.w, kh: p.kh, kw: p.kw, sh: p.sh, sw: p.sw });
  if (2 * p.ph > p.kh || 2 * p.pw > p.kw) {
    throw new ModeconnError('BAD_ARGUMENT', `pooling padding (${p.ph}, ${p.pw}) must be at most half the window (${p.kh}, ${p.kw})`);
  }
  const oh = outLen('height', p.h, p.kh, p.sh, p.ph);
  const ow = outLen('width', p.w, p.kw, p.sw, p.pw);
  return { oh, ow, x: p.n * p.c * p.h * p.w, y: p.n * p.c * oh * ow };
}

/** Convolution and pooling kernels; outputs are overwritten, never accumulated. */
export interface ConvKernels {
  /** y `[n, cOut, oh, ow]` = conv2d(x, weight) + bias (`null` = no bias). */
  conv2dForward(p: Conv2dParams, x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array): void;
  /**
   * Gradients of conv2dForward from dy `[n, cOut, oh, ow]`: dx `[n, cIn, h, w]` (`null` skips it,
   * e.g. for the first layer), dweight `[cOut, cIn, kh, kw]`, dbias `[cOut]` (`null` skips it).
   */
  conv2dBackward(
    p: Conv2dParams,
    x: Float32Array,
    weight: Float32Array,
    dy: Float32Array,
    dx: Float32Array | null,
    dweight: Float32Array,
    dbias: Float32Array | null,
  ): void;
  /** y = window maxima (padding = −∞); argmax = index of each maximum in its `h·w` plane. */
  maxPool2dForward(p: Pool2dParams, x: Float32Array, y: Float32Array, argmax: Uint32Array): void;
  /** dx `[n, c, h, w]` = dy routed to the argmax positions of maxPool2dForward. */
  maxPool2dBackward(p: Pool2dParams, dy: Float32Array, argmax: Uint32Array, dx: Float32Array): void;
  /** y = window sums / (kh·kw), padding counted as zeros (count_include_pad). */
  avgPool2dForward(p: Pool2dParams, x: Float32Array, y: Float32Array): void;
  /** dx `[n, c, h, w]` = each dy / (kh·kw) spread over its window. */
  avgPool2dBackward(p: Pool2dParams, dy: Float32Array, dx: Float32Array): void;
}
