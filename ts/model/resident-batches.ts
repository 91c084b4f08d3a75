/**
 * Minibatches on the engine: a data set resident in WASM, one epoch's sample order, a dropout stream
 * and the batch outputs (per-sample losses, correctness, mean loss). Gradient calls (forward + loss +
 * backward, one `plan_gradient`) and fused training steps (+ optimiser, one `plan_train_step`) run on
 * the samples order[start, start + n) with θ, gradients and optimiser state in resident blocks.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Buf } from '../wasm/kernel.js';
import type { CompiledArch } from './compile.js';
import { type Engine, type ForwardMode, MODE_CODE, rngState } from './engine.js';

/** A batch's mean loss and how many of its samples were classified right. */
export interface BatchOutcome {
  loss: number;
  right: number;
}

/** The optimiser of a fused step: `optimizerWords` plus resident state blocks (size 0 when unused). */
export interface FusedOptimizer {
  kind: number;
  hyper: Float32Array;
  stateA: Buf;
  stateB: Buf;
}

/** See the module header. Call `free()` when done. */
export class ResidentBatches {
  readonly #engine: Engine;
  readonly #compiled: CompiledArch;
  readonly #data: DataSet;
  readonly #handle: number;
  readonly #capacity: number;
  readonly #bufs: { order: Buf; rng: Buf; losses: Buf; correct: Buf; mean: Buf; hyper: Buf };

  /** Batches of at most `capacity` samples; the dropout stream is `rngState(seed, stream)`. */
  constructor(engine: Engine, compiled: CompiledArch, data: DataSet, capacity: number, seed: number, stream: number) {
    const core = engine.core;
    this.#engine = engine;
    this.#compiled = compiled;
    this.#data = data;
    this.#capacity = capacity;
    engine.upload(data, compiled);
    this.#handle = engine.plan(compiled, capacity);
    this.#bufs = {
      order: core.allocU32(data.n),
      rng: core.allocU32(4),
      losses: core.allocF32(capacity),
      correct: core.allocU32(capacity),
      mean: core.allocF32(1),
      hyper: core.allocF32(8),
    };
    core.u32(this.#bufs.rng).set(rngState(seed, stream));
  }

  /** The sample order the ranges index (one epoch's shuffle). */
  setOrder(order: Uint32Array): void {
    if (order.length !== this.#data.n) throw new ModeconnError('BAD_SHAPE', `an order of ${order.length} samples for a data set of ${this.#data.n}`);
    this.#engine.core.u32(this.#bufs.order).set(order);
  }

  #range(start: number, n: number): void {
    if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 1 || n > this.#capacity || start + n > this.#data.n) {
      throw new ModeconnError('BAD_ARGUMENT', `batch ${start} .. ${start + n} is not a range of at most ${this.#capacity} of ${this.#data.n} samples`);
    }
  }

  #outcome(n: number): BatchOutcome {
    const core = this.#engine.core;
    return { loss: core.f32(this.#bufs.mean)[0], right: core.u32(this.#bufs.correct).subarray(0, n).reduce((a, b) => a + b, 0) };
  }

  /** grads = ∇(mean loss) at θ over order[start, start + n) in `mode` (train: batch statistics, dropout). */
  gradient(theta: Buf, grads: Buf, start: number, n: number, mode: ForwardMode): BatchOutcome {
    this.#range(start, n);
    const total = this.#compiled.totalLength;
    if (theta.length < total || grads.length < total) throw new ModeconnError('BAD_SHAPE', `θ and gradient blocks need ${total} values`);
    const device = this.#engine.upload(this.#data, this.#compiled);
    const b = this.#bufs;
    this.#engine.core.invokeChecked('plan_gradient', this.#handle, theta.ptr, grads.ptr, total, device.x.ptr, device.y.ptr, this.#data.n,
      b.order.ptr + 4 * start, n, MODE_CODE[mode], 0, b.rng.ptr, b.losses.ptr, b.correct.ptr, b.mean.ptr);
    return this.#outcome(n);
  }

  /** One fused training step over order[start, start + n): forward, loss, backward, optimiser (`step` is 1-based). */
  trainStep(theta: Buf, grads: Buf, opt: FusedOptimizer, lr: number, step: number, start: number, n: number): BatchOutcome {
    this.#range(start, n);
    const total = this.#compiled.totalLength;
    const device = this.#engine.upload(this.#data, this.#compiled);
    const core = this.#engine.core;
    const b = this.#bufs;
    opt.hyper[0] = lr;
    core.f32(b.hyper).set(opt.hyper);
    core.invokeChecked('plan_train_step', this.#handle, theta.ptr, grads.ptr, total, opt.kind, b.hyper.ptr,
      opt.stateA.length ? opt.stateA.ptr : 0, opt.stateB.length ? opt.stateB.ptr : 0, step,
      device.x.ptr, device.y.ptr, this.#data.n, b.order.ptr + 4 * start, n, b.rng.ptr, b.losses.ptr, b.correct.ptr, b.mean.ptr);
    return this.#outcome(n);
  }

  /** The dropout stream's state now (to continue it elsewhere). */
  rngState(): Uint32Array {
    return this.#engine.core.u32(this.#bufs.rng).slice();
  }

  /** Continues the dropout stream from `state` (4 words). */
  setRngState(state: Uint32Array): void {
    if (state.length !== 4) throw new ModeconnError('BAD_SHAPE', `a PRNG state has 4 words, got ${state.length}`);
    this.#engine.core.u32(this.#bufs.rng).set(state);
  }

  free(): void {
    for (const buf of Object.values(this.#bufs)) this.#engine.core.free(buf);
  }
}
