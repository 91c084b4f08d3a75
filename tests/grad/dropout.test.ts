/**
 * Dropout backward vs central finite differences of L(x) = Σ r_i y_i with the mask held fixed
 * (the same seed redraws the same mask for every perturbed input), on the twin and on WASM.
 * Tolerance: rtol 1e-2, atol 1e-3 (f32 forward, step h = 1e-2; y is linear in x so the FD is
 * exact up to rounding).
 */
import { beforeAll, describe, it } from 'vitest';
import type { Kernels } from '../../ts/kernels/types.js';
import { referenceKernels } from '../../ts/reference/index.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { expectClose, randomArray } from '../helpers/close.js';

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

function gradCheck(k: Kernels, n: number, p: number): void {
  const x = randomArray(n, 11 + n);
  const r = randomArray(n, 12 + n);
  const loss = (xs: Float32Array) => {
    const state = new Uint32Array(4);
    k.rngSeed({ seed: 77, stream: n }, state);
    const y = new Float32Array(n);
    k.dropoutForward({ p }, state, xs, y, new Float32Array(n));
    let l = 0;
    for (let i = 0; i < n; i++) l += r[i] * y[i];
    return l;
  };
  const state = new Uint32Array(4);
  k.rngSeed({ seed: 77, stream: n }, state);
  const mask = new Float32Array(n);
  k.dropoutForward({ p }, state, x, new Float32Array(n), mask);
  const dx = new Float32Array(n);
  k.dropoutBackward(r, mask, dx);
  const h = 1e-2;
  const fd = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i] += h;
    xm[i] -= h;
    fd[i] = (loss(xp) - loss(xm)) / (2 * h);
  }
  expectClose(dx, fd, { rtol: 1e-2, atol: 1e-3 });
}

describe('dropout gradient (finite differences through the fixed mask)', () => {
  for (const n of [1, 3, 17, 64]) {
    for (const p of [0, 0.25, 0.5]) {
      it(`twin, n = ${n}, p = ${p}`, () => gradCheck(referenceKernels, n, p));
      it(`WASM, n = ${n}, p = ${p}`, () => gradCheck(wasm, n, p));
    }
  }
});
