/**
 * Activation matching (Ainsworth et al. 2022, §3.1): for each group, the correlation
 * C[i, j] = corr(a_i, b_j) of A's and B's post-ReLU features over a data sample (unitCorrelation),
 * then one assignment per group maximising Σ_i C[i, π_i].
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { withParams, type Model } from '../model/model.js';
import { getCore } from '../wasm/kernel.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { solveAssignment } from './lsa.js';
import { unitCorrelation } from './correlation.js';
import { type AlignOptions, type AlignmentResult, checkPair, finishAlignment } from './weight-matching.js';
import { permuteParams, specOf, validateSpec } from './spec.js';

export interface ActivationMatchingOptions extends AlignOptions {
  /** Samples used (the first `samples` of the data set; default 1000). */
  samples?: number;
  /** Samples per WASM call (default 250). */
  batchSize?: number;
  /** BatchNorm mode of the forward passes (default 'eval'). */
  mode?: 'eval' | 'batch-stats';
}

/** Aligns B to A by matching post-activation features on `data`; `objective` is [Σ_groups Σ_i C[i, π_i]]. */
export async function activationMatching(a: Model, b: Model, data: DataSet, options: ActivationMatchingOptions = {}): Promise<AlignmentResult & { correlation: Record<string, number> }> {
  const { samples = 1000, batchSize = 250, mode = 'eval', check = true } = options;
  const compiled = checkPair(a, b);
  if (Math.min(samples, data.n) === 0) throw new ModeconnError('EMPTY_DATA', `activation matching needs samples; data set ${data.name} has none`);
  const kernels = wasmKernels(await getCore());
  const spec = specOf(a.arch);
  validateSpec(spec, compiled);
  const correlations = await unitCorrelation(a, b, data, { samples, batchSize, mode, runner: options.runner });
  const perms: Record<string, Uint32Array> = {};
  const correlation: Record<string, number> = {};
  let total = 0;
  for (const { group, size, matrix } of correlations) {
    const best = solveAssignment(kernels, matrix, size, size, { maximize: true });
    perms[group] = best.colForRow;
    correlation[group] = best.cost / size;
    total += best.cost;
  }
  const aligned = permuteParams(spec, compiled.layout, b.params, perms);
  await finishAlignment(compiled, b, aligned, check, 'activation matching');
  return { permutations: perms, aligned: withParams(b, aligned), objective: [total], spec, correlation };
}
