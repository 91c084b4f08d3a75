/** The benchmark a user runs on their own machine or browser (`modeconn bench`, the web lab's panel). */
export { runBenchmark, formatBenchReport, type BenchOptions, type BenchReport } from './run.js';
export { GEMM_SHAPES, BENCH_SCALES, TRAIN_JOB, type GemmShape, type BenchScale } from './shapes.js';
export type { GemmRow, Peaks } from './gemm.js';
export type { TrainRow } from './train.js';
export type { Measured } from './measure.js';
export type { BenchHooks, BenchTwin, BenchNative, BenchRunner, BenchProgress } from './types.js';
