/** Shared pieces of the gradient checks: the twin and the WASM kernels side by side, Σ r·y, central differences. */
import { beforeAll } from 'vitest';
import type { Kernels } from '../../ts/kernels/types.js';
import { referenceKernels } from '../../ts/reference/index.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';

/** `[name, kernels]` for the twin and the WASM core, for `describe.each`; registers the beforeAll that loads the core. */
export function kernelSides(): Array<[string, () => Kernels]> {
  let wasm: Kernels;
  beforeAll(async () => {
    wasm = wasmKernels(await getCore());
  });
  return [['twin', () => referenceKernels], ['wasm', () => wasm]];
}

/** Σ r_i y_i in f64. */
export function dot(r: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += r[i] * y[i];
  return s;
}

/**
 * Central differences of `objective` with respect to every entry of `v` (restored afterwards),
 * divided by the f32-representable step actually taken.
 */
export function numericGrad(v: Float32Array, step: number, objective: () => number): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const old = v[i];
    v[i] = old + step;
    const up = v[i];
    const fUp = objective();
    v[i] = old - step;
    const down = v[i];
    const fDown = objective();
    v[i] = old;
    g[i] = (fUp - fDown) / (up - down);
  }
  return g;
}
