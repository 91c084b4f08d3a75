/**
 * The WASM side of models: compiled plans, data sets and parameter vectors resident in the core's
 * memory, and one ABI call per batch (forward + per-sample loss, or forward + backward + optimiser
 * step). Data sets are uploaded once per core and gathered by index inside WASM.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Buf, Core } from '../wasm/kernel.js';
import { getCore } from '../wasm/kernel.js';
import { ResidentOps } from '../wasm/resident.js';
import type { CompiledArch } from './compile.js';
import { PlanMode } from './plan-format.js';
import { rngState } from '../kernels/xoshiro.js';

export { rngState };

/** How BatchNorm and dropout behave in a forward pass (docs/PLAN-FORMAT.md, "Modes"). */
export type ForwardMode = 'eval' | 'batch-stats' | 'train' | 'bn-exact';

/** The plan's code for each forward mode. */
export const MODE_CODE: Record<ForwardMode, number> = {
  eval: PlanMode.EVAL,
  'batch-stats': PlanMode.BATCH_STATS,
  train: PlanMode.TRAIN,
  'bn-exact': PlanMode.BN_EXACT,
};

/** A data set in WASM memory: samples, labels and the identity order 0..n-1. */
export interface DeviceData {
  readonly data: DataSet;
  readonly x: Buf;
  readonly y: Buf;
  readonly identity: Buf;
  readonly generation: number;
}

/** Per-sample and aggregate results of evaluating θ on a data set. */
export interface EvalResult {
  /** Mean loss over the samples (f64 sum of the per-sample losses, in sample order). */
  loss: number;
  /** Fraction of samples classified correctly. */
  accuracy: number;
  /** Per-sample cross-entropy, in the data set's order. */
  losses: Float32Array;
  /** Per-sample correctness (1/0). */
  correct: Uint8Array;
  /** Logits `[n, classes]` when asked for. */
  logits?: Float32Array;
}

export interface EvaluateOptions {
  /** Samples per WASM call (default 1000). */
  batchSize?: number;
  /** Default 'eval' (running statistics). 'batch-stats' normalises each batch by its own statistics. */
  mode?: Extract<ForwardMode, 'eval' | 'batch-stats'>;
  /** Also return the logits. */
  logits?: boolean;
  /**
   * A contiguous shard of the data set: samples `start .. start + count` (default: all of them).
   * Batches begin at `start`, so shards on the batch grid (`start` a multiple of `batchSize`) run
   * exactly the batches of the whole-set call; the worker pool relies on this for bit-identity.
   */
  start?: number;
  count?: number;
}

/** What a runner collects per batch. */
export interface HvpBatch {
  /** H_b·v for each vector. */
  products: Float32Array[];
  loss: number;
  n: number;
  gradient?: Float32Array;
}

/** Checks that every value of θ is finite; a NaN weight otherwise shows up as a silent NaN loss. */
export function assertFinite(values: Float32Array, what: string): void {
  // A plain loop: findIndex with a callback cost ~35 ns a value, 23 ms for a 670k-parameter θ on
  // every step a pool sends (v − v is 0 for finite v, NaN for NaN and ±Infinity).
  let bad = -1;
  for (let i = 0; i < values.length; i++) {
    if (values[i] - values[i] !== 0) {
      bad = i;
      break;
    }
  }
  if (bad >= 0) {
    throw new ModeconnError('NON_FINITE', `${what} holds a non-finite value (${values[bad]}) at index ${bad}`, {
      advice: 'check the file or the training run that produced it',
    });
  }
}

let local: Promise<Engine> | null = null;

/** Plans and resident data sets on one core. */
export class Engine {
  readonly core: Core;
  /** Vector kernels over this core's resident blocks. */
  readonly ops: ResidentOps;
  readonly #plans = new Map<string, { handle: number; generation: number }>();
  readonly #data = new WeakMap<DataSet, DeviceData>();

  constructor(core: Core) {
    this.core = core;
    this.ops = new ResidentOps(core);
  }

  /** A new engine (its own plan and data caches) on this thread's shared core. */
  static async create(): Promise<Engine> {
    return new Engine(await getCore());
  }

  /** This thread's engine: the one every library function uses for work on the calling thread. */
  static local(): Promise<Engine> {
    local ??= Engine.create().catch((error: unknown) => {
      local = null;
      throw error;
    });
    return local;
  }

