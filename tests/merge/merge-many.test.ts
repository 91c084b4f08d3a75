/**
 * MergeMany: N copies of one model, each permuted at random, merge back to the model exactly (an
 * MLP with BatchNorm and a small convnet); the permutations found map each copy onto the first.
 * evaluateMerge against direct evaluation; REPAIR of identical aligned members keeps the function.
 */
import { describe, expect, it } from 'vitest';
import { applyPermutation, invertPermutation, permutationSpec, randomPermutations } from '../../ts/align/spec.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { Engine } from '../../ts/model/engine.js';
import { compileArch } from '../../ts/model/compile.js';
import type { Arch } from '../../ts/model/arch.js';
import { evaluateMany } from '../../ts/model/train.js';
import { averageParams } from '../../ts/merge/average.js';
import { evaluateMerge } from '../../ts/merge/evaluate-merge.js';
import { mergeMany } from '../../ts/merge/merge-many.js';
import { randomData, randomTheta } from '../align/helpers.js';

const ARCHS: Record<string, Arch> = {
  'mlp with BN': mlp({ input: 12, hidden: [20, 18], classes: 10, batchNorm: true }),
  convnet: vgg({ input: [2, 6, 6], channels: [6, 'M', 8], classes: 10, hidden: [14] }),
};

/** `n` copies of θ, copy i permuted by a random π_i (copy 0 too). */
function permutedCopies(arch: Arch, theta: Float32Array, n: number, seed: number) {
  const spec = permutationSpec(arch);
  const planted = Array.from({ length: n }, (_, i) => randomPermutations(spec, seed * 100 + i));
  return { planted, models: planted.map((p) => ({ arch, params: applyPermutation(arch, theta, p) })) };
}

describe('mergeMany', () => {
  for (const [label, arch] of Object.entries(ARCHS)) {
    it(`${label}: N randomly permuted copies of one model merge to the model exactly`, async () => {
      for (const seed of [1, 2]) {
        const theta = randomTheta(arch, seed);
        const { planted, models } = permutedCopies(arch, theta, 4, seed);
        // The naive average of the copies is not the model (the test can fail).
        expect(averageParams(models.map((m) => m.params))).not.toEqual(models[0].params);
        const r = await mergeMany(models, { seed });
        expect(r.converged).toBe(true);
        expect(r.merged.params).toEqual(models[0].params);
        for (let i = 0; i < models.length; i++) {
          expect(r.aligned[i]).toEqual(models[0].params);
          // Copy i = π_i(θ) aligned onto copy 0 = π_0(θ): unit k of the result is copy i's unit π_i⁻¹[π_0[k]].
          for (const g of permutationSpec(arch).groups) {
            const inv = invertPermutation(planted[i][g.name]);
            expect(Array.from(r.permutations[i][g.name])).toEqual(Array.from(planted[0][g.name], (v) => inv[v]));
          }
        }
      }
    });
  }

  it('the paper\'s identity start also recovers permuted copies of an MLP', async () => {
    const arch = mlp({ input: 12, hidden: [16, 16], classes: 10 });
    const theta = randomTheta(arch, 5);
    const { models } = permutedCopies(arch, theta, 3, 5);
    const r = await mergeMany(models, { seed: 3, init: 'identity' });
    // All copies end in one unit order, so the merged model is θ in that order: the same function.
    for (const a of r.aligned) expect(a).toEqual(r.aligned[0]);
    expect(r.merged.params).toEqual(r.aligned[0]);
  });

  it('rejects fewer than two models', async () => {
    const arch = ARCHS.convnet;
    await expect(mergeMany([{ arch, params: randomTheta(arch, 1) }])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

describe('evaluateMerge', () => {
  it('members, naive average and merged model as direct evaluation gives them; REPAIR of identical members keeps the function', async () => {
    const arch = ARCHS['mlp with BN'];
    const theta = randomTheta(arch, 9);
    const { models } = permutedCopies(arch, theta, 3, 9);
    const test = randomData([12], 150, 3);
    const train = randomData([12], 200, 4);
    const r = await mergeMany(models);
    const members = models.map((m) => m.params);
    const ev = await evaluateMerge(arch, members, r.merged.params, test, { bnData: train, repair: true, aligned: r.aligned });
    const direct = await evaluateMany(arch, members, test);
    expect(ev.members.map((m) => m.loss)).toEqual(direct.map((d) => d.loss));
    const [naive, merged] = await evaluateMany(arch, [averageParams(members), r.merged.params], test, { bnData: train });
    expect(ev.naive.loss).toBe(naive.loss);
    expect(ev.merged.loss).toBe(merged.loss);
    expect(ev.bnRecomputed).toBe(true);
    // The aligned members are one θ: REPAIR's targets are its own statistics, so the logits barely move.
    const engine = await Engine.local();
    const compiled = compileArch(arch);
    const before = engine.evaluate(compiled, r.merged.params, test, { logits: true }).logits!;
    const after = engine.evaluate(compiled, ev.repairedParams!, test, { logits: true }).logits!;
    let gap = 0;
    for (let i = 0; i < before.length; i++) gap = Math.max(gap, Math.abs(before[i] - after[i]));
    expect(gap).toBeLessThan(2e-3);
  });
});
