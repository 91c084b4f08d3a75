/**
 * Virtual shards of a batch, for data-parallel gradients whose bits do not depend on the worker count:
 * a batch of n samples is cut into S contiguous shards (the first n mod S one sample longer), each
 * shard's gradient g_s is the mean over its samples, and the batch gradient is the one blend
 * g = Σ_s (n_s / n)·g_s in shard order. Shard s draws dropout from its own stream (stream + s); in
 * train mode the BatchNorm running statistics kept are shard 0's (as replicas broadcasting rank 0's).
 */
import { ModeconnError } from '../errors.js';
import type { Buf } from '../wasm/kernel.js';
import type { CompiledArch } from './compile.js';
import type { Engine } from './engine.js';
import type { BatchOutcome } from './resident-batches.js';

/** Samples [start, start + n) of a batch, relative to its first. */
export interface ShardRange {
  start: number;
  n: number;
}

/** Checks a shard count (a positive integer). */
export function checkShards(shards: number): void {
  if (!Number.isInteger(shards) || shards < 1) throw new ModeconnError('BAD_ARGUMENT', `shards must be a positive integer, got ${shards}`);
}

/** The S shards of a batch of n (empty ones dropped). */
export function shardRanges(n: number, shards: number): ShardRange[] {
  const out: ShardRange[] = [];
  const base = Math.floor(n / shards);
  let start = 0;
  for (let s = 0; s < shards; s++) {
    const size = base + (s < n % shards ? 1 : 0);
    if (size > 0) out.push({ start, n: size });
    start += size;
  }
  return out;
}

/** Whether a compiled arch has BatchNorm layers (whose train-mode statistics shards would split). */
export function hasBatchNormLayers(compiled: CompiledArch): boolean {
  return compiled.layout.some((e) => e.kind === 'running_mean');
}

/** Refuses shards > 1 in train mode on a BatchNorm net unless per-shard statistics were asked for by name. */
export function checkShardStatistics(compiled: CompiledArch, shards: number, mode: string, bnStatistics: 'batch' | 'shard' = 'batch'): void {
  if (shards > 1 && mode !== 'eval' && hasBatchNormLayers(compiled) && bnStatistics !== 'shard') {
    throw new ModeconnError('NOT_SUPPORTED', `${shards} shards of a batch would normalise each shard by its own BatchNorm statistics, not the whole batch's`, {
      advice: "pass bnStatistics: 'shard' to accept per-shard statistics (ghost BatchNorm), or shards: 1",
    });
  }
}

/** Per-shard gradient blocks on the calling thread's engine and their reduction into one gradient. */
export class ShardReducer {
  readonly #engine: Engine;
  readonly #compiled: CompiledArch;
  /** One block of θ's length per shard: write shard s's gradient into `grads[s]`. */
  readonly grads: Buf[];

  constructor(engine: Engine, compiled: CompiledArch, shards: number) {
    this.#engine = engine;
    this.#compiled = compiled;
    this.grads = Array.from({ length: shards }, () => engine.core.allocF32(compiled.totalLength));
  }

  /** grads = Σ_s (n_s / n)·grads[s] (one blend), and the batch's mean loss and right count. */
  reduce(ranges: readonly ShardRange[], outcomes: readonly BatchOutcome[], grads: Buf): BatchOutcome {
    const n = ranges.reduce((sum, r) => sum + r.n, 0);
    const weights = Float32Array.from(ranges, (r) => r.n / n);
    this.#engine.ops.blend(this.grads.slice(0, ranges.length), weights, grads, this.#compiled.totalLength);
    let loss = 0;
    let right = 0;
    outcomes.forEach((o, s) => {
      loss += (ranges[s].n / n) * o.loss;
      right += o.right;
    });
    return { loss, right };
  }

  /** θ's non-trainable tail (BatchNorm running statistics and counters), copied. */
  tail(theta: Buf): Float32Array {
    return this.#engine.core.f32(theta).slice(this.#compiled.paramCount, this.#compiled.totalLength);
  }

  /** Writes a tail back into θ. */
  setTail(theta: Buf, tail: Float32Array): void {
    this.#engine.core.f32(theta).set(tail, this.#compiled.paramCount);
  }

  free(): void {
    for (const b of this.grads) this.#engine.core.free(b);
  }
}

/** The dropout states of all shards as one array (4 words each). */
export function joinStates(states: readonly Uint32Array[]): Uint32Array {
  const out = new Uint32Array(4 * states.length);
  states.forEach((s, i) => out.set(s, 4 * i));
  return out;
}

/** Loads `joinStates`'s words back into the shards' states. */
export function splitStates(words: Uint32Array, states: Uint32Array[]): void {
  if (words.length !== 4 * states.length) throw new ModeconnError('BAD_SHAPE', `${words.length} PRNG words for ${states.length} shards (4 each)`);
  states.forEach((s, i) => s.set(words.subarray(4 * i, 4 * i + 4)));
}
