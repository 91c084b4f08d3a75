// Data-parallel replica groups on the pool (ts/workers/replica*.ts): θ and the optimiser replicated in
// the workers, each reducing one slice (a curve's points in curve fitting; AutoNEB's pivots spread
// over the workers). The inline bits for any worker count — Adam, an empty shard in the last batch,
// the optimiser state gathered from the slices and resumed elsewhere; two groups at once on one pool
// (no deadlock); a worker killed mid-step fails the run with WORKER_CRASHED, its peer stops waiting,
// and the pool stays usable.
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';
import type { Pool } from 'modeconn';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
type Faulty = Pool & { injectFault(index: number, fault: lib.WorkerFault): Promise<void> };

// θ of 5·11 + 11 + 11·7 + 7 + 7·3 + 3 = 174 values: slices of 96/78 (2 workers) and 64/48/62 (3) — none a whole SIMD block.
const data = lib.gaussianBlobs({ n: 203, classes: 3, dims: 5, seed: 7 });
const arch = lib.mlp({ input: 5, hidden: [11, 7], classes: 3, dropout: 0.2 });
// 203 = 5·40 + 3: the last batch of 3 samples leaves shard 3 of 4 empty.
const job = { seed: 9, epochs: 2, batchSize: 40, shards: 4, optimizer: { type: 'adam' as const, lr: 0.01, weightDecay: 1e-3 } };

describe('replica groups (dist/, worker_threads)', async () => {
  const pools = await Promise.all([1, 2, 3].map((workers) => lib.createPool({ workers })));
  afterAll(() => Promise.all(pools.map((p) => p.close())));
  const here = await lib.trainModel(arch, data, { ...job, returnState: true });

  it('Adam with an empty shard: the inline θ, log and optimiser state on 1, 2 and 3 workers', async () => {
    for (const pool of pools) {
      const there = await lib.trainModel(arch, data, { ...job, returnState: true, runner: pool, evalData: data });
      expect(bits(there.params)).toBe(bits(here.params));
      expect(there.log.map((e) => e.trainLoss)).toEqual(here.log.map((e) => e.trainLoss));
      expect(there.state!.optimizer.map(bits)).toEqual(here.state!.optimizer.map(bits));
      expect(Array.from(there.state!.rng)).toEqual(Array.from(here.state!.rng));
    }
  });

  it('a state gathered from 3 workers resumes on 2 and inline to the run never stopped', async () => {
    const first = await lib.trainModel(arch, data, { ...job, stopAfter: 4, returnState: true, runner: pools[2] });
    for (const runner of [pools[1], undefined]) {
      const rest = await lib.trainModel(arch, data, { ...job, init: first.params, resume: first.state, runner });
      expect(bits(rest.params)).toBe(bits(here.params));
    }
  });

  it('two data-parallel runs at once on one pool: no deadlock, each the inline bits', async () => {
    const other = { ...job, seed: 10, shards: 2 };
    const otherHere = await lib.trainModel(arch, data, other);
    const [a, b] = await Promise.all([lib.trainModel(arch, data, { ...job, runner: pools[1] }), lib.trainModel(arch, data, { ...other, runner: pools[1] })]);
    expect(bits(a.params)).toBe(bits(here.params));
    expect(bits(b.params)).toBe(bits(otherHere.params));
  });

  it('curve fitting in the workers (two bends, Adam with l2, BatchNorm and dropout, an empty shard): the inline points on 1, 2 and 3 workers', async () => {
    const bnArch = lib.mlp({ input: 5, hidden: [11, 7], classes: 3, batchNorm: true, dropout: 0.2 });
    const compiled = lib.compileArch(bnArch);
    const [a, b] = [1, 2].map((seed) => lib.initParams(compiled, { seed }));
    const fit = { seed: 4, epochs: 2, batchSize: 40, shards: 4, optimizer: { type: 'adam' as const, lr: 0.01 }, l2: 1e-3, bnStatistics: 'shard' as const };
    const curve = lib.bezierCurve(a, b, { degree: 3 });
    const inline = await lib.fitCurve(curve, bnArch, data, fit);
    // The bends moved, the endpoints did not.
    expect(bits(inline.path.points[1])).not.toBe(bits(curve.points[1]));
    expect(bits(inline.path.points[3])).toBe(bits(b));
    for (const pool of pools) {
      const there = await lib.fitCurve(curve, bnArch, data, { ...fit, runner: pool });
      expect(there.path.points.map(bits)).toEqual(inline.path.points.map(bits));
      expect(there.log.map((e) => e.trainLoss)).toEqual(inline.log.map((e) => e.trainLoss));
    }
  });

  it("AutoNEB's pivots at once (3 then 4 pivots, 1 and 2 shards): the inline band on 1, 2 and 3 workers", async () => {
    const compiled = lib.compileArch(arch);
    const [a, b] = [3, 4].map((seed) => lib.initParams(compiled, { seed }));
    for (const shards of [1, 2]) {
      const neb = { seed: 6, pivots: 3, cycles: 2, insert: 1, steps: 5, batchSize: 40, scoreSamples: 60, shards };
      const inline = await lib.autoNeb(arch, a, b, data, neb);
      expect(inline.path.points).toHaveLength(6);
      for (const pool of pools) {
        const there = await lib.autoNeb(arch, a, b, data, { ...neb, runner: pool });
        expect(there.path.points.map(bits)).toEqual(inline.path.points.map(bits));
        expect(there.log.map((c) => c.midpointLosses)).toEqual(inline.log.map((c) => c.midpointLosses));
      }
    }
  });

  it('a worker killed mid-run: WORKER_CRASHED, its peer released, the pool usable', async () => {
    const pool = pools[1] as Faulty;
    let killed = false;
    const run = lib.trainModel(arch, data, {
      ...job, epochs: 400, runner: pool,
      onProgress: (p) => {
        if (!killed && p.step >= 3) {
          killed = true;
          void pool.injectFault(1, 'terminate');
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'WORKER_CRASHED' });
    const again = await lib.trainModel(arch, data, { ...job, runner: pool });
    expect(bits(again.params)).toBe(bits(here.params));
    expect(pool.size).toBe(2);
  });
});
