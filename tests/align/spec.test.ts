/**
 * Permutation specs: applying random permutations to every group leaves the network's function
 * unchanged — logits through the WASM plan within 1e-5 (atol) + 1e-4 (rtol), in EVAL mode (running
 * statistics, randomised so BatchNorm buffers matter) and BATCH_STATS mode — for every builder and
 * for residual nets with identity and projection shortcuts. Also: validation errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { applyPermutation, identityPermutations, permutationSpec, randomPermutations, validateSpec } from '../../ts/align/spec.js';
import { expectClose } from '../helpers/close.js';
import { logitsOf, randomData, randomTheta } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const ARCHS: Record<string, Arch> = {
  mlp: mlp({ input: 13, hidden: [17, 9], classes: 10 }),
  'mlp+bn+dropout': mlp({ input: [1, 5, 5], hidden: [21, 8, 6], classes: 10, batchNorm: true, dropout: 0.2 }),
  vgg: vgg({ input: [2, 8, 8], channels: [5, 'M', 7, 'M'], classes: 10, hidden: [11] }),
  'vgg+bn': vgg({ input: [3, 9, 9], channels: [4, 6, 'M', 5], classes: 10, batchNorm: true }),
  resnet: resnet({ input: [2, 8, 8], width: 4, blocks: [2, 1], classes: 10 }),
  'dense residual, avgpool': {
    input: [3, 6, 6],
    classes: 10,
    layers: [
      { type: 'conv2d', out: 5, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'avgpool', kernel: 2 },
      { type: 'residual', body: [{ type: 'conv2d', out: 5, kernel: 3, padding: 1 }, { type: 'batchnorm' }] }, { type: 'relu' },
      { type: 'flatten' }, { type: 'dense', out: 12 }, { type: 'relu' },
      { type: 'residual', body: [{ type: 'dense', out: 12 }, { type: 'relu' }, { type: 'dense', out: 12, bias: false }], shortcut: [] },
      { type: 'batchnorm', affine: false }, { type: 'relu' }, { type: 'dense', out: 10 },
    ],
  },
};

describe('permutation specs', () => {
  for (const [label, arch] of Object.entries(ARCHS)) {
    it(`${label}: random permutations keep the logits`, () => {
      const compiled = compileArch(arch);
      const spec = permutationSpec(arch);
      validateSpec(spec, compiled);
      expect(spec.groups.length).toBeGreaterThan(0);
      const data = randomData(arch.input, 24, 5);
      for (const seed of [1, 2]) {
        const theta = randomTheta(arch, seed);
        const perms = randomPermutations(spec, seed);
        const permuted = applyPermutation(arch, theta, perms, compiled);
        expect(permuted).not.toEqual(theta);
        for (const mode of ['eval', 'batch-stats'] as const) {
          expectClose(logitsOf(engine, compiled, permuted, data, mode), logitsOf(engine, compiled, theta, data, mode), { atol: 1e-5, rtol: 1e-4 });
        }
        expect(applyPermutation(arch, theta, identityPermutations(spec), compiled)).toEqual(theta);
      }
    });
  }

  it('ties residual streams: a resnet with identity shortcuts has one group per stage stream', () => {
    const spec = permutationSpec(resnet({ input: [3, 8, 8], width: 4, blocks: [2, 2], classes: 10 }));
    // stage-1 stream (stem + blocks 3, 5), their inner convs, stage 2's first inner conv, its stream (projection 7 + block 9), block 9's inner conv.
    expect(spec.groups.map((g) => g.size)).toEqual([4, 4, 4, 8, 8, 8]);
    const stream = spec.groups[0];
    expect(stream.axes.map((a) => `${a.entry}#${a.axis}`)).toContain('3.body.4.running_var#0');
    expect(stream.axes.map((a) => `${a.entry}#${a.axis}`)).toContain('7.shortcut.0.weight#1');
  });

  it('maps channels to features across flatten in blocks of h·w', () => {
    const spec = permutationSpec(vgg({ input: [1, 8, 8], channels: [3, 'M'], classes: 10 }));
    expect(spec.groups).toHaveLength(1);
    expect(spec.groups[0].axes).toContainEqual({ entry: '4.weight', axis: 1, block: 16 });
  });

  it('rejects bad specs and permutations with typed errors', () => {
    const arch = ARCHS.mlp;
    const compiled = compileArch(arch);
    const spec = permutationSpec(arch);
    const theta = randomTheta(arch, 1);
    const bad = { groups: [{ ...spec.groups[0], size: 5 }] };
    expect(() => validateSpec(bad, compiled)).toThrow(/P_0: 0.weight axis 0 has 17 entries, expected 5/);
    const missing = { groups: [{ ...spec.groups[0], axes: [{ entry: 'nope', axis: 0, block: 1 }] }] };
    expect(() => validateSpec(missing, compiled)).toThrow(/not a tensor/);
    const perms = randomPermutations(spec, 3);
    perms.P_0[0] = perms.P_0[1];
    expect(() => applyPermutation(arch, theta, perms, compiled)).toThrow(/not a permutation/);
    expect(() => applyPermutation(arch, theta, {}, compiled)).toThrow(/no permutation for group P_0/);
  });
});
