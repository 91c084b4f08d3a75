/**
 * Hessian-vector products over a data set: H·v = Σ_b (n_b/N)·H_b·v, where H_b is the Hessian of the
 * mean loss of batch b (samples [b·B, b·B + n_b) in data set order, B the batch size). Each batch is
 * one `plan_hvp` call (forward-over-reverse, docs/PLAN-FORMAT.md); the batches are reduced here, in
 * batch order and in f64, by every runner, so a pool gives the same bits as this thread.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { CompiledArch } from './compile.js';
import { checkData, type HvpBatch } from './engine.js';
import type { HvpResult } from './runner.js';



/** The batches of the reduction grid: [start, n] of each, in order. */
export function hvpBatches(count: number, batchSize: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = 0; start < count; start += batchSize) out.push([start, Math.min(batchSize, count - start)]);
  return out;
}

/** The checks every runner makes before an H·v job. */
export function checkHvp(compiled: CompiledArch, params: Float32Array, data: DataSet, vectors: readonly Float32Array[], batchSize: number): void {
  if (!(params instanceof Float32Array) || params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${params?.length} values; the architecture needs ${compiled.totalLength}`);
  }
  if (vectors.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'Hessian-vector products need at least one vector');
  vectors.forEach((v, k) => {
    if (!(v instanceof Float32Array) || v.length !== compiled.totalLength) {
      throw new ModeconnError('BAD_SHAPE', `vector ${k} has ${v?.length} values; the architecture needs ${compiled.totalLength}`);
    }
  });
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ModeconnError('BAD_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
  if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
  checkData(data, compiled);
}

/** Σ_b (n_b/N)·x_b in f64, added in the order given, rounded to f32 at the end. */
export class BatchReducer {
  readonly #sum: Float64Array;
  readonly #total: number;

  constructor(length: number, total: number) {
    this.#sum = new Float64Array(length);
    this.#total = total;
  }

  add(values: Float32Array, n: number): void {
    const w = n / this.#total;
    const s = this.#sum;
    for (let i = 0; i < s.length; i++) s[i] += w * values[i];
  }

  result(): Float32Array {
    return Float32Array.from(this.#sum);
  }
}


/** The reduction of per-batch results, fed in batch order (the same on every runner). */
export class HvpReducer {
  readonly #sums: BatchReducer[];
  readonly #grad: BatchReducer | null;
  readonly #total: number;
  #loss = 0;

  constructor(vectors: number, length: number, total: number, withGradient: boolean) {
    this.#sums = Array.from({ length: vectors }, () => new BatchReducer(length, total));
    this.#grad = withGradient ? new BatchReducer(length, total) : null;
    this.#total = total;
  }

  add(batch: HvpBatch): void {
    batch.products.forEach((hv, k) => this.#sums[k].add(hv, batch.n));
    if (this.#grad && batch.gradient) this.#grad.add(batch.gradient, batch.n);
    this.#loss += (batch.n / this.#total) * batch.loss;
  }

  result(): HvpResult {
    return { products: this.#sums.map((s) => s.result()), loss: this.#loss, ...(this.#grad ? { gradient: this.#grad.result() } : {}) };
  }
}
