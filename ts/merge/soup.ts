/**
 * Model soups (Wortsman et al. 2022) of models fine-tuned from one initialisation: the uniform soup
 * mean_i θ_i, and the greedy soup — ingredients sorted by held-out accuracy, each added when the
 * soup with it is at least as accurate on the held-out set (their Recipe 1). No permutations.
 */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { averageParams } from './average.js';

export interface SoupOptions extends RunnerOption {
  /** BatchNorm statistics of every soup recomputed over this set (arches with BatchNorm). */
  bnData?: DataSet;
  batchSize?: number;
}

/** A greedy soup and how it was made. */
export interface GreedySoup {
  params: Float32Array;
  /** Indices of the ingredients in the soup, in the order they were added. */
  ingredients: number[];
  /** Held-out accuracy of every model alone (input order). */
  heldOut: number[];
  /** Held-out accuracy of the soup. */
  accuracy: number;
}

/** The uniform soup: the plain average of every model. */
export function uniformSoup(params: readonly Float32Array[]): Float32Array {
  return averageParams(params);
}

/** The greedy soup on `heldOut`; see the module header. */
export async function greedySoup(arch: Arch, params: readonly Float32Array[], heldOut: DataSet, options: SoupOptions = {}): Promise<GreedySoup> {
  const runner = await resolveRunner(options.runner);
  const { batchSize = 1000 } = options;
  const bn = hasBatchNorm(compiledOf(arch)) && options.bnData ? { bnData: options.bnData } : {};
  const [alone] = await runner.evaluate(arch, params, [heldOut], { batchSize });
  const heldOutAccuracy = alone.map((r) => r.accuracy);
  // Sorted by accuracy, ties by index (a stable order).
  const order = params.map((_, i) => i).sort((i, j) => heldOutAccuracy[j] - heldOutAccuracy[i] || i - j);
  const ingredients = [order[0]];
  let soup = params[order[0]];
  let accuracy = heldOutAccuracy[order[0]];
  if (Object.keys(bn).length) [[{ accuracy }]] = await runner.evaluate(arch, [soup], [heldOut], { batchSize, ...bn });
  for (const i of order.slice(1)) {
    const candidate = averageParams([...ingredients, i].map((k) => params[k]));
    const [[r]] = await runner.evaluate(arch, [candidate], [heldOut], { batchSize, ...bn });
    if (r.accuracy >= accuracy) {
      ingredients.push(i);
      soup = candidate;
      accuracy = r.accuracy;
    }
  }
  return { params: soup.slice(), ingredients, heldOut: heldOutAccuracy, accuracy };
}
