/**
 * Instability analysis: spawning at the last step gives two identical children, so the barrier is
 * exactly 0 on loss and error; spawning at step 0 gives different children (the barrier and the
 * distance can be non-zero); a child resumed with the parent's own seed is the never-stopped run;
 * a pool of two workers gives the inline bits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { evaluateMany, trainModel } from '../../ts/model/train.js';
import { createPool } from '../../ts/workers/pool.js';
import { defaultSpawnSteps, instabilityAnalysis } from '../../ts/instability/instability.js';

const centers = [[2, 0, 1, 0], [0, 2, 0, -1], [-2, 0, 0, 1], [0, -2, -1, 0]];
const train = gaussianBlobs({ n: 120, centers, std: 2, seed: 1 });
const test = gaussianBlobs({ n: 80, centers, std: 2, seed: 2 });
const arch = mlp({ input: 4, hidden: [12], classes: 4, batchNorm: true });
const loop = { epochs: 2, batchSize: 32, optimizer: { type: 'sgd' as const, lr: 0.1, momentum: 0.9 } };

describe('instabilityAnalysis', () => {
  const pool = createPool({ workers: 2 });
  afterAll(async () => (await pool).close());

  it('barrier exactly 0 at the last step; children differ at step 0; a pool gives the inline bits', async () => {
    const report = await instabilityAnalysis(arch, train, test, { ...loop, seed: 3, spawnSteps: [0, 4, 8], points: 5 });
    expect(report.stepsPerEpoch).toBe(4);
    expect(report.totalSteps).toBe(8);
    const last = report.spawns[2];
    expect(last.step).toBe(8);
    expect(last.distance).toBe(0);
    expect(last.errorBarrier).toBe(0);
    expect(last.lossBarrier).toBe(0);
    expect(new Set(last.loss).size).toBe(1);
    const first = report.spawns[0];
    expect(first.distance).toBeGreaterThan(0);
    expect(new Set(first.loss).size).toBeGreaterThan(1);
    const pooled = await instabilityAnalysis(arch, train, test, { ...loop, seed: 3, spawnSteps: [0, 4, 8], points: 5, runner: await pool });
    expect(pooled.spawns).toEqual(report.spawns);
  });

  it('a child spawned with the parent\'s seed is the run never stopped', async () => {
    const whole = await trainModel(arch, train, { ...loop, seed: 3 });
    const report = await instabilityAnalysis(arch, train, test, { ...loop, seed: 3, childSeeds: [3, 9], spawnSteps: [5], points: 2 });
    // The line's end at t = 0 is child 1: its loss is the never-stopped run's.
    const [{ loss }] = await evaluateMany(arch, [whole.params], test, { bnData: train });
    expect(report.spawns[0].loss[0]).toBe(loss);
  });

  it('default spawn steps and bad arguments', async () => {
    expect(defaultSpawnSteps(64, 6)).toEqual([0, 4, 8, 16, 32, 64]);
    await expect(instabilityAnalysis(arch, train, test, { ...loop, spawnSteps: [9] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(instabilityAnalysis(arch, train, test, { ...loop, childSeeds: [1, 1] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
