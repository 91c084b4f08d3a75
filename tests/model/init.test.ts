// initParams: PyTorch-default and Kaiming statistics within sampling error, BatchNorm constants,
// and determinism (the same seed gives identical θ; another seed does not).
import { describe, expect, it } from 'vitest';
import { ModeconnError } from '../../ts/errors.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';

const c = compileArch(mlp({ input: 784, hidden: [256], classes: 10, batchNorm: true }));
const conv = compileArch(vgg({ input: [3, 8, 8], channels: [64, 'M'], classes: 10 }));

function tensor(compiled: typeof c, params: Float32Array, name: string): Float32Array {
  const e = compiled.layout.find((l) => l.name === name)!;
  return params.subarray(e.offset, e.offset + e.length);
}

function stats(v: Float32Array) {
  let sum = 0;
  let sq = 0;
  let maxAbs = 0;
  for (const x of v) {
    sum += x;
    sq += x * x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const mean = sum / v.length;
  return { mean, std: Math.sqrt(sq / v.length - mean * mean), maxAbs };
}

describe('initParams', () => {
  it('pytorch: Linear and Conv weight and bias ~ U(−1/√fan_in, 1/√fan_in)', () => {
    const params = initParams(c, { seed: 7 });
    for (const [compiled, theta, name, fan] of [
      [c, params, '0.weight', 784], [c, params, '0.bias', 784], [c, params, '3.weight', 256],
      [conv, initParams(conv, { seed: 7 }), '0.weight', 27],
    ] as const) {
      const v = tensor(compiled, theta, name);
      const bound = 1 / Math.sqrt(fan);
      const s = stats(v);
      // U(−b, b): mean 0 (standard error b/√(3N)), std b/√3 (relative error about 1/√(1.25N)).
      expect(s.maxAbs, name).toBeLessThanOrEqual(bound);
      expect(Math.abs(s.mean), name).toBeLessThan(4 * bound / Math.sqrt(3 * v.length));
      expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1), name).toBeLessThan(4 / Math.sqrt(1.25 * v.length) + 1e-3);
    }
  });

  it('kaiming: weights ~ N(0, 2/fan_in), zero biases', () => {
    for (const [compiled, name, fan] of [[c, '0.weight', 784], [conv, '0.weight', 27]] as const) {
      const params = initParams(compiled, { seed: 11, scheme: 'kaiming' });
      const v = tensor(compiled, params, name);
      const sigma = Math.sqrt(2 / fan);
      const s = stats(v);
      expect(Math.abs(s.mean), name).toBeLessThan(4 * sigma / Math.sqrt(v.length));
      expect(Math.abs(s.std / sigma - 1), name).toBeLessThan(4 / Math.sqrt(2 * v.length));
      expect(s.maxAbs).toBeGreaterThan(3 * sigma);
    }
    const params = initParams(c, { seed: 11, scheme: 'kaiming' });
    expect(stats(tensor(c, params, '0.bias')).maxAbs).toBe(0);
    expect(stats(tensor(c, params, '3.bias')).maxAbs).toBe(0);
  });

  it('BatchNorm: γ = 1, β = 0, running_mean = 0, running_var = 1 under both schemes', () => {
    for (const scheme of ['pytorch', 'kaiming'] as const) {
      const params = initParams(c, { seed: 2, scheme });
      expect(tensor(c, params, '1.weight').every((v) => v === 1)).toBe(true);
      expect(tensor(c, params, '1.bias').every((v) => v === 0)).toBe(true);
      expect(tensor(c, params, '1.running_mean').every((v) => v === 0)).toBe(true);
      expect(tensor(c, params, '1.running_var').every((v) => v === 1)).toBe(true);
      expect(params.length).toBe(c.totalLength);
    }
  });

  it('the same seed gives identical θ; seeds and tensors are independent streams', () => {
    const a = initParams(c, { seed: 42 });
    expect(initParams(c, { seed: 42 })).toEqual(a);
    const b = initParams(c, { seed: 43 });
    expect(tensor(c, b, '0.weight')).not.toEqual(tensor(c, a, '0.weight'));
    // A wider last layer does not change the first layer's values (one stream per tensor).
    const wider = compileArch(mlp({ input: 784, hidden: [256], classes: 12, batchNorm: true }));
    expect(tensor(wider, initParams(wider, { seed: 42 }), '0.weight')).toEqual(tensor(c, a, '0.weight'));
  });

  it('rejects bad seeds and schemes', () => {
    expect(() => initParams(c, { seed: -1 })).toThrow(ModeconnError);
    expect(() => initParams(c, { seed: 1.5 })).toThrow(/seed/);
    expect(() => initParams(c, { seed: 1, scheme: 'xavier' as never })).toThrow(/scheme/);
  });
});
