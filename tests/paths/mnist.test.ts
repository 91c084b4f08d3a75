// Acceptance at small scale on real data: two MLPs 784-[128]-10 trained for 3 epochs from seeds 1
// and 2 on the bundled MNIST digits (8,004 train / 1,996 test), a one-bend Bezier curve fitted for
// 3 epochs (SGD lr 0.05, momentum 0.9, batch 64, seed 3), both evaluated at 11 points.
// Observed here (bit-reproducible; ~10 s in all):
//   endpoints' test loss 0.2130 / 0.1889 (mean 0.2009), test error 5.9% / 5.7%
//   line:  max test loss 0.4318 at t = 0.5, barrier 0.2309 (95% bootstrap CI 0.214–0.247), max error 9.6%
//   curve: max test loss 0.2204 (1.097 × the endpoints' mean), barrier 0.0195, max error 6.2%
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../ts/data/mnist.js';
import { mlp } from '../../ts/model/builders.js';
import { trainModel } from '../../ts/model/train.js';
import { bezierCurve, linearPath } from '../../ts/paths/path.js';
import { evaluatePath } from '../../ts/paths/evaluate.js';
import { fitCurve } from '../../ts/paths/fit.js';
import { bootstrapBarrier } from '../../ts/paths/metrics.js';

describe('mode connectivity on the MNIST digits', async () => {
  const train = await loadMnist({ split: 'train' });
  const test = await loadMnist({ split: 'test' });
  const arch = mlp({ input: [1, 28, 28], hidden: [128], classes: 10 });

  it('the line has a clear barrier; the fitted Bezier curve stays within ~10% of the endpoints', async () => {
    const sgd = { type: 'sgd' as const, lr: 0.05, momentum: 0.9 };
    const a = await trainModel(arch, train, { epochs: 3, batchSize: 64, optimizer: sgd, seed: 1 });
    const b = await trainModel(arch, train, { epochs: 3, batchSize: 64, optimizer: sgd, seed: 2 });
    const fit = await fitCurve(bezierCurve(a.params, b.params), arch, train, { seed: 3, epochs: 3, batchSize: 64, optimizer: sgd });
    const line = await evaluatePath(linearPath(a.params, b.params), arch, { test }, { points: 11, perSample: true, seeds: { a: 1, b: 2 } });
    const curve = await evaluatePath(fit.path, arch, { test }, { points: 11, seeds: { a: 1, b: 2, fit: 3 } });
    const L = line.sets.test.metrics!.loss;
    const C = curve.sets.test.metrics!.loss;
    const endpointsMean = (L.endpoints[0] + L.endpoints[1]) / 2;
    expect(C.endpoints).toEqual(L.endpoints);
    expect(C.max / endpointsMean).toBeLessThan(1.15);
    expect(L.max / endpointsMean).toBeGreaterThan(1.5);
    expect(L.barrier).toBeGreaterThan(5 * C.barrier);
    expect(curve.sets.test.metrics!.error.max).toBeLessThan(line.sets.test.metrics!.error.max);
    // The line's barrier is clearly non-zero: its bootstrap interval over test examples excludes 0.1.
    const ci = bootstrapBarrier(line.ts, line.sets.test.perSample!.losses, { seed: 1, resamples: 300 });
    expect(ci.lower).toBeGreaterThan(0.1);
    expect(ci.lower).toBeLessThanOrEqual(L.barrier);
    expect(ci.upper).toBeGreaterThanOrEqual(L.barrier);
  }, 60_000);
});
