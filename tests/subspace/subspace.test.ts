// Subspace training: every projection's adjoint is exact (⟨P·z, g⟩ = ⟨z, Pᵀ·g⟩), its columns have
// about unit norm (exactly for sparse and dense), the fast Walsh–Hadamard transform is the ±1 matrix
// product; training in a subspace lowers the loss and θ stays θ₀ + P·z; d_int picks the smallest d
// reaching the threshold; a pool gives the same bits as this thread.
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';
import { gaussianVector } from '../../ts/hessian/lanczos.js';
import { fwht, randomProjection, type ProjectionKind } from '../../ts/subspace/projection.js';
import { smallestReaching } from '../../ts/subspace/intrinsic.js';

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('projections', () => {
  it('fwht is the Walsh–Hadamard matrix product', () => {
    const n = 16;
    const x = gaussianVector(n, 1, 0);
    const y = x.slice();
    fwht(y);
    for (let i = 0; i < n; i++) {
      let s = 0;
      // H[i][j] = (−1)^popcount(i & j)
      for (let j = 0; j < n; j++) s += (((i & j).toString(2).split('1').length - 1) % 2 ? -1 : 1) * x[j];
      expect(y[i]).toBeCloseTo(s, 12);
    }
  });

  for (const kind of ['fastfood', 'sparse', 'dense'] as ProjectionKind[]) {
    it(`${kind}: the adjoint is exact and columns have about unit norm`, () => {
      for (const [d, D] of [[3, 37], [17, 300], [1, 5], [8, 8]]) {
        const p = randomProjection(kind, d, D, 7);
        const z = gaussianVector(d, 2, 0);
        const g = gaussianVector(D, 3, 0);
        const [pz, ptg] = [new Float64Array(D), new Float64Array(d)];
        p.apply(z, pz);
        p.adjoint(g, ptg);
        expect(Math.abs(dot(pz, g) - dot(z, ptg))).toBeLessThan(1e-10 * (1 + Math.abs(dot(pz, g))));
        const norms = Array.from({ length: d }, (_, j) => {
          const e = new Float64Array(d);
          e[j] = 1;
          const col = new Float64Array(D);
          p.apply(e, col);
          return Math.sqrt(dot(col, col));
        });
        const meanSq = norms.reduce((s, x) => s + x * x, 0) / d;
        if (kind === 'fastfood') {
          expect(meanSq).toBeGreaterThan(0.3);
          expect(meanSq).toBeLessThan(3);
        } else {
          norms.forEach((x) => expect(x).toBeCloseTo(1, 10));
        }
      }
    });
  }

  it('fastfood columns have unit norm on average over many draws', () => {
    const [d, D] = [4, 1000];
    let sum = 0;
    for (let seed = 0; seed < 20; seed++) {
      const p = randomProjection('fastfood', d, D, seed);
      for (let j = 0; j < d; j++) {
        const e = new Float64Array(d);
        e[j] = 1;
        const col = new Float64Array(D);
        p.apply(e, col);
        sum += dot(col, col);
      }
    }
    expect(sum / 80).toBeGreaterThan(0.9);
    expect(sum / 80).toBeLessThan(1.1);
  });

  it('refuses d > D and unknown kinds', () => {
    expect(() => randomProjection('sparse', 5, 4)).toThrow(/1 ≤ d ≤ D/);
    expect(() => randomProjection('nope' as ProjectionKind, 1, 4)).toThrow(/projection must be/);
  });
});

describe('subspace training', async () => {
  const data = lib.gaussianBlobs({ n: 300, classes: 3, dims: 6, seed: 9 });
  const arch = lib.mlp({ input: 6, hidden: [16], classes: 3, batchNorm: true });
  const compiled = lib.compileArch(arch);
  const init = lib.initParams(compiled, { seed: 2 });
  const pool = await lib.createPool({ workers: 2 });
  afterAll(() => pool.close());

  it('lowers the loss, keeps θ = θ₀ + P·z, and a pool gives the same bits', async () => {
    const options = { d: 20, seed: 3, epochs: 3, batchSize: 50, init, projection: 'sparse' as const };
    const here = await lib.trainSubspace(arch, data, options);
    expect(here.log[2].trainLoss).toBeLessThan(here.log[0].trainLoss);
    const p = randomProjection('sparse', 20, compiled.paramCount, 3);
    const off = new Float64Array(compiled.paramCount);
    p.apply(here.z, off);
    for (let i = 0; i < compiled.paramCount; i += 5) expect(here.params[i]).toBeCloseTo(init[i] + off[i], 5);
    const there = await lib.trainSubspace(arch, data, { ...options, runner: pool });
    expect(Buffer.from(there.params.buffer).equals(Buffer.from(here.params.buffer))).toBe(true);
    // Data-parallel: 2 shards (per-shard BatchNorm statistics) on the pool's 2 workers, the bits of 2 shards here — and not the unsharded run's.
    const sharded = { ...options, shards: 2, bnStatistics: 'shard' as const };
    const shardedHere = await lib.trainSubspace(arch, data, sharded);
    const shardedThere = await lib.trainSubspace(arch, data, { ...sharded, runner: pool });
    expect(Buffer.from(shardedThere.params.buffer).equals(Buffer.from(shardedHere.params.buffer))).toBe(true);
    expect(Buffer.from(shardedHere.params.buffer).equals(Buffer.from(here.params.buffer))).toBe(false);
    await expect(lib.trainSubspace(arch, data, { ...options, shards: 2 })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('d_int is the smallest d reaching the threshold', () => {
    const rows = [{ d: 50, testAccuracy: 0.95 }, { d: 10, testAccuracy: 0.5 }, { d: 20, testAccuracy: 0.91 }, { d: 30, testAccuracy: 0.88 }];
    expect(smallestReaching(rows, 0.9)).toBe(20);
    expect(smallestReaching(rows, 0.96)).toBeNull();
  });

  it('intrinsicDimension sweeps d against the full model', async () => {
    const r = await lib.intrinsicDimension(arch, data, data, { dims: [1, 40], seed: 1, epochs: 2, batchSize: 50, projection: 'fastfood' });
    expect(r.rows.map((x) => x.d)).toEqual([1, 40]);
    expect(r.baseline.testAccuracy).toBeGreaterThan(0.8);
    expect(r.rows[1].testAccuracy).toBeGreaterThan(r.rows[0].testAccuracy);
    expect(r.dInt).toBe(smallestReaching(r.rows, 0.9 * r.baseline.testAccuracy));
  });
});
