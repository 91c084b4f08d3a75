/**
 * One worker's member of a replica group (see replica-memory.ts): its copy of θ, the data set
 * resident on its core, the shards it computes and the slice of θ it reduces and updates. A step:
 * θ from the shared copy; each owned shard's gradient (the BatchNorm tail restored before every shard
 * but the first, shard 0's kept) into the shared shard gradients; wait for the peers; the slice's
 * blend Σ_s (n_s/n)·g_s, then the optimiser on it (training) or the blend itself (gradient sessions),
 * written back to the shared arrays. In curve mode the member holds the K points q_j of a curve
 * instead, θ = Σ_j c_j q_j is blended before the shards, and each bend's slice steps along c_j·g
 * with its own optimiser (running statistics are not kept: curve fitting does not fit them). The same
 * kernels on the same values as one thread's whole-vector calls, element by element, so the bits do
 * not depend on the worker count.
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

/** One unit of a step's work: the gradient of point `point`'s shard `shard`. */
export interface ReplicaUnit {
  point: number;
  shard: number;
}

/** How a worker joins a group (plain data; `memory` is shared, not copied). */
export interface ReplicaSpec {
  /** The largest batch. */
  capacity: number;
  mode: ForwardMode;
  shards: number;
  /** Workers in the group, and this one's index. */
  workers: number;
  index: number;
  /** The units this worker computes (unitsOf in replica-memory.ts), in the order one thread would. */
  owned: ReplicaUnit[];
  /** The slice [start, end) of θ's length it reduces. */
  slice: { start: number; end: number };
  /** Training: the optimiser stepped on the slice; absent for a gradient session. */
  optimizer?: OptimizerConfig;
  /** A gradient session's independent θ's per step (default 1; θ_k at k·T of the shared arrays). */
  thetas?: number;
  /** Curve mode: `points` points in the shared θ (point j at j·T), the `bends` trained with `weightDecay`. */
  curve?: { points: number; bends: number[]; weightDecay: number };
  memory: ReplicaMemory;
}

export class Replica {
  readonly #engine: Engine;
  readonly #compiled: CompiledArch;
  readonly #spec: ReplicaSpec;
  readonly #batches: ResidentBatches;
  /** The vectors held: θ, a gradient session's θ's, or a curve's points (θ is then their blend, a buffer of its own). */
  readonly #points: Buf[];
  readonly #blend: Buf | null;
  /** The gradient of each owned unit, and per (point, shard) the slice of that gradient (a region of an owned one, else copied from the peers). */
  readonly #grads: Buf[];
  readonly #parts: Buf[][];
  readonly #owned: boolean[][];
  readonly #reduced: Buf;
  /** The optimiser over the slice's trainable part, one per bend in curve mode (none for gradient sessions or a slice past P). */
  readonly #optimizers: VectorOptimizer[];
  /** Curve mode: a bend's gradient c_j·g over the slice's trainable part. */
  readonly #bendGrad: Buf | null;

