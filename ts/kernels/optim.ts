/**
 * Optimiser steps on a flat parameter vector with the semantics of torch.optim.SGD and
 * torch.optim.Adam / AdamW. `weights`, `grads` and the state buffers all have the same length and
 * are updated in place; hyper-parameters are rounded to f32.
 *
 * SGD:  g = grad + wd·w;  buf = first ? g : momentum·buf + (1 − dampening)·g;
 *       g = nesterov ? g + momentum·buf : buf;  w = w − lr·g
 * Adam: g = grad + wd·w (Adam) or w = w·(1 − lr·wd) (AdamW, `decoupled`);
 *       m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
 *       w = w − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)
 */
import { ModeconnError, expectLength } from '../errors.js';

export interface SgdParams {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** The first step with this momentum buffer: PyTorch sets `buf = g` instead of blending. */
  first: boolean;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW's decoupled weight decay instead of Adam's L2 term. */
  decoupled: boolean;
  /** The 1-based step number of this update. */
  step: number;
}

export interface OptimKernels {
  /** One SGD step; `momentumBuffer` is read and written only when momentum ≠ 0 (else may be empty). */
  sgdStep(params: SgdParams, weights: Float32Array, grads: Float32Array, momentumBuffer: Float32Array): void;
  /** One Adam / AdamW step; `m`, `v` are the first and second moment buffers (zero before step 1). */
  adamStep(params: AdamParams, weights: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array): void;
}

function bad(message: string): never {
  throw new ModeconnError('BAD_ARGUMENT', message);
}

const f32 = Math.fround;
const finiteNonNeg = (x: number) => Number.isFinite(f32(x)) && f32(x) >= 0;

/** PyTorch's argument checks for SGD (BAD_ARGUMENT), then the buffers' lengths (BAD_SHAPE). */
export function checkSgd(...[p, weights, grads, momentumBuffer]: Parameters<OptimKernels['sgdStep']>): void {
  if (!finiteNonNeg(p.lr)) bad(`SGD lr must be finite and ≥ 0, got ${p.lr}`);
  if (!finiteNonNeg(p.momentum)) bad(`SGD momentum must be finite and ≥ 0, got ${p.momentum}`);
  if (!Number.isFinite(f32(p.dampening))) bad(`SGD dampening must be finite, got ${p.dampening}`);
  if (!finiteNonNeg(p.weightDecay)) bad(`SGD weightDecay must be finite and ≥ 0, got ${p.weightDecay}`);
  if (p.nesterov && !(f32(p.momentum) > 0 && f32(p.dampening) === 0)) {
    bad('SGD nesterov needs momentum > 0 and dampening 0');
  }
  expectLength('grads', grads, weights.length);
  if (f32(p.momentum) !== 0) expectLength('momentumBuffer', momentumBuffer, weights.length);
}

/** PyTorch's argument checks for Adam (BAD_ARGUMENT), then the buffers' lengths (BAD_SHAPE). */
export function checkAdam(...[p, weights, grads, m, v]: Parameters<OptimKernels['adamStep']>): void {
  if (!finiteNonNeg(p.lr)) bad(`Adam lr must be finite and ≥ 0, got ${p.lr}`);
  if (!finiteNonNeg(p.eps)) bad(`Adam eps must be finite and ≥ 0, got ${p.eps}`);
  if (!finiteNonNeg(p.weightDecay)) bad(`Adam weightDecay must be finite and ≥ 0, got ${p.weightDecay}`);
  for (const [name, b] of [['beta1', p.beta1], ['beta2', p.beta2]] as const) {
    if (!(f32(b) >= 0 && f32(b) < 1)) bad(`Adam ${name} must be in [0, 1), got ${b}`);
  }
  if (!Number.isInteger(p.step) || p.step < 1 || p.step > 0xffffffff) bad(`Adam step must be an integer ≥ 1, got ${p.step}`);
  for (const [name, buf] of [['grads', grads], ['m', m], ['v', v]] as const) expectLength(name, buf, weights.length);
}
