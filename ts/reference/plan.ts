/**
 * The pure-TS twin of the plan executor (crate/src/plan/), built only from the reference kernels:
 * it runs decoded plan words over a batch of n ≤ capacity samples — forward in one of four modes,
 * backward with the fan-in rule, mean softmax cross-entropy, optimiser steps on θ[0, P), Hessian-vector
 * products (the tangent passes of plan-hvp.ts). It is
 * the oracle the WASM plan is tested against, so it favours clarity. See docs/PLAN-FORMAT.md.
 */
import { ModeconnError, expectLength } from '../errors.js';
import type { Conv2dParams, Pool2dParams } from '../kernels/conv.js';
import type { AdamParams, SgdParams } from '../kernels/optim.js';
import { type BatchNormOp, type Conv2dOp, type PoolOp, type Plan, type PlanOp, PlanMode, decodePlan } from '../model/plan-format.js';
import { actReference } from './act.js';
import { convReference } from './conv.js';
import { dropoutReference } from './dropout.js';
import { gemmReference } from './gemm.js';
import { lossReference } from './loss.js';
import { normReference } from './norm.js';
import { optimReference } from './optim.js';
import { tangentHvp } from './plan-hvp.js';

/** The reference kernels the executor runs on (imported one by one: index.ts re-exports this module). */
const k = { ...gemmReference, ...convReference, ...normReference, ...actReference, ...lossReference, ...dropoutReference, ...optimReference };

/** An optimiser step with its state buffers (each of length P, owned by the caller). */
export type OptimizerStep =
  | { kind: 'sgd'; params: SgdParams; momentumBuffer: Float32Array }
  | { kind: 'adam'; params: AdamParams; m: Float32Array; v: Float32Array };

/** Per-sample losses and correctness of a batch, and the mean loss. */
export interface BatchLoss {
  loss: number;
  losses: Float32Array;
  correct: Uint32Array;
}

/** What a forward pass keeps for its backward pass, per op. */
interface Saved {
  mean?: Float32Array;
  invstd?: Float32Array;
  argmax?: Uint32Array;
  mask?: Float32Array;
}

function convParams(op: Conv2dOp, n: number): Conv2dParams {
  const { cIn, h, w, cOut, kh, kw, sh, sw, ph, pw } = op;
  return { n, cIn, h, w, cOut, kh, kw, sh, sw, ph, pw };
}

function poolParams(op: PoolOp, n: number): Pool2dParams {
  const { c, h, w, kh, kw, sh, sw, ph, pw } = op;
  return { n, c, h, w, kh, kw, sh, sw, ph, pw };
}

const MODES: readonly number[] = Object.values(PlanMode);

/** A plan compiled for batches of up to `capacity` samples, with its activation buffers. */
export class ReferencePlan {
  readonly plan: Plan;
  readonly capacity: number;
  readonly #acts: Float32Array[];
  readonly #grads: Float32Array[];
  readonly #saved: Saved[];
  readonly #scratchDy: Float32Array;
  readonly #scratchDx: Float32Array;
  /** γ = 1, β = 0 for BatchNorm without affine parameters (per op). */
  readonly #unitAffine: Map<number, { gamma: Float32Array; beta: Float32Array }> = new Map();
  /** Mode and batch size of the last forward pass (null before the first). */
  #last: { mode: PlanMode; n: number } | null = null;

