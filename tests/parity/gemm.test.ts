/**
 * GEMM parity: the WASM core (blocked SIMD, f32 sums) against the i-k-j twin (f64 sums) on random
 * shapes, all four transpose combinations and every epilogue. Inputs are uniform in [-1, 1), so
 * with k ≤ 300 terms the f32 error stays far inside rtol 1e-4 + atol 1e-4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { referenceKernels } from '../../ts/reference/index.js';
import type { Kernels } from '../../ts/kernels/types.js';
import type { GemmParams } from '../../ts/kernels/gemm.js';
import { expectClose, randomArray } from '../helpers/close.js';

let wasm: Kernels;
const twin = referenceKernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

const TOL = { rtol: 1e-4, atol: 1e-4 };

function check(p: GemmParams, seed: number): void {
  const a = randomArray(p.m * p.k, seed);
  const b = randomArray(p.k * p.n, seed + 1);
  const bias = p.biasAxis ? randomArray(p.biasAxis === 'row' ? p.m : p.n, seed + 2) : null;
  // beta = 0 must ignore C entirely, NaN included.
  const c0 = p.beta ? randomArray(p.m * p.n, seed + 3) : new Float32Array(p.m * p.n).fill(NaN);
  const want = c0.slice();
  twin.gemm(p, a, b, bias, want);
  const got = c0.slice();
  wasm.gemm(p, a, b, bias, got);
  expectClose(got, want, TOL);
}

const params = fc.record({
  m: fc.integer({ min: 1, max: 37 }),
  n: fc.integer({ min: 1, max: 37 }),
  k: fc.integer({ min: 1, max: 37 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  beta: fc.constantFrom(0, 1, -0.5),
  relu: fc.boolean(),
  biasAxis: fc.constantFrom(undefined, 'col' as const, 'row' as const),
});

describe('gemm: WASM vs twin', () => {
  it('random shapes, layouts and epilogues', () => {
    fc.assert(fc.property(params, fc.integer({ min: 1, max: 1 << 30 }), (p, seed) => check(p, seed)), { numRuns: 200 });
  });

  it('odd shapes across blocks: 1, 3, 17, 255, 513 in every layout', () => {
    const shapes = [[1, 1, 1], [3, 17, 255], [255, 3, 17], [17, 255, 3], [33, 300, 513], [513, 17, 1]] as const;
    let seed = 7;
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check({ m, k, n, transA, transB, beta: seed % 2 ? 0 : 0.5, relu: seed % 3 === 0, biasAxis: seed % 2 ? 'col' : 'row' }, seed++);
        }
      }
    }
  });

  it('k = 0 leaves only the epilogue', () => {
    const c = new Float32Array([1, -1, 2, -2]);
    for (const k of [wasm, twin]) {
      const out = c.slice();
      k.gemm({ m: 2, n: 2, k: 0, beta: 2, relu: true, biasAxis: 'row' }, new Float32Array(0), new Float32Array(0), new Float32Array([1, 3]), out);
      expect(Array.from(out)).toEqual([3, 0, 7, 0]);
    }
  });

  it('rejects bad shapes and arguments with named errors', () => {
    for (const k of [wasm, twin]) {
      const p = { m: 2, n: 3, k: 4 };
      expect(() => k.gemm(p, new Float32Array(7), new Float32Array(12), null, new Float32Array(6))).toThrow(/a \(m×k\) has 7 elements, expected 8/);
      expect(() => k.gemm({ ...p, transB: true }, new Float32Array(8), new Float32Array(11), null, new Float32Array(6))).toThrow(/b \(n×k\)/);
      expect(() => k.gemm(p, new Float32Array(8), new Float32Array(12), null, new Float32Array(5))).toThrow(/c \(m×n\)/);
      expect(() => k.gemm({ ...p, biasAxis: 'row' }, new Float32Array(8), new Float32Array(12), new Float32Array(3), new Float32Array(6))).toThrow(/bias \(m\)/);
      expect(() => k.gemm(p, new Float32Array(8), new Float32Array(12), new Float32Array(3), new Float32Array(6))).toThrow(/without biasAxis/);
      expect(() => k.gemm({ ...p, beta: NaN }, new Float32Array(8), new Float32Array(12), null, new Float32Array(6))).toThrow(/beta/);
    }
  });
});
