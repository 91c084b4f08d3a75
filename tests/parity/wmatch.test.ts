/**
 * Weight-matching helpers, WASM vs twin: term updates from scratch and after a few map changes
 * (random [p, q, s] views, both axes; inputs uniform in [-1, 1) with at most K·s ≤ 400 products,
 * f32 GEMM vs f64 sums: rtol 1e-4 + atol 1e-4), sums (exact: same left-to-right f64 order) and the
 * gathered dot product (exact: the same f64 terms in the same order). Bad indices are BAD_ARGUMENT.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../ts/kernels/types.js';
import { referenceKernels as twin } from '../../ts/reference/index.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { permutation, seedState } from '../../ts/reference/rng.js';
import { expectClose, randomArray } from '../helpers/close.js';

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

const TOL = { rtol: 1e-4, atol: 1e-4 };

function perm(k: number, seed: number): Uint32Array {
  const s = new Uint32Array(4);
  seedState(seed, 3, s);
  const p = new Uint32Array(k);
  permutation(s, p);
  return p;
}

describe('wmatch: WASM vs twin', () => {
  it('term updates, from scratch and after changing a few map entries', () => {
    const shape = fc.record({
      p: fc.integer({ min: 1, max: 23 }), q: fc.integer({ min: 1, max: 23 }), s: fc.integer({ min: 1, max: 5 }), axis: fc.constantFrom(0, 1),
    });
    fc.assert(fc.property(shape, fc.integer({ min: 1, max: 1 << 30 }), (p, seed) => {
      const [n, k] = p.axis === 0 ? [p.p, p.q] : [p.q, p.p];
      const a = randomArray(p.p * p.q * p.s, seed);
      const b = randomArray(p.p * p.q * p.s, seed + 1);
      const m1 = perm(k, seed);
      const all = Uint32Array.from({ length: k }, (_, i) => i);
      const start = randomArray(n * n, seed + 2);
      const want = Float64Array.from(start);
      const got = Float64Array.from(start);
      twin.wmatchTermUpdate(p, a, b, all, m1, null, want);
      wasm.wmatchTermUpdate(p, a, b, all, m1, null, got);
      expectClose(got, want, TOL);
      const m2 = perm(k, seed + 7);
      const changed = all.filter((c) => m1[c] !== m2[c]);
      twin.wmatchTermUpdate(p, a, b, changed, m2, m1, want);
      wasm.wmatchTermUpdate(p, a, b, changed, m2, m1, got);
      expectClose(got, want, TOL);
    }), { numRuns: 150 });
  });

  it('sums and gathered dot products agree exactly', () => {
    const dims = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 13 }));
    fc.assert(fc.property(dims, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 1 << 30 }), (d, k, seed) => {
      const len = d[0] * d[1] * d[2] * d[3];
      const terms = Array.from({ length: k }, (_, j) => Float64Array.from(randomArray(len, seed + j, 1e3)));
      const [want, got] = [new Float64Array(len).fill(7), new Float64Array(len).fill(7)];
      twin.wmatchSum(terms, want);
      wasm.wmatchSum(terms, got);
      expect(got).toEqual(want);
      const a = randomArray(len, seed + 10);
      const b = randomArray(len, seed + 11);
      const strides = [d[1] * d[2] * d[3], d[2] * d[3], d[3], 1];
      const offs = Uint32Array.from(d.flatMap((n, ax) => [...perm(n, seed + 20 + ax)].map((v) => v * strides[ax])));
      const [accT, accW] = [Float64Array.of(0.25), Float64Array.of(0.25)];
      twin.wmatchDot({ dims: d }, a, b, offs, accT);
      wasm.wmatchDot({ dims: d }, a, b, offs, accW);
      expect(accW[0]).toBe(accT[0]);
    }), { numRuns: 150 });
  });

  it('rejects indices past the other axis', () => {
    const p = { p: 3, q: 4, s: 1, axis: 0 };
    const a = new Float32Array(12);
    const cost = new Float64Array(9);
    for (const k of [twin, wasm]) {
      expect(() => k.wmatchTermUpdate(p, a, a, Uint32Array.of(4), Uint32Array.of(0, 1, 2, 3), null, cost)).toThrow(/not below 4/);
      expect(() => k.wmatchDot({ dims: [1, 1, 2, 2] }, a.subarray(0, 4), a.subarray(0, 4), Uint32Array.of(0, 0, 0, 2, 0, 2), Float64Array.of(0))).toThrow(/past the tensor/);
    }
  });
});
