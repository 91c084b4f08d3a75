/**
 * Noise stability: with one hidden layer the rest of the net is linear, so ψ has a closed form,
 * E‖Wη‖²/‖Wx + b‖² = σ²‖x‖²‖W‖²_F / (h‖Wx + b‖²) per sample; the Monte Carlo estimate (64 draws on
 * 200 samples) must be within 5% of it. σ = 0 gives 0 exactly; seeds repeat; deeper nets report every
 * hidden layer; BatchNorm nets are NOT_SUPPORTED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { noiseStability } from '../../ts/stability/noise.js';
import { randomData, logitsOf } from '../align/helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

describe('noiseStability', () => {
  it('one hidden layer: matches the closed form', async () => {
    const arch = mlp({ input: 6, hidden: [12], classes: 4 });
    const compiled = compileArch(arch);
    const theta = initParams(compiled, { seed: 2 });
    const data = randomData([6], 200, 3, 4);
    const r = await noiseStability(arch, theta, data, { scale: 0.5, draws: 64, samples: 200, seed: 1 });
    expect(r.layers.map((l) => l.layer)).toEqual([1]);
    // Closed form from the hidden activations (relu(W1 x + b1)) and the output layer.
    const w1 = compiled.layout.find((e) => e.name === '0.weight')!;
    const b1 = compiled.layout.find((e) => e.name === '0.bias')!;
    const w2 = compiled.layout.find((e) => e.name === '2.weight')!;
    const fro = theta.subarray(w2.offset, w2.offset + w2.length).reduce((s, v) => s + v * v, 0);
    const logits = logitsOf(engine, compiled, theta, data);
    let expected = 0;
    for (let s = 0; s < 200; s++) {
      let xx = 0;
      for (let u = 0; u < 12; u++) {
        let z = theta[b1.offset + u];
        for (let k = 0; k < 6; k++) z += theta[w1.offset + u * 6 + k] * data.x[s * 6 + k];
        xx += Math.max(0, z) ** 2;
      }
      const ll = logits.subarray(s * 4, s * 4 + 4).reduce((a, v) => a + v * v, 0);
      expected += (0.25 * xx * fro) / (12 * ll) / 200;
    }
    expect(Math.abs(r.layers[0].sensitivity - expected)).toBeLessThanOrEqual(0.05 * expected);
  });

  it('σ = 0 is exactly stable; the same seed repeats; every hidden layer is reported', async () => {
    const arch = mlp({ input: 6, hidden: [10, 8, 6], classes: 3, dropout: 0.5 });
    const theta = initParams(compileArch(arch), { seed: 4 });
    const data = randomData([6], 50, 5, 3);
    const zero = await noiseStability(arch, theta, data, { scale: 0 });
    expect(zero.layers.map((l) => l.sensitivity)).toEqual([0, 0, 0]);
    const one = await noiseStability(arch, theta, data, { seed: 7 });
    const two = await noiseStability(arch, theta, data, { seed: 7 });
    expect(one).toEqual(two);
    expect(one.layers.map((l) => l.units)).toEqual([10, 8, 6]);
    one.layers.forEach((l) => expect(l.sensitivity).toBeGreaterThan(0));
  });

  it('BatchNorm nets are NOT_SUPPORTED', async () => {
    const arch = mlp({ input: 6, hidden: [8], classes: 3, batchNorm: true });
    await expect(noiseStability(arch, initParams(compileArch(arch), { seed: 1 }), randomData([6], 10, 1, 3), {})).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });
});
