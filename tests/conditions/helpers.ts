/**
 * Data and networks whose hidden features are known by construction: 2-D points labelled by the
 * sign of x0 (separable) or by XOR of the signs (not linearly separable), and one-hidden-layer MLPs
 * whose units all compute affine functions a_u·x0 + c_u·x1 + 4 (> 0 on the data, so ReLU is inert).
 */
import { createDataSet, type DataSet } from '../../ts/data/dataset.js';
import type { Arch } from '../../ts/model/arch.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { seedState, uniform } from '../../ts/reference/rng.js';

/** n points with |x0|, |x1| in [0.5, 1.5]; labels sign(x0) ('sign') or sign(x0) XOR sign(x1) ('xor'). */
export function signData(n: number, labels: 'sign' | 'xor', seed: number): DataSet {
  const s = new Uint32Array(4);
  seedState(seed, 3, s);
  const x = new Float32Array(2 * n);
  const y = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    // Balanced quadrants: i mod 4 picks the signs.
    const sx = i % 2 === 0 ? 1 : -1;
    const sy = (i >> 1) % 2 === 0 ? 1 : -1;
    x[2 * i] = sx * (0.5 + uniform(s));
    x[2 * i + 1] = sy * (0.5 + uniform(s));
    y[i] = labels === 'sign' ? Number(sx > 0) : Number(sx > 0 !== sy > 0);
  }
  return createDataSet({ name: `${labels}${seed}`, x, y, shape: [2], classes: 2 });
}

/** A 2-h-2 MLP whose hidden unit u computes a_u·x0 + c_u·x1 + 4 with a_u in [0.5, 1.5], |c_u| ≤ 0.1. */
export function affineNet(hidden: number, seed: number): { arch: Arch; params: Float32Array } {
  const arch = mlp({ input: 2, hidden: [hidden], classes: 2 });
  const compiled = compileArch(arch);
  const params = initParams(compiled, { seed });
  const s = new Uint32Array(4);
  seedState(seed, 5, s);
  const w = compiled.layout.find((e) => e.name === '0.weight')!;
  const b = compiled.layout.find((e) => e.name === '0.bias')!;
  for (let u = 0; u < hidden; u++) {
    params[w.offset + 2 * u] = 0.5 + uniform(s);
    params[w.offset + 2 * u + 1] = 0.2 * uniform(s) - 0.1;
    params[b.offset + u] = 4;
  }
  return { arch, params };
}
