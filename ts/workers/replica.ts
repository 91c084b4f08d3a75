/**
 * One worker's member of a replica group (see replica-memory.ts): its copy of θ, the data set
 * resident on its core, the shards it computes and the slice of θ it reduces and updates. A step:
 * θ from the shared copy; each owned shard's gradient (the BatchNorm tail restored before every shard
 * but the first, shard 0's kept) into the shared shard gradients; wait for the peers; the slice's
 * blend Σ_s (n_s/n)·g_s, then the optimiser on it (training) or the blend itself (gradient sessions),
 * written back to the shared arrays. The same kernels on the same values as one thread's whole-vector
 * calls, element by element, so the bits do not depend on the worker count.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { CompiledArch } from '../model/compile.js';
import type { Engine, ForwardMode } from '../model/engine.js';
import { VectorOptimizer } from '../model/optimizer.js';
import { ResidentBatches } from '../model/resident-batches.js';
import { shardRanges } from '../model/shards.js';
import type { OptimizerConfig } from '../model/training-options.js';
import type { Buf } from '../wasm/kernel.js';
import { awaitPeers, type ReplicaMemory } from './replica-memory.js';

/** How a worker joins a group (plain data; `memory` is shared, not copied). */
export interface ReplicaSpec {
  /** The largest batch. */
  capacity: number;
  mode: ForwardMode;
  shards: number;
  /** Workers in the group, and this one's index. */
  workers: number;
  index: number;
  /** The shards this worker computes, ascending. */
  owned: number[];
  /** The slice [start, end) of θ's length it reduces. */
  slice: { start: number; end: number };
  /** Training: the optimiser stepped on the slice; absent for a gradient session. */
  optimizer?: OptimizerConfig;
  memory: ReplicaMemory;
}

export class Replica {
  readonly #engine: Engine;
  readonly #compiled: CompiledArch;
  readonly #spec: ReplicaSpec;
  readonly #batches: ResidentBatches;
  readonly #theta: Buf;
  /** The gradient of each owned shard, and the slice of every other shard's (copied from the peers). */
  readonly #grads: Buf[];
  readonly #parts: Buf[];
  readonly #reduced: Buf;
  /** The optimiser over the slice's trainable part (null for gradient sessions or a slice past P). */
  readonly #optimizer: VectorOptimizer | null;

