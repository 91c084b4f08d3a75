/**
 * Softmax cross-entropy: WASM core vs the TS twin. Both compute in f64 and round to f32, so the
 * tolerance is tight: rtol 1e-6, atol 1e-7 (correctness flags must match exactly).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { referenceKernels as ref } from '../../ts/reference/index.js';
import type { Kernels } from '../../ts/kernels/types.js';
import { expectClose, randomArray } from '../helpers/close.js';

const tol = { rtol: 1e-6, atol: 1e-7 };
let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

function run(k: Kernels, n: number, classes: number, logits: Float32Array, labels: Uint32Array, withGrad = true) {
  const losses = new Float32Array(n);
  const correct = new Uint32Array(n);
  const grad = withGrad ? new Float32Array(n * classes) : null;
  const mean = k.softmaxXent({ n, classes }, logits, labels, losses, correct, grad);
  return { mean, losses, correct, grad };
}

describe('softmax cross-entropy parity (WASM vs twin)', () => {
  it('losses, correctness, mean and gradient agree', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 1 << 30 }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (n, classes, seed, scale) => {
          const logits = randomArray(n * classes, seed, scale);
          // Quantised copies make exact ties likely, exercising first-index argmax.
          if (seed % 2 === 0) for (let i = 0; i < logits.length; i++) logits[i] = Math.round(logits[i]);
          const labels = Uint32Array.from({ length: n }, (_, i) => (seed + 7 * i) % classes);
          const a = run(wasm, n, classes, logits, labels);
          const b = run(ref, n, classes, logits, labels);
          expectClose([a.mean], [b.mean], tol);
          expectClose(a.losses, b.losses, tol);
          expect(Array.from(a.correct)).toEqual(Array.from(b.correct));
          expectClose(a.grad!, b.grad!, tol);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ties go to the first index; NaN logits do not crash and count as the maximum', () => {
    for (const k of [wasm, ref]) {
      const logits = Float32Array.of(2, 2, 1, 0, Number.NaN, 0.5, -1000, 1000, 999);
      const r = run(k, 3, 3, logits, Uint32Array.of(1, 1, 1));
      expect(Array.from(r.correct)).toEqual([0, 1, 1]);
      expect(Number.isFinite(r.losses[0])).toBe(true);
      expect(Number.isNaN(r.losses[1])).toBe(true);
      expectClose([r.losses[2]], [Math.log(1 + Math.exp(-1))], { rtol: 1e-6 });
      expect(Number.isNaN(r.mean)).toBe(true);
      expect(Array.from(r.grad!.subarray(3, 6)).every(Number.isNaN)).toBe(true);
    }
  });

  it('skips the gradient when none is given', () => {
    const logits = randomArray(12, 3, 2);
    const labels = Uint32Array.of(0, 3, 2);
    const a = run(wasm, 3, 4, logits, labels, false);
    const b = run(ref, 3, 4, logits, labels, true);
    expect(a.grad).toBeNull();
    expectClose(a.losses, b.losses, tol);
  });

  it('a label >= classes is BAD_ARGUMENT naming the sample', () => {
    for (const k of [wasm, ref]) {
      expect(() => run(k, 3, 4, new Float32Array(12), Uint32Array.of(0, 1, 4)))
        .toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/sample 2/) }));
      expect(() => run(k, 2, 4, new Float32Array(12), Uint32Array.of(0, 1)))
        .toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
    }
  });

  it('the core itself answers ERR_ARG for a bad label', async () => {
    const core = await getCore();
    expect(() => core.call('softmax_xent', (s) => [
      s.in(new Float32Array(4)), s.in(Uint32Array.of(0, 2)), s.out(new Float32Array(2)), s.out(new Uint32Array(2)),
      s.out(new Float32Array(1)), 0, 2, 2,
    ])).toThrowError(expect.objectContaining({ code: 'WASM_STATUS', message: expect.stringMatching(/status 2/) }));
  });
});
