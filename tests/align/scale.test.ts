/**
 * Scale symmetries: ReLU homogeneity and BatchNorm scale invariance with random positive factors
 * keep the logits (EVAL mode) within 1e-5 atol + 1e-4 rtol; normalizeScale keeps the function,
 * gives unit incoming norms and is idempotent.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { normalizeScale, scaleUnitsBatchNorm, scaleUnitsRelu, unitRoles } from '../../ts/align/scale.js';
import { seedState, uniform } from '../../ts/reference/rng.js';
import { expectClose } from '../helpers/close.js';
import { logitsOf, randomData, randomTheta } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const ARCHS: Record<string, Arch> = {
  mlp: mlp({ input: 13, hidden: [17, 9], classes: 10 }),
  'mlp+bn': mlp({ input: [1, 5, 5], hidden: [21, 8, 6], classes: 10, batchNorm: true }),
  vgg: vgg({ input: [2, 8, 8], channels: [5, 'M', 7, 'M'], classes: 10, hidden: [11] }),
  'vgg+bn': vgg({ input: [3, 9, 9], channels: [4, 6, 'M', 5], classes: 10, batchNorm: true }),
  resnet: resnet({ input: [2, 8, 8], width: 4, blocks: [2, 1], classes: 10 }),
};

function factors(n: number, s: Uint32Array): Float64Array {
  return Float64Array.from({ length: n }, () => Math.exp(2 * uniform(s) - 1));
}

describe('scale symmetries', () => {
  for (const [label, arch] of Object.entries(ARCHS)) {
    it(`${label}: random rescaling and normalizeScale keep the logits`, () => {
      const compiled = compileArch(arch);
      const data = randomData(arch.input, 16, 3);
      const theta = randomTheta(arch, 1);
      const ref = logitsOf(engine, compiled, theta, data);
      const s = new Uint32Array(4);
      seedState(5, 0, s);
      const scaled = theta.slice();
      let bnUsed = 0;
      for (const r of unitRoles(arch, compiled)) {
        if (!r.detachedBatchNorm) scaleUnitsRelu(scaled, r, factors(r.group.size, s));
        r.producers.forEach((p, k) => {
          if (p.bn) {
            scaleUnitsBatchNorm(scaled, r, k, factors(r.group.size, s));
            bnUsed++;
          }
        });
      }
      if (label.includes('bn')) expect(bnUsed).toBeGreaterThan(0);
      expect(scaled).not.toEqual(theta);
      expectClose(logitsOf(engine, compiled, scaled, data), ref, { rtol: 1e-4, atol: 1e-5 });

      const once = normalizeScale(arch, scaled);
      expectClose(logitsOf(engine, compiled, once.params, data), ref, { rtol: 1e-4, atol: 1e-5 });
      const twice = normalizeScale(arch, once.params);
      expectClose(twice.params, once.params, { rtol: 1e-5, atol: 1e-6 });
      // Canonical: the normal form does not depend on the starting scale.
      expectClose(normalizeScale(arch, theta).params, once.params, { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it('mlp: incoming norms are 1 after normalisation', () => {
    const arch = ARCHS.mlp;
    const compiled = compileArch(arch);
    const { params } = normalizeScale(arch, randomTheta(arch, 2));
    for (const r of unitRoles(arch, compiled)) {
      const p = r.producers[0];
      const inner = p.weight.length / r.group.size;
      for (let i = 0; i < r.group.size; i++) {
        let sq = params[p.bias!.offset + i] ** 2;
        for (let k = 0; k < inner; k++) sq += params[p.weight.offset + i * inner + k] ** 2;
        expect(Math.sqrt(sq)).toBeCloseTo(1, 5);
      }
    }
  });
});
