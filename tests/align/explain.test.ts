/**
 * explainBarrier on a small BatchNorm MLP (random weights, random data): every row is evaluated
 * (BN reset with recomputed statistics, REPAIR), rows share the endpoints' losses, and the
 * aligned models keep B's function (the alignment guard runs on the test set). On a ResNet and a
 * convnet without BatchNorm the REPAIR row is evaluated too.
 */
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { explainBarrier } from '../../ts/align/explain.js';
import { randomData, randomTheta } from './helpers.js';


describe('explainBarrier', () => {
  it('BatchNorm MLP: all rows', async () => {
    const arch = mlp({ input: 12, hidden: [16, 8], classes: 4, batchNorm: true });
    const a = { arch, params: randomTheta(arch, 1) };
    const b = { arch, params: randomTheta(arch, 2) };
    const stages: string[] = [];
    const r = await explainBarrier(a, b, { train: randomData([12], 200, 1, 4), test: randomData([12], 100, 2, 4) }, {
      points: 3, samples: 100, fitEpochs: 1, onStage: (s) => stages.push(s),
    });
    expect(r.rows.map((x) => x.key)).toEqual(['naive', 'scale', 'weight', 'activation', 'matched+scale', '+bn-reset', '+repair', 'curve']);
    for (const row of r.rows) {
      expect(Number.isFinite(row.lossBarrier!)).toBe(true);
      expect(row.lossBarrier!).toBeGreaterThanOrEqual(0);
      expect(row.report!.ts).toEqual([0, 0.5, 1]);
    }
    expect(r.rows.find((x) => x.key === '+bn-reset')!.bn).toBe('recompute');
    const ends = (k: string) => r.rows.find((x) => x.key === k)!.report!.sets.test.metrics!.loss.endpoints;
    // Scale normalisation and permutation keep each endpoint's function (BN eval mode).
    expect(ends('scale')[0]).toBeCloseTo(ends('naive')[0], 4);
    expect(ends('weight')[1]).toBeCloseTo(ends('naive')[1], 4);
    expect(ends('activation')[1]).toBeCloseTo(ends('naive')[1], 4);
    expect(stages.length).toBeGreaterThanOrEqual(8);
    expect(['weight', 'activation']).toContain(r.best);
  });

  for (const [label, arch] of [
    ['ResNet (BatchNorm, projection shortcut)', resnet({ input: [2, 6, 6], width: 3, blocks: [1, 1], classes: 4 })],
    ['convnet without BatchNorm', vgg({ input: [2, 6, 6], channels: [4, 'M'], classes: 4 })],
  ] as Array<[string, Arch]>) {
    it(`${label}: the REPAIR row is evaluated, not skipped`, async () => {
      const sets = { train: randomData([2, 6, 6], 60, 1, 4), test: randomData([2, 6, 6], 40, 2, 4) };
      const r = await explainBarrier({ arch, params: randomTheta(arch, 1) }, { arch, params: randomTheta(arch, 2) }, sets, { points: 3, samples: 60 });
      const row = r.rows.find((x) => x.key === '+repair')!;
      expect(row.note).toMatch(/statistics over 60 training samples/);
      expect(Number.isFinite(row.lossBarrier!)).toBe(true);
      expect(row.report!.ts).toEqual([0, 0.5, 1]);
    });
  }

  it('rejects different architectures', async () => {
    const a = mlp({ input: 12, hidden: [16], classes: 4 });
    const b = mlp({ input: 12, hidden: [8], classes: 4 });
    await expect(explainBarrier({ arch: a, params: randomTheta(a, 1) }, { arch: b, params: randomTheta(b, 1) }, { train: randomData([12], 10, 1, 4), test: randomData([12], 10, 2, 4) }, {}))
      .rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
