/** ReLU: WASM core vs the TS twin (exact: both are selects), in place and out of place. */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { referenceKernels as ref } from '../../ts/reference/index.js';
import type { Kernels } from '../../ts/kernels/types.js';
import { randomArray } from '../helpers/close.js';

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

const same = (a: Float32Array, b: Float32Array) => expect(Array.from(a)).toEqual(Array.from(b));

describe('ReLU parity (WASM vs twin)', () => {
  it('forward and backward agree bit for bit on lengths off multiples of 4', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 517 }), fc.integer({ min: 1, max: 1 << 30 }), (len, seed) => {
        const x = randomArray(len, seed, 2);
        if (len > 2) x[1] = Number.NaN;
        const dy = randomArray(len, seed + 1, 1);
        const [ya, yb] = [new Float32Array(len), new Float32Array(len)];
        wasm.reluForward(x, ya);
        ref.reluForward(x, yb);
        same(ya, yb);
        const [da, db] = [new Float32Array(len), new Float32Array(len)];
        wasm.reluBackward(dy, x, da);
        ref.reluBackward(dy, x, db);
        same(da, db);
        // In place, both sides.
        const xa = x.slice();
        wasm.reluForward(xa, xa);
        same(xa, yb);
        const ga = dy.slice();
        wasm.reluBackward(ga, yb, ga);
        same(ga, db);
        const gb = dy.slice();
        ref.reluBackward(gb, yb, gb);
        same(gb, db);
      }),
      { numRuns: 50 },
    );
  });

  it('propagates NaN forward and blocks it backward', () => {
    for (const k of [wasm, ref]) {
      const y = new Float32Array(3);
      k.reluForward(Float32Array.of(Number.NaN, -1, 2), y);
      expect(Array.from(y)).toEqual([Number.NaN, 0, 2]);
      const dx = new Float32Array(3);
      k.reluBackward(Float32Array.of(5, 5, 5), Float32Array.of(Number.NaN, -1, 2), dx);
      expect(Array.from(dx)).toEqual([0, 0, 5]);
    }
  });

  it('rejects mismatched lengths', () => {
    for (const k of [wasm, ref]) {
      expect(() => k.reluForward(new Float32Array(4), new Float32Array(3))).toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
      expect(() => k.reluBackward(new Float32Array(4), new Float32Array(3), new Float32Array(4))).toThrowError(/mask/);
    }
  });
});
