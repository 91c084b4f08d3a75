/**
 * Gradient checks: central finite differences of L = Σ r_i y_i against the backward kernels, for
 * conv2d (input, weight, bias), max pooling (distinct inputs, spaced wider than the step, so no
 * argmax flips) and average pooling; on the WASM core and on the twin. All are piecewise linear,
 * so the only error is f32 rounding: tolerance rtol 1e-3, atol 3e-4.
 */
import { describe, it } from 'vitest';
import { type Conv2dParams, type Pool2dParams, conv2dShape, pool2dShape } from '../../ts/kernels/conv.js';
import { expectClose, randomArray } from '../helpers/close.js';
import { dot, kernelSides, numericGrad } from './helpers.js';

const TOL = { rtol: 1e-3, atol: 3e-4 };
/** Distinct values (a shuffled ramp with step 0.01), so max pooling has no ties. */
function distinct(length: number, seed: number): Float32Array {
  const order = randomArray(length, seed);
  const idx = Array.from({ length }, (_, i) => i).sort((a, b) => order[a] - order[b]);
  const out = new Float32Array(length);
  idx.forEach((j, rank) => {
    out[j] = (rank - length / 2) * 0.01;
  });
  return out;
}

const convCases: [string, Conv2dParams][] = [
  ['3x3, stride 1, padding 1', { n: 2, cIn: 2, h: 5, w: 4, cOut: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }],
  ['3x3, stride 2, padding (1, 0)', { n: 1, cIn: 3, h: 6, w: 7, cOut: 2, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 0 }],
  ['1x1 fast path', { n: 2, cIn: 3, h: 3, w: 2, cOut: 2, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 }],
  ['5x5, padding 2', { n: 1, cIn: 2, h: 6, w: 5, cOut: 2, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2 }],
];

const poolCases: [string, Pool2dParams][] = [
  ['2x2, stride 2', { n: 2, c: 2, h: 5, w: 4, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 }],
  ['3x3, stride 2, padding 1', { n: 1, c: 3, h: 7, w: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 }],
  ['3x3, stride 1, padding 1 (overlapping)', { n: 1, c: 2, h: 4, w: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }],
];

describe.each(kernelSides())('gradients (%s)', (_name, kernels) => {
  it.each(convCases)('conv2d %s: input, weight, bias', (_case, p) => {
    const k = kernels();
    const s = conv2dShape(p);
    const x = randomArray(s.x, 1);
    const weight = randomArray(s.weight, 2);
    const bias = randomArray(p.cOut, 3);
    const r = randomArray(s.y, 4);
    const y = new Float32Array(s.y);
    const loss = () => {
      k.conv2dForward(p, x, weight, bias, y);
      return dot(r, y);
    };
    const dx = new Float32Array(s.x);
    const dw = new Float32Array(s.weight);
    const db = new Float32Array(p.cOut);
    k.conv2dBackward(p, x, weight, r, dx, dw, db);
    expectClose(dx, numericGrad(x, 0.05, loss), TOL);
    expectClose(dw, numericGrad(weight, 0.05, loss), TOL);
    expectClose(db, numericGrad(bias, 0.05, loss), TOL);
  });

  it.each(poolCases)('max pooling %s', (_case, p) => {
    const k = kernels();
    const s = pool2dShape(p);
    const x = distinct(s.x, 5);
    const r = randomArray(s.y, 6);
    const y = new Float32Array(s.y);
    const argmax = new Uint32Array(s.y);
    const loss = () => {
      k.maxPool2dForward(p, x, y, argmax);
      return dot(r, y);
    };
    loss();
    const dx = new Float32Array(s.x);
    k.maxPool2dBackward(p, r, argmax, dx);
    expectClose(dx, numericGrad(x, 1e-3, loss), TOL);
  });

  it.each(poolCases)('average pooling %s', (_case, p) => {
    const k = kernels();
    const s = pool2dShape(p);
    const x = randomArray(s.x, 7);
    const r = randomArray(s.y, 8);
    const y = new Float32Array(s.y);
    const loss = () => {
      k.avgPool2dForward(p, x, y);
      return dot(r, y);
    };
    const dx = new Float32Array(s.x);
    k.avgPool2dBackward(p, r, dx);
    expectClose(dx, numericGrad(x, 0.05, loss), TOL);
  });
});
