/**
 * Optimisers on resident vectors: the words `plan_train_step` takes for an OptimizerConfig, and a
 * per-vector optimiser (SGD with momentum/Nesterov/weight decay, Adam/AdamW; PyTorch semantics) for
 * the loops that update vectors other than a model's θ (curve bends, simplex vertices, NEB pivots).
 */
import { ModeconnError } from '../errors.js';
import type { Buf } from '../wasm/kernel.js';
import type { ResidentOps } from '../wasm/resident.js';
import type { OptimizerConfig } from './training-options.js';

/** The optimiser as `plan_train_step` takes it: kind (0 SGD, 1 Adam), hyper-parameters, state buffers. */
export function optimizerWords(opt: OptimizerConfig): { kind: number; hyper: Float32Array; buffers: number } {
  if (opt.type === 'sgd') {
    const momentum = opt.momentum ?? 0;
    const hyper = Float32Array.of(opt.lr, momentum, opt.dampening ?? 0, opt.weightDecay ?? 0, opt.nesterov ? 1 : 0);
    return { kind: 0, hyper, buffers: momentum === 0 ? 0 : 1 };
  }
  if (opt.type === 'adam') {
    const hyper = Float32Array.of(opt.lr, opt.beta1 ?? 0.9, opt.beta2 ?? 0.999, opt.eps ?? 1e-8, opt.weightDecay ?? 0, opt.decoupled ? 1 : 0);
    return { kind: 1, hyper, buffers: 2 };
  }
  throw new ModeconnError('BAD_ARGUMENT', `unknown optimizer ${JSON.stringify((opt as { type: unknown }).type)}; use sgd or adam`);
}

/** Optimiser state for the first `length` values of one resident vector. Call `free()` when done. */
export class VectorOptimizer {
  readonly #ops: ResidentOps;
  readonly #opt: OptimizerConfig;
  readonly #length: number;
  readonly #weightDecay: number;
  readonly #a: Buf;
  readonly #b: Buf;

  /** `weightDecay` overrides the config's (default: the config's, else 0). */
  constructor(ops: ResidentOps, opt: OptimizerConfig, length: number, weightDecay?: number) {
    optimizerWords(opt);
    this.#ops = ops;
    this.#opt = opt;
    this.#length = length;
    this.#weightDecay = weightDecay ?? opt.weightDecay ?? 0;
    const first = opt.type === 'adam' || (opt.momentum ?? 0) !== 0;
    this.#a = ops.core.allocF32(first ? length : 0);
    this.#b = ops.core.allocF32(opt.type === 'adam' ? length : 0);
  }

  /** params[0, length) takes one step along grads at learning rate `lr`; `step` is 1-based. */
  step(params: Buf, grads: Buf, lr: number, step: number): void {
    const opt = this.#opt;
    if (opt.type === 'sgd') {
      const momentum = opt.momentum ?? 0;
      this.#ops.sgdStep({ lr, momentum, dampening: opt.dampening ?? 0, weightDecay: this.#weightDecay, nesterov: !!opt.nesterov, first: step === 1 },
        params, grads, momentum !== 0 ? this.#a : null, this.#length);
    } else {
      this.#ops.adamStep({ lr, step, beta1: opt.beta1 ?? 0.9, beta2: opt.beta2 ?? 0.999, eps: opt.eps ?? 1e-8, weightDecay: this.#weightDecay, decoupled: !!opt.decoupled },
        params, grads, this.#a, this.#b, this.#length);
    }
  }

  free(): void {
    this.#ops.core.free(this.#a);
    this.#ops.core.free(this.#b);
  }
}
