/**
 * A pool of workers (Web Workers or worker_threads), each with its own WASM core, behind plain
 * promises: a Runner. Evaluation is split into fixed shards on the batch grid — the batches the
 * inline `Engine.evaluate` runs — and reduced in sample order, so results are bit-identical to the
 * inline runner for any number of workers. Data sets and architectures are sent to a worker once and
 * kept there (by id) until `release`; parameter vectors live in the workers for one job.
 */
import { proxy, transfer, type Remote } from 'comlink';
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { Engine, checkData, summarizeEval, type EvalResult } from '../model/engine.js';
import { checkEvaluate } from '../model/inline-runner.js';
import { checkParams, compiledOf } from '../model/model.js';
import { HvpReducer, checkHvp, hvpBatches } from '../model/hvp.js';
import type { HvpBatch } from '../model/engine.js';
import type {
  ActivationOptions, BatchGradient, GradientOptions, HvpOptions, HvpResult, GradientSession, GradientSessionOptions, JobOptions, Runner, RunnerEvaluateOptions,
  TrainingSession, TrainingSessionOptions, CurveTrainingOptions, CurveTrainingSession,
} from '../model/runner.js';
import { checkCoefficients, checkCurve, composeCurveTraining } from '../model/curve-training.js';
import { optimizerWords } from '../model/optimizer.js';
import { composeTraining } from '../model/training-session.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { ReplicaGroup, canShareMemory, type ReplicaGroupOptions } from './replica-group.js';
import { STREAM_DROPOUT, trainOnRunner } from '../model/training.js';
import { ShardReducer, checkShardStatistics, checkShards, joinStates, shardRanges, splitStates } from '../model/shards.js';
import { progressClock, type TrainJob, type TrainProgress, type TrainResult } from '../model/training-options.js';
import { rngState } from '../kernels/xoshiro.js';
import type { Buf } from '../wasm/kernel.js';
import { exactKernels, type GemmKernel } from '../wasm/kernel-choice.js';
import type { WorkerApi } from './api.js';
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
  /**
   * Workers run the simd128 kernels even where relaxed SIMD exists (default: this thread's
   * `setExactKernels`, so the pool gives the bits the inline runner gives).
   */
  exact?: boolean;
}

/**
 * The worker pool: a Runner (pass it as `runner` to any library function) that you close when done.
 * Arrays given to it are copied into fresh buffers that are transferred, so the caller's data sets
 * and parameter vectors stay usable; do not change them while a job runs.
 */
export interface Pool extends Runner {
  /** The GEMM micro-kernel every worker runs. */
  readonly kernel: GemmKernel;
  /** Memory of each worker's core. */
  memory(): Promise<WorkerMemory[]>;
  /** Ends every worker; pending jobs fail with POOL_CLOSED. */
  close(): Promise<void>;
  /** Test hook: makes worker `index` fail the way `fault` says (see WorkerFault). */
  injectFault(index: number, fault: WorkerFault): Promise<void>;
}

/** Fault injection for tests of crash recovery: an uncaught error, a WASM trap, or `terminate()`. */
export type WorkerFault = 'crash' | 'trap' | 'terminate';

function copyForTransfer<T extends Float32Array | Uint32Array>(array: T): T {
  return array.slice() as T;
}

class WorkerPool implements Pool {
  readonly #scheduler: Scheduler;
  readonly #ids = new WeakMap<object, number>();
  #nextId = 1;
  #nextJob = 1;

  constructor(spawner: Spawner, exact: boolean) {
    this.#scheduler = new Scheduler(spawner, exact);
  }

  get size(): number {
    return this.#scheduler.slots.length;
  }

