// Ensembles on worker pools of 1 and 2 (dist/, real worker_threads) give the inline runner's bits:
// evaluateEnsemble's averaged probabilities and per-sample losses, FGE's snapshots and SWA's average
// (BatchNorm recomputed on the pool), and the equal-budget comparison's rows.
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';

const bits = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const train = lib.gaussianBlobs({ n: 160, classes: 3, dims: 4, seed: 2, std: 2 });
const test = lib.gaussianBlobs({ n: 90, classes: 3, dims: 4, seed: 8, std: 2 });
const arch = lib.mlp({ input: 4, hidden: [8], classes: 3, batchNorm: true, dropout: 0.1 });
const optimizer = { type: 'sgd' as const, lr: 0.1, momentum: 0.9 };

describe('ensembles on worker pools', async () => {
  const pools = await Promise.all([1, 2].map((workers) => lib.createPool({ workers })));
  afterAll(() => Promise.all(pools.map((p) => p.close())));
  const net = await lib.trainModel(arch, train, { seed: 1, epochs: 2, batchSize: 40, optimizer, returnState: true });
  const start = { model: { params: net.params, state: net.state, batchesTracked: net.batchesTracked } };

  it('FGE, SWA and evaluateEnsemble: the same bits inline and on 1 and 2 workers', async () => {
    const run = async (runner?: lib.Runner) => {
      const fge = await lib.fastGeometricEnsemble(arch, train, { seed: 3, start, cycles: 2, cycle: 1, lr: 0.05, optimizer, batchSize: 40, runner });
      const swa = await lib.stochasticWeightAveraging(arch, train, { seed: 4, start, epochs: 2, lr: 0.02, optimizer, batchSize: 40, runner });
      const models = [...fge.snapshots.map((s) => s.params), swa.swa].map((params) => ({ arch, params }));
      const ensemble = await lib.evaluateEnsemble(models, test, { bnData: train, runner });
      return { fge, swa, ensemble };
    };
    const here = await run();
    for (const pool of pools) {
      const there = await run(pool);
      there.fge.snapshots.forEach((s, i) => expect(bits(s.params)).toBe(bits(here.fge.snapshots[i].params)));
      expect(bits(there.swa.swa)).toBe(bits(here.swa.swa));
      expect(bits(there.ensemble.probabilities)).toBe(bits(here.ensemble.probabilities));
      expect(bits(there.ensemble.losses)).toBe(bits(here.ensemble.losses));
      expect(there.ensemble.diversity).toEqual(here.ensemble.diversity);
      expect(there.ensemble.calibration.ece).toBe(here.ensemble.calibration.ece);
    }
  });

  it('compareEnsembles: the same rows inline and on 2 workers', async () => {
    const options = { seed: 5, epochs: 1, ks: [2, 3], batchSize: 40, optimizer, fge: { cycle: 0.5 } };
    const here = await lib.compareEnsembles(arch, train, test, options);
    const there = await lib.compareEnsembles(arch, train, test, { ...options, runner: pools[1] });
    expect(there.rows).toEqual(here.rows);
    expect(there.growth).toEqual(here.growth);
  });
});
