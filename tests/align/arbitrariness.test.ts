/**
 * Weight matching over seeds: a planted π(A) gives one answer for every seed (disagreement and
 * spread 0); unrelated models can give several, and the disagreement then equals a brute-force
 * count over the seed pairs; spreadOf against a hand computation.
 */
import { describe, expect, it } from 'vitest';
import { applyPermutation, permutationSpec, randomPermutations } from '../../ts/align/spec.js';
import { disagreementOf, spreadOf, weightMatchingArbitrariness } from '../../ts/align/arbitrariness.js';
import { mlp } from '../../ts/model/builders.js';
import { randomData, randomTheta } from './helpers.js';

describe('weight matching arbitrariness', () => {
  const arch = mlp({ input: 10, hidden: [16, 16, 16], classes: 10 });
  const data = randomData([10], 100, 5);

  it('a planted permutation: every seed agrees', async () => {
    const a = { arch, params: randomTheta(arch, 1) };
    const b = { arch, params: applyPermutation(arch, a.params, randomPermutations(permutationSpec(arch), 3)) };
    const r = await weightMatchingArbitrariness(a, b, data, { seeds: [0, 1, 2, 3], points: 5 });
    expect(r.distinct).toBe(1);
    expect(r.objective.std).toBe(0);
    expect(Object.values(r.disagreement).every((v) => v === 0)).toBe(true);
  });

  it('unrelated models: the disagreement is the pairwise count', async () => {
    const a = { arch, params: randomTheta(arch, 1) };
    const b = { arch, params: randomTheta(arch, 2) };
    const r = await weightMatchingArbitrariness(a, b, data, { seeds: [0, 1, 2, 3, 4, 5], points: 5 });
    expect(r.outcomes).toHaveLength(6);
    const name = permutationSpec(arch).groups[1].name;
    let moved = 0;
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) {
      for (let u = 0; u < 16; u++) if (r.outcomes[i].permutations[name][u] !== r.outcomes[j].permutations[name][u]) moved += 1;
    }
    expect(r.disagreement[name]).toBeCloseTo(moved / 16 / 15, 12);
    console.log(`weight matching over 6 seeds (random 3-layer MLP pair): ${r.distinct} distinct answers, objective ${r.objective.min.toFixed(3)}..${r.objective.max.toFixed(3)}`);
  });

  it('spread and disagreement by hand', () => {
    expect(spreadOf([1, 3])).toEqual({ min: 1, max: 3, mean: 2, std: 1 });
    const p = (...v: number[]) => ({ g: Uint32Array.from(v) });
    expect(disagreementOf([p(0, 1, 2, 3), p(1, 0, 2, 3), p(0, 1, 2, 3)]).g).toBeCloseTo((0.5 + 0 + 0.5) / 3, 12);
  });
});
