/**
 * AutoNEB on two MLPs trained on blobs from different seeds: the endpoints stay fixed (bits), pivots
 * grow by `insert` per cycle, the knots follow the pivots' cumulative distance, the band's worst
 * midpoint falls over the cycles and ends below the line's worst point, and the same seed gives the
 * same bits. Typed errors for bad options.
 */
import { describe, expect, it } from 'vitest';
import { subsetDataSet } from '../../ts/data/dataset.js';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { trainModel } from '../../ts/model/train.js';
import { autoNeb } from '../../ts/paths/autoneb.js';
import { evaluatePath } from '../../ts/paths/evaluate.js';
import { linearPath } from '../../ts/paths/path.js';


describe('autoNeb', () => {
  it('finds a lower path than the line; pivots, knots, fixed ends, determinism', async () => {
    const all = gaussianBlobs({ n: 900, classes: 4, dims: 10, std: 2.5, seed: 3 });
    const data = subsetDataSet(all, Uint32Array.from({ length: 600 }, (_, i) => Math.floor(i * 1.5)), 'train');
    const arch = mlp({ input: 10, hidden: [24], classes: 4 });
    const train = (seed: number) => trainModel(arch, data, { seed, epochs: 8, batchSize: 50, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } });
    const [a, b] = [await train(1), await train(2)];
    const options = { seed: 4, pivots: 1, cycles: 3, insert: 1, steps: 40, batchSize: 100, scoreSamples: 600 };
    const neb = await autoNeb(arch, a.params, b.params, data, options);
    const again = await autoNeb(arch, a.params, b.params, data, options);
    const points = neb.path.points;
    expect(points).toHaveLength(2 + 1 + 2);
    expect(points[0]).toEqual(a.params);
    expect(points[points.length - 1]).toEqual(b.params);
    expect(again.path.points).toEqual(points);
    expect(neb.log.map((c) => c.pivots)).toEqual([1, 2, 3]);
    const knots = neb.path.knots!;
    expect(knots[0]).toBe(0);
    expect(knots[knots.length - 1]).toBe(1);
    const d = (x: Float32Array, y: Float32Array) => Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0));
    const lengths = points.slice(1).map((p, j) => d(p, points[j]));
    const total = lengths.reduce((s, x) => s + x, 0);
    expect(Math.abs(knots[1] - lengths[0] / total)).toBeLessThan(1e-6);
    const worst = neb.log.map((c) => Math.max(...c.midpointLosses));
    expect(worst[2]).toBeLessThan(worst[0]);
    const line = await evaluatePath(linearPath(a.params, b.params), arch, { train: data }, { points: 21 });
    const band = await evaluatePath(neb.path, arch, { train: data }, { points: 21 });
    expect(band.sets.train.metrics!.loss.max).toBeLessThan(line.sets.train.metrics!.loss.max);
  });

  it('typed errors', async () => {
    const data = gaussianBlobs({ n: 40, classes: 2, dims: 3, seed: 1 });
    const arch = mlp({ input: 3, hidden: [4], classes: 2 });
    const theta = new Float32Array(3 * 4 + 4 + 4 * 2 + 2);
    await expect(autoNeb(arch, theta, theta.subarray(1), data, { seed: 1 })).rejects.toMatchObject({ code: 'BAD_SHAPE' });
    await expect(autoNeb(arch, theta, theta, data, { seed: 1, cycles: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(autoNeb(arch, theta, theta, data, { seed: 1, lr: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