  get kernel(): GemmKernel {
    return this.#scheduler.kernel;
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

  async evaluate(arch: Arch, params: readonly Float32Array[], sets: readonly DataSet[], options: RunnerEvaluateOptions = {}): Promise<EvalResult[][]> {
    const { batchSize = 1000, mode = 'eval', logits = false, signal, bnData } = options;
    const compiled = compiledOf(arch);
    checkEvaluate(compiled, params, sets, batchSize, bnData);
    // Shards on the batch grid of the inline runner: each shard runs exactly the inline batches.
    const shards = sets.map((set) => {
      const out: Array<[number, number]> = [];
      for (let start = 0; start < set.n; start += batchSize) out.push([start, Math.min(batchSize, set.n - start)]);
      return out;
    });
    const perTheta = shards.reduce((sum, s) => sum + s.length, 0);
    const clock = progressClock();
    const total = params.length * (perTheta + (bnData ? 1 : 0));
    let done = 0;
    const tick = () => options.onProgress?.(clock(++done / total));
    const thetas = bnData ? await this.#recompute(arch, params, bnData, batchSize, signal, tick) : params;
    const archId = this.#resident(arch);
    const dataIds = sets.map((set) => this.#resident(set));
    const vectorIds = thetas.map((p) => this.#vector(p));
    const runs = vectorIds.flatMap((vectorId) => sets.flatMap((_, s) => shards[s].map(([start, count]) => async (slot: Slot) => {
      await this.#scheduler.ensure(slot, [archId, dataIds[s], vectorId]);
      return slot.call((api) => api.evaluate({ arch: archId, params: vectorId, data: dataIds[s], start, count, batchSize, mode, logits }));
    })));
    try {
      const out = await this.#scheduler.submit<EvalShard>(runs, { retries: 1, signal, onTaskDone: tick });
      const results: EvalResult[][] = sets.map(() => []);
      vectorIds.forEach((_, v) => {
        let at = v * perTheta;
        sets.forEach((set, s) => {
          results[s].push(assemble(out.slice(at, at + shards[s].length), set.n, compiled.classes, logits));
          at += shards[s].length;
        });
      });
      return results;
    } finally {
      for (const id of vectorIds) void this.#scheduler.forget(id);
    }
  }

  async recomputeBatchNorm(arch: Arch, params: readonly Float32Array[], data: DataSet, options: JobOptions & { batchSize?: number } = {}): Promise<Float32Array[]> {
    const clock = progressClock();
    let done = 0;
    return this.#recompute(arch, params, data, options.batchSize, options.signal, () => options.onProgress?.(clock(++done / params.length)));
  }

  /** Each θ with its BatchNorm statistics recomputed over `data`, one worker task per θ. */
  async #recompute(arch: Arch, params: readonly Float32Array[], data: DataSet, batchSize?: number, signal?: AbortSignal, onTaskDone?: () => void): Promise<Float32Array[]> {
    const compiled = compiledOf(arch);
    checkParams(compiled, params);
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

  async train(arch: Arch, data: DataSet, job: TrainJob): Promise<TrainResult> {
    // Data-parallel: the loop runs here and each batch's shards go to the workers.
    if ((job.shards ?? 1) > 1) return trainOnRunner(this, arch, data, job);
    const { evalData, init, onProgress, onEpoch, signal, ...settings } = job;
    const compiled = compiledOf(arch);
    checkData(data, compiled);
    if (evalData) checkData(evalData, compiled);
    const archId = this.#resident(arch);
    const dataId = this.#resident(data);
    const evalId = evalData ? this.#resident(evalData) : undefined;
    const initId = init instanceof Float32Array ? this.#vector(init) : undefined;
    const id = this.#nextJob++;
    // A shared flag stops the run at the next batch; where SharedArrayBuffer is missing (pages that
    // are not cross-origin isolated) the `cancel` message does, at the run's next yield (≤ 50 ms).
    const flag = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null;
    const clock = progressClock();
    const progress = onProgress ? proxy((p: TrainProgress) => onProgress({ ...p, ...clock(p.fraction) })) : null;
    const epochs = onEpoch ? proxy(onEpoch) : null;
    const ids = [archId, dataId, ...(evalId === undefined ? [] : [evalId]), ...(initId === undefined ? [] : [initId])];
    try {
      const [result] = await this.#scheduler.submit([async (slot: Slot) => {
        await this.#scheduler.ensure(slot, ids);
        return slot.call((api) => api.train(id, { arch: archId, data: dataId, evalData: evalId, init: initId ?? (init as Exclude<typeof init, Float32Array>), settings }, flag, progress, epochs));
      }], {
        retries: 0,
        signal,
        stopRunning: (slot) => {
          if (flag) Atomics.store(flag, 0, 1);
          slot.call((api) => api.cancel(id)).catch(() => {});
        },
      });
      return { arch, ...result };
    } catch (error) {
      if (signal?.aborted && error instanceof ModeconnError && error.code === 'CANCELLED') throw cancelledError(signal);
      throw error;
    } finally {
      if (initId !== undefined) void this.#scheduler.forget(initId);
    }
  }

