/**
 * The API one worker exposes: data sets, architectures and parameter vectors sent once and kept by
 * id, and jobs over them on the worker's own Engine (its own WASM core): evaluation shards, BatchNorm
 * recomputation and training runs with progress and cancellation.
 */
import { releaseProxy, transfer, type Remote } from 'comlink';
import { ModeconnError } from '../errors.js';
import { createDataSet, type DataSet, type DataSetInit } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { Engine } from '../model/engine.js';
import { compiledOf } from '../model/model.js';
import { setExactKernels } from '../wasm/kernel-choice.js';
import { trainOnEngine } from '../model/training.js';
import type { HvpBatch } from '../model/engine.js';
import type { EpochLog, TrainProgress } from '../model/training-options.js';
import { Replica, type ReplicaSpec } from './replica.js';
import { toWire, type ActivationTask, type EvalShard, type EvalTask, type GradientShard, type GradientTask, type HvpTask, type TrainTask, type WorkerMemory } from './protocol.js';

const dataSets = new Map<number, DataSet>();
const archs = new Map<number, Arch>();
const vectors = new Map<number, Float32Array>();
/** Data sets a running training job reads: their release waits until the job ends. */
const inUse = new Map<number, number>();
const pendingRelease = new Set<number>();
/** Members of data-parallel replica groups, by group id, with the data set each reads. */
const replicas = new Map<number, { replica: Replica; data: number }>();
/** Running training jobs, aborted by `cancel`. */
const running = new Map<number, AbortController>();
let engine: Promise<Engine> | null = null;

const getEngine = () => (engine ??= Engine.local());

function lookup<T>(map: Map<number, T>, id: number, what: string): T {
  const value = map.get(id);
  if (value === undefined) throw new ModeconnError('STALE_HANDLE', `worker has no ${what} with id ${id}`, { advice: 'it was released; pass the object again' });
  return value;
}

function free(id: number, e: Engine): void {
  const data = dataSets.get(id);
  if (data) e.release(data);
  dataSets.delete(id);
  archs.delete(id);
  vectors.delete(id);
}

/** Marks a data set as read by a running job: its release waits. */
function retain(id: number): void {
  inUse.set(id, (inUse.get(id) ?? 0) + 1);
}

/** Ends one job's use of a data set, freeing it if its release was waiting. */
function unretain(id: number, e: Engine): void {
  const left = (inUse.get(id) ?? 1) - 1;
  if (left > 0) inUse.set(id, left);
  else {
    inUse.delete(id);
    if (pendingRelease.delete(id)) free(id, e);
  }
}

/** Wraps a method so a ModeconnError keeps its code across the boundary. */
function guarded<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (error) {
      throw toWire(error);
    }
  };
}

/** Minimum milliseconds between progress messages from a training run (the last step is always sent). */
const PROGRESS_INTERVAL = 50;

