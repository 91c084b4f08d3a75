/**
 * FGE, SWA, evaluateEnsemble and compareEnsembles on a tiny BatchNorm MLP: an ensemble of one model is
 * evaluateModel's result bit for bit; FGE snapshots at each cycle's minimum (lr = α2) with BatchNorm
 * recomputed, each equal to recomputeBatchNorm of a plain cyclic run stopped there; θ_SWA equals
 * recomputeBatchNorm of the averaged weights, and the average equals averageParams of the iterates;
 * the comparison's independent row equals evaluateEnsemble of separately trained networks.
 */
import { describe, expect, it } from 'vitest';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { averageParams } from '../../ts/ensembles/average.js';
import { compareEnsembles } from '../../ts/ensembles/compare.js';
import { evaluateEnsemble } from '../../ts/ensembles/evaluate.js';
import { fastGeometricEnsemble } from '../../ts/ensembles/fge.js';
import { measureSwaGeometry } from '../../ts/ensembles/swa-geometry.js';
import { stochasticWeightAveraging } from '../../ts/ensembles/swa.js';
import { mlp } from '../../ts/model/builders.js';
import { evaluateModel, recomputeBatchNorm, trainModel } from '../../ts/model/train.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const train = gaussianBlobs({ n: 200, classes: 3, dims: 5, seed: 3, std: 2 });
const test = gaussianBlobs({ n: 150, classes: 3, dims: 5, seed: 4, std: 2 });
const arch = mlp({ input: 5, hidden: [9, 7], classes: 3, batchNorm: true });
// 200 samples in batches of 50: 4 steps an epoch.
const optimizer = { type: 'sgd' as const, lr: 0.1, momentum: 0.9 };

describe('ensembles on a BatchNorm MLP', async () => {
  const net = await trainModel(arch, train, { seed: 1, epochs: 2, batchSize: 50, optimizer, schedule: { type: 'cosine' }, returnState: true });
  const start = { model: { params: net.params, state: net.state, batchesTracked: net.batchesTracked } };

  it('an ensemble of one model is that model, bit for bit', async () => {
    const alone = await evaluateModel({ arch, params: net.params }, test, { logits: true });
    const ensemble = await evaluateEnsemble([{ arch, params: net.params }], test);
    expect(bits(ensemble.losses)).toBe(bits(alone.losses));
    expect(ensemble.loss).toBe(alone.loss);
    expect(ensemble.accuracy).toBe(alone.accuracy);
    expect(Array.from(ensemble.correct)).toEqual(Array.from(alone.correct));
    expect(Number.isNaN(ensemble.diversity.disagreement)).toBe(true);
  });

  it('FGE: a snapshot at each cycle minimum (lr = α2), BatchNorm recomputed, each a stopped cyclic run', async () => {
    // 1.5-epoch cycles = 6 steps, minimum at step 3 of each: snapshots after steps 3, 9, 15.
    const fge = await fastGeometricEnsemble(arch, train, { seed: 7, start, cycles: 3, cycle: 1.5, lr: 0.05, lrMin: 0.001, optimizer, batchSize: 50 });
    expect(fge.snapshots.map((s) => s.step)).toEqual([3, 9, 15]);
    for (const s of fge.snapshots) expect(s.lr).toBeCloseTo(0.001, 12);
    expect(fge.epochs).toEqual({ pretrain: 0, cycles: 15 / 4, total: 15 / 4 });
    const stopped = await trainModel(arch, train, {
      seed: 7, epochs: 3, stopAfter: 9, batchSize: 50, optimizer: { ...optimizer, lr: 0.05 }, schedule: fge.schedule,
      init: net.params, initCounts: net.batchesTracked, resume: { step: 0, optimizer: net.state!.optimizer, rng: net.state!.rng },
    });
    const recomputed = await recomputeBatchNorm({ arch, params: stopped.params }, train);
    expect(bits(fge.snapshots[1].params)).toBe(bits(recomputed.params));
    const ensemble = await evaluateEnsemble(fge.snapshots.map((s) => ({ arch, params: s.params })), test);
    expect(ensemble.members).toBe(3);
    expect(ensemble.diversity.disagreement).toBeGreaterThanOrEqual(0);
  });

  it('SWA: θ_SWA is recomputeBatchNorm of the average; the average is averageParams of the iterates', async () => {
    const swa = await stochasticWeightAveraging(arch, train, { seed: 5, start, epochs: 3, lr: 0.02, optimizer, batchSize: 50 });
    expect(swa.average.count).toBe(3);
    const recomputed = await recomputeBatchNorm({ arch, params: swa.average.params }, train);
    expect(bits(swa.swa)).toBe(bits(recomputed.params));
    const iterates = await trainModel(arch, train, {
      seed: 5, epochs: 3, batchSize: 50, optimizer: { ...optimizer, lr: 0.02 }, snapshots: {},
      init: net.params, initCounts: net.batchesTracked, resume: { step: 0, optimizer: net.state!.optimizer, rng: net.state!.rng },
    });
    expect(bits(swa.last)).toBe(bits(iterates.params));
    expect(bits(swa.average.params)).toBe(bits(averageParams(iterates.snapshots!.map((s) => s.params))));

    // The line's t = 0 and t = 1 are the SGD iterate and θ_SWA (BatchNorm recomputed at each).
    const geometry = await measureSwaGeometry(arch, { swa: swa.swa, sgd: swa.last }, { train, test }, { directions: 2, distances: [0, 0.5], ts: [0, 1] });
    const atSwa = await evaluateModel({ arch, params: swa.swa }, test);
    const atSgd = await evaluateModel(await recomputeBatchNorm({ arch, params: swa.last }, train), test);
    expect(geometry.line.sets.test.loss[1]).toBeCloseTo(atSwa.loss, 5);
    expect(geometry.line.sets.test.loss[0]).toBeCloseTo(atSgd.loss, 5);
    expect(geometry.rays.swa.test.loss[0][0]).toBeCloseTo(atSwa.loss, 5);
    expect(geometry.meanLoss.sgd).toHaveLength(2);
  });

  it('compareEnsembles: the independent row is evaluateEnsemble of networks seed, seed + 1; budgets are kept', async () => {
    const comparison = await compareEnsembles(arch, train, test, {
      seed: 11, epochs: 2, ks: [2, 3], batchSize: 50, optimizer, fge: { cycle: 1 }, simplex: { volume: 0.01 },
    });
    const nets = await Promise.all([11, 12].map((seed) => trainModel(arch, train, { seed, epochs: 2, batchSize: 50, optimizer, schedule: { type: 'cosine' } })));
    const reference = await evaluateEnsemble(nets.map((n) => ({ arch, params: n.params })), test, { bnData: train });
    const row = comparison.rows.find((r) => r.method === 'independent' && r.k === 2)!;
    expect(row.accuracy).toBe(reference.accuracy);
    expect(row.nll).toBe(reference.loss);
    expect(row.ece).toBe(reference.calibration.ece);
    expect(row.disagreement).toBe(reference.diversity.disagreement);
    for (const r of comparison.rows) {
      expect(r.epochs).toBeLessThanOrEqual(r.k * 2 + 1e-9);
      if (!r.skipped) expect(Number.isFinite(r.nll)).toBe(true);
    }
    expect(comparison.rows.find((r) => r.method === 'curve' && r.k === 3)).toMatchObject({ members: 3, epochs: 6 });
    expect(comparison.rows.find((r) => r.method === 'swa' && r.k === 3)).toMatchObject({ members: 1 });
  });
});
