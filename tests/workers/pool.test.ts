// The worker pool from the built package (dist/, real worker_threads): evaluation, many parameter
// vectors, BatchNorm recomputation and training give the inline path's bits with 1, 2 and 3 workers.
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';
import type { EvalResult, Pool } from 'modeconn';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function expectSameResult(actual: EvalResult, expected: EvalResult): void {
  expect(actual.loss).toBe(expected.loss);
  expect(actual.accuracy).toBe(expected.accuracy);
  expect(bits(actual.losses)).toBe(bits(expected.losses));
  expect(Array.from(actual.correct)).toEqual(Array.from(expected.correct));
  if (expected.logits) expect(bits(actual.logits!)).toBe(bits(expected.logits));
}

// 1237 samples: 13 shards of 100 with a short last one; BatchNorm and dropout exercise every mode.
const data = lib.gaussianBlobs({ n: 1237, classes: 4, dims: 11, seed: 5 });
const arch = lib.mlp({ input: 11, hidden: [24, 13], classes: 4, batchNorm: true, dropout: 0.2 });
const compiled = lib.compileArch(arch);
const thetas = [1, 2, 3, 4, 5].map((seed) => lib.initParams(compiled, { seed }));
const trainOptions = { seed: 7, epochs: 2, batchSize: 50, optimizer: { type: 'adam' as const, lr: 0.01 }, evalData: data };

