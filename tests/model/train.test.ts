// Training on real data: an MLP on the bundled MNIST digits reaches a stated accuracy in a bounded
// number of epochs; the same seed gives bit-identical weights; cancellation and divergence are
// typed errors.
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../ts/data/mnist.js';
import { mlp } from '../../ts/model/builders.js';
import { evaluateModel, recomputeBatchNorm, trainModel } from '../../ts/model/train.js';
import { checkSchedule, cycleMinimum, learningRate } from '../../ts/model/schedule.js';
import { twoMoons } from '../../ts/data/synthetic.js';

describe('trainModel', async () => {
  const train = await loadMnist({ split: 'train' });
  const test = await loadMnist({ split: 'test' });
  const arch = mlp({ input: [1, 28, 28], hidden: [128], classes: 10, batchNorm: true });

  it('reaches ≥ 93% test accuracy on the MNIST digits in 3 epochs, and the same seed gives the same bits', async () => {
    const options = { seed: 1, epochs: 3, batchSize: 64, optimizer: { type: 'sgd' as const, lr: 0.05, momentum: 0.9 }, evalData: test };
    const first = await trainModel(arch, train, options);
    const second = await trainModel(arch, train, options);
    expect(first.log).toHaveLength(3);
    // num_batches_tracked counts train-mode steps, as PyTorch's does: 3 epochs of ⌈8004/64⌉ batches.
    expect(first.batchesTracked).toEqual({ '2.num_batches_tracked': 3 * Math.ceil(train.n / 64) });
    expect(first.log[2].testAccuracy).toBeGreaterThanOrEqual(0.93);
    expect(first.log[2].trainLoss).toBeLessThan(first.log[0].trainLoss);
    expect(Buffer.from(second.params.buffer).equals(Buffer.from(first.params.buffer))).toBe(true);
    const other = await trainModel(arch, train, { ...options, seed: 2, epochs: 1, evalData: undefined });
    expect(Buffer.from(other.params.buffer).equals(Buffer.from(first.params.buffer))).toBe(false);
    const evaluated = await evaluateModel(first, test);
    expect(evaluated.accuracy).toBe(first.log[2].testAccuracy);
    expect(evaluated.losses).toHaveLength(test.n);
    // Recomputing BatchNorm statistics over the training set keeps the model about as good.
    const recomputed = await evaluateModel(await recomputeBatchNorm(first, train), test);
    expect(recomputed.accuracy).toBeGreaterThan(0.92);
  });

  it('trains with Adam and a cosine schedule with warm-up', async () => {
    const moons = twoMoons({ n: 400, noise: 0.1, seed: 3 });
    const small = mlp({ input: 2, hidden: [32, 32], classes: 2 });
    const result = await trainModel(small, moons, {
      seed: 4, epochs: 30, batchSize: 32, optimizer: { type: 'adam', lr: 0.01 }, schedule: { type: 'cosine' }, warmupEpochs: 2, evalData: moons,
    });
    expect(result.log.at(-1)!.testAccuracy).toBeGreaterThan(0.97);
  });

  it('stops on an AbortSignal with CANCELLED', async () => {
    const controller = new AbortController();
    const run = trainModel(arch, train, {
      seed: 1, epochs: 50, onProgress: (p) => { if (p.step === 5) controller.abort(); }, signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('reports divergence as DIVERGED', async () => {
    // A linear model cannot hide behind dead ReLUs: a huge step overflows its logits.
    const run = trainModel(mlp({ input: [1, 28, 28], hidden: [], classes: 10 }), train, {
      seed: 1, epochs: 1, optimizer: { type: 'sgd', lr: 1e38 },
    });
    await expect(run).rejects.toMatchObject({ code: 'DIVERGED' });
  });

  it('rejects empty data and bad options', async () => {
    await expect(trainModel(arch, train, { seed: 1, epochs: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(trainModel(arch, train, { seed: 1, epochs: 1, schedule: { type: 'step', every: 0 } })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

describe('learning-rate schedules', () => {
  const ctx = { lr: 0.1, stepsPerEpoch: 10, totalSteps: 100 };
  it('step, cosine, cyclic and warm-up follow their formulas', () => {
    expect(learningRate({ type: 'step', every: 3, gamma: 0.5 }, 29, ctx)).toBeCloseTo(0.1);
    expect(learningRate({ type: 'step', every: 3, gamma: 0.5 }, 30, ctx)).toBeCloseTo(0.05);
    expect(learningRate({ type: 'step', every: 3, gamma: 0.5 }, 60, ctx)).toBeCloseTo(0.025);
    expect(learningRate({ type: 'cosine' }, 0, ctx)).toBeCloseTo(0.1);
    expect(learningRate({ type: 'cosine' }, 50, ctx)).toBeCloseTo(0.05);
    // FGE: a 2-epoch cycle (20 steps) falls linearly to lrMin at mid-cycle and climbs back.
    const cyc = { type: 'cyclic' as const, cycle: 2, lrMin: 0.01 };
    expect(learningRate(cyc, 9, ctx)).toBeCloseTo(0.01);
    expect(learningRate(cyc, 19, ctx)).toBeCloseTo(0.1);
    expect(learningRate(cyc, 4, ctx)).toBeCloseTo(0.1 - 0.09 * 0.5);
    expect(learningRate({ type: 'constant' }, 0, { ...ctx, warmupSteps: 4 })).toBeCloseTo(0.025);
  });

  it('cycles: every value of the triangle, its cosine twin and the sawtooth over two cycles, against the papers\' formulas', () => {
    // 6-step cycles (0.6 epochs of 10 steps); t(i) = (mod(i − 1, 6) + 1)/6 at 1-based step i.
    const lr = 0.1;
    const lrMin = 0.01;
    const c = 6;
    const at = (shape: 'triangle' | 'cosine' | 'sawtooth') => Array.from({ length: 2 * c }, (_, s) => learningRate({ type: 'cyclic', cycle: 0.6, lrMin, shape }, s, ctx));
    const t = Array.from({ length: 2 * c }, (_, s) => ((s % c) + 1) / c);
    // Garipov et al. (2018), FGE: α(i) = (1 − 2t)α1 + 2tα2 for t ≤ ½, (2 − 2t)α2 + (2t − 1)α1 after.
    const triangle = t.map((x) => (x <= 0.5 ? (1 - 2 * x) * lr + 2 * x * lrMin : (2 - 2 * x) * lrMin + (2 * x - 1) * lr));
    // Izmailov et al. (2018), SWA: α(i) = (1 − t)α1 + tα2.
    const sawtooth = t.map((x) => (1 - x) * lr + x * lrMin);
    const cosine = t.map((x) => lrMin + (lr - lrMin) * (1 + Math.cos(2 * Math.PI * x)) / 2);
    at('triangle').forEach((v, i) => expect(v).toBeCloseTo(triangle[i], 12));
    at('sawtooth').forEach((v, i) => expect(v).toBeCloseTo(sawtooth[i], 12));
    at('cosine').forEach((v, i) => expect(v).toBeCloseTo(cosine[i], 12));
    // Hand values: the triangle's 3rd step (t = ½) is lrMin and its 6th (t = 1) is lr; the sawtooth reaches lrMin on the 6th.
    expect(at('triangle')[2]).toBeCloseTo(0.01, 12);
    expect(at('triangle')[1]).toBeCloseTo(0.1 - 0.09 * (2 / 3), 12);
    expect(at('triangle')[5]).toBeCloseTo(0.1, 12);
    expect(at('sawtooth')[5]).toBeCloseTo(0.01, 12);
    expect(at('sawtooth')[6]).toBeCloseTo(0.1 - 0.09 / 6, 12);
    expect(at('cosine')[2]).toBeCloseTo(0.01, 12);
    // The minimum each shape snapshots at: the lowest lr of the cycle, at ⌊c/2⌋ or c.
    for (const shape of ['triangle', 'cosine', 'sawtooth'] as const) {
      const { steps, offset } = cycleMinimum({ type: 'cyclic', cycle: 0.6, lrMin, shape }, 10);
      expect(steps).toBe(6);
      const values = at(shape).slice(0, c);
      expect(values[offset - 1]).toBeCloseTo(Math.min(...values), 12);
    }
    expect(cycleMinimum({ type: 'cyclic', cycle: 0.7, lrMin }, 10)).toEqual({ steps: 7, offset: 3 });
    expect(() => cycleMinimum({ type: 'cyclic', cycle: 0.1, lrMin }, 10)).toThrow(/at least 2 steps/);
    expect(() => checkSchedule({ type: 'cyclic', cycle: 1, lrMin, shape: 'square' as 'cosine' })).toThrow(/shape must be one of/);
  });
});
