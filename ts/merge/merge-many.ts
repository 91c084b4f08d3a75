/**
 * MergeMany (Ainsworth et al. 2022, Algorithm 3): merge N ≥ 2 models of one arch by aligning each
 * θ_i to the average of the others, θ̄_{−i} = mean_{j≠i} π_j(θ_j), with weight matching, in a seeded
 * random order, until a whole round changes no permutation; the merged model is mean_i π_i(θ_i).
 * Start: every model matched to the first (our choice; the paper starts from the identity, `init: 'identity'`).
 */
import { ModeconnError } from '../errors.js';
import type { Model } from '../model/model.js';
import { withParams } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { permutation, seedState } from '../kernels/xoshiro.js';
import { identityPermutations, specOf, type Permutations } from '../align/spec.js';
import { checkPair, weightMatching } from '../align/weight-matching.js';
import { averageParams } from './average.js';

export interface MergeManyOptions extends RunnerOption {
  /** Seed of the model order in each round and of weight matching's group order (default 0). */
  seed?: number;
  /** Rounds over all models at most (default 20). */
  maxRounds?: number;
  /** Passes of each weight matching at most (default 100). */
  maxIterations?: number;
  /** 'first' (default): start with every model matched to model 0; 'identity': the paper's start. */
  init?: 'first' | 'identity';
  /** Called after each model is aligned: round (0 = the start), model index, rounds at most. */
  onProgress?: (p: { round: number; model: number; maxRounds: number }) => void;
}

/** The result of merging N models. */
export interface MergeResult {
  /** mean_i π_i(θ_i). */
  merged: Model;
  /** π_i(θ_i): each model in the common unit order (the same function as model i). */
  aligned: Float32Array[];
  /** π_i per model: aligned model i's unit k is model i's unit π_i[k]. */
  permutations: Permutations[];
  /** Permutations changed in each round (the last is 0 when it converged). */
  changes: number[];
  converged: boolean;
}

/** Checks N ≥ 2 models of one architecture. */
export function checkModels(models: readonly Model[], least = 2): void {
  if (models.length < least) throw new ModeconnError('BAD_ARGUMENT', `merging needs at least ${least} models, got ${models.length}`);
  for (const m of models.slice(1)) checkPair(models[0], m);
}

function samePermutations(a: Permutations, b: Permutations): boolean {
  return Object.keys(a).every((k) => a[k].every((v, i) => v === b[k][i]));
}

/** Merges `models` by MergeMany; see the module header. */
export async function mergeMany(models: readonly Model[], options: MergeManyOptions = {}): Promise<MergeResult> {
  const { seed = 0, maxRounds = 20, maxIterations = 100, init = 'first', onProgress } = options;
  checkModels(models);
  const arch = models[0].arch;
  const spec = specOf(arch);
  const match = (ref: Float32Array, i: number, round: number) =>
    weightMatching({ arch, params: ref }, models[i], { seed: seed + round, maxIterations, check: false, runner: options.runner });
  const aligned: Float32Array[] = models.map((m) => m.params.slice());
  const permutations = models.map(() => identityPermutations(spec));
  if (init === 'first') {
    for (let i = 1; i < models.length; i++) {
      const r = await match(models[0].params, i, 0);
      aligned[i] = r.aligned.params;
      permutations[i] = r.permutations;
      onProgress?.({ round: 0, model: i, maxRounds });
    }
  }
  const changes: number[] = [];
  const state = new Uint32Array(4);
  const order = new Uint32Array(models.length);
  let converged = false;
  for (let round = 1; round <= maxRounds && !converged; round++) {
    seedState(seed, 0x4d4d0000 + round, state);
    permutation(state, order);
    let changed = 0;
    for (const i of order) {
      const r = await match(averageParams(aligned, i), i, round);
      if (!samePermutations(r.permutations, permutations[i])) changed += 1;
      aligned[i] = r.aligned.params;
      permutations[i] = r.permutations;
      onProgress?.({ round, model: i, maxRounds });
    }
    changes.push(changed);
    converged = changed === 0;
  }
  return { merged: withParams(models[0], averageParams(aligned)), aligned, permutations, changes, converged };
}