  async gradient(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, options: GradientOptions = {}): Promise<BatchGradient> {
    const out = await this.#gradient(arch, params, data, indices, options.mode ?? 'batch-stats', rngState(options.seed ?? 0, options.stream ?? 0));
    return { grads: out.grads, loss: out.loss, losses: out.losses, correct: out.correct };
  }

  /** One batch gradient in some worker; the dropout state goes there and comes back advanced. */
  async #gradient(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, mode: NonNullable<GradientOptions['mode']>, rng: Uint32Array) {
    if (indices.length === 0) throw new ModeconnError('EMPTY_DATA', 'gradient needs at least one sample');
    const [out] = await this.#batchTasks(arch, params, data, [{ indices, extra: { mode, rng: rng.slice() } }], (api, task) => api.gradient(task));
    return out;
  }

  /** Tasks over θ and some samples of `data`, one per entry of `parts`, in any workers (θ and indices transferred; retried once). */
  async #batchTasks<E extends object, T>(arch: Arch, params: Float32Array, data: DataSet, parts: Array<{ indices: Uint32Array; extra: E }>,
    call: (api: Remote<WorkerApi>, task: { arch: number; data: number; params: Float32Array; indices: Uint32Array } & E) => Promise<T>): Promise<T[]> {
    const compiled = compiledOf(arch);
    checkParams(compiled, [params]);
    checkData(data, compiled);
    const archId = this.#resident(arch);
    const dataId = this.#resident(data);
    // θ goes to every task: one shared copy where the host has SharedArrayBuffer, else a transferred copy each.
    const shared = parts.length > 1 && typeof SharedArrayBuffer === 'function' ? new Float32Array(new SharedArrayBuffer(params.byteLength)) : null;
    shared?.set(params);
    return this.#scheduler.submit(parts.map(({ indices, extra }) => async (slot: Slot) => {
      await this.#scheduler.ensure(slot, [archId, dataId]);
      const theta = shared ?? copyForTransfer(params);
      const idx = copyForTransfer(indices);
      return slot.call((api) => call(api, transfer({ arch: archId, data: dataId, params: theta, indices: idx, ...extra }, shared ? [idx.buffer] : [theta.buffer, idx.buffer])));
    }), { retries: 1 });
  }

  /**
   * Where the host shares memory between workers, a replica group (replica-group.ts): the workers keep
   * θ's copies and reduce the gradient among themselves; this thread writes θ and reads the gradient.
   */
  async openGradients(arch: Arch, data: DataSet, options: GradientSessionOptions): Promise<GradientSession> {
    if (!canShareMemory()) return this.#transferGradients(arch, data, options);
    const K = options.thetas ?? 1;
    if (!Number.isInteger(K) || K < 1) throw new ModeconnError('BAD_ARGUMENT', `thetas must be a positive integer, got ${K}`);
    const { group, engine, checkRange } = await this.#openGroup(arch, data, { ...options, thetas: K });
    const { totalLength: T, paramCount: P } = group.compiled;
    const m = group.memory;
    const core = engine.core;
    const gradients = async (thetas: readonly Buf[], grads: readonly Buf[], start: number, n: number) => {
      checkRange(start, n);
      if (thetas.length !== K || grads.length !== K) throw new ModeconnError('BAD_ARGUMENT', `this gradient session takes ${K} θ's per call; got ${thetas.length} θ's and ${grads.length} gradients`);
      thetas.forEach((theta, k) => m.theta.set(core.f32(theta).subarray(0, T), k * T));
      const outcomes = await group.step(start, n, 0, 0, true);
      thetas.forEach((theta, k) => {
        core.f32(grads[k]).set(m.out.subarray(k * T, (k + 1) * T));
        // What shard 0's pass changed in θ (train mode: running statistics), as the inline session keeps it.
        core.f32(theta).set(m.theta.subarray(k * T + P, (k + 1) * T), P);
      });
      return outcomes;
    };
    return {
      setOrder: (order) => group.setOrder(checkOrder(order, data.n)),
      gradient: async (theta: Buf, grads: Buf, start: number, n: number) => (await gradients([theta], [grads], start, n))[0],
      gradients,
      rngState: () => m.rng.slice(),
      setRngState: (state) => setShardStates(m.rng, state),
      close: () => group.close(),
    };
  }

  /** Data-parallel optimiser steps with θ and the optimiser replicated in the workers (else on this thread). */
  async openTraining(arch: Arch, data: DataSet, options: TrainingSessionOptions): Promise<TrainingSession> {
    if (!canShareMemory()) return composeTraining(await this.#transferGradients(arch, data, options), arch, options);
    optimizerWords(options.optimizer);
    const { group, engine, checkRange } = await this.#openGroup(arch, data, options);
    const T = group.compiled.totalLength;
    const m = group.memory;
    // θ lives in the shared copy and the members' cores; the members read all of it after setParams.
    let fresh = true;
    return {
      setOrder: (order) => group.setOrder(checkOrder(order, data.n)),
      setParams: (theta: Buf) => {
        m.theta.set(engine.core.f32(theta).subarray(0, T));
        fresh = true;
      },
      readParams: (theta: Buf) => engine.core.f32(theta).set(m.theta),
      step: async (start: number, n: number, lr: number, step: number) => {
        checkRange(start, n);
        const [outcome] = await group.step(start, n, lr, step, fresh);
        fresh = false;
        return outcome;
      },
      optimizerState: () => group.optimizerState(),
      loadOptimizerState: (state) => group.loadOptimizerState(state),
      rngState: () => m.rng.slice(),
      setRngState: (state) => setShardStates(m.rng, state),
      close: () => group.close(),
    };
  }

  /** Curve fitting with the curve's points replicated in the workers (each steps its slice of every bend; else on this thread). */
  async openCurveTraining(arch: Arch, data: DataSet, options: CurveTrainingOptions): Promise<CurveTrainingSession> {
    checkCurve(compiledOf(arch), options);
    if (!canShareMemory()) return composeCurveTraining(await this.#transferGradients(arch, data, options), arch, options);
    optimizerWords(options.optimizer);
    const K = options.points.length;
    const curve = { points: K, bends: [...options.bends], weightDecay: options.weightDecay ?? options.optimizer.weightDecay ?? 0 };
    const { group, checkRange } = await this.#openGroup(arch, data, { ...options, curve });
    const T = group.compiled.totalLength;
    const m = group.memory;
    options.points.forEach((p, j) => m.theta.set(p, j * T));
    let fresh = true;
    return {
      setOrder: (order) => group.setOrder(checkOrder(order, data.n)),
      step: async (coeffs: Float32Array, start: number, n: number, lr: number, step: number) => {
        checkRange(start, n);
        checkCoefficients(coeffs, K);
        const [outcome] = await group.step(start, n, lr, step, fresh, coeffs);
        fresh = false;
        return outcome;
      },
      readPoints: () => Array.from({ length: K }, (_, j) => m.theta.slice(j * T, (j + 1) * T)),
      rngState: () => m.rng.slice(),
      setRngState: (state) => setShardStates(m.rng, state),
      close: () => group.close(),
    };
  }

  async #openGroup(arch: Arch, data: DataSet, options: GradientSessionOptions & { optimizer?: OptimizerConfig; curve?: ReplicaGroupOptions['curve'] }) {
    const { compiled, shards, mode } = checkSession(arch, data, options);
    const { seed, capacity } = options;
    const engine = await Engine.local();
    const ids = { group: this.#nextId++, arch: this.#resident(arch), data: this.#resident(data) };
    const { optimizer, thetas, curve } = options;
    const group = await ReplicaGroup.open(this.#scheduler, ids, compiled, { capacity, seed, stream: options.stream ?? STREAM_DROPOUT, mode, shards, optimizer, thetas, curve });
    const checkRange = (start: number, n: number) => {
      if (!Number.isInteger(start) || !Number.isInteger(n) || n < 1 || n > capacity || start < 0 || start + n > data.n) {
        throw new ModeconnError('BAD_ARGUMENT', `batch ${start} .. ${start + n} is not a range of at most ${capacity} of ${data.n} ordered samples`);
      }
    };
    return { group, engine, checkRange };
  }

  /** The gradient session where workers cannot share memory: θ and each shard's gradient travel per step. */
  async #transferGradients(arch: Arch, data: DataSet, options: GradientSessionOptions): Promise<GradientSession> {
    const { compiled, shards, mode } = checkSession(arch, data, options);
    const { seed } = options;
    const stream = options.stream ?? STREAM_DROPOUT;
    const rngs = Array.from({ length: shards }, (_, s) => rngState(seed, stream + s));
    const engine = await Engine.local();
    const reducer = new ShardReducer(engine, compiled, shards);
    let order = new Uint32Array(0);
    return {
      setOrder: async (next: Uint32Array) => {
        order = checkOrder(next, data.n).slice();
      },
      gradient: async (theta: Buf, grads: Buf, start: number, n: number) => {
        if (n < 1 || n > options.capacity || start < 0 || start + n > order.length) {
          throw new ModeconnError('BAD_ARGUMENT', `batch ${start} .. ${start + n} is not a range of at most ${options.capacity} of ${order.length} ordered samples`);
        }
        // Every shard starts from the same θ: each goes to a worker with its samples and its dropout stream.
        const ranges = shardRanges(n, shards);
        const params = engine.core.f32(theta).slice(0, compiled.totalLength);
        const parts = ranges.map((r, s) => ({ indices: order.subarray(start + r.start, start + r.start + r.n), extra: { mode, rng: rngs[s].slice() } }));
        const outs = await this.#batchTasks(arch, params, data, parts, (api, task) => api.gradient(task));
        const outcomes = outs.map((out, s) => {
          rngs[s].set(out.rng);
          engine.core.f32(reducer.grads[s]).set(out.grads);
          let right = 0;
          for (let i = 0; i < out.correct.length; i++) right += out.correct[i];
          return { loss: out.loss, right };
        });
        // What shard 0's pass changed in θ (train mode: running statistics), as the inline session keeps it.
        reducer.setTail(theta, outs[0].tail);
        return reducer.reduce(ranges, outcomes, grads);
      },
      rngState: () => joinStates(rngs),
      setRngState: (state: Uint32Array) => splitStates(state, rngs),
      close: async () => reducer.free(),
    };
  }

  async hessianVectorProducts(arch: Arch, params: Float32Array, data: DataSet, vectors: readonly Float32Array[], options: HvpOptions = {}): Promise<HvpResult> {
    const { batchSize = 1000, mode = 'eval', gradient = false, signal } = options;
    const compiled = compiledOf(arch);
    checkHvp(compiled, params, data, vectors, batchSize);
    const archId = this.#resident(arch);
    const dataId = this.#resident(data);
    const thetaId = this.#vector(params);
    const batches = hvpBatches(data.n, batchSize);
    const clock = progressClock();
    let done = 0;
    try {
      // One task per batch; the reduction below runs in batch order, as the inline runner's does.
      const out = await this.#scheduler.submit<HvpBatch>(batches.map(([start, n]) => async (slot: Slot) => {
        await this.#scheduler.ensure(slot, [archId, dataId, thetaId]);
        const copies = vectors.map((v) => copyForTransfer(v));
        return slot.call((api) => api.hvp(transfer({ arch: archId, data: dataId, params: thetaId, vectors: copies, start, n, batchSize, mode, gradient },
          copies.map((c) => c.buffer))));
      }), { retries: 1, signal, onTaskDone: () => options.onProgress?.(clock(++done / batches.length)) });
      const reducer = new HvpReducer(vectors.length, compiled.totalLength, data.n, gradient);
      for (const batch of out) reducer.add(batch);
      return reducer.result();
    } finally {
      void this.#scheduler.forget(thetaId);
    }
  }

  async activations(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, buffers: readonly number[], options: ActivationOptions = {}): Promise<Float32Array[]> {
    const [out] = await this.#batchTasks(arch, params, data, [{ indices, extra: { buffers: [...buffers], mode: options.mode ?? 'eval' } }], (api, task) => api.activations(task));
    return out;
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

/** The checks every gradient session makes before it starts; its compiled arch, shard count and mode. */
function checkSession(arch: Arch, data: DataSet, options: GradientSessionOptions) {
  const compiled = compiledOf(arch);
  checkData(data, compiled);
  const { shards = 1, mode = 'train' } = options;
  checkShards(shards);
  checkShardStatistics(compiled, shards, mode, options.bnStatistics);
  return { compiled, shards, mode };
}

/** An epoch's order, checked against the data set's size. */
function checkOrder(order: Uint32Array, n: number): Uint32Array {
  if (order.length !== n) throw new ModeconnError('BAD_SHAPE', `an order of ${order.length} samples for a data set of ${n}`);
  return order;
}

/** Loads `joinStates` words into the shared dropout states (4 per shard). */
function setShardStates(shared: Uint32Array, words: Uint32Array): void {
  if (words.length !== shared.length) throw new ModeconnError('BAD_SHAPE', `${words.length} PRNG words for ${shared.length / 4} shards (4 each)`);
  shared.set(words);
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
  return new WorkerPool(spawner, options.exact ?? exactKernels()).start(workers);
}
