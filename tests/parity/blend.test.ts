/**
 * Vector ops, WASM (simd128) vs twin at random lengths (including non-multiples of 4). Tolerance:
 * none — elementwise ops round each f32 op identically and reductions use the same four-lane f64
 * order, so results are bit-identical; a naive f64 sum checks the reductions' values (rtol 1e-12).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../ts/kernels/types.js';
import { referenceKernels as ref } from '../../ts/reference/index.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { expectClose, randomArray } from '../helpers/close.js';

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

const length = fc.oneof(fc.constantFrom(0, 1, 3, 17, 255, 513), fc.integer({ min: 0, max: 2000 }));
const scalar = fc.double({ min: -4, max: 4, noNaN: true });

describe('elementwise vector ops (bit-exact)', () => {
  it('axpy and scale', () => {
    fc.assert(fc.property(length, scalar, fc.nat(), (n, a, seed) => {
      const x = randomArray(n, seed + 1, 5);
      const ya = randomArray(n, seed + 2, 5);
      const yb = ya.slice();
      wasm.vecAxpy({ a }, x, ya);
      ref.vecAxpy({ a }, x, yb);
      expect(ya).toEqual(yb);
      wasm.vecScale({ a }, ya);
      ref.vecScale({ a }, yb);
      expect(ya).toEqual(yb);
    }), { numRuns: 50 });
  });

  it('blend of k vectors', () => {
    fc.assert(fc.property(length, fc.integer({ min: 0, max: 6 }), fc.nat(), (n, k, seed) => {
      const thetas = Array.from({ length: k }, (_, j) => randomArray(n, seed + 10 * j + 1, 2));
      const coeffs = randomArray(k, seed + 99);
      const a = new Float32Array(n).fill(7);
      const b = new Float32Array(n).fill(-7);
      wasm.vecBlend(coeffs, thetas, a);
      ref.vecBlend(coeffs, thetas, b);
      expect(a).toEqual(b);
      if (k === 0) expect(a.every((v) => v === 0)).toBe(true);
    }), { numRuns: 50 });
  });

  it('the linear path hits both ends exactly', () => {
    const paramsA = randomArray(33, 1);
    const paramsB = randomArray(33, 2);
    for (const k of [wasm, ref]) {
      const out = new Float32Array(33);
      k.vecBlend(new Float32Array([1, 0]), [paramsA, paramsB], out);
      expect(out).toEqual(paramsA);
      k.vecBlend(new Float32Array([0, 1]), [paramsA, paramsB], out);
      expect(out).toEqual(paramsB);
    }
  });
});

describe('reductions (bit-exact, f64)', () => {
  it('dot, norm2, maxabs, dist2', () => {
    fc.assert(fc.property(length, fc.nat(), (n, seed) => {
      const x = randomArray(n, seed + 1, 3);
      const y = randomArray(n, seed + 2, 3);
      const a = new Float64Array(1);
      const b = new Float64Array(1);
      const same = (op: (k: Kernels, out: Float64Array) => void, naive: number) => {
        op(wasm, a);
        op(ref, b);
        expect(a[0]).toBe(b[0]);
        expectClose(a, [naive], { rtol: 1e-12, atol: 1e-12 });
      };
      let dot = 0;
      let sq = 0;
      let d2 = 0;
      let max = 0;
      for (let i = 0; i < n; i++) {
        dot += x[i] * y[i];
        sq += x[i] * x[i];
        d2 += (x[i] - y[i]) ** 2;
        max = Math.max(max, Math.abs(x[i]));
      }
      same((k, o) => k.vecDot(x, y, o), dot);
      same((k, o) => k.vecNorm2(x, o), Math.sqrt(sq));
      same((k, o) => k.vecDist2(x, y, o), d2);
      same((k, o) => k.vecMaxabs(x, o), max);
    }), { numRuns: 50 });
  });

  it('maxabs propagates NaN; shapes are checked', () => {
    for (const k of [wasm, ref]) {
      const out = new Float64Array(1);
      k.vecMaxabs(new Float32Array([1, NaN, -3]), out);
      expect(out[0]).toBeNaN();
      expect(() => k.vecDot(new Float32Array(3), new Float32Array(4), out)).toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
      expect(() => k.vecBlend(new Float32Array(2), [new Float32Array(3)], new Float32Array(3))).toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
      expect(() => k.vecBlend(new Float32Array(1), [new Float32Array(2)], new Float32Array(3))).toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
    }
  });

  it('the ABI validates every blend pointer', async () => {
    const core = await getCore();
    const ptrs = core.allocU32(2);
    const coeffs = core.allocF32(2);
    const out = core.allocF32(8);
    const theta = core.allocF32(8);
    core.u32(ptrs).set([theta.ptr, 0xfffffff0]);
    expect(core.invoke('vec_blend', ptrs.ptr, coeffs.ptr, 2, out.ptr, 8)).toBe(3);
    core.u32(ptrs).set([theta.ptr, theta.ptr]);
    expect(core.invoke('vec_blend', ptrs.ptr, coeffs.ptr, 2, out.ptr, 8)).toBe(0);
    for (const b of [ptrs, coeffs, out, theta]) core.free(b);
  });
});
