/**
 * Optimisers: several steps of SGD (all option combinations) and Adam/AdamW on random vectors,
 * WASM vs twin. Tolerance: none — both do the same f32 operations in the same order (no FMA), so
 * weights and state buffers must be bit-identical after every step.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdamParams, SgdParams } from '../../ts/kernels/optim.js';
import type { Kernels } from '../../ts/kernels/types.js';
import { referenceKernels as ref } from '../../ts/reference/index.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { expectClose, randomArray } from '../helpers/close.js';

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

const length = fc.oneof(fc.constantFrom(1, 3, 17, 255, 513), fc.integer({ min: 1, max: 300 }));

describe('sgdStep parity (bit-exact)', () => {
  it('matches over 4 steps for random options and lengths', () => {
    const options = fc.record({
      lr: fc.double({ min: 0, max: 1, noNaN: true }),
      momentum: fc.constantFrom(0, 0.5, 0.9),
      dampening: fc.constantFrom(0, 0.1),
      weightDecay: fc.constantFrom(0, 1e-4, 0.05),
      nesterov: fc.boolean(),
    });
    fc.assert(fc.property(length, options, fc.nat(), (n, o, seed) => {
      const nesterov = o.nesterov && o.momentum > 0;
      const base = { ...o, nesterov, dampening: nesterov ? 0 : o.dampening };
      const wa = randomArray(n, seed + 1);
      const wb = wa.slice();
      const ba = new Float32Array(n);
      const bb = new Float32Array(n);
      for (let step = 0; step < 4; step++) {
        const g = randomArray(n, seed * 7 + step + 2, 3);
        const p: SgdParams = { ...base, first: step === 0 };
        wasm.sgdStep(p, wa, g, ba);
        ref.sgdStep(p, wb, g, bb);
        expect(wa).toEqual(wb);
        expect(ba).toEqual(bb);
      }
    }), { numRuns: 40 });
  });

  it('follows the hand-computed PyTorch sequence', () => {
    // momentum 0.9, lr 0.1, p0 = 1, g = 1, 1: buf 1 then 1.9; p 0.9 then 0.71.
    for (const k of [wasm, ref]) {
      const w = new Float32Array([1]);
      const buf = new Float32Array(1);
      const p = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false };
      k.sgdStep({ ...p, first: true }, w, new Float32Array([1]), buf);
      expectClose(w, [0.9], { rtol: 1e-7, atol: 0 });
      k.sgdStep({ ...p, first: false }, w, new Float32Array([1]), buf);
      expectClose(buf, [1.9], { rtol: 1e-7, atol: 0 });
      expectClose(w, [0.71], { rtol: 1e-6, atol: 0 });
    }
  });

  it('rejects nesterov without momentum and negative lr', () => {
    const p: SgdParams = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: true, first: true };
    for (const k of [wasm, ref]) {
      const w = new Float32Array(3);
      expect(() => k.sgdStep(p, w, w.slice(), new Float32Array(0))).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
      expect(() => k.sgdStep({ ...p, nesterov: false, lr: -1 }, w, w.slice(), new Float32Array(0))).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
      expect(() => k.sgdStep({ ...p, nesterov: false, momentum: 0.9 }, w, w.slice(), new Float32Array(2))).toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
    }
  });
});

describe('adamStep parity (bit-exact)', () => {
  it('matches over 5 steps for Adam and AdamW', () => {
    const options = fc.record({
      lr: fc.constantFrom(1e-3, 0.01, 0.1),
      beta1: fc.constantFrom(0, 0.5, 0.9),
      beta2: fc.constantFrom(0.9, 0.999),
      eps: fc.constantFrom(1e-8, 1e-6),
      weightDecay: fc.constantFrom(0, 1e-2, 0.1),
      decoupled: fc.boolean(),
    });
    fc.assert(fc.property(length, options, fc.nat(), (n, o, seed) => {
      const wa = randomArray(n, seed + 3);
      const wb = wa.slice();
      const [ma, mb, va, vb] = [0, 1, 2, 3].map(() => new Float32Array(n));
      for (let step = 1; step <= 5; step++) {
        const g = randomArray(n, seed * 5 + step, 2);
        const p: AdamParams = { ...o, step };
        wasm.adamStep(p, wa, g, ma, va);
        ref.adamStep(p, wb, g, mb, vb);
        expect(wa).toEqual(wb);
        expect(ma).toEqual(mb);
        expect(va).toEqual(vb);
      }
    }), { numRuns: 40 });
  });

  it('moves each weight by lr·sign(g) on the first step', () => {
    const p: AdamParams = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-12, weightDecay: 0, decoupled: false, step: 1 };
    for (const k of [wasm, ref]) {
      const w = new Float32Array([0.5, -0.25, 3]);
      k.adamStep(p, w, new Float32Array([3, -0.001, 100]), new Float32Array(3), new Float32Array(3));
      expectClose(w, [0.49, -0.24, 2.99], { rtol: 0, atol: 1e-6 });
    }
  });

  it('rejects step 0 and beta ≥ 1', () => {
    const p: AdamParams = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 0 };
    for (const k of [wasm, ref]) {
      const z = () => new Float32Array(2);
      expect(() => k.adamStep(p, z(), z(), z(), z())).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
      expect(() => k.adamStep({ ...p, step: 1, beta2: 1 }, z(), z(), z(), z())).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    }
  });
});
