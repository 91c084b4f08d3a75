// Finite-difference check of the dense layer (GEMM forward, Aᵀ·B weight gradient, A·B input
// gradient, bias column sums) through the WASM plan: a dense → ReLU → dense network, every weight
// and bias perturbed, central differences of the mean loss against Engine.gradient.
import { describe, expect, it } from 'vitest';
import { Engine } from '../../ts/model/engine.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { createDataSet } from '../../ts/data/dataset.js';
import type { Arch } from '../../ts/model/arch.js';
import { randomArray } from '../helpers/close.js';

describe('dense gradients (WASM) vs finite differences', async () => {
  const engine = await Engine.create();

  it('matches central differences for every weight and bias', () => {
    const arch: Arch = { input: [7], classes: 3, layers: [{ type: 'dense', out: 5 }, { type: 'relu' }, { type: 'dense', out: 3 }] };
    const compiled = compileArch(arch);
    const n = 6;
    const data = createDataSet({ name: 'fd', x: randomArray(n * 7, 21), y: Uint32Array.from({ length: n }, (_, i) => i % 3), shape: [7], classes: 3 });
    const params = initParams(compiled, { seed: 8 });
    const indices = Uint32Array.from({ length: n }, (_, i) => i);
    const { grads } = engine.gradient(compiled, params, data, indices, { mode: 'batch-stats' });
    const lossAt = (theta: Float32Array) => engine.evaluate(compiled, theta, data, { mode: 'batch-stats' }).loss;
    const eps = 1e-3;
    let worst = 0;
    for (let i = 0; i < compiled.paramCount; i++) {
      const theta = params.slice();
      theta[i] = params[i] + eps;
      const up = lossAt(theta);
      theta[i] = params[i] - eps;
      const down = lossAt(theta);
      const fd = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - grads[i]) / (1e-2 + Math.max(Math.abs(fd), Math.abs(grads[i]))));
    }
    // f32 losses and eps = 1e-3 leave ~1e-4 relative noise; a wrong transpose or a missing bias
    // term gives errors of order 1.
    expect(worst).toBeLessThan(5e-3);
  });
});