  /** The handle of `compiled`'s plan for batches of up to `capacity` (compiled once, then cached). */
  plan(compiled: CompiledArch, capacity: number): number {
    const key = `${capacity}:${compiled.words.join(',')}`;
    const cached = this.#plans.get(key);
    if (cached && cached.generation === this.core.generation) return cached.handle;
    const out = new Uint32Array(1);
    this.core.call('plan_create', (s) => [s.in(compiled.words), compiled.words.length, capacity, s.out(out)]);
    this.#plans.set(key, { handle: out[0], generation: this.core.generation });
    return out[0];
  }

  /** Uploads `data` once (per core instance); checks its sample size and labels against `compiled`. */
  upload(data: DataSet, compiled?: CompiledArch): DeviceData {
    if (compiled) checkData(data, compiled);
    const cached = this.#data.get(data);
    if (cached && cached.generation === this.core.generation) return cached;
    const x = this.core.allocF32(data.x.length);
    const y = this.core.allocU32(data.n);
    const identity = this.core.allocU32(data.n);
    this.core.f32(x).set(data.x);
    this.core.u32(y).set(data.y);
    const order = this.core.u32(identity);
    for (let i = 0; i < data.n; i++) order[i] = i;
    const device = { data, x, y, identity, generation: this.core.generation };
    this.#data.set(data, device);
    return device;
  }

  /** Frees a data set's WASM copy (it is uploaded again if used later). */
  release(data: DataSet): void {
    const device = this.#data.get(data);
    if (!device) return;
    for (const b of [device.x, device.y, device.identity]) this.core.free(b);
    this.#data.delete(data);
  }

  /** Per-sample losses and correctness of θ on every sample of `data`, one WASM call per batch. */
  evaluate(compiled: CompiledArch, params: Float32Array, data: DataSet, options: EvaluateOptions = {}): EvalResult {
    return this.#withTheta(params, (theta) => this.evaluateResident(compiled, theta, data, options));
  }

