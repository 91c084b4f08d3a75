/**
 * The model layer's public entry points: train a network, evaluate one or many θ, recompute
 * BatchNorm statistics. Each runs on the given runner (a worker pool, say) or on this thread.
 */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from './arch.js';
import type { EvalResult } from './engine.js';
import { resolveRunner } from './inline-runner.js';
import type { Model } from './model.js';
import type { ActivationOptions, JobOptions, Runner, RunnerEvaluateOptions } from './runner.js';
import type { TrainJob, TrainResult } from './training-options.js';

/** Where a library call runs: a worker pool, or (default) this thread. */
export interface RunnerOption {
  runner?: Runner;
}

export interface TrainOptions extends TrainJob, RunnerOption {}

/** Options of `evaluateModel` and `evaluateMany`. */
export type EvaluateModelOptions = RunnerEvaluateOptions & RunnerOption;

/** Trains `arch` on `data`; returns the trained model and a per-epoch log. */
export async function trainModel(arch: Arch, data: DataSet, options: TrainOptions): Promise<TrainResult> {
  const { runner, ...job } = options;
  return (await resolveRunner(runner)).train(arch, data, job);
}

/** Loss and accuracy of a model on a data set, with per-sample results. */
export async function evaluateModel(model: Model, data: DataSet, options: EvaluateModelOptions = {}): Promise<EvalResult> {
  const [result] = await evaluateMany(model.arch, [model.params], data, options);
  return result;
}

/** Loss and accuracy of many parameter vectors of `arch` (path points, grid cells), in order. */
export async function evaluateMany(arch: Arch, params: readonly Float32Array[], data: DataSet, options: EvaluateModelOptions = {}): Promise<EvalResult[]> {
  const { runner, ...rest } = options;
  const [results] = await (await resolveRunner(runner)).evaluate(arch, params, [data], rest);
  return results;
}

/** The model with its BatchNorm running statistics recomputed over `data` (exact average, Garipov's update_bn). */
export async function recomputeBatchNorm(model: Model, data: DataSet, options: JobOptions & RunnerOption & { batchSize?: number } = {}): Promise<Model> {
  const { runner, ...rest } = options;
  const [params] = await (await resolveRunner(runner)).recomputeBatchNorm(model.arch, [model.params], data, rest);
  return { arch: model.arch, params };
}

/** The plan's activation buffers `buffers` of θ after a forward pass over samples `indices` of `data`, each `[n, size]`. */
export async function readActivations(arch: Arch, params: Float32Array, data: DataSet, indices: Uint32Array, buffers: readonly number[],
  options: ActivationOptions & RunnerOption = {}): Promise<Float32Array[]> {
  const { runner, ...rest } = options;
  return (await resolveRunner(runner)).activations(arch, params, data, indices, buffers, rest);
}
