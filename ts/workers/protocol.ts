/**
 * What crosses the pool's boundary: plain-data job descriptions, errors as plain objects (Comlink
 * keeps only an Error's message and name, so codes would be lost), and the contract that both
 * spawners (`spawn.node.ts`, `spawn.browser.ts`, chosen by the `#spawn-worker` condition) fulfil.
 */
import type { Endpoint } from './endpoint.js';
import { ModeconnError, type ErrorCode } from '../errors.js';
import type { ForwardMode } from '../model/engine.js';
import type { InitScheme } from '../model/init.js';
import type { TrainJob } from '../model/training-options.js';

/** A started worker, as an environment's spawner returns it. */
export interface SpawnedWorker {
  /** The endpoint Comlink talks through. */
  readonly endpoint: Endpoint;
  /** `listener` runs once when the worker ends for any reason: an uncaught error, an exit, `terminate()`. */
  onDeath(listener: (cause: Error) => void): void;
  /** Ends the worker (it stops asynchronously; `onDeath` listeners run when it has). */
  terminate(): void;
  /** Node: a busy worker keeps the process alive, an idle one does not. Browsers: nothing to do. */
  setBusy(busy: boolean): void;
}

/** The module behind `#spawn-worker`. */
export interface Spawner {
  spawnWorker(): SpawnedWorker;
  /** Logical cores of this machine (the default pool size). */
  defaultWorkerCount(): number;
}

/** Where a host that is not a Web Worker (Node's worker_threads) puts the endpoint `worker.ts` exposes on. */
export const HOST_ENDPOINT = Symbol.for('modeconn.worker-endpoint');

/** A ModeconnError flattened for the trip back from a worker. */
export interface WireError {
  modeconnError: true;
  code: ErrorCode;
  message: string;
  advice?: string;
}

/** A thrown value ready for the trip: a ModeconnError flattened (advice split off again), anything else as is. */
export function toWire(error: unknown): unknown {
  if (!(error instanceof ModeconnError)) return error;
  const suffix = error.advice ? ` (${error.advice})` : '';
  const message = suffix && error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
  const wire: WireError = { modeconnError: true, code: error.code, message, advice: error.advice };
  return wire;
}

/** A value caught from a worker call, as the ModeconnError it stands for (other values pass through). */
export function fromWire(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && (error as WireError).modeconnError === true) {
    const wire = error as WireError;
    return new ModeconnError(wire.code, wire.message, { advice: wire.advice });
  }
  return error;
}

/** One shard of one parameter vector: samples `start .. start + count` of a resident data set. */
export interface EvalTask {
  arch: number;
  params: number;
  data: number;
  start: number;
  count: number;
  batchSize: number;
  mode: 'eval' | 'batch-stats';
  logits: boolean;
}

/** A shard's per-sample results (buffers transferred back). */
export interface EvalShard {
  losses: Float32Array;
  correct: Uint8Array;
  logits?: Float32Array;
}

/** Training options that are plain data. */
export type TrainSettings = Omit<TrainJob, 'evalData' | 'onProgress' | 'onEpoch' | 'signal' | 'init'>;

/** A training run over resident objects: ids for the arch, the data sets and an initial θ. */
export interface TrainTask {
  arch: number;
  data: number;
  evalData?: number;
  /** Id of a resident θ, or an initialisation scheme. */
  init?: number | InitScheme;
  settings: TrainSettings;
}

/** What a worker holds and how much WASM memory its core uses. */
export interface WorkerMemory {
  /** Linear memory of the worker's core (grows, never shrinks). */
  memoryBytes: number;
  /** Bytes of long-lived WASM buffers (resident data sets). */
  liveBytes: number;
  /** Resident data sets, architectures and parameter vectors. */
  resident: number;
}

/** One batch gradient over resident arch and data; θ and indices transferred, the dropout state sent and returned advanced. */
export interface GradientTask {
  arch: number;
  data: number;
  params: Float32Array;
  indices: Uint32Array;
  mode: ForwardMode;
  rng: Uint32Array;
}

/** A batch gradient's results (buffers transferred back). */
export interface GradientShard {
  grads: Float32Array;
  /** θ's non-trainable part after the pass (train mode updates BatchNorm running statistics). */
  tail: Float32Array;
  loss: number;
  losses: Float32Array;
  correct: Uint32Array;
  rng: Uint32Array;
}

/** Activation buffers after a forward pass over `indices`. */
export interface ActivationTask {
  arch: number;
  data: number;
  params: Float32Array;
  indices: Uint32Array;
  buffers: number[];
  mode: 'eval' | 'batch-stats';
}

/** H·v over one batch: θ resident (id), the vectors sent with the task, samples start .. start + n. */
export interface HvpTask {
  arch: number;
  data: number;
  params: number;
  vectors: Float32Array[];
  start: number;
  n: number;
  batchSize: number;
  mode: 'eval' | 'batch-stats';
  gradient: boolean;
}
