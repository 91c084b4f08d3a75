/**
 * The counterexample, checked on the WASM engine's outputs (not the squared-loss runner's):
 * - the generator's targets are |x₁| and the 2-unit ground truth fits every sample exactly;
 * - both h-unit minimisers fit every sample (zero squared loss), for h = 2..8;
 * - the staircase is rigid: the Jacobian of the outputs on the data w.r.t. θ (by hand: ∂f/∂a_k =
 *   relu(w_k·x + b_k), ∂f/∂w_k = a_k·x on, ∂f/∂b_k = a_k on, ∂f/∂c = 1) has rank P − h, so the only
 *   zero-loss directions are the h rescalings; the ground truth's Jacobian has a larger kernel;
 * - the wider net's explicit path has zero loss at every point, and its line does not;
 * - the squared-loss runner: its loss and gradient against the engine's outputs and finite differences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import type { Arch } from '../../ts/model/arch.js';
import { counterexample, groundTruthNet, wideCounterexample } from '../../ts/stability/counterexample.js';
import { createSquaredLossRunner } from '../../ts/stability/squared-loss-runner.js';
import { randomTheta } from '../align/helpers.js';
import type { DataSet } from '../../ts/data/dataset.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const outputs = (arch: Arch, theta: Float32Array, data: DataSet) => engine.evaluate(compileArch(arch), theta, data, { logits: true }).logits!;
const squared = (f: ArrayLike<number>, y: ArrayLike<number>) => Array.from(f).reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / f.length;

/** Rank of a row-major [rows, cols] f64 matrix by Gaussian elimination with partial pivoting. */
function rank(m: Float64Array, rows: number, cols: number, tol = 1e-9): number {
  const a = m.slice();
  let r = 0;
  for (let c = 0; c < cols && r < rows; c++) {
    let p = r;
    for (let i = r + 1; i < rows; i++) if (Math.abs(a[i * cols + c]) > Math.abs(a[p * cols + c])) p = i;
    if (Math.abs(a[p * cols + c]) <= tol) continue;
    for (let k = 0; k < cols; k++) [a[r * cols + k], a[p * cols + k]] = [a[p * cols + k], a[r * cols + k]];
    for (let i = r + 1; i < rows; i++) {
      const f = a[i * cols + c] / a[r * cols + c];
      for (let k = c; k < cols; k++) a[i * cols + k] -= f * a[r * cols + k];
    }
    r++;
  }
  return r;
}

/** ∂f(x_s)/∂θ of a 2-h-1 ReLU net, by hand, [n, P] with θ = (W1 [h,2], b1, W2 [1,h], b2). */
function jacobian(theta: Float32Array, h: number, data: DataSet): Float64Array {
  const P = 4 * h + 1;
  const J = new Float64Array(data.n * P);
  for (let s = 0; s < data.n; s++) {
    const [x1, x2] = [data.x[2 * s], data.x[2 * s + 1]];
    for (let k = 0; k < h; k++) {
      const pre = theta[2 * k] * x1 + theta[2 * k + 1] * x2 + theta[2 * h + k];
      const a = theta[3 * h + k];
      const on = pre > 0 ? 1 : 0;
      J[s * P + 2 * k] = a * on * x1;
      J[s * P + 2 * k + 1] = a * on * x2;
      J[s * P + 2 * h + k] = a * on;
      J[s * P + 3 * h + k] = Math.max(0, pre);
    }
    J[s * P + 4 * h] = 1;
  }
  return J;
}

describe('the counterexample', () => {
  it('the data are |x₁|, fitted exactly by the 2-unit ground truth', () => {
    const c = counterexample(5);
    c.targets.forEach((y, i) => expect(y).toBe(Math.abs(c.data.x[2 * i])));
    const gt = groundTruthNet();
    expect(squared(outputs(gt.arch, gt.params, c.data), c.targets)).toBeLessThan(1e-12);
  });

  for (const h of [2, 3, 5, 8]) {
    it(`h = ${h}: both minimisers have zero loss; the staircase's Jacobian has rank P − h`, () => {
      const c = counterexample(h);
      expect(c.data.n).toBe(6 * (h + 1));
      expect(squared(outputs(c.arch, c.staircase, c.data), c.targets)).toBeLessThan(1e-10);
      expect(squared(outputs(c.arch, c.groundTruth, c.data), c.targets)).toBeLessThan(1e-10);
      const P = 4 * h + 1;
      expect(rank(jacobian(c.staircase, h, c.data), c.data.n, P)).toBe(P - h);
      // The ground truth has spare units (a = 0, w = 0): more zero-loss directions than rescalings.
      expect(rank(jacobian(c.groundTruth, h, c.data), c.data.n, P)).toBeLessThan(P - h);
    });
  }

  it('the wider net: the explicit path has zero loss at every point; the line has a barrier', () => {
    const h = 4;
    const c = counterexample(h);
    const w = wideCounterexample(h);
    expect(w.path[0]).toEqual(w.staircase);
    expect(w.path[w.path.length - 1]).toEqual(w.groundTruth);
    for (let s = 0; s + 1 < w.path.length; s++) {
      for (const t of [0, 0.25, 0.5, 0.75, 1]) {
        const theta = w.path[s].map((v, i) => (1 - t) * v + t * w.path[s + 1][i]);
        expect(squared(outputs(w.arch, theta, c.data), c.targets)).toBeLessThan(1e-10);
      }
    }
    const mid = w.staircase.map((v, i) => (v + w.groundTruth[i]) / 2);
    expect(squared(outputs(w.arch, mid, c.data), c.targets)).toBeGreaterThan(0.1);
    expect(() => wideCounterexample(h, h + 1)).toThrow(/h \+ 2/);
  });

  it('the squared-loss runner: losses against the engine, gradients against finite differences', async () => {
    const c = counterexample(3);
    const runner = createSquaredLossRunner(c.data, c.targets);
    const theta = randomTheta(c.arch, 3);
    const [[r]] = await runner.evaluate(c.arch, [theta], [c.data]);
    expect(r.loss).toBeCloseTo(squared(outputs(c.arch, theta, c.data), c.targets), 5);
    const indices = Uint32Array.of(0, 4, 7, 11, 20);
    const { grads, loss } = await runner.gradient(c.arch, theta, c.data, indices);
    const sub = (t: Float32Array) => {
      const f = outputs(c.arch, t, c.data);
      return Array.from(indices).reduce((s, i) => s + (f[i] - c.targets[i]) ** 2, 0) / indices.length;
    };
    expect(loss).toBeCloseTo(sub(theta), 5);
    const eps = 1e-2;
    for (let k = 0; k < theta.length; k++) {
      const [p, m] = [theta.slice(), theta.slice()];
      p[k] += eps;
      m[k] -= eps;
      expect(grads[k]).toBeCloseTo((sub(p) - sub(m)) / (2 * eps), 2);
    }
  });
});
