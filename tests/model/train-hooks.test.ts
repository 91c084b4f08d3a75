// The training run's options for the methods built on it: snapshots (trajectories, FGE), a running
// average of θ (SWA), stopping after a step and resuming from the returned state (instability
// analysis) — each against an independent recomputation, and the same bits on a worker pool.
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const data = lib.gaussianBlobs({ n: 200, classes: 3, dims: 5, seed: 3 });
const arch = lib.mlp({ input: 5, hidden: [9, 7], classes: 3, batchNorm: true, dropout: 0.2 });
// 200 samples in batches of 64: 4 steps an epoch, the last one short.
const base = { seed: 4, epochs: 3, batchSize: 64 };

describe('training hooks', () => {
  it('snapshots: θ after the chosen steps, each equal to a run stopped there', async () => {
    const run = await lib.trainModel(arch, data, { ...base, snapshots: { unit: 'step', every: 5, start: 2, initial: true } });
    expect(run.snapshots!.map((s) => [s.step, s.epoch])).toEqual([[0, 0], [2, 1], [7, 2], [12, 3]]);
    expect(bits(run.snapshots![0].params)).toBe(bits(lib.initParams(lib.compileArch(arch), { seed: 4 })));
    for (const snap of run.snapshots!.slice(1)) {
      const stopped = await lib.trainModel(arch, data, { ...base, stopAfter: snap.step });
      expect(bits(snap.params)).toBe(bits(stopped.params));
    }
    const perEpoch = await lib.trainModel(arch, data, { ...base, snapshots: {} });
    expect(perEpoch.snapshots!.map((s) => s.step)).toEqual([4, 8, 12]);
    expect(bits(perEpoch.snapshots![2].params)).toBe(bits(perEpoch.params));
  });

  it('average: the running mean θ̄_k = θ̄_{k−1} + (θ_k − θ̄_{k−1})/k (f32: a difference, then one axpy) of the iterates it names', async () => {
    const cadence = { unit: 'step' as const, every: 2, start: 3 };
    const run = await lib.trainModel(arch, data, { ...base, average: cadence, snapshots: cadence });
    const iterates = run.snapshots!.map((s) => s.params);
    expect(run.average!.count).toBe(iterates.length);
    expect(iterates.length).toBe(5); // steps 3, 5, 7, 9, 11
    const f = Math.fround;
    const mean = new Float32Array(iterates[0].length);
    iterates.forEach((theta, i) => {
      const c = f(1 / (i + 1));
      for (let j = 0; j < mean.length; j++) mean[j] = f(mean[j] + f(c * f(theta[j] - mean[j])));
    });
    expect(bits(run.average!.params)).toBe(bits(mean));
  });

  for (const optimizer of [{ type: 'sgd' as const, lr: 0.1, momentum: 0.9 }, { type: 'adam' as const, lr: 0.01 }]) {
    it(`${optimizer.type}: stop after step k, resume from the state: the bits of a run never stopped`, async () => {
      const whole = await lib.trainModel(arch, data, { ...base, optimizer });
      for (const k of [3, 4, 9]) {
        const first = await lib.trainModel(arch, data, { ...base, optimizer, stopAfter: k, returnState: true });
        expect(first.state!.step).toBe(k);
        expect(first.state!.optimizer).toHaveLength(optimizer.type === 'adam' ? 2 : 1);
        const rest = await lib.trainModel(arch, data, { ...base, optimizer, init: first.params, resume: first.state, initCounts: first.batchesTracked });
        expect(bits(rest.params)).toBe(bits(whole.params));
        expect(rest.batchesTracked).toEqual(whole.batchesTracked);
        // Epochs after a split on an epoch boundary are logged as in the whole run; a split epoch over its remaining batches.
        if (k % 4 === 0) expect(rest.log.map((e) => e.trainLoss)).toEqual(whole.log.slice(k / 4).map((e) => e.trainLoss));
        else expect(rest.log[0].epoch).toBe(Math.ceil(k / 4));
      }
      // A different seed after the split changes the data order from there on.
      const first = await lib.trainModel(arch, data, { ...base, optimizer, stopAfter: 4, returnState: true });
      const other = await lib.trainModel(arch, data, { ...base, seed: 99, optimizer, init: first.params, resume: first.state });
      expect(bits(other.params)).not.toBe(bits(whole.params));
    });
  }

  it('bad options are typed errors', async () => {
    await expect(lib.trainModel(arch, data, { ...base, snapshots: { every: 0 } })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(lib.trainModel(arch, data, { ...base, stopAfter: -1 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const first = await lib.trainModel(arch, data, { ...base, stopAfter: 2, returnState: true });
    await expect(lib.trainModel(arch, data, { ...base, optimizer: { type: 'adam', lr: 0.01 }, init: first.params, resume: first.state }))
      .rejects.toMatchObject({ code: 'BAD_SHAPE' });
  });

  describe('on a pool', async () => {
    const pool = await lib.createPool({ workers: 1 });
    afterAll(() => pool.close());
    it('snapshots, the average and the state come back with the inline bits', async () => {
      const options = { ...base, snapshots: { unit: 'step' as const, every: 4 }, average: { start: 2 }, stopAfter: 10, returnState: true };
      const here = await lib.trainModel(arch, data, options);
      const there = await lib.trainModel(arch, data, { ...options, runner: pool });
      expect(there.snapshots!.map((s) => bits(s.params))).toEqual(here.snapshots!.map((s) => bits(s.params)));
      expect(bits(there.average!.params)).toBe(bits(here.average!.params));
      expect(there.state!.optimizer.map(bits)).toEqual(here.state!.optimizer.map(bits));
      expect(Array.from(there.state!.rng)).toEqual(Array.from(here.state!.rng));
    });
  });
});