  constructor(engine: Engine, compiled: CompiledArch, data: DataSet, spec: ReplicaSpec) {
    const core = engine.core;
    const { start, end } = spec.slice;
    this.#engine = engine;
    this.#compiled = compiled;
    this.#spec = spec;
    // A shard holds at most ⌈capacity / S⌉ samples; the dropout state comes from the shared words each time.
    this.#batches = new ResidentBatches(engine, compiled, data, Math.max(1, Math.ceil(spec.capacity / spec.shards)), 0, 0);
    this.#theta = core.allocF32(compiled.totalLength);
    this.#grads = spec.owned.map(() => core.allocF32(compiled.totalLength));
    this.#parts = Array.from({ length: spec.shards }, (_, s) => {
      const own = spec.owned.indexOf(s);
      return own >= 0 ? core.region(this.#grads[own], start, end - start) : core.allocF32(end - start);
    });
    this.#reduced = core.allocF32(end - start);
    const trainable = Math.max(0, Math.min(end, compiled.paramCount) - start);
    this.#optimizer = spec.optimizer && trainable > 0 ? new VectorOptimizer(engine.ops, spec.optimizer, trainable) : null;
  }

  setOrder(order: Uint32Array): void {
    this.#batches.setOrder(order);
  }

  /**
   * One step over order[start, start + n) (see the module header); `lr` and `step` drive the optimiser.
   * `fresh`: θ was written by the caller since the last step, so all of it is read (else only what the
   * peers changed: everything but this worker's own trainable slice, which it updated itself).
   */
  step(start: number, n: number, lr: number, step: number, fresh: boolean): void {
    const core = this.#engine.core;
    const m = this.#spec.memory;
    const T = this.#compiled.totalLength;
    const P = this.#compiled.paramCount;
    const slice = this.#spec.slice;
    const own = { start: slice.start, end: Math.max(slice.start, Math.min(slice.end, P)) };
    if (fresh) core.f32(this.#theta).set(m.theta);
    else if (this.#spec.workers > 1) copyOutside(m.theta, core.f32(this.#theta), own.start, own.end);
    const ranges = shardRanges(n, this.#spec.shards);
    let before: Float32Array | null = null;
    let kept: Float32Array | null = null;
    this.#spec.owned.forEach((s, k) => {
      if (s >= ranges.length) return;
      if (before) core.f32(this.#theta).set(before, P);
      else before = core.f32(this.#theta).slice(P, T);
      this.#batches.setRngState(m.rng.subarray(4 * s, 4 * s + 4));
      const outcome = this.#batches.gradient(this.#theta, this.#grads[k], start + ranges[s].start, ranges[s].n, this.#spec.mode);
      m.rng.set(this.#batches.rngState(), 4 * s);
      // The peers read the parts of this gradient outside this worker's slice.
      if (this.#spec.workers > 1) copyOutside(core.f32(this.#grads[k]), m.grads.subarray(s * T, (s + 1) * T), slice.start, slice.end);
      m.outcomes[2 * s] = outcome.loss;
      m.outcomes[2 * s + 1] = outcome.right;
      if (s === 0) kept = core.f32(this.#theta).slice(P, T);
    });
    awaitPeers(m.control, this.#spec.workers);
    this.#reduce(ranges, n, lr, step);
    if (kept) {
      m.theta.set(kept, P);
      if (this.#spec.workers === 1) core.f32(this.#theta).set(kept, P);
    }
  }

  /** The slice's blend of the shard gradients, then the optimiser step or the blend written out. */
  #reduce(ranges: ReadonlyArray<{ n: number }>, n: number, lr: number, step: number): void {
    const { start, end } = this.#spec.slice;
    if (end <= start) return;
    const core = this.#engine.core;
    const m = this.#spec.memory;
    const T = this.#compiled.totalLength;
    const parts = this.#parts.slice(0, ranges.length);
    parts.forEach((part, s) => {
      if (!this.#spec.owned.includes(s)) core.f32(part).set(m.grads.subarray(s * T + start, s * T + end));
    });
    this.#engine.ops.blend(parts, Float32Array.from(ranges, (r) => r.n / n), this.#reduced, end - start);
    if (!this.#spec.optimizer) {
      m.out.set(core.f32(this.#reduced), start);
      return;
    }
    if (!this.#optimizer) return;
    const trainable = Math.min(end, this.#compiled.paramCount) - start;
    this.#optimizer.step(core.region(this.#theta, start, trainable), this.#reduced, lr, step);
    m.theta.set(core.f32(this.#theta).subarray(start, start + trainable), start);
  }

  /** The optimiser's buffers over this worker's slice. */
  state(): Float32Array[] {
    return this.#optimizer?.state() ?? [];
  }

  /** Loads this worker's slice of each optimiser buffer. */
  load(state: readonly Float32Array[]): void {
    if (this.#optimizer) this.#optimizer.load(state);
    else if (state.some((b) => b.length > 0)) throw new ModeconnError('BAD_SHAPE', 'optimiser state for a replica that holds none');
  }

  free(): void {
    const core = this.#engine.core;
    for (const b of [this.#theta, this.#reduced, ...this.#grads, ...this.#parts]) core.free(b);
    this.#optimizer?.free();
    this.#batches.free();
  }
}

/** to[i] = from[i] for every i outside [start, end). */
function copyOutside(from: Float32Array, to: Float32Array, start: number, end: number): void {
  to.set(from.subarray(0, start));
  to.set(from.subarray(end), end);
}
