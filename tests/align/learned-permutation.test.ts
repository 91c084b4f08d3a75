/**
 * Learned permutations: Sinkhorn's backward pass against central differences of an f64 forward
 * written here; the straight-through estimator and Sinkhorn re-basin on a planted B = π(A) learn
 * π⁻¹ (aligned B = A exactly; Sinkhorn from uniform logits: most units); the loss falls; with shards
 * the same run on a pool.
 */
import { describe, expect, it } from 'vitest';
import { applyPermutation, invertPermutation, permutationSpec, randomPermutations } from '../../ts/align/spec.js';
import { sinkhornBackward, sinkhornForward } from '../../ts/align/sinkhorn.js';
import { sinkhornMatching } from '../../ts/align/sinkhorn-matching.js';
import { steMatching } from '../../ts/align/ste-matching.js';
import { mlp } from '../../ts/model/builders.js';
import { trainModel } from '../../ts/model/train.js';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { createPool } from '../../ts/workers/pool.js';
import { seedState, uniform } from '../../ts/reference/rng.js';

/** Σ_ij w_ij·S_ij with S from an f64 Sinkhorn (the oracle of the backward pass). */
function objective(z: Float64Array, w: Float64Array, n: number, tau: number, iterations: number): number {
  const l = Float64Array.from(z, (v) => v / tau);
  const norm = (rows: boolean) => {
    for (let a = 0; a < n; a++) {
      let sum = 0;
      for (let b = 0; b < n; b++) sum += Math.exp(l[rows ? a * n + b : b * n + a]);
      for (let b = 0; b < n; b++) l[rows ? a * n + b : b * n + a] -= Math.log(sum);
    }
  };
  for (let k = 0; k < iterations; k++) {
    norm(true);
    norm(false);
  }
  return l.reduce((s, v, i) => s + w[i] * Math.exp(v), 0);
}

describe('Sinkhorn', () => {
  it('the forward pass is doubly stochastic; the backward pass matches central differences', () => {
    const n = 5;
    const s = new Uint32Array(4);
    seedState(3, 0, s);
    const z = Float64Array.from({ length: n * n }, () => 2 * uniform(s) - 1);
    const w = Float64Array.from({ length: n * n }, () => 2 * uniform(s) - 1);
    const tape = sinkhornForward(z, n, 0.7, 30);
    for (let j = 0; j < n; j++) expect([0, 1, 2, 3, 4].reduce((acc, i) => acc + tape.s[i * n + j], 0)).toBeCloseTo(1, 5);
    for (let i = 0; i < n; i++) expect([0, 1, 2, 3, 4].reduce((acc, j) => acc + tape.s[i * n + j], 0)).toBeCloseTo(1, 3);
    const grad = sinkhornBackward(sinkhornForward(z, n, 0.7, 6), w);
    const h = 1e-5;
    for (let q = 0; q < n * n; q++) {
      const zp = z.slice();
      zp[q] += h;
      const zm = z.slice();
      zm[q] -= h;
      const fd = (objective(zp, w, n, 0.7, 6) - objective(zm, w, n, 0.7, 6)) / (2 * h);
      expect(Math.abs(grad[q] - fd)).toBeLessThan(1e-4 + 1e-3 * Math.abs(fd));
    }
  });
});

describe('learned permutations of a planted π(A)', async () => {
  const arch = mlp({ input: 6, hidden: [10, 8], classes: 4 });
  const centers = [[2, 0, 1, 0, -1, 0], [0, 2, 0, -1, 0, 1], [-2, 0, 0, 1, 1, 0], [0, -2, -1, 0, 0, -1]];
  const data = gaussianBlobs({ n: 256, centers, std: 1.5, seed: 1 });
  const a = await trainModel(arch, data, { seed: 2, epochs: 4, batchSize: 32 });
  const spec = permutationSpec(arch);
  const planted = randomPermutations(spec, 11);
  const b = { arch, params: applyPermutation(arch, a.params, planted) };
  const expectInverse = (perms: Record<string, Uint32Array>) => {
    for (const g of spec.groups) expect(Array.from(perms[g.name])).toEqual(Array.from(invertPermutation(planted[g.name])));
  };

  it('straight-through estimator learns π⁻¹', async () => {
    const r = await steMatching(a, b, data, { steps: 20, batchSize: 64 });
    expectInverse(r.permutations);
    expect(r.aligned.params).toEqual(a.params);
    expect(r.losses).toHaveLength(20);
  });

  it('data-parallel: 2 shards on a pool of 2 workers give the losses and permutations of 2 shards on this thread', async () => {
    const pool = await createPool({ workers: 2 });
    try {
      const options = { steps: 12, batchSize: 64, t: 'random' as const, seed: 3, shards: 2, lr: 0.2 };
      const here = await sinkhornMatching(a, b, data, options);
      const there = await sinkhornMatching(a, b, data, { ...options, runner: pool });
      expect(there.losses).toEqual(here.losses);
      for (const g of spec.groups) expect(Array.from(there.permutations[g.name])).toEqual(Array.from(here.permutations[g.name]));
      // The shards change the gradient's rounding, so the losses, not the batches, differ from one shard's.
      const one = await sinkhornMatching(a, b, data, { ...options, shards: 1 });
      expect(one.losses[0]).toBeCloseTo(here.losses[0], 5);
    } finally {
      await pool.close();
    }
  });

  it('Sinkhorn re-basin: from weight matching\'s start it keeps π⁻¹; from uniform logits it finds most of it and the loss falls', async () => {
    const kept = await sinkhornMatching(a, b, data, { steps: 30, batchSize: 64, init: 'weight-matching', seed: 1 });
    expectInverse(kept.permutations);
    expect(kept.aligned.params).toEqual(a.params);
    for (const t of ['midpoint', 'random'] as const) {
      const r = await sinkhornMatching(a, b, data, { steps: 300, batchSize: 64, t, seed: 1, lr: 0.2 });
      // From uniform logits the loss is the only signal: at the midpoint two units of the first layer
      // end swapped (a local optimum), a random t (weaker signal near the ends) leaves a few more;
      // chance would find about 2 of the 18.
      const found = spec.groups.reduce((n, g) => n + invertPermutation(planted[g.name]).filter((v, i) => v === r.permutations[g.name][i]).length, 0);
      expect(found).toBeGreaterThanOrEqual(t === 'midpoint' ? 16 : 12);
      const early = r.losses.slice(0, 10).reduce((x, y) => x + y) / 10;
      const late = r.losses.slice(-10).reduce((x, y) => x + y) / 10;
      expect(late).toBeLessThan(early);
    }
  });
});
