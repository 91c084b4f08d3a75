/**
 * The shared memory of a replica group: W workers that each hold a copy of θ, compute the gradients
 * of their shards of every batch, then reduce one slice of θ's length (all shards, in shard order)
 * and step the optimiser on it. One SharedArrayBuffer per array: θ [T] (V vectors: a gradient session's
 * K θ's or a curve's points, [V·T]); the shard gradients [K·S·T] (θ_k's shard s at (k·S + s)·T); the
 * reduced gradients [K·T] (gradient sessions); per unit the mean loss and right count (f64 [2·K·S]);
 * per shard the dropout stream (u32 [4S]); control words (arrivals, generation, abort).
 */
import { ModeconnError } from '../errors.js';

export interface ReplicaMemory {
  theta: Float32Array;
  grads: Float32Array;
  out: Float32Array;
  outcomes: Float64Array;
  rng: Uint32Array;
  control: Int32Array;
}

const ARRIVED = 0;
const GENERATION = 1;
const ABORT = 2;
/** Slices start on multiples of this many values, so every element takes the same kernel path as in one whole-vector call. */
const ALIGN = 16;
/** How long a waiting worker sleeps between looks at the abort word (ms). */
const POLL = 50;

/**
 * Shared arrays for `vectors` vectors of `total` values, gradients at `thetas` of them per step over
 * `shards` shards (the reduced gradients only when `gradientOut`).
 */
export function createReplicaMemory(total: number, shards: number, { vectors = 1, thetas = 1, gradientOut = false } = {}): ReplicaMemory {
  const f32 = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));
  return {
    theta: f32(vectors * total),
    grads: f32(thetas * shards * total),
    out: f32(gradientOut ? thetas * total : 0),
    outcomes: new Float64Array(new SharedArrayBuffer(16 * thetas * shards)),
    rng: new Uint32Array(new SharedArrayBuffer(16 * shards)),
    control: new Int32Array(new SharedArrayBuffer(16)),
  };
}

/** Worker w's slice [start, end) of a vector of `total` values split over `workers` (aligned, contiguous, covering). */
export function sliceOf(total: number, workers: number, w: number): { start: number; end: number } {
  const edge = (k: number) => (k >= workers ? total : Math.min(total, Math.round((k * total) / workers / ALIGN) * ALIGN));
  return { start: edge(w), end: edge(w + 1) };
}

/**
 * The units (θ_k's shard s) worker w of `workers` computes, in the order one thread would (k, then s).
 * `byShard`: every θ's shard s on worker s mod W — a shard's dropout stream then runs through the θ's
 * in order on one worker (train mode); else unit k·S + s on worker (k·S + s) mod W, which spreads the
 * θ's of a gradient session with one shard over the workers.
 */
export function unitsOf(thetas: number, shards: number, workers: number, w: number, byShard: boolean): Array<{ point: number; shard: number }> {
  const out: Array<{ point: number; shard: number }> = [];
  for (let k = 0; k < thetas; k++) {
    for (let s = 0; s < shards; s++) if ((byShard ? s : k * shards + s) % workers === w) out.push({ point: k, shard: s });
  }
  return out;
}

/**
 * Blocks this worker until all `parties` have arrived (a generation barrier). Throws WORKER_CRASHED
 * once the group is aborted (a peer died or failed): the pool sets the abort word and wakes everyone.
 */
export function awaitPeers(control: Int32Array, parties: number): void {
  if (parties === 1) return;
  const generation = Atomics.load(control, GENERATION);
  if (Atomics.add(control, ARRIVED, 1) === parties - 1) {
    Atomics.store(control, ARRIVED, 0);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    return;
  }
  while (Atomics.load(control, GENERATION) === generation) {
    if (Atomics.load(control, ABORT) !== 0) throw new ModeconnError('WORKER_CRASHED', 'a worker of this data-parallel group stopped mid-step');
    Atomics.wait(control, GENERATION, generation, POLL);
  }
}

/** Stops the group: waiting workers throw, later steps fail at once. */
export function abortPeers(control: Int32Array): void {
  Atomics.store(control, ABORT, 1);
  Atomics.notify(control, GENERATION);
}

/** Whether the group was aborted. */
export function aborted(control: Int32Array): boolean {
  return Atomics.load(control, ABORT) !== 0;
}
