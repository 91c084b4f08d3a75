/**
 * explainBarrier on a small BatchNorm MLP (A memorised random labels, B saw them once): every row is
 * evaluated (BN reset with recomputed statistics, REPAIR), each row's barriers are those of its own
 * curve, the naive barrier is the midpoint's excess over the chord (evaluated here), and the
 * aligned models keep B's function (the alignment guard runs on the test set). On a ResNet and a
 * convnet without BatchNorm the REPAIR row is evaluated too.
 */
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { trainModel } from '../../ts/model/train.js';
import { explainBarrier } from '../../ts/align/explain.js';
import { randomData, randomTheta } from './helpers.js';


describe('explainBarrier', () => {
  it('BatchNorm MLP: all rows', async () => {
    const arch = mlp({ input: 12, hidden: [16, 8], classes: 4, batchNorm: true });
    // Measured on 200 random labels that A memorised (30 epochs of Adam) and B saw for one epoch:
    // the midpoint is far above the chord (a barrier of ~0.33) but below B, the worse endpoint, so
    // the barrier differs from max-minus-mean (~0.35) and a row reporting the wrong one shows.
    const test = randomData([12], 200, 1, 4);
    const fit = async (seed: number, epochs: number) => ({ arch, params: (await trainModel(arch, test, { seed, epochs, batchSize: 20, optimizer: { type: 'adam', lr: 0.01 } })).params });
    const [a, b] = [await fit(1, 30), await fit(2, 1)];
    const stages: string[] = [];
    const r = await explainBarrier(a, b, { train: randomData([12], 200, 3, 4), test }, {
      points: 3, samples: 100, fitEpochs: 1, onStage: (s) => stages.push(s),
    });
    expect(r.rows.map((x) => x.key)).toEqual(['naive', 'scale', 'weight', 'activation', 'matched+scale', '+bn-reset', '+repair', 'curve']);
    // Each row's barriers are recomputed from its own curve: sup_t v(t) − ((1 − t)v(0) + t·v(1)).
    const excess = (pts: Array<{ t: number; v: number }>) => Math.max(...pts.map((p) => p.v - ((1 - p.t) * pts[0].v + p.t * pts[pts.length - 1].v)));
    const naive = r.rows[0].lossBarrier!;
    for (const row of r.rows) {
      expect(row.report!.ts).toEqual([0, 0.5, 1]);
      const points = row.report!.sets.test.points;
      expect(row.lossBarrier!, row.key).toBeCloseTo(excess(points.map((p) => ({ t: p.t, v: p.loss }))), 12);
      expect(row.accuracyBarrier!, row.key).toBeCloseTo(excess(points.map((p) => ({ t: p.t, v: p.error }))), 12);
      expect(row.lossBarrierRemoved!, row.key).toBeCloseTo(1 - row.lossBarrier! / naive, 12);
    }
    // The naive row from scratch: the midpoint (A + B)/2 (running statistics blended too) against
    // the endpoints, evaluated here.
    const compiled = compileArch(arch);
    const engine = await Engine.local();
    const loss = (theta: Float32Array) => engine.evaluate(compiled, theta, test).loss;
    const middle = loss(a.params.map((x, i) => (x + b.params[i]) / 2)) - (loss(a.params) + loss(b.params)) / 2;
    expect(middle).toBeGreaterThan(0.2);
    expect(naive).toBeCloseTo(middle, 5);
    expect(r.rows[0].report!.sets.test.metrics!.loss.barrierMaxMinusMean - naive).toBeGreaterThan(0.01);
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
