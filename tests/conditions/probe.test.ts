/**
 * The feature-quality probe (experiment A):
 * - features made linearly separable by construction (every hidden unit is monotone in x0, the
 *   label is sign(x0)): the linear probe on any half reaches zero train error with a positive margin;
 * - features that are affine in the input under XOR labels: no linear probe separates them (the
 *   best linear classifier of XOR errs on ≥ 1/4), so the probe is not separable and its margin < 0;
 * - probe architectures narrow every layer above ℓ to ⌊f·h⌋ (a linear classifier above the last);
 *   the margin agrees with a brute-force recomputation from the probe's own weights; seeded draws
 *   repeat bit for bit; typed errors for residual nets, too-narrow layers and empty data.
 */
import { describe, expect, it } from 'vitest';
import { createDataSet } from '../../ts/data/dataset.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { probeNetwork } from '../../ts/conditions/probe.js';
import { hiddenLayers, probeArch } from '../../ts/conditions/units.js';
import { affineNet, signData } from './helpers.js';

const training = { epochs: 60, batchSize: 32, optimizer: { type: 'adam', lr: 0.05 } } as const;

describe('probe of the features (experiment A)', () => {
  it('separable by construction: zero train error and a positive margin', async () => {
    const { arch, params } = affineNet(8, 1);
    const train = signData(200, 'sign', 1);
    const test = signData(100, 'sign', 2);
    const report = await probeNetwork(arch, params, train, test, { draws: 2, seed: 3, ...training });
    expect(report.layers).toHaveLength(1);
    const p = report.layers[0];
    expect(p.kept).toHaveLength(4);
    expect(p.arch.layers).toEqual([{ type: 'dense', out: 2 }]);
    expect(p.train.error).toBe(0);
    expect(p.separable).toBe(true);
    expect(p.logitMargin).toBeGreaterThan(0);
    expect(p.margin).toBeGreaterThan(0);
    // Brute force: the geometric margin from the probe's weights and the kept features.
    const feats = train.x.length / 2;
    let brute = Infinity;
    const w = p.params.subarray(0, 8);
    const bias = p.params.subarray(8, 10);
    const hiddenW = params.subarray(0, 16);
    for (let i = 0; i < feats; i++) {
      const f = Array.from(p.kept, (u) => Math.max(0, hiddenW[2 * u] * train.x[2 * i] + hiddenW[2 * u + 1] * train.x[2 * i + 1] + 4));
      const z = [0, 1].map((c) => f.reduce((s, v, j) => s + v * w[c * 4 + j], bias[c]));
      const c = train.y[i];
      const norm = Math.hypot(...[0, 1, 2, 3].map((j) => w[c * 4 + j] - w[(1 - c) * 4 + j]));
      brute = Math.min(brute, (z[c] - z[1 - c]) / norm);
    }
    expect(p.margin!).toBeCloseTo(brute, 4);
  });

  it('not separable (XOR of affine features): the linear probe errs on about a quarter', async () => {
    const { arch, params } = affineNet(8, 2);
    const train = signData(200, 'xor', 3);
    const report = await probeNetwork(arch, params, train, undefined, { draws: 3, seed: 1, ...training });
    const p = report.layers[0];
    expect(p.separable).toBe(false);
    expect(p.train.error).toBeGreaterThanOrEqual(0.2);
    expect(p.logitMargin).toBeLessThan(0);
    expect(p.margin).toBeLessThan(0);
    expect(p.test).toBeUndefined();
    expect(p.draws).toHaveLength(3);
    // The kept draw is the best one.
    for (const d of p.draws) expect(p.train.error).toBeLessThanOrEqual(d.train.error);
  });

  it('deeper nets: probe widths, every layer probed, seeded draws repeat bit for bit', async () => {
    const arch = mlp({ input: 2, hidden: [9, 6, 5], classes: 2 });
    const params = initParams(compileArch(arch), { seed: 4 });
    expect(probeArch(arch, 1, 0.5).layers).toEqual([{ type: 'dense', out: 3 }, { type: 'relu' }, { type: 'dense', out: 2 }, { type: 'relu' }, { type: 'dense', out: 2 }]);
    expect(probeArch(arch, 1, 0.5).input).toEqual([4]);
    expect(probeArch(arch, 3, 0.5)).toEqual({ input: [2], classes: 2, layers: [{ type: 'dense', out: 2 }] });
    const train = signData(64, 'xor', 5);
    const options = { draws: 2, seed: 9, epochs: 3, batchSize: 16 };
    const one = await probeNetwork(arch, params, train, undefined, options);
    const two = await probeNetwork(arch, params, train, undefined, options);
    expect(one.layers.map((l) => l.layer)).toEqual([1, 2, 3]);
    expect(one.layers.map((l) => l.kept.length)).toEqual([4, 3, 2]);
    expect(one).toEqual(two);
    expect(one.network.train.loss).toBeGreaterThan(0);
  });

  it('convolutional networks: channels are the units', async () => {
    const arch = vgg({ input: [1, 6, 6], channels: [4, 'M', 6], classes: 2, hidden: [6] });
    const hidden = hiddenLayers(arch);
    expect(hidden.map((h) => [h.kind, h.units, h.shape])).toEqual([['conv2d', 4, [4, 6, 6]], ['conv2d', 6, [6, 3, 3]], ['dense', 6, [6]]]);
    expect(probeArch(arch, 1, 0.5)).toEqual({
      input: [2, 6, 6], classes: 2,
      layers: [{ type: 'maxpool', kernel: 2 }, { type: 'conv2d', out: 3, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', out: 3 }, { type: 'relu' }, { type: 'dense', out: 2 }],
    });
    const params = initParams(compileArch(arch), { seed: 2 });
    const x = Float32Array.from({ length: 40 * 36 }, (_, i) => Math.sin(i * 0.37));
    const data = createDataSet({ name: 'images', x, y: Uint32Array.from({ length: 40 }, (_, i) => i % 2), shape: [1, 6, 6], classes: 2 });
    const report = await probeNetwork(arch, params, data, data, { draws: 1, epochs: 2, batchSize: 8 });
    expect(report.layers.map((l) => [l.kind, l.kept.length])).toEqual([['conv2d', 2], ['conv2d', 3], ['dense', 3]]);
    for (const l of report.layers) expect(Number.isFinite(l.train.loss)).toBe(true);
  });

  it('typed errors: residual nets, layers too narrow to halve, empty data, bad options', async () => {
    const data = signData(16, 'sign', 1);
    const res = resnet({ input: [1, 4, 4], width: 2, blocks: 1, classes: 2 });
    await expect(probeNetwork(res, initParams(compileArch(res), { seed: 1 }), createDataSet({ name: 'i', x: new Float32Array(16), y: new Uint32Array(1), shape: [1, 4, 4], classes: 2 }), undefined))
      .rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    const narrow = mlp({ input: 2, hidden: [4, 1], classes: 2 });
    await expect(probeNetwork(narrow, initParams(compileArch(narrow), { seed: 1 }), data, undefined)).rejects.toMatchObject({ code: 'NOT_SUPPORTED', message: expect.stringMatching(/layer 2 has 1 unit/) });
    const { arch, params } = affineNet(4, 1);
    const empty = createDataSet({ name: 'empty', x: new Float32Array(0), y: new Uint32Array(0), shape: [2], classes: 2 });
    await expect(probeNetwork(arch, params, empty, undefined)).rejects.toMatchObject({ code: 'EMPTY_DATA' });
    await expect(probeNetwork(arch, params, data, undefined, { fraction: 1.5 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(probeNetwork(arch, params, data, undefined, { draws: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(probeNetwork(arch, params.subarray(1), data, undefined)).rejects.toMatchObject({ code: 'BAD_SHAPE' });
  });
});
