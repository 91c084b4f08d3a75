/**
 * Gradient checks by central finite differences, on the twin and on WASM: BatchNorm train mode
 * (through the batch statistics) and eval mode, ReLU, and softmax cross-entropy. Objective
 * `Σ r_i y_i` (mean loss for cross-entropy), evaluated in f64 from f32 outputs; the step is the
 * f32-representable difference, so the only errors are O(h²) and output rounding / h.
 * Tolerance: rtol 1e-2, atol 1e-3 (rounding of ~50 f32 outputs of size ~3, divided by 2h = 2e-2).
 */
import { describe, it } from 'vitest';
import { expectClose, randomArray } from '../helpers/close.js';
import { dot, kernelSides, numericGrad } from './helpers.js';

const tol = { rtol: 1e-2, atol: 1e-3 };
const h = 1e-2;
describe.each(kernelSides())('gradients (%s)', (_name, kernels) => {
  for (const [n, c, s] of [[4, 3, 1], [3, 2, 5], [1, 3, 6]]) {
    it(`BatchNorm train mode through batch statistics, [${n}, ${c}, ${s}]`, () => {
      const k = kernels();
      const len = n * c * s;
      const x = randomArray(len, 11 + s, 2);
      const gamma = randomArray(c, 12, 1).map((v) => v + 1.5);
      const beta = randomArray(c, 13, 1);
      const r = randomArray(len, 14, 1);
      const p = { n, c, s, eps: 1e-5, update: { kind: 'frozen' as const } };
      const y = new Float32Array(len);
      const mean = new Float32Array(c);
      const invstd = new Float32Array(c);
      const none = new Float32Array(0);
      const objective = () => {
        k.batchnormForwardTrain(p, x, gamma, beta, y, mean, invstd, none, none);
        return dot(r, y);
      };
      objective();
      const dx = new Float32Array(len);
      const dgamma = new Float32Array(c);
      const dbeta = new Float32Array(c);
      k.batchnormBackward(p, x, r, gamma, mean, invstd, dx, dgamma, dbeta);
      expectClose(dx, numericGrad(x, h, objective), tol);
      expectClose(dgamma, numericGrad(gamma, h, objective), tol);
      expectClose(dbeta, numericGrad(beta, h, objective), tol);
    });

    it(`BatchNorm eval mode, [${n}, ${c}, ${s}]`, () => {
      const k = kernels();
      const len = n * c * s;
      const x = randomArray(len, 21 + s, 2);
      const gamma = randomArray(c, 22, 1).map((v) => v + 1.5);
      const beta = randomArray(c, 23, 1);
      const rm = randomArray(c, 24, 0.5);
      const rv = randomArray(c, 25, 0.5).map((v) => v + 1);
      const r = randomArray(len, 26, 1);
      const p = { n, c, s, eps: 1e-5 };
      const y = new Float32Array(len);
      const objective = () => {
        k.batchnormForwardEval(p, x, gamma, beta, rm, rv, y);
        return dot(r, y);
      };
      const dx = new Float32Array(len);
      const dgamma = new Float32Array(c);
      const dbeta = new Float32Array(c);
      k.batchnormBackwardEval(p, x, r, gamma, rm, rv, dx, dgamma, dbeta);
      expectClose(dx, numericGrad(x, h, objective), tol);
      expectClose(dgamma, numericGrad(gamma, h, objective), tol);
      expectClose(dbeta, numericGrad(beta, h, objective), tol);
    });
  }

  it('ReLU (inputs kept away from the kink)', () => {
    const k = kernels();
    const x = randomArray(37, 31, 2).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
    const r = randomArray(37, 32, 1);
    const y = new Float32Array(37);
    const objective = () => {
      k.reluForward(x, y);
      return dot(r, y);
    };
    const dx = new Float32Array(37);
    k.reluBackward(r, x, dx);
    expectClose(dx, numericGrad(x, h, objective), tol);
  });

  it('softmax cross-entropy: gradient of the mean loss', () => {
    const k = kernels();
    const [n, classes] = [5, 7];
    const logits = randomArray(n * classes, 41, 3);
    const labels = Uint32Array.from({ length: n }, (_, i) => (3 * i + 1) % classes);
    const losses = new Float32Array(n);
    const correct = new Uint32Array(n);
    // Mean of the f32 per-sample losses in f64: finer than the f32 mean.
    const objective = () => {
      k.softmaxXent({ n, classes }, logits, labels, losses, correct, null);
      return losses.reduce((a, v) => a + v, 0) / n;
    };
    const grad = new Float32Array(n * classes);
    k.softmaxXent({ n, classes }, logits, labels, losses, correct, grad);
    expectClose(grad, numericGrad(logits, h, objective), { rtol: 1e-2, atol: 2e-4 });
  });
});