  constructor(words: Uint32Array, capacity: number) {
    this.plan = decodePlan(words);
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new ModeconnError('BAD_ARGUMENT', `capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    const sizes = this.plan.bufferSizes;
    this.#acts = sizes.map((s) => new Float32Array(capacity * s));
    this.#grads = sizes.map((s, b) => new Float32Array(b === 0 ? 0 : capacity * s));
    const largest = Math.max(...sizes);
    this.#scratchDy = new Float32Array(capacity * largest);
    this.#scratchDx = new Float32Array(capacity * largest);
    this.#saved = this.plan.ops.map((op, i) => {
      if (op.op === 'batchnorm') {
        if (op.gamma === null) this.#unitAffine.set(i, { gamma: new Float32Array(op.c).fill(1), beta: new Float32Array(op.c) });
        return { mean: new Float32Array(op.c), invstd: new Float32Array(op.c) };
      }
      if (op.op === 'maxpool') return { argmax: new Uint32Array(capacity * sizes[op.dst]) };
      if (op.op === 'dropout') return { mask: new Float32Array(capacity * sizes[op.dst]) };
      return {};
    });
  }

  get inputSize(): number {
    return this.plan.bufferSizes[0];
  }

  /** The first n samples of buffer b. */
  #act(b: number, n: number): Float32Array {
    return this.#acts[b].subarray(0, n * this.plan.bufferSizes[b]);
  }

  #checkBatch(params: Float32Array, n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.capacity) {
      throw new ModeconnError('BAD_ARGUMENT', `batch size n must be an integer in [1, ${this.capacity}] (the plan's capacity), got ${n}`);
    }
    expectLength('params', params, this.plan.total);
  }

  /**
   * Runs the plan on `x` `[n, inputSize]` and returns a copy of the logits `[n, classes]`. TRAIN
   * mode draws every dropout mask from `rngState` (advanced in place; op order, then sample-major)
   * and updates the running statistics in `params` by momentum; BN_EXACT folds this batch into an
   * exact average over `seen` samples already in.
   */
  forward(params: Float32Array, x: Float32Array, n: number, mode: PlanMode, rngState: Uint32Array | null = null, seen = 0): Float32Array {
    this.#checkBatch(params, n);
    expectLength('x', x, n * this.inputSize);
    if (!MODES.includes(mode)) throw new ModeconnError('BAD_ARGUMENT', `mode must be 0 (EVAL), 1 (BATCH_STATS), 2 (TRAIN) or 3 (BN_EXACT), got ${mode}`);
    if (!Number.isInteger(seen) || seen < 0) throw new ModeconnError('BAD_ARGUMENT', `seen must be a non-negative integer, got ${seen}`);
    const dropsOut = mode === PlanMode.TRAIN && this.plan.ops.some((op) => op.op === 'dropout');
    if (dropsOut && !(rngState instanceof Uint32Array && rngState.length === 4)) {
      throw new ModeconnError('BAD_ARGUMENT', 'TRAIN mode with dropout needs rngState (a Uint32Array(4) from rngSeed)');
    }
    this.#act(0, n).set(x);
    this.plan.ops.forEach((op, i) => this.#forwardOp(op, i, params, n, mode, rngState, seen));
    this.#last = { mode, n };
    return this.#act(this.plan.outBuf, n).slice();
  }

  #forwardOp(op: PlanOp, i: number, params: Float32Array, n: number, mode: PlanMode, rng: Uint32Array | null, seen: number): void {
    const theta = (off: number, len: number) => params.subarray(off, off + len);
    const src = this.#act(op.src, n);
    const dst = this.#act(op.dst, n);
    const saved = this.#saved[i];
    switch (op.op) {
      case 'dense': {
        // y (n, out) = x (n, in) · Wᵀ + b, W stored (out, in)
        const bias = op.b === null ? null : theta(op.b, op.out);
        k.gemm({ m: n, k: op.in, n: op.out, transB: true, biasAxis: bias ? 'col' : undefined }, src, theta(op.w, op.out * op.in), bias, dst);
        break;
      }
      case 'conv2d':
        k.conv2dForward(convParams(op, n), src, theta(op.wt, op.cOut * op.cIn * op.kh * op.kw), op.b === null ? null : theta(op.b, op.cOut), dst);
        break;
      case 'batchnorm': {
        const { gamma, beta } = this.#affine(op, i, params);
        const shape = { n, c: op.c, s: op.s, eps: op.eps };
        const [mean, variance] = [theta(op.mean, op.c), theta(op.var, op.c)];
        if (mode === PlanMode.EVAL) {
          k.batchnormForwardEval(shape, src, gamma, beta, mean, variance, dst);
        } else {
          const update = mode === PlanMode.TRAIN ? { kind: 'momentum' as const, momentum: op.momentum }
            : mode === PlanMode.BN_EXACT ? { kind: 'average' as const, seen } : { kind: 'frozen' as const };
          k.batchnormForwardTrain({ ...shape, update }, src, gamma, beta, dst, saved.mean!, saved.invstd!, mean, variance);
        }
        break;
      }
      case 'relu':
        k.reluForward(src, dst);
        break;
      case 'maxpool':
        k.maxPool2dForward(poolParams(op, n), src, dst, saved.argmax!.subarray(0, dst.length));
        break;
      case 'avgpool':
        k.avgPool2dForward(poolParams(op, n), src, dst);
        break;
      case 'dropout':
        if (mode === PlanMode.TRAIN) k.dropoutForward({ p: op.p }, rng!, src, dst, saved.mask!.subarray(0, dst.length));
        else dst.set(src);
        break;
      case 'add': {
        const src2 = this.#act(op.src2, n);
        for (let j = 0; j < dst.length; j++) dst[j] = src[j] + src2[j];
        break;
      }
    }
    if ('act' in op && op.act === 1) k.reluForward(dst, dst);
  }

  #affine(op: BatchNormOp, i: number, params: Float32Array): { gamma: Float32Array; beta: Float32Array } {
    const unit = this.#unitAffine.get(i);
    if (unit) return unit;
    return { gamma: params.subarray(op.gamma!, op.gamma! + op.c), beta: params.subarray(op.beta!, op.beta! + op.c) };
  }

