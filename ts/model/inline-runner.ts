/**
 * The inline runner: every Runner call on this thread's engine (`Engine.local()`), one task after
 * another, yielding to the event loop between tasks so progress bars draw and signals are seen.
 */
import { yieldToEventLoop } from '../event-loop.js';
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Buf } from '../wasm/kernel.js';
import type { Arch } from './arch.js';
import type { CompiledArch } from './compile.js';
import { Engine, checkData, rngState, type EvalResult } from './engine.js';
import { HvpReducer, checkHvp, hvpBatches } from './hvp.js';
import { checkParams, compiledOf } from './model.js';
import { ResidentBatches } from './resident-batches.js';
import { ShardReducer, checkShardStatistics, checkShards, joinStates, shardRanges, splitStates } from './shards.js';
import type {
  ActivationOptions, BatchGradient, GradientOptions, HvpOptions, HvpResult, GradientSession, GradientSessionOptions, JobOptions, Runner, RunnerEvaluateOptions,
} from './runner.js';
import { STREAM_DROPOUT, trainOnEngine, trainOnRunner } from './training.js';
import { type TrainJob, type TrainResult, progressClock } from './training-options.js';


/** Throws CANCELLED when `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new ModeconnError('CANCELLED', `${what} cancelled`, { cause: signal.reason });
}

/** The checks of `Runner.evaluate` (every runner makes them before any work): θ lengths and values, batch size, data sets. */
export function checkEvaluate(compiled: CompiledArch, params: readonly Float32Array[], sets: readonly DataSet[], batchSize: number, bnData?: DataSet): void {
  checkParams(compiled, params);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ModeconnError('BAD_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
  for (const set of sets) {
    if (set.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${set.name} has no samples`);
    checkData(set, compiled);
  }
  if (bnData) checkData(bnData, compiled);
}

class InlineRunner implements Runner {
  readonly size = 1;

  constructor(readonly engine: Engine) {}

  async evaluate(arch: Arch, params: readonly Float32Array[], sets: readonly DataSet[], options: RunnerEvaluateOptions = {}): Promise<EvalResult[][]> {
    const { batchSize = 1000, mode = 'eval', logits = false, bnData, signal } = options;
    const compiled = compiledOf(arch);
    checkEvaluate(compiled, params, sets, batchSize, bnData);
    const clock = progressClock();
    const results: EvalResult[][] = sets.map(() => []);
    for (let i = 0; i < params.length; i++) {
      throwIfCancelled(signal, 'evaluation');
      this.engine.evaluatePoint(compiled, params[i], sets, { batchSize, mode, logits, bnData }).forEach((r, s) => results[s].push(r));
      options.onProgress?.(clock((i + 1) / params.length));
      await yieldToEventLoop();
    }
    return results;
  }

  async recomputeBatchNorm(arch: Arch, params: readonly Float32Array[], data: DataSet, options: JobOptions & { batchSize?: number } = {}): Promise<Float32Array[]> {
    const compiled = compiledOf(arch);
    checkParams(compiled, params);
    checkData(data, compiled);
    const clock = progressClock();
    const out: Float32Array[] = [];
    for (const p of params) {
      throwIfCancelled(options.signal, 'BatchNorm recomputation');
      out.push(this.engine.recomputeBatchNorm(compiled, p, data, options));
      options.onProgress?.(clock(out.length / params.length));
      if (params.length > 1) await yieldToEventLoop();
    }
    return out;
  }

  train(arch: Arch, data: DataSet, job: TrainJob): Promise<TrainResult> {
    return (job.shards ?? 1) === 1 ? trainOnEngine(this.engine, arch, data, job) : trainOnRunner(this, arch, data, job);
  }

  async gradient(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, options: GradientOptions = {}): Promise<BatchGradient> {
    const { mode, seed = 0, stream = 0 } = options;
    const { tail: _, ...result } = this.engine.gradient(compiledOf(arch), params, data, indices, { mode, rng: rngState(seed, stream) });
    return result;
  }

  async openGradients(arch: Arch, data: DataSet, options: GradientSessionOptions): Promise<GradientSession> {
    const compiled = compiledOf(arch);
    checkData(data, compiled);
    const { shards = 1, mode = 'train', seed } = options;
    const stream = options.stream ?? STREAM_DROPOUT;
    checkShards(shards);
    checkShardStatistics(compiled, shards, mode, options.bnStatistics);
    const batches = new ResidentBatches(this.engine, compiled, data, options.capacity, seed, stream);
    if (shards === 1) {
      return {
        setOrder: async (order: Uint32Array) => batches.setOrder(order),
        gradient: async (theta: Buf, grads: Buf, start: number, n: number) => batches.gradient(theta, grads, start, n, mode),
        rngState: () => batches.rngState(),
        setRngState: (state: Uint32Array) => batches.setRngState(state),
        close: async () => batches.free(),
      };
    }
    const reducer = new ShardReducer(this.engine, compiled, shards);
    const rngs = Array.from({ length: shards }, (_, s) => rngState(seed, stream + s));
    return {
      setOrder: async (order: Uint32Array) => batches.setOrder(order),
      gradient: async (theta: Buf, grads: Buf, start: number, n: number) => {
        const ranges = shardRanges(n, shards);
        const before = reducer.tail(theta);
        let kept = before;
        const outcomes = ranges.map((r, s) => {
          if (s > 0) reducer.setTail(theta, before);
          batches.setRngState(rngs[s]);
          const outcome = batches.gradient(theta, reducer.grads[s], start + r.start, r.n, mode);
          rngs[s] = batches.rngState();
          if (s === 0) kept = reducer.tail(theta);
          return outcome;
        });
        reducer.setTail(theta, kept);
        return reducer.reduce(ranges, outcomes, grads);
      },
      rngState: () => joinStates(rngs),
      setRngState: (state: Uint32Array) => splitStates(state, rngs),
      close: async () => {
        batches.free();
        reducer.free();
      },
    };
  }

  async hessianVectorProducts(arch: Arch, params: Float32Array, data: DataSet, vectors: readonly Float32Array[], options: HvpOptions = {}): Promise<HvpResult> {
    const { batchSize = 1000, mode = 'eval', gradient = false, signal } = options;
    const compiled = compiledOf(arch);
    checkHvp(compiled, params, data, vectors, batchSize);
    const batches = hvpBatches(data.n, batchSize);
    const reducer = new HvpReducer(vectors.length, compiled.totalLength, data.n, gradient);
    const clock = progressClock();
    for (const [b, [start, n]] of batches.entries()) {
      throwIfCancelled(signal, 'Hessian-vector products');
      reducer.add(this.engine.hvpBatch(compiled, params, data, vectors, start, n, { batchSize, mode, gradient }));
      options.onProgress?.(clock((b + 1) / batches.length));
      if (batches.length > 1) await yieldToEventLoop();
    }
    return reducer.result();
  }

  async activations(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, buffers: readonly number[], options: ActivationOptions = {}): Promise<Float32Array[]> {
    return this.engine.activations(compiledOf(arch), params, data, indices, buffers, options);
  }

  async release(target: DataSet | Arch): Promise<void> {
    if (!('layers' in target)) this.engine.release(target);
  }
}

let shared: Promise<Runner> | null = null;

/** The runner on this thread (its engine is `Engine.local()`). */
export function inlineRunner(): Promise<Runner> {
  shared ??= Engine.local().then((engine) => new InlineRunner(engine));
  return shared;
}

/** `runner`, or the inline runner when none is given. */
export async function resolveRunner(runner?: Runner): Promise<Runner> {
  return runner ?? inlineRunner();
}
