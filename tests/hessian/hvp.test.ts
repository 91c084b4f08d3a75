// Exact Hessian-vector products (R-operator) against independent references, for every layer kind
// (dense, conv with padding/stride/rectangular kernels, BatchNorm1d/2d with and without affine
// parameters in eval and batch-statistics mode, ReLU, max and average pooling, dropout (off),
// residual blocks with a projection shortcut):
// - the dense Hessian of PyTorch 1.13 (float64 double backpropagation, fixtures from
//   tests/fixtures/torch/make-hessian-fixtures.py), column by column H·e_i, on the WASM core and the
//   pure-TS twin;
// - central differences of the WASM gradient along v, (∇L(θ + h·v) − ∇L(θ − h·v))/2h in f64;
// - WASM vs twin on random directions.
// Tolerances: our H·v is computed in f32 (sums of products of order-1 values, a few ulps each), the
// reference in f64: |ours − torch| ≤ 1e-4·max|H| + 1e-3·|torch|. Finite differences carry O(h²)
// truncation and, at ReLU/max-pooling kinks, a jump; the best of five steps must match within
// 1e-3·max|H·v|.
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../ts/model/engine.js';
import { PlanMode } from '../../ts/model/plan-format.js';
import { ReferencePlan } from '../../ts/reference/plan.js';
import { randomArray } from '../helpers/close.js';
import { hessianFixture, type HessianFixture } from './fixtures.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const MODES = ['eval', 'batch-stats'] as const;

/** H·v on the WASM core over the fixture's whole batch. */
function wasmHvp(f: HessianFixture, v: Float32Array, mode: 'eval' | 'batch-stats'): Float32Array {
  return engine.hvpBatch(f.compiled, f.params, f.data, [v], 0, f.data.n, { batchSize: f.data.n, mode }).products[0];
}

function twinHvp(f: HessianFixture, v: Float32Array, mode: 'eval' | 'batch-stats'): Float32Array {
  const plan = new ReferencePlan(f.compiled.words, f.data.n);
  return plan.hvp(f.params.slice(), v, f.data.x, f.data.y, f.data.n, mode === 'eval' ? PlanMode.EVAL : PlanMode.BATCH_STATS).hv;
}

/** Columns H·e_i over the trainable entries, as a dense [P, P] matrix (row-major, symmetric up to rounding). */
export function denseHessian(f: HessianFixture, hvp: (v: Float32Array) => Float32Array): Float64Array {
  const P = f.compiled.paramCount;
  const h = new Float64Array(P * P);
  const e = new Float32Array(f.compiled.totalLength);
  for (let i = 0; i < P; i++) {
    e.fill(0);
    e[i] = 1;
    const col = hvp(e);
    for (let r = 0; r < P; r++) h[r * P + i] = col[r];
  }
  return h;
}

function expectMatrixClose(actual: Float64Array, expected: Float64Array, what: string): void {
  const scale = expected.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  expect(scale, `${what}: the Hessian is not zero`).toBeGreaterThan(1e-3);
  let worst = { i: -1, excess: 0 };
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (1e-4 * scale + 1e-3 * Math.abs(expected[i]));
    if (excess > worst.excess) worst = { i, excess };
  }
  expect(worst.i, `${what}: entry ${worst.i} is ${actual[worst.i]}, PyTorch ${expected[worst.i]}`).toBe(-1);
}

describe.each(['mlp', 'conv', 'res'])('H·v of %s', (name) => {
  let f: HessianFixture;
  beforeAll(async () => {
    f = await hessianFixture(name);
  });

  for (const mode of MODES) {
    it(`${mode}: the WASM core's columns are PyTorch's dense Hessian`, () => {
      expectMatrixClose(denseHessian(f, (v) => wasmHvp(f, v, mode)), f.hessian[mode], `${name} ${mode} (WASM)`);
    });

    it(`${mode}: the twin's columns are PyTorch's dense Hessian`, () => {
      expectMatrixClose(denseHessian(f, (v) => twinHvp(f, v, mode)), f.hessian[mode], `${name} ${mode} (twin)`);
    });

    it(`${mode}: H·v equals central differences of the gradient along v (f64)`, () => {
      const total = f.compiled.totalLength;
      const P = f.compiled.paramCount;
      const v = randomArray(total, 17, 1);
      v.fill(0, P);
      const hv = wasmHvp(f, v, mode);
      expect(Array.from(hv.subarray(P)).every((x) => x === 0), 'H·v is 0 on running statistics').toBe(true);
      const indices = Uint32Array.from({ length: f.data.n }, (_, i) => i);
      const grad = (theta: Float32Array) => engine.gradient(f.compiled, theta, f.data, indices, { mode }).grads;
      const scale = hv.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      let best = Infinity;
      for (const h of [1e-2, 3e-3, 1e-3, 3e-4, 1e-4]) {
        const up = f.params.map((p, i) => (i < P ? p + h * v[i] : p));
        const down = f.params.map((p, i) => (i < P ? p - h * v[i] : p));
        const [gu, gd] = [grad(up), grad(down)];
        let err = 0;
        for (let i = 0; i < P; i++) {
          const fd = (gu[i] - gd[i]) / (2 * h);
          err = Math.max(err, Math.abs(fd - hv[i]) / scale);
        }
        best = Math.min(best, err);
      }
      expect(best).toBeLessThan(1e-3);
    });

    it(`${mode}: WASM and twin agree on random directions`, () => {
      for (const seed of [3, 4]) {
        const v = randomArray(f.compiled.totalLength, seed, 1);
        const [a, b] = [wasmHvp(f, v, mode), twinHvp(f, v, mode)];
        const scale = b.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `entry ${i}`).toBeLessThanOrEqual(1e-5 * scale + 1e-5 * Math.abs(b[i]));
      }
    });
  }
});
