/**
 * Cycle consistency of pairwise matchings. A matching of j to i maps i's unit u to j's unit p_ij[u]
 * (weight matching's perms of B = j against A = i). Around a cycle i → j → k → i the composition
 * p_ki∘p_jk∘p_ij should be the identity; the error is the fraction of units it moves, averaged
 * over groups and the triples i < j < k (p_ki = p_ik⁻¹). From universe perms, p_ij = π_j∘π_i⁻¹.
 */
import type { Model } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { invertPermutation, type PermutationSpec, type Permutations } from '../align/spec.js';
import { weightMatching } from '../align/weight-matching.js';

/** Pairwise matchings p_ij for i < j, keyed `${i},${j}`. */
export type PairwiseMatchings = Map<string, Permutations>;

/** The matching of j to i implied by universe perms: p_ij[u] = π_j[π_i⁻¹[u]]. */
export function pairFromUniverse(spec: PermutationSpec, pi: Permutations, pj: Permutations): Permutations {
  return Object.fromEntries(spec.groups.map((g) => {
    const inv = invertPermutation(pi[g.name]);
    return [g.name, Uint32Array.from(inv, (k) => pj[g.name][k])];
  }));
}

/** The composition around i → j → k → i of group `group`: u ↦ p_ki[p_jk[p_ij[u]]]. */
function around(pairs: PairwiseMatchings, i: number, j: number, k: number, group: string): Uint32Array {
  const ij = pairs.get(`${i},${j}`)![group];
  const jk = pairs.get(`${j},${k}`)![group];
  const ki = invertPermutation(pairs.get(`${i},${k}`)![group]);
  return Uint32Array.from(ij, (v) => ki[jk[v]]);
}

/** Cycle-consistency error of `pairs` over `n` models: mean over triples and groups of the fraction of units moved. */
export function cycleError(spec: PermutationSpec, pairs: PairwiseMatchings, n: number): { mean: number; perGroup: Record<string, number>; triples: number } {
  const perGroup: Record<string, number> = {};
  let triples = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = j + 1; k < n; k++) {
        triples += 1;
        for (const g of spec.groups) {
          const c = around(pairs, i, j, k, g.name);
          const moved = c.reduce((s, v, u) => s + (v !== u ? 1 : 0), 0);
          perGroup[g.name] = (perGroup[g.name] ?? 0) + moved / g.size;
        }
      }
    }
  }
  for (const g of spec.groups) perGroup[g.name] = triples ? perGroup[g.name] / triples : 0;
  const values = Object.values(perGroup);
  return { mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0, perGroup, triples };
}

/** Weight matching of every pair i < j (j aligned to i). */
export async function pairwiseWeightMatching(models: readonly Model[], options: RunnerOption & { seed?: number } = {}): Promise<PairwiseMatchings> {
  const pairs: PairwiseMatchings = new Map();
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      pairs.set(`${i},${j}`, (await weightMatching(models[i], models[j], { seed: options.seed, check: false, runner: options.runner })).permutations);
    }
  }
  return pairs;
}

/** Pairwise matchings implied by universe perms (cycle-consistent by construction). */
export function pairsFromUniverse(spec: PermutationSpec, universe: readonly Permutations[]): PairwiseMatchings {
  const pairs: PairwiseMatchings = new Map();
  for (let i = 0; i < universe.length; i++) for (let j = i + 1; j < universe.length; j++) pairs.set(`${i},${j}`, pairFromUniverse(spec, universe[i], universe[j]));
  return pairs;
}
