/**
 * The pool's side of a replica group (replica-memory.ts, replica.ts): W = min(workers, shards)
 * workers hold the group's state from `open` to `close`; a step runs on all of them at once (the
 * scheduler's `exclusive`), its results read from shared memory. A worker that dies or fails
 * mid-step aborts the group — its peers stop waiting — and every later call fails with that error.
 */
import { ModeconnError } from '../errors.js';
import type { CompiledArch } from '../model/compile.js';
import type { ForwardMode } from '../model/engine.js';
import { optimizerWords } from '../model/optimizer.js';
import type { BatchOutcome } from '../model/resident-batches.js';
import { shardRanges } from '../model/shards.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { rngState } from '../kernels/xoshiro.js';
import { abortPeers, createReplicaMemory, sliceOf, unitsOf, type ReplicaMemory } from './replica-memory.js';
import type { Scheduler, Slot } from './scheduler.js';

export interface ReplicaGroupOptions {
  capacity: number;
  seed: number;
  stream: number;
  mode: ForwardMode;
  shards: number;
  optimizer?: OptimizerConfig;
  /** A gradient session's θ's per step (default 1). */
  thetas?: number;
  /** Curve mode (see replica.ts): the points in `memory.theta`, the bends the optimiser moves. */
  curve?: { points: number; bends: number[]; weightDecay: number };
}

/** Whether this host can share memory between workers (pages must be cross-origin isolated). */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
}

export class ReplicaGroup {
  readonly memory: ReplicaMemory;
  #broken: unknown = null;

  private constructor(readonly id: number, readonly scheduler: Scheduler, readonly slots: Slot[], memory: ReplicaMemory,
    readonly compiled: CompiledArch, readonly options: ReplicaGroupOptions) {
    this.memory = memory;
  }

  /** Starts the group on the pool's first W live workers, with arch and data (resident ids) sent where missing. */
  static async open(scheduler: Scheduler, ids: { group: number; arch: number; data: number }, compiled: CompiledArch, options: ReplicaGroupOptions): Promise<ReplicaGroup> {
    const live = scheduler.slots.filter((slot) => !slot.dead);
    const thetas = options.curve ? 1 : options.thetas ?? 1;
    // Train mode keeps each shard's dropout stream on one worker; otherwise every (θ, shard) unit can go anywhere.
    const byShard = options.mode === 'train';
    const workers = Math.min(live.length, byShard ? options.shards : thetas * options.shards);
    if (workers < 1) throw new ModeconnError('WORKER_CRASHED', 'the pool has no live worker');
    const slots = live.slice(0, workers);
    const memory = createReplicaMemory(compiled.totalLength, options.shards, { vectors: options.curve?.points ?? thetas, thetas, gradientOut: !options.optimizer });
    for (let s = 0; s < options.shards; s++) memory.rng.set(rngState(options.seed, options.stream + s), 4 * s);
    const group = new ReplicaGroup(ids.group, scheduler, slots, memory, compiled, options);
    const opened = await scheduler.exclusive(slots, () => Promise.allSettled(slots.map(async (slot, index) => {
      await scheduler.ensure(slot, [ids.arch, ids.data]);
      await slot.call((api) => api.openReplica(ids.group, ids.arch, ids.data, {
        capacity: options.capacity, mode: options.mode, shards: options.shards, workers, index,
        owned: unitsOf(thetas, options.shards, workers, index, byShard), slice: sliceOf(compiled.totalLength, workers, index),
        optimizer: options.optimizer, thetas, curve: options.curve, memory,
      }));
    })));
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await group.close();
      throw failure.reason;
    }
    return group;
  }

  async setOrder(order: Uint32Array): Promise<void> {
    this.#check();
    await Promise.all(this.slots.map((slot) => slot.call((api) => api.replicaOrder(this.id, order))));
  }

  /**
   * One step over order[start, start + n) on every member; each θ's batch mean loss and right count.
   * `fresh`: this thread wrote `memory.theta` since the last step (the members read all of it);
   * `coeffs`: in curve mode, the point's coefficient on each of the curve's points.
   */
  async step(start: number, n: number, lr: number, step: number, fresh: boolean, coeffs?: Float32Array): Promise<BatchOutcome[]> {
    this.#check();
    const control = this.memory.control;
    await this.scheduler.exclusive(this.slots, async () => {
      const calls = this.slots.map((slot) => slot.call((api) => api.replicaStep(this.id, start, n, lr, step, fresh, coeffs)).catch((error: unknown) => {
        abortPeers(control);
        throw error;
      }));
      const settled = await Promise.allSettled(calls);
      const failed = settled.flatMap((r, w) => (r.status === 'rejected' ? [{ error: r.reason as unknown, dead: this.slots[w].dead }] : []));
      if (failed.length > 0) {
        // The cause, not the peers that stopped because of it: a dead worker's error first.
        this.#broken = (failed.find((f) => f.dead) ?? failed[0]).error;
        throw this.#broken;
      }
    });
    const S = this.options.shards;
    const ranges = shardRanges(n, S);
    const thetas = this.options.curve ? 1 : this.options.thetas ?? 1;
    return Array.from({ length: thetas }, (_, k) => {
      let loss = 0;
      let right = 0;
      ranges.forEach((r, s) => {
        loss += (r.n / n) * this.memory.outcomes[2 * (k * S + s)];
        right += this.memory.outcomes[2 * (k * S + s) + 1];
      });
      return { loss, right };
    });
  }

  /** The optimiser's buffers, gathered from the members' slices. */
  async optimizerState(): Promise<Float32Array[]> {
    this.#check();
    const P = this.compiled.paramCount;
    const parts = await Promise.all(this.slots.map((slot) => slot.call((api) => api.replicaState(this.id))));
    const buffers = optimizerWords(this.options.optimizer!).buffers;
    return Array.from({ length: buffers }, (_, b) => {
      const out = new Float32Array(P);
      parts.forEach((part, w) => {
        if (part[b]) out.set(part[b], sliceOf(this.compiled.totalLength, this.slots.length, w).start);
      });
      return out;
    });
  }

  /** Scatters buffers saved by `optimizerState()` to the members. */
  async loadOptimizerState(state: readonly Float32Array[]): Promise<void> {
    this.#check();
    const P = this.compiled.paramCount;
    const optimizer = this.options.optimizer!;
    const buffers = optimizerWords(optimizer).buffers;
    if (state.length !== buffers || state.some((b) => b.length !== P)) {
      throw new ModeconnError('BAD_SHAPE', `the optimiser state holds ${state.length} buffers; ${optimizer.type} needs ${buffers} of ${P} values`);
    }
    await Promise.all(this.slots.map((slot, w) => {
      const { start, end } = sliceOf(this.compiled.totalLength, this.slots.length, w);
      const parts = state.map((b) => b.slice(Math.min(start, P), Math.min(end, P)));
      return slot.call((api) => api.replicaLoad(this.id, parts));
    }));
  }

  /** Frees the members' state (workers that died have nothing left to free). */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => (slot.dead ? undefined : slot.call((api) => api.closeReplica(this.id)).catch(() => {}))));
  }

  #check(): void {
    if (this.#broken) throw this.#broken;
  }
}
