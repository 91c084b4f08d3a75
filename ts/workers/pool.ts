/**
 * A pool of workers (Web Workers or worker_threads), each with its own WASM core, behind plain
 * promises. Evaluation is split into fixed shards on the batch grid — the batches the inline
 * `Engine.evaluate` runs — and reduced in sample order, so results are bit-identical to the inline
 * path for any number of workers. Data sets and architectures are sent to a worker once and kept
 * there (by id) until `release`; parameter vectors live in the workers for one job.
 */
import { proxy, transfer } from 'comlink';
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { assertFinite, checkData, summarizeEval, type EvalResult, type EvaluateOptions } from '../model/engine.js';
import { compiledOf, type Model, type TrainOptions, type TrainProgress, type TrainResult } from '../model/train.js';
import type { EvalShard, Spawner, WorkerMemory } from './protocol.js';
import { Scheduler, cancelledError, type Slot } from './scheduler.js';

export type { WorkerMemory } from './protocol.js';

export interface PoolOptions {
  /** Number of workers (default: the machine's logical cores). */
  workers?: number;
  /**
   * Where the worker script (the package's dist/worker.js, served with its chunks/ folder) is, for
   * hosts that do not find it themselves: bundlers that do not follow `new URL('./worker.js',
   * import.meta.url)` (esbuild), or pages that copy the package. Default: beside the spawner.
   */
  workerUrl?: string | URL;
}