  constructor(engine: Engine, compiled: CompiledArch, data: DataSet, spec: ReplicaSpec) {
    const core = engine.core;
    const { start, end } = spec.slice;
    const T = compiled.totalLength;
    this.#engine = engine;
    this.#compiled = compiled;
    this.#spec = spec;
    // A shard holds at most ⌈capacity / S⌉ samples; the dropout state comes from the shared words each time.
    this.#batches = new ResidentBatches(engine, compiled, data, Math.max(1, Math.ceil(spec.capacity / spec.shards)), 0, 0);
    const curve = spec.curve;
    const thetas = curve ? 1 : spec.thetas ?? 1;
    this.#points = Array.from({ length: curve?.points ?? thetas }, () => core.allocF32(T));
    this.#blend = curve ? core.allocF32(T) : null;
    this.#grads = spec.owned.map(() => core.allocF32(T));
    this.#owned = Array.from({ length: thetas }, (_, k) => Array.from({ length: spec.shards }, (_, s) => spec.owned.some((u) => u.point === k && u.shard === s)));
    this.#parts = Array.from({ length: thetas }, (_, k) => Array.from({ length: spec.shards }, (_, s) => {
      const own = spec.owned.findIndex((u) => u.point === k && u.shard === s);
      return own >= 0 ? core.region(this.#grads[own], start, end - start) : core.allocF32(end - start);
    }));
    this.#reduced = core.allocF32(end - start);
    const trainable = Math.max(0, Math.min(end, compiled.paramCount) - start);
    const optimizer = spec.optimizer;
    const count = optimizer && trainable > 0 ? (curve ? curve.bends.length : 1) : 0;
    this.#optimizers = Array.from({ length: count }, () => new VectorOptimizer(engine.ops, optimizer!, trainable, curve?.weightDecay));
    this.#bendGrad = curve && count > 0 ? core.allocF32(trainable) : null;
  }

  setOrder(order: Uint32Array): void {
    this.#batches.setOrder(order);
  }

  /**
   * One step over order[start, start + n) (see the module header); `lr` and `step` drive the optimiser.
   * `fresh`: θ was written by the caller since the last step, so all of it is read (else only what the
   * peers changed: everything but this worker's own trainable slice, which it updated itself).
   * `coeffs`: in curve mode, the coefficient of each point.
   */
  step(start: number, n: number, lr: number, step: number, fresh: boolean, coeffs?: Float32Array): void {
    const core = this.#engine.core;
    const m = this.#spec.memory;
    const T = this.#compiled.totalLength;
    const P = this.#compiled.paramCount;
    const slice = this.#spec.slice;
    const own = { start: slice.start, end: Math.max(slice.start, Math.min(slice.end, P)) };
    const curve = this.#spec.curve;
    // Only the trained vectors change between steps (θ itself, or the curve's bends), and of a gradient
    // session's θ's only those of this worker's units are read.
    this.#points.forEach((point, j) => {
      if (!curve && !this.#owned[j].includes(true)) return;
      const shared = m.theta.subarray(j * T, (j + 1) * T);
      if (fresh) core.f32(point).set(shared);
      else if (this.#spec.workers > 1 && (!curve || curve.bends.includes(j))) copyOutside(shared, core.f32(point), own.start, own.end);
    });
    if (curve) {
      if (!coeffs || coeffs.length !== curve.points) throw new ModeconnError('BAD_ARGUMENT', `a curve step needs ${curve.points} coefficients`);
      this.#engine.ops.blend(this.#points, coeffs, this.#blend!, T);
    }
    const S = this.#spec.shards;
    const ranges = shardRanges(n, S);
    // Every shard of a θ starts from its BatchNorm tail as it was; shard 0's pass decides the tail kept.
    const before = new Map<number, Float32Array>();
    const kept = new Map<number, Float32Array>();
    this.#spec.owned.forEach(({ point: k, shard: s }, u) => {
      if (s >= ranges.length) return;
      const theta = this.#blend ?? this.#points[k];
      const tail = before.get(k);
      if (tail) core.f32(theta).set(tail, P);
      else before.set(k, core.f32(theta).slice(P, T));
      this.#batches.setRngState(m.rng.subarray(4 * s, 4 * s + 4));
      const outcome = this.#batches.gradient(theta, this.#grads[u], start + ranges[s].start, ranges[s].n, this.#spec.mode);
      m.rng.set(this.#batches.rngState(), 4 * s);
      const at = k * S + s;
      // The peers read the parts of this gradient outside this worker's slice.
      if (this.#spec.workers > 1) copyOutside(core.f32(this.#grads[u]), m.grads.subarray(at * T, (at + 1) * T), slice.start, slice.end);
      m.outcomes[2 * at] = outcome.loss;
      m.outcomes[2 * at + 1] = outcome.right;
      if (s === 0 && !curve) kept.set(k, core.f32(theta).slice(P, T));
    });
    awaitPeers(m.control, this.#spec.workers);
    this.#parts.forEach((_, k) => this.#reduce(k, ranges, n, lr, step, coeffs));
    for (const [k, tail] of kept) {
      m.theta.set(tail, k * T + P);
      if (this.#spec.workers === 1) core.f32(this.#points[k]).set(tail, P);
    }
  }

  /** The slice's blend of θ_k's shard gradients, then the optimiser step(s) or the blend written out. */
  #reduce(k: number, ranges: ReadonlyArray<{ n: number }>, n: number, lr: number, step: number, coeffs?: Float32Array): void {
    const { start, end } = this.#spec.slice;
    if (end <= start) return;
    const core = this.#engine.core;
    const m = this.#spec.memory;
    const T = this.#compiled.totalLength;
    const S = this.#spec.shards;
    const parts = this.#parts[k].slice(0, ranges.length);
    parts.forEach((part, s) => {
      const at = (k * S + s) * T;
      if (!this.#owned[k][s]) core.f32(part).set(m.grads.subarray(at + start, at + end));
    });
    this.#engine.ops.blend(parts, Float32Array.from(ranges, (r) => r.n / n), this.#reduced, end - start);
    if (!this.#spec.optimizer) {
      m.out.set(core.f32(this.#reduced), k * T + start);
      return;
    }
    const trainable = Math.min(end, this.#compiled.paramCount) - start;
    const curve = this.#spec.curve;
    this.#optimizers.forEach((optimizer, b) => {
      const j = curve ? curve.bends[b] : 0;
      const point = core.region(this.#points[j], start, trainable);
      if (curve && this.#bendGrad) {
        // ∂L/∂q_j = c_j·g, formed as the calling thread's session forms it: zero, then one axpy.
        core.f32(this.#bendGrad).fill(0);
        this.#engine.ops.axpy(this.#reduced, this.#bendGrad, coeffs![j], trainable);
        optimizer.step(point, this.#bendGrad, lr, step);
      } else {
        optimizer.step(point, this.#reduced, lr, step);
      }
      m.theta.set(core.f32(point), j * T + start);
    });
  }

  /** The optimiser's buffers over this worker's slice. */
  state(): Float32Array[] {
    if (this.#spec.curve) throw new ModeconnError('BAD_ARGUMENT', 'a curve group does not hand out its optimisers\' state');
    return this.#optimizers[0]?.state() ?? [];
  }

  /** Loads this worker's slice of each optimiser buffer. */
  load(state: readonly Float32Array[]): void {
    if (this.#spec.curve) throw new ModeconnError('BAD_ARGUMENT', 'a curve group does not load optimiser state');
    if (this.#optimizers[0]) this.#optimizers[0].load(state);
    else if (state.some((b) => b.length > 0)) throw new ModeconnError('BAD_SHAPE', 'optimiser state for a replica that holds none');
  }

  free(): void {
    const core = this.#engine.core;
    const own = [...this.#points, ...(this.#blend ? [this.#blend] : []), ...(this.#bendGrad ? [this.#bendGrad] : [])];
    for (const b of [...own, this.#reduced, ...this.#grads, ...this.#parts.flat()]) core.free(b);
    for (const o of this.#optimizers) o.free();
    this.#batches.free();
  }
}

/** to[i] = from[i] for every i outside [start, end). */
function copyOutside(from: Float32Array, to: Float32Array, start: number, end: number): void {
  to.set(from.subarray(0, start));
  to.set(from.subarray(end), end);
}
