// Curve-training sessions (ts/model/curve-training.ts): one step is Garipov et al.'s update — θ(c) =
// Σ_j c_j q_j, g = ∇L(θ(c)), each bend q_j ← q_j − lr·c_j·g (SGD's first step, momentum buffer = its
// gradient), the endpoints untouched — checked against the engine's own gradient at θ(c) built in
// f64 here; and what it refuses.
import { describe, expect, it } from 'vitest';
import { openCurveTraining } from '../../ts/model/curve-training.js';
import { inlineRunner } from '../../ts/model/inline-runner.js';
import { Engine } from '../../ts/model/engine.js';
import { mlp } from '../../ts/model/builders.js';
import { compiledOf } from '../../ts/model/model.js';
import { initParams } from '../../ts/model/init.js';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { expectClose } from '../helpers/close.js';

const data = gaussianBlobs({ n: 90, classes: 3, dims: 4, seed: 5 });
const arch = mlp({ input: 4, hidden: [8], classes: 3 });
const compiled = compiledOf(arch);
const points = [1, 2, 3, 4].map((seed) => initParams(compiled, { seed }));
const base = { capacity: 30, seed: 1, mode: 'batch-stats' as const, optimizer: { type: 'sgd' as const, lr: 0.2, momentum: 0.9 } };

describe('curve-training sessions', () => {
  it('one step moves each bend by −lr·c_j·∇L(θ(c)) and leaves the fixed points alone', async () => {
    const runner = await inlineRunner();
    const engine = await Engine.local();
    const session = await openCurveTraining(runner, arch, data, { ...base, points, bends: [1, 2] });
    const coeffs = Float32Array.of(0.1, 0.5, 0.3, 0.1);
    const order = Uint32Array.from({ length: data.n }, (_, i) => (i * 11) % data.n);
    try {
      await session.setOrder(order);
      const outcome = await session.step(coeffs, 30, 30, 0.2, 1);
      const theta = Float32Array.from({ length: compiled.totalLength }, (_, i) => points.reduce((s, p, j) => s + coeffs[j] * p[i], 0));
      const expected = engine.gradient(compiled, theta, data, order.subarray(30, 60), { mode: 'batch-stats' });
      expect(outcome.loss).toBeCloseTo(expected.loss, 5);
      const after = session.readPoints();
      expect(after[0]).toEqual(points[0]);
      expect(after[3]).toEqual(points[3]);
      for (const j of [1, 2]) {
        const moved = Float32Array.from(points[j], (v, i) => (i < compiled.paramCount ? v - 0.2 * coeffs[j] * expected.grads[i] : v));
        expectClose(after[j], moved, { rtol: 1e-4, atol: 1e-6 });
      }
    } finally {
      await session.close();
    }
  });

  it('refuses points of the wrong length or not finite, bends that are not distinct point indices, and wrong coefficients', async () => {
    const runner = await inlineRunner();
    const open = (over: object) => openCurveTraining(runner, arch, data, { ...base, points, bends: [1], ...over });
    await expect(open({ points: [points[0], points[1].subarray(1)] })).rejects.toMatchObject({ code: 'BAD_SHAPE' });
    const nan = points[2].slice();
    nan[7] = NaN;
    await expect(open({ points: [points[0], nan] })).rejects.toMatchObject({ code: 'NON_FINITE' });
    await expect(open({ points: [] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    for (const bends of [[1, 1], [4], [-1], [0.5]]) await expect(open({ bends })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const session = await open({});
    try {
      await session.setOrder(Uint32Array.from({ length: data.n }, (_, i) => i));
      await expect(session.step(Float32Array.of(0.5, 0.5), 0, 30, 0.1, 1)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
      await expect(session.step(Float32Array.of(0.5, 0.5, NaN, 0), 0, 30, 0.1, 1)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    } finally {
      await session.close();
    }
  });
});
