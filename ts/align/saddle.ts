/**
 * Permutation saddles (Brea et al. 2019): swapping two hidden units i, j of one group maps θ to an
 * equivalent θ' = swap_ij(θ) (same function). The straight line θ(t) = (1−t)θ + t·θ' between them
 * passes, at t = ½, through a point where the two units are identical (their incoming and outgoing
 * weights averaged) — a critical point of "symmetry-induced" type whose loss is the saddle's height.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { RunnerOption } from '../model/train.js';
import { compiledOf } from '../model/model.js';
import { linearPath, type Path } from '../paths/path.js';
import { identityPermutations, permuteParams, specOf, validateSpec } from './spec.js';

/** θ with units i and j of permutation group `group` exchanged (the same function). */
export function swapUnits(arch: Arch, params: Float32Array, group: string, i: number, j: number): Float32Array {
  const compiled = compiledOf(arch);
  const spec = specOf(arch);
  validateSpec(spec, compiled);
  if (params.length !== compiled.totalLength) {
    throw new ModeconnError('BAD_SHAPE', `parameters have ${params.length} values; the architecture needs ${compiled.totalLength}`);
  }
  const g = spec.groups.find((x) => x.name === group);
  if (!g) throw new ModeconnError('BAD_ARGUMENT', `no permutation group ${group}; the arch has ${spec.groups.map((x) => x.name).join(', ')}`);
  for (const u of [i, j]) {
    if (!Number.isInteger(u) || u < 0 || u >= g.size) throw new ModeconnError('BAD_ARGUMENT', `unit ${u} is not in 0..${g.size - 1} of ${group}`);
  }
  const perms = identityPermutations(spec);
  perms[group][i] = j;
  perms[group][j] = i;
  return permuteParams(spec, compiled.layout, params, perms);
}

/** The path from θ to swap_ij(θ): θ(t) = (1−t)θ + t·swap_ij(θ). */
export function swapPath(arch: Arch, params: Float32Array, group: string, i: number, j: number): Path {
  return linearPath(params, swapUnits(arch, params, group, i, j));
}

export interface SaddleResult {
  group: string;
  units: [number, number];
  /** Loss and accuracy at θ (t = 0, equal to t = 1). */
  endpoint: { loss: number; accuracy: number };
  /** At the midpoint, where the two units coincide. */
  midpoint: { loss: number; accuracy: number };
  /** midpoint.loss − endpoint.loss. */
  barrier: number;
}

/** Loss at the midpoint of the swap path of units i, j (EVAL mode: running statistics blended). */
export async function permutationSaddle(arch: Arch, params: Float32Array, data: DataSet, group: string, i: number, j: number,
  options: { batchSize?: number } & RunnerOption = {}): Promise<SaddleResult> {
  const swapped = swapUnits(arch, params, group, i, j);
  const mid = params.map((v, k) => 0.5 * (v + swapped[k]));
  const [[e, m]] = await (await resolveRunner(options.runner)).evaluate(arch, [params, mid], [data], { batchSize: options.batchSize ?? 1000 });
  return {
    group, units: [i, j],
    endpoint: { loss: e.loss, accuracy: e.accuracy },
    midpoint: { loss: m.loss, accuracy: m.accuracy },
    barrier: m.loss - e.loss,
  };
}
