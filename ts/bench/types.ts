/**
 * What a host adds to the benchmark: the TS twin (from 'modeconn/reference', which library code
 * never imports), native Rust timings (a checkout with cargo), extra runners such as worker pools,
 * and progress. Every hook is optional; a missing one leaves its column with the reason.
 */
import type { GemmParams } from '../kernels/gemm.js';
import type { Runner } from '../model/runner.js';
import type { GemmShape } from './shapes.js';
import type { Measured } from './measure.js';

/** The twin's GEMM and plan, structurally (`referenceKernels.gemm`, `new ReferencePlan(words, capacity)`). */
export interface BenchTwin {
  gemm(p: GemmParams, a: Float32Array, b: Float32Array, bias: Float32Array | null, c: Float32Array): void;
  plan(words: Uint32Array, capacity: number): {
    evaluate(params: Float32Array, x: Float32Array, labels: Uint32Array, n: number): unknown;
    gradient(params: Float32Array, x: Float32Array, labels: Uint32Array, n: number, grads: Float32Array): unknown;
  };
}

/** Native timings of the same crate, by the host (`modeconn bench` builds crate/examples with cargo). */
export interface BenchNative {
  /** GFLOP/s of one shape. */
  gemm?(shape: GemmShape): Promise<Measured<number>>;
  /** Seconds of one training epoch and of the evaluation, for the plan `words`. */
  train?(words: Uint32Array, job: { batchSize: number; evalBatch: number; trainSamples: number; evalSamples: number }): Promise<Measured<{ train: number; eval: number }>>;
}

/** A runner to time training and evaluation on (e.g. a worker pool), with its shards per batch. */
export interface BenchRunner {
  label: string;
  runner: Runner;
  /** Virtual shards per batch (the pool computes them in parallel; the bits do not depend on the pool). */
  shards: number;
}

export interface BenchProgress {
  fraction: number;
  detail: string;
}

export interface BenchHooks {
  twin?: BenchTwin;
  native?: BenchNative;
  runners?: readonly BenchRunner[];
  onProgress?: (progress: BenchProgress) => void;
}
