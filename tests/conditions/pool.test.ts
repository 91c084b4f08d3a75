// The probes on a worker pool (the built package, worker_threads): the draws train side by side
// and the report equals the inline runner's bit for bit (same seeds, same plans, same reductions).
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';

describe('probeNetwork on a pool', async () => {
  const pool = await lib.createPool({ workers: 2 });
  afterAll(() => pool.close());

  it('gives the inline runner\'s report', async () => {
    const arch = lib.mlp({ input: 6, hidden: [10, 8], classes: 3 });
    const params = lib.initParams(lib.compileArch(arch), { seed: 3 });
    const train = lib.gaussianBlobs({ n: 120, classes: 3, dims: 6, seed: 1 });
    const test = lib.gaussianBlobs({ n: 45, classes: 3, dims: 6, seed: 2 });
    const options = { draws: 3, seed: 5, steps: 40, batchSize: 16 };
    const inline = await lib.probeNetwork(arch, params, train, test, options);
    const pooled = await lib.probeNetwork(arch, params, train, test, { ...options, runner: pool });
    expect(pooled).toEqual(inline);
    expect(inline.layers.map((l) => l.draws.length)).toEqual([3, 3]);
  });
});
