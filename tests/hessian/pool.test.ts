// Hessian-vector products and the spectra built on them give the same bits on a pool of worker
// threads (dist/, two workers, batches spread over them) as on this thread: the batches are reduced
// in batch order in f64 by both runners.
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const data = lib.gaussianBlobs({ n: 230, classes: 3, dims: 6, seed: 9 });
const arch = lib.mlp({ input: 6, hidden: [12, 10], classes: 3, batchNorm: true, dropout: 0.25 });
const compiled = lib.compileArch(arch);
const theta = lib.initParams(compiled, { seed: 4 });
const vectors = [1, 2].map((seed) => lib.initParams(compiled, { seed: 10 + seed }));

describe('Hessian-vector products on a pool', async () => {
  const pool = await lib.createPool({ workers: 2 });
  const inline = await lib.inlineRunner();
  afterAll(() => pool.close());

  it('equal the inline runner bit for bit (5 batches, two vectors, both modes, with the gradient)', async () => {
    for (const mode of ['eval', 'batch-stats'] as const) {
      const options = { batchSize: 50, mode, gradient: true };
      const here = await inline.hessianVectorProducts(arch, theta, data, vectors, options);
      const there = await pool.hessianVectorProducts(arch, theta, data, vectors, options);
      here.products.forEach((hv, k) => expect(bits(there.products[k])).toBe(bits(hv)));
      expect(bits(there.gradient!)).toBe(bits(here.gradient!));
      expect(there.loss).toBe(here.loss);
      expect(here.products[0].some((x) => x !== 0)).toBe(true);
    }
  });

  it('give the same spectrum (Lanczos, Hutchinson, SLQ)', async () => {
    const options = { batchSize: 60, topK: 2, steps: 12, traceProbes: 6, density: { runs: 1, steps: 8 }, seed: 3 };
    const here = await lib.hessianSpectrum(arch, theta, data, options);
    const there = await lib.hessianSpectrum(arch, theta, data, { ...options, runner: pool });
    expect(there.top).toEqual(here.top);
    expect(there.trace).toEqual(here.trace);
    expect(there.density!.runs).toEqual(here.density!.runs);
  });
});
