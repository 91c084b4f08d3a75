// Virtual shards: a batch cut into S shards whose gradients are blended with weights n_s/n. The same
// bits on the inline runner and on pools of 1 and 2 workers; one shard through a session equals the
// fused training step; the blend is the full-batch gradient up to rounding; BatchNorm refuses unless
// per-shard statistics are asked for by name.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as lib from 'modeconn';
import { shardRanges } from '../../ts/model/shards.js';
import { trainOnRunner } from '../../ts/model/training.js';
import { inlineRunner } from '../../ts/model/inline-runner.js';
import { Engine } from '../../ts/model/engine.js';
import { mlp } from '../../ts/model/builders.js';
import { compiledOf } from '../../ts/model/model.js';
import { initParams } from '../../ts/model/init.js';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { trainModel } from '../../ts/model/train.js';
import { expectClose } from '../helpers/close.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('shard ranges', () => {
  it('cover the batch in order, sizes within one, the longer ones first', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 17 }), (n, s) => {
      const r = shardRanges(n, s);
      expect(r.length).toBe(Math.min(n, s));
      let at = 0;
      for (const x of r) {
        expect(x.start).toBe(at);
        at += x.n;
      }
      expect(at).toBe(n);
      const sizes = r.map((x) => x.n);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    }));
  });
});

describe('sharded gradients (source)', () => {
  const data = gaussianBlobs({ n: 150, classes: 3, dims: 4, seed: 1 });
  const arch = mlp({ input: 4, hidden: [8], classes: 3 });
  const compiled = compiledOf(arch);
  const theta = initParams(compiled, { seed: 2 });

  it('the blend of 3 uneven shards is the full-batch gradient up to rounding', async () => {
    const engine = await Engine.local();
    const runner = await inlineRunner();
    const order = Uint32Array.from({ length: data.n }, (_, i) => (i * 7) % data.n);
    const n = 50; // shards of 17, 17, 16
    const full = engine.gradient(compiled, theta, data, order.subarray(10, 10 + n), { mode: 'train' });
    const session = await runner.openGradients(arch, data, { capacity: n, seed: 0, shards: 3 });
    const t = engine.core.allocF32(compiled.totalLength);
    const g = engine.core.allocF32(compiled.totalLength);
    try {
      engine.core.f32(t).set(theta);
      await session.setOrder(order);
      const out = await session.gradient(t, g, 10, n);
      expectClose(engine.core.f32(g).slice(), full.grads, { rtol: 1e-5, atol: 1e-7 });
      expect(out.loss).toBeCloseTo(full.loss, 6);
    } finally {
      engine.core.free(t);
      engine.core.free(g);
      await session.close();
    }
  });

  it('one shard through a session (gradient, then the optimiser step) is the fused step, bit for bit', async () => {
    for (const optimizer of [{ type: 'sgd' as const, lr: 0.1, momentum: 0.9, weightDecay: 1e-3, nesterov: true }, { type: 'adam' as const, lr: 0.01 }]) {
      const job = { seed: 3, epochs: 2, batchSize: 32, optimizer };
      const fused = await trainModel(arch, data, job);
      const stepped = await trainOnRunner(await inlineRunner(), arch, data, job);
      expect(bits(stepped.params)).toBe(bits(fused.params));
      expect(stepped.log.map((e) => e.trainLoss)).toEqual(fused.log.map((e) => e.trainLoss));
    }
  });
});

describe('sharded training on pools (dist/)', async () => {
  const data = lib.gaussianBlobs({ n: 203, classes: 3, dims: 5, seed: 4 });
  const arch = lib.mlp({ input: 5, hidden: [10, 9], classes: 3, dropout: 0.3 });
  const bnArch = lib.mlp({ input: 5, hidden: [10], classes: 3, batchNorm: true });
  const pools = [await lib.createPool({ workers: 1 }), await lib.createPool({ workers: 2 })];
  afterAll(() => Promise.all(pools.map((p) => p.close())));
  const job = { seed: 6, epochs: 2, batchSize: 40, shards: 3, evalData: data };

  it('3 shards: inline, 1 worker and 2 workers give the same θ, log and state', async () => {
    const here = await lib.trainModel(arch, data, { ...job, returnState: true });
    for (const pool of pools) {
      const there = await lib.trainModel(arch, data, { ...job, returnState: true, runner: pool });
      expect(bits(there.params)).toBe(bits(here.params));
      expect(there.log.map((e) => [e.trainLoss, e.testLoss])).toEqual(here.log.map((e) => [e.trainLoss, e.testLoss]));
      expect(Array.from(there.state!.rng)).toEqual(Array.from(here.state!.rng));
    }
    expect(here.state!.rng).toHaveLength(12);
    // Not the one-shard run: dropout draws and the blend differ.
    const one = await lib.trainModel(arch, data, { ...job, shards: 1 });
    expect(bits(one.params)).not.toBe(bits(here.params));
  });

  it('stop and resume with shards equals the run never stopped', async () => {
    const whole = await lib.trainModel(arch, data, job);
    const first = await lib.trainModel(arch, data, { ...job, stopAfter: 7, returnState: true, runner: pools[1] });
    const rest = await lib.trainModel(arch, data, { ...job, init: first.params, resume: first.state });
    expect(bits(rest.params)).toBe(bits(whole.params));
  });

  it('BatchNorm: refused by default, per-shard statistics by name; the same bits on a pool', async () => {
    await expect(lib.trainModel(bnArch, data, job)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(lib.trainModel(bnArch, data, { ...job, runner: pools[1] })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    const here = await lib.trainModel(bnArch, data, { ...job, bnStatistics: 'shard' });
    const there = await lib.trainModel(bnArch, data, { ...job, bnStatistics: 'shard', runner: pools[1] });
    expect(bits(there.params)).toBe(bits(here.params));
  });

  it('fitCurve and autoNeb with shards: the same bits on 2 workers as inline', async () => {
    const c = lib.compileArch(arch);
    const [a, b] = [1, 2].map((seed) => lib.initParams(c, { seed }));
    const fit = { seed: 2, epochs: 1, batchSize: 50, shards: 2 };
    const here = await lib.fitCurve(lib.bezierCurve(a, b), arch, data, fit);
    const there = await lib.fitCurve(lib.bezierCurve(a, b), arch, data, { ...fit, runner: pools[1] });
    expect(bits(there.path.points[1])).toBe(bits(here.path.points[1]));
    const neb = { seed: 1, pivots: 1, cycles: 1, steps: 4, batchSize: 40, scoreSamples: 50, shards: 2 };
    const nebHere = await lib.autoNeb(arch, a, b, data, neb);
    const nebThere = await lib.autoNeb(arch, a, b, data, { ...neb, runner: pools[1] });
    expect(bits(nebThere.path.points[1])).toBe(bits(nebHere.path.points[1]));
  });
});
