/**
 * Dropout, WASM vs twin: the same seed gives the same mask, outputs and advanced state.
 * Tolerance: none (bit-exact); the keep rate is checked against 1 − p statistically.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../ts/kernels/types.js';
import { referenceKernels as ref } from '../../ts/reference/index.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { randomArray } from '../helpers/close.js';

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

function seeded(k: Kernels, seed: number): Uint32Array {
  const s = new Uint32Array(4);
  k.rngSeed({ seed, stream: 0 }, s);
  return s;
}

describe('dropout parity (bit-exact)', () => {
  it('forward and backward', () => {
    const length = fc.oneof(fc.constantFrom(1, 3, 17, 255, 513), fc.integer({ min: 0, max: 1000 }));
    fc.assert(fc.property(length, fc.double({ min: 0, max: 0.95, noNaN: true }), fc.nat(), (n, p, seed) => {
      const x = randomArray(n, seed + 1);
      const [sa, sb] = [seeded(wasm, seed), seeded(ref, seed)];
      const [ya, yb, ma, mb] = [0, 1, 2, 3].map(() => new Float32Array(n));
      wasm.dropoutForward({ p }, sa, x, ya, ma);
      ref.dropoutForward({ p }, sb, x, yb, mb);
      expect(ya).toEqual(yb);
      expect(ma).toEqual(mb);
      expect(sa).toEqual(sb);
      const dy = randomArray(n, seed + 2);
      const [da, db] = [new Float32Array(n), new Float32Array(n)];
      wasm.dropoutBackward(dy, ma, da);
      ref.dropoutBackward(dy, mb, db);
      expect(da).toEqual(db);
    }), { numRuns: 50 });
  });

  it('keeps about 1 − p of the values, scaled by 1/(1 − p)', () => {
    const n = 50_000;
    const x = new Float32Array(n).fill(1);
    const y = new Float32Array(n);
    const mask = new Float32Array(n);
    wasm.dropoutForward({ p: 0.3 }, seeded(wasm, 5), x, y, mask);
    const kept = mask.filter((m) => m !== 0);
    expect(Math.abs(kept.length / n - 0.7)).toBeLessThan(0.01);
    expect(kept.every((m) => m === Math.fround(1 / Math.fround(0.7)))).toBe(true);
  });

  it('rejects p outside [0, 1)', () => {
    for (const k of [wasm, ref]) {
      for (const p of [1, -0.1, NaN]) {
        expect(() => k.dropoutForward({ p }, new Uint32Array(4), new Float32Array(2), new Float32Array(2), new Float32Array(2)))
          .toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
      }
    }
  });
});
