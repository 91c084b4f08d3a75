// Every Runner method on a pool (dist/, real worker_threads) gives the inline runner's bits: single
// batch gradients, activations, and the loops that run on gradient sessions (curve fitting with
// BatchNorm and dropout, AutoNEB, simplexes).
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const data = lib.gaussianBlobs({ n: 240, classes: 3, dims: 6, seed: 9 });
const arch = lib.mlp({ input: 6, hidden: [12, 10], classes: 3, batchNorm: true, dropout: 0.25 });
const compiled = lib.compileArch(arch);
const [a, b, c] = [1, 2, 3].map((seed) => lib.initParams(compiled, { seed }));

describe('the pool as a Runner', async () => {
  const pool = await lib.createPool({ workers: 2 });
  const inline = await lib.inlineRunner();
  afterAll(() => pool.close());

  it('a batch gradient and activations equal the inline runner bit for bit', async () => {
    const indices = Uint32Array.from([5, 7, 11, 200, 3, 3, 99]);
    for (const mode of ['batch-stats', 'train'] as const) {
      const here = await inline.gradient(arch, a, data, indices, { mode, seed: 4 });
      const there = await pool.gradient(arch, a, data, indices, { mode, seed: 4 });
      expect(bits(there.grads)).toBe(bits(here.grads));
      expect(there.loss).toBe(here.loss);
    }
    const buffers = [1, compiled.bufferSizes.length - 1];
    const here = await inline.activations(arch, b, data, indices, buffers);
    const there = await pool.activations(arch, b, data, indices, buffers, {});
    there.forEach((t, k) => expect(bits(t)).toBe(bits(here[k])));
  });

  it('fitCurve, autoNeb and fitSimplex on the pool equal the inline runs', async () => {
    const fit = { seed: 3, epochs: 2, batchSize: 50 };
    const curveHere = await lib.fitCurve(lib.bezierCurve(a, b), arch, data, fit);
    const curveThere = await lib.fitCurve(lib.bezierCurve(a, b), arch, data, { ...fit, runner: pool });
    expect(bits(curveThere.path.points[1])).toBe(bits(curveHere.path.points[1]));
    expect(curveThere.log).toEqual(curveHere.log.map((e) => ({ ...e, seconds: curveThere.log[e.epoch - 1].seconds })));

    const neb = { seed: 2, pivots: 1, cycles: 2, insert: 1, steps: 6, batchSize: 40, scoreSamples: 100 };
    const nebHere = await lib.autoNeb(arch, a, c, data, neb);
    const nebThere = await lib.autoNeb(arch, a, c, data, { ...neb, runner: pool });
    nebThere.path.points.forEach((p, j) => expect(bits(p)).toBe(bits(nebHere.path.points[j])));

    const sx = { seed: 5, epochs: 1, batchSize: 60, add: 1 };
    const sxHere = await lib.fitSimplex(arch, [a], data, sx);
    const sxThere = await lib.fitSimplex(arch, [a], data, { ...sx, runner: pool });
    expect(bits(sxThere.vertices[1])).toBe(bits(sxHere.vertices[1]));
  });
});
