/**
 * Weight and activation matching. Planted permutations: B = π(A) (+ optional Gaussian-ish noise)
 * must be recovered exactly (perms = π⁻¹, aligned B = A when noise is 0) for an MLP and a small
 * convnet; the recovery rate over seeds is printed. The function guard and plan_activations too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataSet } from '../../ts/data/dataset.js';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { readActivations } from '../../ts/model/train.js';
import { activationMatching } from '../../ts/align/activation-matching.js';
import { assertSameFunction, checkSample } from '../../ts/align/check.js';
import { applyPermutation, invertPermutation, permutationSpec, randomPermutations } from '../../ts/align/spec.js';
import { weightMatching } from '../../ts/align/weight-matching.js';
import { seedState, uniform } from '../../ts/reference/rng.js';
import { type ModeconnError } from '../../ts/errors.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const ARCHS: Record<string, Arch> = {
  mlp: mlp({ input: 30, hidden: [48, 40], classes: 10, batchNorm: true }),
  convnet: vgg({ input: [2, 8, 8], channels: [8, 'M', 12, 'M'], classes: 10, hidden: [24] }),
  'mlp without BN': mlp({ input: 30, hidden: [32, 32, 32], classes: 10 }),
  resnet: resnet({ input: [2, 8, 8], width: 6, blocks: [1, 1], classes: 10 }),
};

/** θ_A from the PyTorch init, with BatchNorm parameters and statistics made non-trivial. */
function modelA(arch: Arch, seed: number) {
  const compiled = compileArch(arch);
  const theta = initParams(compiled, { seed });
  const s = new Uint32Array(4);
  seedState(seed, 1234, s);
  for (const e of compiled.layout) {
    if (e.kind === 'bn_weight' || e.kind === 'running_var') for (let i = 0; i < e.length; i++) theta[e.offset + i] = 0.5 + uniform(s);
    if (e.kind === 'bn_bias' || e.kind === 'running_mean') for (let i = 0; i < e.length; i++) theta[e.offset + i] = uniform(s) - 0.5;
  }
  return { arch, params: theta };
}

function plant(arch: Arch, params: Float32Array, seed: number, noise: number) {
  const spec = permutationSpec(arch);
  const planted = randomPermutations(spec, seed + 100);
  const b = applyPermutation(arch, params, planted);
  if (noise > 0) {
    const s = new Uint32Array(4);
    seedState(seed, 555, s);
    for (let i = 0; i < b.length; i++) b[i] += noise * (uniform(s) + uniform(s) + uniform(s) - 1.5) * Math.abs(b[i]);
  }
  return { b: { arch, params: b }, planted };
}

describe('planted permutations', () => {
  for (const [label, arch] of Object.entries(ARCHS)) {
    it(`${label}: weight matching recovers π⁻¹ exactly (noise 0 and 5%)`, async () => {
      const report: string[] = [];
      for (const noise of [0, 0.05]) {
        let recovered = 0;
        const seeds = [1, 2, 3, 4, 5];
        for (const seed of seeds) {
          const a = modelA(arch, seed);
          const { b, planted } = plant(arch, a.params, seed, noise);
          const r = await weightMatching(a, b, { seed });
          const exact = r.spec.groups.every((g) => invertPermutation(planted[g.name]).every((v, i) => v === r.permutations[g.name][i]));
          if (exact) recovered += 1;
          if (noise === 0) expect(r.aligned.params).toEqual(a.params);
          for (let i = 1; i < r.objective.length; i++) expect(r.objective[i]).toBeGreaterThanOrEqual(r.objective[i - 1] - 1e-9 * Math.abs(r.objective[i - 1]));
        }
        report.push(`noise ${noise}: ${recovered}/${seeds.length}`);
        expect(recovered).toBe(seeds.length);
      }
      console.log(`planted permutation, weight matching, ${label}: ${report.join(', ')}`);
    });
  }

  it('activation matching recovers a planted permutation of an MLP (correlation 1)', async () => {
    const arch = mlp({ input: 16, hidden: [24, 20], classes: 10 });
    const a = modelA(arch, 7);
    const { b, planted } = plant(arch, a.params, 7, 0);
    const data = checkSample(arch, undefined, 400);
    const r = await activationMatching(a, b, data, { batchSize: 128 });
    for (const g of r.spec.groups) {
      expect(r.correlation[g.name]).toBeGreaterThan(0.98);
      const inv = invertPermutation(planted[g.name]);
      const same = inv.filter((v, i) => v === r.permutations[g.name][i]).length;
      expect(same / g.size).toBeGreaterThan(0.9); // units dead on every sample can be matched arbitrarily
    }
  });
});

describe('alignment plumbing', () => {
  it('plan_activations returns the logits buffer equal to evaluate()', async () => {
    const arch = ARCHS.convnet;
    const compiled = compileArch(arch);
    const a = modelA(arch, 3);
    const data = checkSample(arch, undefined, 20);
    const idx = Uint32Array.from({ length: 20 }, (_, i) => i);
    const [hidden, logits] = await readActivations(a.arch, a.params, data, idx, [1, compiled.bufferSizes.length - 1]);
    expect(hidden.length).toBe(20 * compiled.bufferSizes[1]);
    expect(logits).toEqual(engine.evaluate(compiled, a.params, data, { logits: true }).logits);
  });

  it('throws ALIGNMENT_BROKE_FUNCTION when the aligned model differs from B', () => {
    const arch = ARCHS.mlp;
    const compiled = compileArch(arch);
    const b = modelA(arch, 4).params;
    const broken = b.slice();
    broken[0] += 1;
    broken[1] -= 1;
    const sample = checkSample(arch, undefined);
    expect(() => assertSameFunction(engine, compiled, b, b, sample, 'test')).not.toThrow();
    try {
      assertSameFunction(engine, compiled, b, broken, sample, 'test');
      expect.unreachable();
    } catch (e) {
      expect((e as ModeconnError).code).toBe('ALIGNMENT_BROKE_FUNCTION');
    }
  });

  it('rejects models of different architectures', async () => {
    const a = modelA(ARCHS.mlp, 1);
    const b = modelA(ARCHS.convnet, 1);
    await expect(weightMatching(a, b, {})).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const data = createDataSet({ name: 'empty', shape: [30], classes: 10, x: new Float32Array(0), y: new Uint32Array(0) });
    await expect(activationMatching(a, a, data, {})).rejects.toMatchObject({ code: 'EMPTY_DATA' });
  });
});

describe('built package', () => {
  it('exports the alignment API from dist/', async () => {
    const lib = await import('modeconn');
    for (const name of ['linearSumAssignment', 'permutationSpec', 'applyPermutation', 'weightMatching', 'activationMatching', 'readActivations']) {
      expect(typeof (lib as Record<string, unknown>)[name], name).toBe('function');
    }
    const r = await lib.linearSumAssignment(Float64Array.of(1, 2, 2, 1), 2, 2, { maximize: true });
    expect([...r.colInd]).toEqual([1, 0]);
  });
});