  /**
   * θ on several data sets from one resident copy, its BatchNorm statistics first recomputed over
   * `bnData` in place when given: one copy of θ into WASM for all of it (`evaluate` and
   * `recomputeBatchNorm` in sequence would copy θ out and in again per step).
   */
  evaluatePoint(compiled: CompiledArch, params: Float32Array, sets: readonly DataSet[], options: EvaluateOptions & { bnData?: DataSet } = {}): EvalResult[] {
    return this.#withTheta(params, (theta) => {
      if (options.bnData) this.recomputeResident(compiled, theta, options.bnData, options);
      return sets.map((set) => this.evaluateResident(compiled, theta, set, options));
    });
  }

  /** Runs `body` on a resident copy of `params` (freed afterwards). */
  #withTheta<T>(params: Float32Array, body: (theta: Buf) => T): T {
    const theta = this.core.allocF32(params.length);
    try {
      this.core.f32(theta).set(params);
      return body(theta);
    } finally {
      this.core.free(theta);
    }
  }

  /** `evaluate` of a θ already resident in WASM memory (`theta` holds at least the arch's length). */
  evaluateResident(compiled: CompiledArch, theta: Buf, data: DataSet, options: EvaluateOptions = {}): EvalResult {
    const { batchSize = 1000, mode = 'eval', logits: wantLogits = false, start: first = 0 } = options;
    checkResident(compiled, theta);
    const count = options.count ?? data.n - first;
    if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > data.n) {
      throw new ModeconnError('BAD_ARGUMENT', `samples ${first} .. ${first + count} are not a non-empty range of data set ${data.name} (${data.n} samples)`);
    }
    // The plan's capacity depends on the whole set, not the shard, so every shard runs the same plan.
    const capacity = Math.min(batchSize, data.n);
    const device = this.upload(data, compiled);
    const handle = this.plan(compiled, capacity);
    const core = this.core;
    const losses = core.allocF32(count);
    const correct = core.allocU32(count);
    const mean = core.allocF32(1);
    const logits = wantLogits ? core.allocF32(count * compiled.classes) : null;
    try {
      for (let start = 0; start < count; start += capacity) {
        const n = Math.min(capacity, count - start);
        core.invokeChecked('plan_forward', handle, theta.ptr, compiled.totalLength, device.x.ptr, device.y.ptr, data.n,
          device.identity.ptr + 4 * (first + start), n, MODE_CODE[mode], 0, 0,
          losses.ptr + 4 * start, correct.ptr + 4 * start, logits ? logits.ptr + 4 * start * compiled.classes : 0, mean.ptr);
      }
      return summarizeEval(core.f32(losses).slice(), Uint8Array.from(core.u32(correct)), logits ? core.f32(logits).slice() : undefined);
    } finally {
      for (const b of [losses, correct, mean, logits]) if (b) core.free(b);
    }
  }

  /**
   * θ with every BatchNorm's running statistics recomputed over `data` as an exact sample-weighted
   * average of batch statistics (Garipov's update_bn). Trainable values are unchanged.
   */
  recomputeBatchNorm(compiled: CompiledArch, params: Float32Array, data: DataSet, { batchSize = 1000 } = {}): Float32Array {
    return this.#withTheta(params, (theta) => {
      this.recomputeResident(compiled, theta, data, { batchSize });
      return this.core.f32(theta).slice();
    });
  }

  /** `recomputeBatchNorm` in place on a resident θ. */
  recomputeResident(compiled: CompiledArch, theta: Buf, data: DataSet, { batchSize = 1000 } = {}): void {
    checkResident(compiled, theta);
    if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
    const capacity = Math.min(batchSize, data.n);
    const device = this.upload(data, compiled);
    const handle = this.plan(compiled, capacity);
    const core = this.core;
    const losses = core.allocF32(capacity);
    const correct = core.allocU32(capacity);
    const mean = core.allocF32(1);
    try {
      for (let start = 0; start < data.n; start += capacity) {
        const n = Math.min(capacity, data.n - start);
        core.invokeChecked('plan_forward', handle, theta.ptr, compiled.totalLength, device.x.ptr, device.y.ptr, data.n,
          device.identity.ptr + 4 * start, n, PlanMode.BN_EXACT, start, 0, losses.ptr, correct.ptr, 0, mean.ptr);
      }
    } finally {
      for (const b of [losses, correct, mean]) core.free(b);
    }
  }

  /**
   * ∂(mean loss)/∂θ over the samples `indices` of `data` (one batch), with the batch's results. Dropout
   * draws from `rng` (a state advanced in place) or else from `rngState(seed)`. `tail` is what the pass
   * left in θ's non-trainable part (in 'train' mode the updated BatchNorm running statistics).
   */
  gradient(compiled: CompiledArch, params: Float32Array, data: DataSet, indices: Uint32Array,
    { mode = 'batch-stats' as ForwardMode, seed = 0, rng = rngState(seed) }: { mode?: ForwardMode; seed?: number; rng?: Uint32Array } = {}) {
    if (indices.length === 0) throw new ModeconnError('EMPTY_DATA', 'gradient needs at least one sample');
    const device = this.upload(data, compiled);
    const handle = this.plan(compiled, indices.length);
    const grads = new Float32Array(params.length);
    const losses = new Float32Array(indices.length);
    const correct = new Uint32Array(indices.length);
    const mean = new Float32Array(1);
    const tail = new Float32Array(params.length - compiled.paramCount);
    this.core.call('plan_gradient', (s) => {
      const theta = s.in(params);
      // Read back only the part a pass can change (BatchNorm statistics), after the call.
      if (tail.length) s.readBack(theta + 4 * compiled.paramCount, tail);
      return [handle, theta, s.out(grads), params.length, device.x.ptr, device.y.ptr, data.n, s.in(indices), indices.length,
        MODE_CODE[mode], 0, s.inout(rng), s.out(losses), s.out(correct), s.out(mean)];
    });
    return { grads, loss: mean[0], losses, correct, tail };
  }

  /**
   * H·v of the mean loss of one batch — samples start .. start + n of `data` — for each vector, with
   * the batch's mean loss and, when asked, its gradient: one `plan_hvp` call per vector, θ copied in
   * once. The plan's capacity is min(batchSize, data.n) for every batch, so every runner runs one plan.
   */
  hvpBatch(compiled: CompiledArch, params: Float32Array, data: DataSet, vectors: readonly Float32Array[], start: number, n: number,
    { batchSize = 1000, mode = 'eval' as 'eval' | 'batch-stats', gradient = false } = {}): HvpBatch {
    if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 1 || n > batchSize || start + n > data.n) {
      throw new ModeconnError('BAD_ARGUMENT', `batch ${start} .. ${start + n} is not a range of at most ${batchSize} of ${data.n} samples`);
    }
    const device = this.upload(data, compiled);
    const handle = this.plan(compiled, Math.min(batchSize, data.n));
    const core = this.core;
    const total = compiled.totalLength;
    const blocks = { v: core.allocF32(total), hv: core.allocF32(total), grads: core.allocF32(gradient ? total : 0),
      losses: core.allocF32(n), correct: core.allocU32(n), mean: core.allocF32(1) };
    try {
      return this.#withTheta(params, (theta) => {
        const products: Float32Array[] = [];
        let grads: Float32Array | undefined;
        for (const [k, vector] of vectors.entries()) {
          core.f32(blocks.v).set(vector);
          core.invokeChecked('plan_hvp', handle, theta.ptr, blocks.v.ptr, blocks.hv.ptr, k === 0 && gradient ? blocks.grads.ptr : 0, total,
            device.x.ptr, device.y.ptr, data.n, device.identity.ptr + 4 * start, n, MODE_CODE[mode], blocks.losses.ptr, blocks.correct.ptr, blocks.mean.ptr);
          products.push(core.f32(blocks.hv).slice());
          if (k === 0 && gradient) grads = core.f32(blocks.grads).slice();
        }
        return { products, loss: core.f32(blocks.mean)[0], n, ...(grads ? { gradient: grads } : {}) };
      });
    } finally {
      for (const b of Object.values(blocks)) core.free(b);
    }
  }

  /**
   * A forward pass over samples `indices` of `data` ('eval' or 'batch-stats'), then the plan's
   * activation buffers `buffers`, each `[n, size]` (NCHW within a sample): one `plan_activations` call.
   */
  activations(compiled: CompiledArch, params: Float32Array, data: DataSet, indices: Uint32Array, buffers: readonly number[],
    { mode = 'eval' as 'eval' | 'batch-stats', capacity = indices.length } = {}): Float32Array[] {
    const n = indices.length;
    if (n === 0) throw new ModeconnError('EMPTY_DATA', 'activations need at least one sample');
    if (params.length !== compiled.totalLength) {
      throw new ModeconnError('BAD_SHAPE', `parameters have ${params.length} values; the architecture needs ${compiled.totalLength}`);
    }
    for (const b of buffers) {
      if (!Number.isInteger(b) || b < 0 || b >= compiled.bufferSizes.length) {
        throw new ModeconnError('BAD_ARGUMENT', `buffer ${b} does not exist (the plan has ${compiled.bufferSizes.length})`);
      }
    }
    const device = this.upload(data, compiled);
    const handle = this.plan(compiled, Math.max(capacity, n));
    const sizes = buffers.map((b) => compiled.bufferSizes[b] * n);
    const out = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    this.core.call('plan_activations', (s) => [handle, s.inout(params.slice()), params.length, device.x.ptr, device.y.ptr, data.n,
      s.in(indices), n, mode === 'eval' ? 0 : 1, s.in(Uint32Array.from(buffers)), buffers.length, s.out(out), out.length]);
    let at = 0;
    return sizes.map((len) => {
      const part = out.subarray(at, at + len);
      at += len;
      return part;
    });
  }
}