describe('worker pool (dist/, worker_threads)', async () => {
  const engine = await lib.Engine.create();
  const inline = {
    eval: engine.evaluate(compiled, thetas[0], data, { batchSize: 100, logits: true }),
    batchStats: engine.evaluate(compiled, thetas[1], data, { batchSize: 100, mode: 'batch-stats' }),
    many: thetas.map((t) => engine.evaluate(compiled, t, data, { batchSize: 100 })),
    bn: engine.recomputeBatchNorm(compiled, thetas[2], data, { batchSize: 100 }),
    train: await lib.trainModel(arch, data, trainOptions),
  };
  const pools: Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  for (const workers of [1, 2, 3]) {
    it(`${workers} worker(s): the inline bits for evaluate, evaluateMany, BatchNorm and training`, async () => {
      const pool = await lib.createPool({ workers });
      pools.push(pool);
      expect(pool.size).toBe(workers);
      expectSameResult(await lib.evaluateModel({ arch, params: thetas[0] }, data, { runner: pool, batchSize: 100, logits: true }), inline.eval);
      expectSameResult(await lib.evaluateModel({ arch, params: thetas[1] }, data, { runner: pool, batchSize: 100, mode: 'batch-stats' }), inline.batchStats);
      const many = await lib.evaluateMany(arch, thetas, data, { runner: pool, batchSize: 100 });
      many.forEach((r, i) => expectSameResult(r, inline.many[i]));
      const bn = await lib.recomputeBatchNorm({ arch, params: thetas[2] }, data, { runner: pool, batchSize: 100 });
      expect(bits(bn.params)).toBe(bits(inline.bn));

      const fractions: number[] = [];
      const epochs: number[] = [];
      const trained = await pool.train(arch, data, {
        ...trainOptions,
        onProgress: (p) => {
          expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
          fractions.push(p.fraction);
        },
        onEpoch: (log) => epochs.push(log.epoch),
      });
      expect(bits(trained.params)).toBe(bits(inline.train.params));
      expect(trained.log.map((l) => [l.trainLoss, l.testLoss])).toEqual(inline.train.log.map((l) => [l.trainLoss, l.testLoss]));
      // Every event arrives before the result, the last one at fraction 1.
      expect(fractions.at(-1)).toBe(1);
      expect(epochs).toEqual([1, 2]);
    });
  }

  it('library functions take the pool and return the inline results', async () => {
    const pool = pools[1];
    expectSameResult(await lib.evaluateModel({ arch, params: thetas[0] }, data, { batchSize: 100, logits: true, runner: pool }), inline.eval);
    const many = await lib.evaluateMany(arch, thetas.slice(0, 2), data, { batchSize: 100, runner: pool });
    expectSameResult(many[1], inline.many[1]);
    const trained = await lib.trainModel(arch, data, { ...trainOptions, runner: pool });
    expect(bits(trained.params)).toBe(bits(inline.train.params));
    const bn = await lib.recomputeBatchNorm({ arch, params: thetas[2] }, data, { batchSize: 100, runner: pool });
    expect(bits(bn.params)).toBe(bits(inline.bn));
  });

  it('n a multiple of the batch size (600 = 6 × 100): the inline bits, no empty last shard', async () => {
    const pool = pools[1];
    const even = lib.gaussianBlobs({ n: 600, classes: 4, dims: 11, seed: 8 });
    const fractions: number[] = [];
    const [[one]] = await pool.evaluate(arch, [thetas[3]], [even], { batchSize: 100, logits: true, onProgress: (p) => fractions.push(p.fraction) });
    expectSameResult(one, engine.evaluate(compiled, thetas[3], even, { batchSize: 100, logits: true }));
    // One progress event per shard of 100: six of them.
    expect(fractions).toEqual([1, 2, 3, 4, 5, 6].map((k) => k / 6));
    const [many] = await pool.evaluate(arch, thetas.slice(0, 2), [even], { batchSize: 100, mode: 'batch-stats', bnData: even });
    many.forEach((r, i) => {
      const bn = engine.recomputeBatchNorm(compiled, thetas[i], even, { batchSize: 100 });
      expectSameResult(r, engine.evaluate(compiled, bn, even, { batchSize: 100, mode: 'batch-stats' }));
    });
  });

  it('recomputes BatchNorm per θ first when asked (bnData), and serves evaluatePath as its runner', async () => {
    const pool = pools[1];
    const test = lib.gaussianBlobs({ n: 333, classes: 4, dims: 11, seed: 6 });
    const many = await lib.evaluateMany(arch, thetas.slice(0, 3), test, { runner: pool, batchSize: 100, bnData: data });
    many.forEach((r, i) => {
      const expected = engine.evaluate(compiled, engine.recomputeBatchNorm(compiled, thetas[i], data, { batchSize: 100 }), test, { batchSize: 100 });
      expect(bits(r.losses)).toBe(bits(expected.losses));
    });
    const line = lib.linearPath(thetas[0], thetas[1]);
    const options = { points: 5, bn: 'recompute' as const, bnData: data, batchSize: 100 };
    const pooled = await lib.evaluatePath(line, arch, { train: data, test }, { ...options, runner: pool });
    const local = await lib.evaluatePath(line, arch, { train: data, test }, options);
    expect(pooled.sets).toEqual(local.sets);
  });

  it('keeps data sets in the workers until release, and the caller’s arrays stay usable', async () => {
    const pool = pools[1];
    const before = await pool.memory();
    const other = lib.twoMoons({ n: 300, seed: 2 });
    const small = lib.mlp({ input: 2, hidden: [8], classes: 2 });
    await lib.evaluateModel({ arch: small, params: lib.initParams(lib.compileArch(small), { seed: 1 }) }, other, { runner: pool });
    expect(other.x.length).toBe(600); // copied, not detached
    const during = await pool.memory();
    expect(during.reduce((s, m) => s + m.resident, 0)).toBeGreaterThan(before.reduce((s, m) => s + m.resident, 0));
    await pool.release(other);
    await pool.release(small);
    const after = await pool.memory();
    expect(after.map((m) => [m.resident, m.liveBytes])).toEqual(before.map((m) => [m.resident, m.liveBytes]));
  });

  it('reports bad input with the inline path’s error codes', async () => {
    const pool = pools[0];
    await expect(lib.evaluateModel({ arch, params: new Float32Array(3) }, data, { runner: pool })).rejects.toMatchObject({ code: 'BAD_SHAPE' });
    const nan = thetas[0].slice();
    nan[5] = NaN;
    await expect(lib.evaluateModel({ arch, params: nan }, data, { runner: pool })).rejects.toMatchObject({ code: 'NON_FINITE' });
    // An error raised inside the worker keeps its code.
    await expect(pool.train(arch, data, { seed: 1, epochs: 1, schedule: { type: 'step', every: -1 } })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(lib.createPool({ workers: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