export const api = {
  /** Chooses the kernels (`exact`: simd128 only), loads the core; resolves with the kernel it runs. */
  ready: guarded(async (exact: boolean) => {
    setExactKernels(exact);
    return (await getEngine()).core.kernel;
  }),

  /** Keeps a data set (its arrays were transferred: this worker owns them now). */
  addData: guarded((id: number, init: DataSetInit) => {
    dataSets.set(id, createDataSet(init));
  }),

  addArch: guarded((id: number, arch: Arch) => {
    compiledOf(arch);
    archs.set(id, arch);
  }),

  addParams: guarded((id: number, values: Float32Array) => {
    vectors.set(id, values);
  }),

  /** Frees what `id` names (and its WASM copy); a data set in use by a training run goes when the run ends. */
  release: guarded(async (id: number) => {
    if (inUse.has(id)) pendingRelease.add(id);
    else free(id, await getEngine());
  }),

  /** Per-sample results of one shard (samples `start .. start + count`). */
  evaluate: guarded(async (task: EvalTask): Promise<EvalShard> => {
    const e = await getEngine();
    const compiled = compiledOf(lookup(archs, task.arch, 'architecture'));
    const result = e.evaluate(compiled, lookup(vectors, task.params, 'parameter vector'), lookup(dataSets, task.data, 'data set'), task);
    const shard: EvalShard = { losses: result.losses, correct: result.correct, ...(result.logits ? { logits: result.logits } : {}) };
    return transfer(shard, [shard.losses.buffer, shard.correct.buffer, ...(shard.logits ? [shard.logits.buffer] : [])]);
  }),

  /** θ (resident id) with its BatchNorm running statistics recomputed over a resident data set. */
  recomputeBatchNorm: guarded(async (arch: number, params: number, data: number, batchSize?: number) => {
    const e = await getEngine();
    const out = e.recomputeBatchNorm(compiledOf(lookup(archs, arch, 'architecture')), lookup(vectors, params, 'parameter vector'), lookup(dataSets, data, 'data set'), { batchSize });
    return transfer(out, [out.buffer]);
  }),

  /**
   * Runs `trainModel` here. It stops within one batch once `flag[0]` becomes non-zero (a shared
   * Int32 the caller sets, when the host has SharedArrayBuffer) or `cancel(job)` arrives (seen when
   * the run yields to the event loop, every 50 ms).
   */
  train: guarded(async (job: number, task: TrainTask, flag: Int32Array | null,
    onProgress: ((p: TrainProgress) => void) | null, onEpoch: ((log: EpochLog) => void) | null) => {
    const e = await getEngine();
    const arch = lookup(archs, task.arch, 'architecture');
    const data = lookup(dataSets, task.data, 'data set');
    const evalData = task.evalData === undefined ? undefined : lookup(dataSets, task.evalData, 'data set');
    const init = typeof task.init === 'number' ? lookup(vectors, task.init, 'parameter vector') : task.init;
    const controller = new AbortController();
    const reads = [task.data, ...(task.evalData === undefined ? [] : [task.evalData])];
    for (const id of reads) retain(id);
    running.set(job, controller);
    let lastSent = 0;
    // Each callback answers in order; awaiting its last call means its events arrived before the result.
    let progressSent: unknown;
    let epochSent: unknown;
    try {
      const result = await trainOnEngine(e, arch, data, {
        ...task.settings,
        init,
        evalData,
        signal: controller.signal,
        onProgress: (p) => {
          if (flag && Atomics.load(flag, 0) !== 0) controller.abort();
          const now = performance.now();
          if (onProgress && (now - lastSent >= PROGRESS_INTERVAL || p.step === p.steps)) {
            lastSent = now;
            progressSent = onProgress(p);
          }
        },
        onEpoch: onEpoch ? (log) => void (epochSent = onEpoch(log)) : undefined,
      });
      await Promise.all([progressSent, epochSent]);
      const { arch: _arch, ...out } = result;
      const buffers = [out.params, ...(out.snapshots ?? []).map((s) => s.params), ...(out.average ? [out.average.params] : []), ...(out.state?.optimizer ?? [])];
      return transfer(out, buffers.map((b) => b.buffer));
    } finally {
      running.delete(job);
      for (const id of reads) unretain(id, e);
      for (const callback of [onProgress, onEpoch]) if (callback) (callback as unknown as Remote<() => void>)[releaseProxy]();
    }
  }),

  /** The gradient of one batch, continuing the dropout stream the task carries. */
  gradient: guarded(async (task: GradientTask): Promise<GradientShard> => {
    const e = await getEngine();
    const compiled = compiledOf(lookup(archs, task.arch, 'architecture'));
    const rng = task.rng;
    const r = e.gradient(compiled, task.params, lookup(dataSets, task.data, 'data set'), task.indices, { mode: task.mode, rng });
    const out: GradientShard = { grads: r.grads, tail: r.tail, loss: r.loss, losses: r.losses, correct: r.correct, rng };
    return transfer(out, [out.grads.buffer, out.tail.buffer, out.losses.buffer, out.correct.buffer]);
  }),

  /** H·v of one batch for each vector (see Engine.hvpBatch). */
  hvp: guarded(async (task: HvpTask): Promise<HvpBatch> => {
    const e = await getEngine();
    const compiled = compiledOf(lookup(archs, task.arch, 'architecture'));
    const out = e.hvpBatch(compiled, lookup(vectors, task.params, 'parameter vector'), lookup(dataSets, task.data, 'data set'), task.vectors,
      task.start, task.n, { batchSize: task.batchSize, mode: task.mode, gradient: task.gradient });
    return transfer(out, [...out.products.map((p) => p.buffer), ...(out.gradient ? [out.gradient.buffer] : [])]);
  }),

  /** Activation buffers after a forward pass (see Engine.activations). */
  activations: guarded(async (task: ActivationTask): Promise<Float32Array[]> => {
    const e = await getEngine();
    const compiled = compiledOf(lookup(archs, task.arch, 'architecture'));
    const parts = e.activations(compiled, task.params, lookup(dataSets, task.data, 'data set'), task.indices, task.buffers, { mode: task.mode });
    const copies = parts.map((p) => p.slice());
    return transfer(copies, copies.map((c) => c.buffer));
  }),

  /** Joins replica group `group` (see replica.ts) over a resident arch and data set. */
  openReplica: guarded(async (group: number, arch: number, data: number, spec: ReplicaSpec) => {
    const e = await getEngine();
    const replica = new Replica(e, compiledOf(lookup(archs, arch, 'architecture')), lookup(dataSets, data, 'data set'), spec);
    retain(data);
    replicas.set(group, { replica, data });
  }),

  replicaOrder: guarded((group: number, order: Uint32Array) => {
    lookup(replicas, group, 'replica group').replica.setOrder(order);
  }),

  /** One step of the group: blocks until every member has computed its shards (replica-memory.ts). */
  replicaStep: guarded((group: number, start: number, n: number, lr: number, step: number, fresh: boolean, coeffs?: Float32Array) => {
    lookup(replicas, group, 'replica group').replica.step(start, n, lr, step, fresh, coeffs);
  }),

  replicaState: guarded((group: number) => {
    const state = lookup(replicas, group, 'replica group').replica.state();
    return transfer(state, state.map((b) => b.buffer));
  }),

  replicaLoad: guarded((group: number, state: Float32Array[]) => {
    lookup(replicas, group, 'replica group').replica.load(state);
  }),

  closeReplica: guarded(async (group: number) => {
    const member = replicas.get(group);
    if (!member) return;
    replicas.delete(group);
    member.replica.free();
    unretain(member.data, await getEngine());
  }),

  /** Asks training run `job` to stop after its current batch. */
  cancel: guarded((job: number) => {
    running.get(job)?.abort();
  }),

  /** The core's memory and the number of resident objects. */
  memory: guarded(async (): Promise<WorkerMemory> => {
    const { core } = await getEngine();
    return { memoryBytes: core.memoryBytes, liveBytes: core.liveBytes, resident: dataSets.size + archs.size + vectors.size + replicas.size };
  }),

  /** Test hook: an uncaught error a moment later, which ends (Node) or breaks (browsers) the worker. */
  crash: guarded(() => {
    setTimeout(() => {
      throw new Error('modeconn test hook: worker crash');
    }, 0);
  }),

  /** Test hook: a WASM trap (the core recovers; the pool replaces the worker anyway). */
  trap: guarded(async () => {
    (await getEngine()).core.debugTrap();
  }),
};

/** The worker's API as the pool sees it through Comlink. */
export type WorkerApi = typeof api;
