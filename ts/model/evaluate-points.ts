/**
 * Many parameter vectors made on demand (path points, grid cells) evaluated on several data sets
 * through a runner, a chunk at a time: θ_i = make(i) for a chunk, then one runner call for the chunk.
 * Results do not depend on the chunk size; only progress and memory do.
 */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from './arch.js';
import type { EvalResult } from './engine.js';
import { throwIfCancelled } from './inline-runner.js';
import type { Runner, RunnerEvaluateOptions } from './runner.js';

export interface EvaluatePointsOptions extends Omit<RunnerEvaluateOptions, 'onProgress'> {
  /** Points per runner call (default 1 on one thread, 4 per worker on a pool). */
  chunk?: number;
  /** After each chunk: points done so far of `total`, and the index of the last one. */
  onChunk?: (done: number, total: number, last: number) => void;
  /** What a cancellation error names. */
  activity?: string;
}

/** results[s][i]: θ_i = make(i) on sets[s]; see the module header. */
export async function evaluatePoints(runner: Runner, arch: Arch, count: number, make: (i: number) => Float32Array | Promise<Float32Array>,
  sets: readonly DataSet[], options: EvaluatePointsOptions = {}): Promise<EvalResult[][]> {
  const { chunk = runner.size === 1 ? 1 : 4 * runner.size, onChunk, activity = 'evaluation', ...evaluate } = options;
  const results: EvalResult[][] = sets.map(() => []);
  for (let first = 0; first < count; first += chunk) {
    throwIfCancelled(evaluate.signal, activity);
    const thetas: Float32Array[] = [];
    for (let i = first; i < Math.min(first + chunk, count); i++) thetas.push(await make(i));
    const part = await runner.evaluate(arch, thetas, sets, evaluate);
    part.forEach((r, s) => results[s].push(...r));
    onChunk?.(first + thetas.length, count, first + thetas.length - 1);
  }
  return results;
}