/** A resident θ must hold the arch's whole vector. */
function checkResident(compiled: CompiledArch, theta: Buf): void {
  if (theta.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${theta.length} values; the architecture needs ${compiled.totalLength}`);
  }
}

/** Checks a data set against a compiled arch: sample size and every label < classes. */
export function checkData(data: DataSet, compiled: CompiledArch): void {
  const size = data.n === 0 ? compiled.inputSize : data.x.length / data.n;
  if (size !== compiled.inputSize) {
    throw new ModeconnError('BAD_SHAPE', `data set ${data.name} has samples of ${size} values (shape [${data.shape.join(', ')}]); the model takes ${compiled.inputSize}`);
  }
  let bad = -1;
  for (let i = 0; i < data.y.length; i++) {
    if (data.y[i] >= compiled.classes) {
      bad = i;
      break;
    }
  }
  if (bad >= 0) {
    throw new ModeconnError('BAD_ARGUMENT', `data set ${data.name}: sample ${bad} has label ${data.y[bad]}, but the model has ${compiled.classes} classes`);
  }
}

/** Loss and accuracy from per-sample results in sample order (shards are reduced through this too). */
export function summarizeEval(losses: Float32Array, correct: Uint8Array, logits?: Float32Array): EvalResult {
  let right = 0;
  for (let i = 0; i < correct.length; i++) right += correct[i];
  return { loss: meanOf(losses), accuracy: right / correct.length, losses, correct, ...(logits ? { logits } : {}) };
}

/** Mean of per-sample values, summed in f64 in order (the same on every worker count). */
export function meanOf(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length ? sum / values.length : NaN;
}
