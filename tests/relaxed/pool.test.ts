// Relaxed SIMD on worker pools (the built package, dist/): every worker runs the relaxed kernels,
// and a sharded training run gives the same bits inline and on 1 or 2 workers; `exact` pools run
// simd128 and give the inline exact bits, which differ from the relaxed ones.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import * as lib from 'modeconn';

const bits = (x: Float32Array) => createHash('sha256').update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest('hex');

describe('relaxed kernels on pools (dist/)', async () => {
  const data = lib.gaussianBlobs({ n: 203, classes: 3, dims: 21, seed: 4 });
  const arch = lib.mlp({ input: 21, hidden: [40, 33], classes: 3, dropout: 0.2 });
  const pools = [await lib.createPool({ workers: 1 }), await lib.createPool({ workers: 2 })];
  const exactPool = await lib.createPool({ workers: 2, exact: true });
  afterAll(async () => {
    lib.setExactKernels(false);
    await Promise.all([...pools, exactPool].map((p) => p.close()));
  });
  const job = { seed: 6, epochs: 2, batchSize: 40, shards: 3 };

  it('inline, 1 and 2 workers: the same bits with FMA', async () => {
    expect(lib.kernelInfo().kernel).toBe('relaxed');
    expect(pools.map((p) => p.kernel)).toEqual(['relaxed', 'relaxed']);
    const here = await lib.trainModel(arch, data, job);
    for (const pool of pools) {
      const there = await lib.trainModel(arch, data, { ...job, runner: pool });
      expect(bits(there.params)).toBe(bits(here.params));
      expect(there.log.map((e) => e.trainLoss)).toEqual(here.log.map((e) => e.trainLoss));
    }
    const evaluated = await lib.evaluateModel(here, data, { runner: pools[1], batchSize: 50 });
    expect(bits(evaluated.losses)).toBe(bits((await lib.evaluateModel(here, data, { batchSize: 50 })).losses));
  });

  it('an exact pool runs simd128: the inline exact bits, not the relaxed ones', async () => {
    expect(exactPool.kernel).toBe('simd128');
    const relaxed = await lib.trainModel(arch, data, job);
    lib.setExactKernels(true);
    const exact = await lib.trainModel(arch, data, job);
    // A pool made now follows the thread's choice.
    const followed = await lib.createPool({ workers: 1 });
    try {
      expect(followed.kernel).toBe('simd128');
      const onExactPool = await lib.trainModel(arch, data, { ...job, runner: exactPool });
      expect(bits(onExactPool.params)).toBe(bits(exact.params));
      expect(bits((await lib.trainModel(arch, data, { ...job, runner: followed })).params)).toBe(bits(exact.params));
      expect(bits(exact.params)).not.toBe(bits(relaxed.params));
    } finally {
      await followed.close();
      lib.setExactKernels(false);
    }
  });
});
