/**
 * REPAIR: after repair(θ(t), t) every repaired unit's statistics equal the interpolated endpoint
 * statistics (rel. 1e-3), repair at t = 0 of A keeps A's logits (1e-4), for an MLP with and without
 * BatchNorm; evaluatePath's transform hook is applied at every point; conv nets without BN and
 * residual nets are NOT_SUPPORTED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataSet } from '../../ts/data/dataset.js';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { Repair, resetBatchNorm } from '../../ts/align/repair.js';
import { evaluatePath } from '../../ts/paths/evaluate.js';
import { linearPath } from '../../ts/paths/path.js';
import { seedState, uniform } from '../../ts/reference/rng.js';
import { expectClose } from '../helpers/close.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

function randomTheta(arch: Arch, seed: number): Float32Array {
  const compiled = compileArch(arch);
  const s = new Uint32Array(4);
  seedState(seed, 99, s);
  const theta = Float32Array.from({ length: compiled.totalLength }, () => 2 * uniform(s) - 1);
  for (const e of compiled.layout) {
    if (e.kind === 'running_var') for (let i = 0; i < e.length; i++) theta[e.offset + i] = 1 + 0.5 * theta[e.offset + i];
    if (e.kind === 'weight') {
      const fan = e.shape.slice(1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < e.length; i++) theta[e.offset + i] *= Math.sqrt(3 / fan);
    }
  }
  return theta;
}

function randomData(shape: number[], n: number, seed: number) {
  const s = new Uint32Array(4);
  seedState(seed, 7, s);
  const size = shape.reduce((a, b) => a * b, 1);
  return createDataSet({ name: 'random', shape, classes: 10, x: Float32Array.from({ length: n * size }, () => 2 * uniform(s) - 1), y: Uint32Array.from({ length: n }, (_, i) => i % 10) });
}

const ARCHS: Record<string, Arch> = {
  mlp: mlp({ input: [1, 4, 5], hidden: [17, 9], classes: 10 }),
  'mlp+bn': mlp({ input: 20, hidden: [21, 8], classes: 10, batchNorm: true }),
  'vgg+bn': vgg({ input: [2, 6, 6], channels: [4, 'M', 5], classes: 10, batchNorm: true }),
};

describe('REPAIR', () => {
  for (const [label, arch] of Object.entries(ARCHS)) {
    it(`${label}: repaired statistics equal the interpolated endpoint statistics`, async () => {
      const compiled = compileArch(arch);
      const data = randomData(arch.input, 200, 1);
      const a = randomTheta(arch, 1);
      const b = randomTheta(arch, 2);
      const repair = await Repair.create(arch, a, b, data, { engine, samples: 200 });
      const t = 0.4;
      const mid = a.map((v, i) => (1 - t) * v + t * b[i]);
      const fixed = repair.repair(mid, t);
      const got = repair.statistics(fixed);
      expect(got.length).toBe(2);
      got.forEach((s, k) => {
        const want = repair.endpoints[0][k].mean.map((m, i) => (1 - t) * m + t * repair.endpoints[1][k].mean[i]);
        const wantStd = repair.endpoints[0][k].std.map((m, i) => (1 - t) * m + t * repair.endpoints[1][k].std[i]);
        expectClose(s.mean, want, { rtol: 1e-3, atol: 1e-3 });
        expectClose(s.std, wantStd, { rtol: 1e-3, atol: 1e-3 });
      });
      if (!label.includes('bn')) {
        const same = repair.repair(a, 0);
        expectClose(engine.evaluate(compiled, same, data, { logits: true }).logits!, engine.evaluate(compiled, a, data, { logits: true }).logits!, { rtol: 1e-4, atol: 1e-4 });
      }
      const seen: number[] = [];
      const report = await evaluatePath(linearPath(a, b), arch, { test: data }, {
        engine, ts: [0, 0.5, 1], bn: 'blend', transform: (theta, tt) => {
          seen.push(tt);
          return repair.repair(theta, tt);
        },
      });
      expect(seen).toEqual([0, 0.5, 1]);
      expect(report.sets.test.points.every((p) => Number.isFinite(p.loss))).toBe(true);
      if (label.includes('bn')) {
        const reset = await resetBatchNorm(arch, mid, data, { engine });
        expect(reset).not.toEqual(mid);
      }
    });
  }

  it('unsupported architectures are NOT_SUPPORTED', async () => {
    for (const arch of [vgg({ input: [2, 6, 6], channels: [4, 'M'], classes: 10 }), resnet({ input: [2, 8, 8], width: 4, blocks: [1], classes: 10 })]) {
      const data = randomData(arch.input, 10, 1);
      const a = randomTheta(arch, 1);
      await expect(Repair.create(arch, a, a, data, { engine })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    }
  });
});
