/**
 * unitCorrelation against a brute-force reference: hidden features of a one-hidden-layer MLP
 * computed by hand in f64 (x·Wᵀ + b, ReLU), Pearson correlation in f64. And a planted permutation:
 * corr(A, π(A)) has its ones where π put A's units.
 */
import { describe, expect, it } from 'vitest';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { unitCorrelation } from '../../ts/align/correlation.js';
import { applyPermutation, permutationSpec, randomPermutations } from '../../ts/align/spec.js';
import { randomData, randomTheta } from './helpers.js';

/** Post-ReLU features [n, hidden] of `mlp({ input, hidden: [h] })`, by hand in f64. */
function features(theta: Float32Array, x: Float32Array, n: number, input: number, h: number): Float64Array {
  const out = new Float64Array(n * h);
  for (let q = 0; q < n; q++) {
    for (let i = 0; i < h; i++) {
      let z = theta[h * input + i];
      for (let k = 0; k < input; k++) z += theta[i * input + k] * x[q * input + k];
      out[q * h + i] = Math.max(z, 0);
    }
  }
  return out;
}

function pearson(fa: Float64Array, fb: Float64Array, n: number, h: number, i: number, j: number): number {
  let [ma, mb] = [0, 0];
  for (let q = 0; q < n; q++) [ma, mb] = [ma + fa[q * h + i] / n, mb + fb[q * h + j] / n];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let q = 0; q < n; q++) {
    const [da, db] = [fa[q * h + i] - ma, fb[q * h + j] - mb];
    [sab, saa, sbb] = [sab + da * db, saa + da * da, sbb + db * db];
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('unitCorrelation', () => {
  const arch = mlp({ input: 7, hidden: [13], classes: 3 });
  const data = randomData([7], 301, 5, 3);

  it('matches Pearson correlations of hand-computed features (f64), batches not dividing the sample', async () => {
    const [pa, pb] = [randomTheta(arch, 1), randomTheta(arch, 2)];
    expect(compileArch(arch).layout[0].name).toBe('0.weight');
    const [c] = await unitCorrelation({ arch, params: pa }, { arch, params: pb }, data, { samples: 250, batchSize: 64 });
    expect(c.size).toBe(13);
    expect(c.observations).toBe(250);
    const fa = features(pa, data.x, 250, 7, 13);
    const fb = features(pb, data.x, 250, 7, 13);
    for (let i = 0; i < 13; i++) {
      for (let j = 0; j < 13; j++) expect(c.matrix[i * 13 + j]).toBeCloseTo(pearson(fa, fb, 250, 13, i, j), 4);
    }
  });

  it('a planted permutation puts the ones where it moved the units', async () => {
    const pa = randomTheta(arch, 3);
    const perms = randomPermutations(permutationSpec(arch), 9);
    const pb = applyPermutation(arch, pa, perms);
    const [c] = await unitCorrelation({ arch, params: pa }, { arch, params: pb }, data);
    const perm = Object.values(perms)[0];
    // B's unit j is A's unit perm[j].
    for (let j = 0; j < 13; j++) expect(c.matrix[perm[j] * 13 + j]).toBeCloseTo(1, 5);
  });
});