/** How far a job is: fraction done in [0, 1], seconds so far and an estimate of the seconds left. */
export interface JobProgress {
  fraction: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface JobOptions {
  /** Aborting rejects the job with CANCELLED; workers stop within one batch. */
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

export type PoolEvaluateOptions = Omit<EvaluateOptions, 'start' | 'count'> & JobOptions & {
  /** First recompute each θ's BatchNorm statistics over this set (`recomputeBatchNorm`, same batch size), in the workers. */
  bnData?: DataSet;
};

export interface PoolTrainOptions extends Omit<TrainOptions, 'engine' | 'pool' | 'onProgress'> {
  onProgress?: (progress: TrainProgress & JobProgress) => void;
}

/**
 * The worker pool. Arrays given to it are copied into fresh buffers that are transferred, so the
 * caller's data sets and parameter vectors stay usable; do not change them while a job runs.
 */
export interface Pool {
  /** Number of workers. */
  readonly size: number;
  /** Loss and accuracy of `model` on `data`, shards spread over the workers. */
  evaluate(model: Model, data: DataSet, options?: PoolEvaluateOptions): Promise<EvalResult>;
  /** Every parameter vector of `arch` on `data` (points on a path, grid cells), in order. */
  evaluateMany(arch: Arch, params: readonly Float32Array[], data: DataSet, options?: PoolEvaluateOptions): Promise<EvalResult[]>;
  /** `recomputeBatchNorm` in a worker. */
  recomputeBatchNorm(model: Model, data: DataSet, options?: { batchSize?: number; signal?: AbortSignal }): Promise<Model>;
  /** `trainModel` in a worker, with progress (and ETA) streamed back. */
  train(arch: Arch, data: DataSet, options: PoolTrainOptions): Promise<TrainResult>;
  /** Frees the workers' copies of a data set or architecture (sent again if used later). */
  release(target: DataSet | Arch): Promise<void>;
  /** Memory of each worker's core. */
  memory(): Promise<WorkerMemory[]>;
  /** Ends every worker; pending jobs fail with POOL_CLOSED. */
  close(): Promise<void>;
}

/** Fault injection for tests of crash recovery: an uncaught error, a WASM trap, or `terminate()`. */
export type WorkerFault = 'crash' | 'trap' | 'terminate';

function progressClock(onProgress: ((p: JobProgress) => void) | undefined) {
  const started = performance.now();
  return (fraction: number): JobProgress => {
    const elapsedSeconds = (performance.now() - started) / 1000;
    const etaSeconds = fraction > 0 ? (elapsedSeconds * (1 - fraction)) / fraction : Infinity;
    const progress = { fraction, elapsedSeconds, etaSeconds };
    onProgress?.(progress);
    return progress;
  };
}

function copyForTransfer<T extends Float32Array | Uint32Array>(array: T): T {
  return array.slice() as T;
}

class WorkerPool implements Pool {
  readonly #scheduler: Scheduler;
  readonly #ids = new WeakMap<object, number>();
  #nextId = 1;
  #nextJob = 1;

  constructor(spawner: Spawner) {
    this.#scheduler = new Scheduler(spawner);
  }

  get size(): number {
    return this.#scheduler.slots.length;
  }

  async start(workers: number): Promise<this> {
    await this.#scheduler.start(workers);
    return this;
  }

  /** The id of a data set or architecture kept in the workers, registered on first use. */
  #resident(target: DataSet | Arch): number {
    const known = this.#ids.get(target);
    if (known !== undefined) return known;
    const key = this.#nextId++;
    this.#ids.set(target, key);
    if ('layers' in target) {
      this.#scheduler.register(key, (api) => api.addArch(key, target));
    } else {
      this.#scheduler.register(key, (api) => {
        const x = copyForTransfer(target.x);
        const y = copyForTransfer(target.y);
        return api.addData(key, transfer({ name: target.name, x, y, shape: [...target.shape], classes: target.classes }, [x.buffer, y.buffer]));
      });
    }
    return key;
  }

  /** A parameter vector for one job (forget it when the job ends). */
  #vector(values: Float32Array): number {
    const id = this.#nextId++;
    this.#scheduler.register(id, (api) => {
      const copy = copyForTransfer(values);
      return api.addParams(id, transfer(copy, [copy.buffer]));
    });
    return id;
  }

  async evaluate(model: Model, data: DataSet, options: PoolEvaluateOptions = {}): Promise<EvalResult> {
    const [result] = await this.evaluateMany(model.arch, [model.params], data, options);
    return result;
  }

  async evaluateMany(arch: Arch, params: readonly Float32Array[], data: DataSet, options: PoolEvaluateOptions = {}): Promise<EvalResult[]> {
    const { batchSize = 1000, mode = 'eval', logits = false, signal, bnData } = options;
    const compiled = compiledOf(arch);
    checkVectors(params, compiled.totalLength);
    if (data.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${data.name} has no samples`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ModeconnError('BAD_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
    checkData(data, compiled);
    if (bnData) checkData(bnData, compiled);
    // Shards on the batch grid of the inline path: each shard runs exactly the inline batches.
    const shards: Array<[number, number]> = [];
    for (let start = 0; start < data.n; start += batchSize) shards.push([start, Math.min(batchSize, data.n - start)]);
    const clock = progressClock(options.onProgress);
    const total = params.length * (shards.length + (bnData ? 1 : 0));
    let done = 0;
    const tick = () => void clock(++done / total);
    const thetas = bnData ? await this.#recompute(arch, params, bnData, batchSize, signal, tick) : params;
    const archId = this.#resident(arch);
    const dataId = this.#resident(data);
    const vectorIds = thetas.map((p) => this.#vector(p));
    const runs = vectorIds.flatMap((vectorId) => shards.map(([start, count]) => async (slot: Slot) => {
      await this.#scheduler.ensure(slot, [archId, dataId, vectorId]);
      return slot.call((api) => api.evaluate({ arch: archId, params: vectorId, data: dataId, start, count, batchSize, mode, logits }));
    }));
    try {
      const out = await this.#scheduler.submit<EvalShard>(runs, { retries: 1, signal, onTaskDone: tick });
      return vectorIds.map((_, v) => assemble(out.slice(v * shards.length, (v + 1) * shards.length), data.n, compiled.classes, logits));
    } finally {
      for (const id of vectorIds) void this.#scheduler.forget(id);
    }
  }

  async recomputeBatchNorm(model: Model, data: DataSet, options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<Model> {
    const [params] = await this.#recompute(model.arch, [model.params], data, options.batchSize, options.signal);
    return { arch: model.arch, params };
  }

  /** Each θ with its BatchNorm statistics recomputed over `data`, one worker task per θ. */
  async #recompute(arch: Arch, params: readonly Float32Array[], data: DataSet, batchSize?: number, signal?: AbortSignal, onTaskDone?: () => void): Promise<Float32Array[]> {
    const compiled = compiledOf(arch);
    checkVectors(params, compiled.totalLength);
    checkData(data, compiled);
    const archId = this.#resident(arch);
    const dataId = this.#resident(data);
    const vectorIds = params.map((p) => this.#vector(p));
    try {
      return await this.#scheduler.submit(vectorIds.map((vectorId) => async (slot: Slot) => {
        await this.#scheduler.ensure(slot, [archId, dataId, vectorId]);
        return slot.call((api) => api.recomputeBatchNorm(archId, vectorId, dataId, batchSize));
      }), { retries: 1, signal, onTaskDone });
    } finally {
      for (const id of vectorIds) void this.#scheduler.forget(id);
    }
  }

  async train(arch: Arch, data: DataSet, options: PoolTrainOptions): Promise<TrainResult> {
    const { evalData, init, onProgress, onEpoch, signal, ...settings } = options;
    const compiled = compiledOf(arch);
    checkData(data, compiled);
    if (evalData) checkData(evalData, compiled);
    const archId = this.#resident(arch);
    const dataId = this.#resident(data);
    const evalId = evalData ? this.#resident(evalData) : undefined;
    const initId = init instanceof Float32Array ? this.#vector(init) : undefined;
    const job = this.#nextJob++;
    // A shared flag stops the run at the next batch; where SharedArrayBuffer is missing (pages that
    // are not cross-origin isolated) the `cancel` message does, at the run's next yield (≤ 50 ms).
    const flag = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null;
    const clock = progressClock(undefined);
    const progress = onProgress ? proxy((p: TrainProgress) => onProgress({ ...p, ...clock(p.fraction) })) : null;
    const epochs = onEpoch ? proxy(onEpoch) : null;
    const ids = [archId, dataId, ...(evalId === undefined ? [] : [evalId]), ...(initId === undefined ? [] : [initId])];
    try {
      const [result] = await this.#scheduler.submit([async (slot: Slot) => {
        await this.#scheduler.ensure(slot, ids);
        return slot.call((api) => api.train(job, { arch: archId, data: dataId, evalData: evalId, init: initId ?? (init as Exclude<typeof init, Float32Array>), settings }, flag, progress, epochs));
      }], {
        retries: 0,
        signal,
        stopRunning: (slot) => {
          if (flag) Atomics.store(flag, 0, 1);
          slot.call((api) => api.cancel(job)).catch(() => {});
        },
      });
      return { arch, params: result.params, log: result.log };
    } catch (error) {
      if (signal?.aborted && error instanceof ModeconnError && error.code === 'CANCELLED') throw cancelledError(signal);
      throw error;
    } finally {
      if (initId !== undefined) void this.#scheduler.forget(initId);
    }
  }

  async release(target: DataSet | Arch): Promise<void> {
    const id = this.#ids.get(target);
    if (id === undefined) return;
    this.#ids.delete(target);
    await this.#scheduler.forget(id);
  }

  memory(): Promise<WorkerMemory[]> {
    return Promise.all(this.#scheduler.slots.map((slot) => slot.call((api) => api.memory())));
  }

  close(): Promise<void> {
    return this.#scheduler.close();
  }

  /** Test hook: makes worker `index` fail the way `fault` says (see WorkerFault). */
  async injectFault(index: number, fault: WorkerFault): Promise<void> {
    const slot = this.#scheduler.slots[index];
    if (!slot) throw new ModeconnError('BAD_ARGUMENT', `the pool has no worker ${index}`);
    if (fault === 'terminate') slot.spawned.terminate();
    else if (fault === 'crash') await slot.call((api) => api.crash());
    else {
      await slot.call((api) => api.trap()).catch(() => {});
      this.#scheduler.replace(slot);
    }
  }
}

/** The checks `evaluateModel` makes on θ, for each vector. */
function checkVectors(params: readonly Float32Array[], length: number): void {
  params.forEach((p, i) => {
    if (p.length !== length) throw new ModeconnError('BAD_SHAPE', `parameter vector ${i} has ${p.length} values; the architecture needs ${length}`);
    assertFinite(p, `parameter vector ${i}`);
  });
}

/** Per-sample shards in sample order → one result; the mean is taken in the inline path's order. */
function assemble(shards: EvalShard[], n: number, classes: number, withLogits: boolean): EvalResult {
  const losses = new Float32Array(n);
  const correct = new Uint8Array(n);
  const logits = withLogits ? new Float32Array(n * classes) : undefined;
  let offset = 0;
  for (const shard of shards) {
    losses.set(shard.losses, offset);
    correct.set(shard.correct, offset);
    if (logits && shard.logits) logits.set(shard.logits, offset * classes);
    offset += shard.losses.length;
  }
  return summarizeEval(losses, correct, logits);
}

/**
 * Starts a pool of `workers` workers (default: one per core) and resolves once all have loaded the
 * core; rejects with WORKER_LOAD naming the script's URL when a worker cannot load it.
 */
export async function createPool(options: PoolOptions = {}): Promise<Pool> {
  // Loaded here, not at the top: the rest of the library imports (in a page, in any worker) without
  // knowing its host, and Node loads worker_threads only when a pool is made.
  const host = await import('#spawn-worker');
  const { workerUrl } = options;
  const spawner: Spawner = workerUrl === undefined ? host : { spawnWorker: () => host.spawnWorker(workerUrl), defaultWorkerCount: host.defaultWorkerCount };
  const workers = options.workers ?? spawner.defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 1) throw new ModeconnError('BAD_ARGUMENT', `workers must be a positive integer, got ${workers}`);
  return new WorkerPool(spawner).start(workers);
}