  /**
   * Backpropagates `dlogits` `[n, classes]` through the last forward pass (same `params`, same n)
   * and writes d/dθ into `grads` (length total; every entry written, `[P, total)` = 0). Buffer
   * gradients: the first contributor (in reverse op order) writes, later ones accumulate.
   */
  backward(params: Float32Array, dlogits: Float32Array, n: number, grads: Float32Array): void {
    this.#checkBatch(params, n);
    if (this.#last === null || this.#last.n !== n) {
      throw new ModeconnError('BAD_ARGUMENT', `backward needs a forward pass of the same batch first (last forward: ${this.#last ? `n = ${this.#last.n}` : 'none'}, backward: n = ${n})`);
    }
    expectLength('dlogits', dlogits, n * this.plan.classes);
    expectLength('grads', grads, this.plan.total);
    const mode = this.#last.mode;
    grads.fill(0);
    const written = this.plan.bufferSizes.map(() => false);
    const deliver = (b: number, g: Float32Array) => {
      if (b === 0) return; // the input's gradient is not computed
      const target = this.#grads[b].subarray(0, g.length);
      if (written[b]) for (let j = 0; j < g.length; j++) target[j] += g[j];
      else target.set(g);
      written[b] = true;
    };
    deliver(this.plan.outBuf, dlogits);
    for (let i = this.plan.ops.length - 1; i >= 0; i--) {
      const op = this.plan.ops[i];
      // A buffer nobody reads gets no gradient: its op contributes zero gradients.
      if (!written[op.dst]) continue;
      let dy = this.#grads[op.dst].subarray(0, n * this.plan.bufferSizes[op.dst]);
      if ('act' in op && op.act === 1) {
        const pre = this.#scratchDy.subarray(0, dy.length);
        k.reluBackward(dy, this.#act(op.dst, n), pre);
        dy = pre;
      }
      const dx = this.#scratchDx.subarray(0, n * this.plan.bufferSizes[op.src]);
      this.#backwardOp(op, i, params, n, mode, dy, dx, grads);
      if (op.op === 'add') {
        deliver(op.src, dy);
        deliver(op.src2, dy);
      } else {
        deliver(op.src, dx);
      }
    }
  }

  /** Forward in `mode` (default EVAL) and the per-sample softmax cross-entropy against `labels`. */
  evaluate(params: Float32Array, x: Float32Array, labels: Uint32Array, n: number, mode: PlanMode = PlanMode.EVAL, rngState: Uint32Array | null = null, seen = 0): BatchLoss {
    const logits = this.forward(params, x, n, mode, rngState, seen);
    const losses = new Float32Array(n);
    const correct = new Uint32Array(n);
    const loss = k.softmaxXent({ n, classes: this.plan.classes }, logits, labels, losses, correct, null);
    return { loss, losses, correct };
  }

  /** Forward in `mode` (default TRAIN), mean loss, and its gradient d/dθ written into `grads` (length total). */
  gradient(params: Float32Array, x: Float32Array, labels: Uint32Array, n: number, grads: Float32Array, mode: PlanMode = PlanMode.TRAIN, rngState: Uint32Array | null = null): BatchLoss {
    const logits = this.forward(params, x, n, mode, rngState);
    const losses = new Float32Array(n);
    const correct = new Uint32Array(n);
    const dlogits = new Float32Array(n * this.plan.classes);
    const loss = k.softmaxXent({ n, classes: this.plan.classes }, logits, labels, losses, correct, dlogits);
    this.backward(params, dlogits, n, grads);
    return { loss, losses, correct };
  }

  /**
   * H·v of the mean loss over the batch in mode EVAL or BATCH_STATS (dropout off, running statistics
   * fixed): forward, backward, then the tangent passes (reference/plan-hvp.ts). `v` has θ's length;
   * its entries past P are ignored and H·v is 0 there. Also returns the loss and the gradient.
   */
  hvp(params: Float32Array, v: Float32Array, x: Float32Array, labels: Uint32Array, n: number, mode: PlanMode = PlanMode.EVAL): BatchLoss & { hv: Float32Array; grads: Float32Array } {
    if (mode !== PlanMode.EVAL && mode !== PlanMode.BATCH_STATS) throw new ModeconnError('BAD_ARGUMENT', `Hessian-vector products take mode 0 (EVAL) or 1 (BATCH_STATS), got ${mode}`);
    expectLength('v', v, this.plan.total);
    const grads = new Float32Array(this.plan.total);
    const result = this.gradient(params, x, labels, n, grads, mode);
    const hv = tangentHvp({
      plan: this.plan, params, v, n, mode,
      act: (b) => this.#act(b, n),
      grad: (b) => this.#grads[b].subarray(0, n * this.plan.bufferSizes[b]),
      saved: (i) => this.#saved[i],
    });
    return { ...result, hv, grads };
  }

  /**
   * One training step in place: TRAIN-mode forward (running statistics updated, dropout from
   * `rngState`), mean loss, backward, then the optimiser on θ[0, P) only. `grads` (length total)
   * receives the gradient; the optimiser's buffers have length P.
   */
  trainStep(params: Float32Array, x: Float32Array, labels: Uint32Array, n: number, optimizer: OptimizerStep, grads: Float32Array, rngState: Uint32Array | null = null): BatchLoss {
    const result = this.gradient(params, x, labels, n, grads, PlanMode.TRAIN, rngState);
    const P = this.plan.P;
    const [weights, g] = [params.subarray(0, P), grads.subarray(0, P)];
    if (optimizer.kind === 'sgd') k.sgdStep(optimizer.params, weights, g, optimizer.momentumBuffer);
    else if (optimizer.kind === 'adam') k.adamStep(optimizer.params, weights, g, optimizer.m, optimizer.v);
    else throw new ModeconnError('BAD_ARGUMENT', `unknown optimizer ${(optimizer as { kind: string }).kind}`);
    return result;
  }

  /** Writes op i's input gradient into dx (unless the op reads the input) and its parameter gradients into grads. */
  #backwardOp(op: PlanOp, i: number, params: Float32Array, n: number, mode: PlanMode, dy: Float32Array, dx: Float32Array, grads: Float32Array): void {
    const theta = (a: Float32Array, off: number, len: number) => a.subarray(off, off + len);
    const src = this.#act(op.src, n);
    const wantDx = op.src !== 0 ? dx : null;
    const saved = this.#saved[i];
    switch (op.op) {
      case 'dense': {
        const wLen = op.out * op.in;
        // dW (out, in) = dyᵀ · x;  dx (n, in) = dy · W;  db = Σ over samples of dy
        k.gemm({ m: op.out, k: n, n: op.in, transA: true }, dy, src, null, theta(grads, op.w, wLen));
        if (wantDx) k.gemm({ m: n, k: op.out, n: op.in }, dy, theta(params, op.w, wLen), null, wantDx);
        if (op.b !== null) {
          const db = theta(grads, op.b, op.out);
          for (let o = 0; o < op.out; o++) {
            let sum = 0;
            for (let s = 0; s < n; s++) sum += dy[s * op.out + o];
            db[o] = sum;
          }
        }
        break;
      }
      case 'conv2d': {
        const [wLen, b] = [op.cOut * op.cIn * op.kh * op.kw, op.b];
        k.conv2dBackward(convParams(op, n), src, theta(params, op.wt, wLen), dy, wantDx, theta(grads, op.wt, wLen), b === null ? null : theta(grads, b, op.cOut));
        break;
      }
      case 'batchnorm': {
        const { gamma } = this.#affine(op, i, params);
        const affine = op.gamma !== null && op.beta !== null;
        const dgamma = affine ? theta(grads, op.gamma!, op.c) : new Float32Array(op.c);
        const dbeta = affine ? theta(grads, op.beta!, op.c) : new Float32Array(op.c);
        const shape = { n, c: op.c, s: op.s };
        if (mode === PlanMode.EVAL) {
          k.batchnormBackwardEval({ ...shape, eps: op.eps }, src, dy, gamma, theta(params, op.mean, op.c), theta(params, op.var, op.c), dx, dgamma, dbeta);
        } else {
          k.batchnormBackward(shape, src, dy, gamma, saved.mean!, saved.invstd!, dx, dgamma, dbeta);
        }
        break;
      }
      case 'relu':
        k.reluBackward(dy, this.#act(op.dst, n), dx);
        break;
      case 'maxpool':
        k.maxPool2dBackward(poolParams(op, n), dy, saved.argmax!.subarray(0, dy.length), dx);
        break;
      case 'avgpool':
        k.avgPool2dBackward(poolParams(op, n), dy, dx);
        break;
      case 'dropout':
        if (mode === PlanMode.TRAIN) k.dropoutBackward(dy, saved.mask!.subarray(0, dy.length), dx);
        else dx.set(dy);
        break;
      case 'add':
        break; // the caller routes dy to both inputs
    }
  }
}
