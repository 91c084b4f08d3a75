/**
 * Cycle-consistent matching: N randomly permuted copies of one model merge back to it exactly; for
 * unrelated models the pairwise maps from the universe compose to the identity around every cycle
 * (checked independently by permuting θ), while pairwise weight matching's do not; the error of a
 * hand-made inconsistent triple; Frank–Wolfe never lowers the relaxed objective.
 */
import { describe, expect, it } from 'vitest';
import { applyPermutation, identityPermutations, permutationSpec, randomPermutations } from '../../ts/align/spec.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { cycleConsistentMerge } from '../../ts/merge/cycle-consistent.js';
import { cycleError, pairFromUniverse, pairsFromUniverse, pairwiseWeightMatching } from '../../ts/merge/cycle-error.js';
import { randomTheta } from '../align/helpers.js';

describe('cycleConsistentMerge', () => {
  for (const arch of [mlp({ input: 10, hidden: [14, 12], classes: 10, batchNorm: true }), vgg({ input: [2, 6, 6], channels: [6, 'M', 8], classes: 10, hidden: [12] })]) {
    it(`${arch.layers.length} layers: permuted copies of one model merge back to it exactly`, async () => {
      const theta = randomTheta(arch, 4);
      const spec = permutationSpec(arch);
      const models = [0, 1, 2, 3].map((i) => ({ arch, params: applyPermutation(arch, theta, randomPermutations(spec, 40 + i)) }));
      const r = await cycleConsistentMerge(models, { iterations: 5 });
      expect(r.merged.params).toEqual(models[0].params);
      for (const a of r.aligned) expect(a).toEqual(models[0].params);
    });
  }

  it('unrelated models: maps through the universe compose to the identity; pairwise weight matching does not', async () => {
    const arch = mlp({ input: 10, hidden: [16, 16], classes: 10 });
    const spec = permutationSpec(arch);
    const models = [1, 2, 3, 4].map((s) => ({ arch, params: randomTheta(arch, s) }));
    const r = await cycleConsistentMerge(models, { iterations: 10 });
    for (let i = 1; i < r.objective.length; i++) expect(r.objective[i]).toBeGreaterThanOrEqual(r.objective[i - 1]);
    const pairs = pairsFromUniverse(spec, r.permutations);
    expect(cycleError(spec, pairs, models.length)).toMatchObject({ mean: 0, triples: 4 });
    // Independently: aligning j to i by p_ij, then to the universe by π_i, gives π_j(θ_j).
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const pij = pairFromUniverse(spec, r.permutations[i], r.permutations[j]);
        const viaI = applyPermutation(arch, applyPermutation(arch, models[j].params, pij), r.permutations[i]);
        expect(viaI).toEqual(r.aligned[j]);
      }
    }
    const pairwise = cycleError(spec, await pairwiseWeightMatching(models), models.length);
    expect(pairwise.mean).toBeGreaterThan(0);
  });

  it('the cycle error of a hand-made triple', () => {
    const arch = mlp({ input: 4, hidden: [5], classes: 3 });
    const spec = permutationSpec(arch);
    const id = identityPermutations(spec);
    const swap = { [spec.groups[0].name]: Uint32Array.of(1, 0, 2, 3, 4) };
    const pairs = new Map([['0,1', swap], ['1,2', id], ['0,2', id]]);
    expect(cycleError(spec, pairs, 3).mean).toBeCloseTo(2 / 5, 12);
    expect(cycleError(spec, new Map([['0,1', swap], ['1,2', id], ['0,2', swap]]), 3).mean).toBe(0);
  });
});
