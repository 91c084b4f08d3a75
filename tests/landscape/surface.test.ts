/**
 * evaluateSurface, from the built package: the grid's origin is the origin's own loss (bit for bit);
 * a 1-D slice along B − A matches the line's losses (1e-4 relative: the two blend in different
 * orders); a 2-worker pool gives the same bits as this thread; with filter-normalised directions
 * the surface of a BatchNorm net does not change when its units are rescaled (BatchNorm scale
 * invariance up to BatchNorm's ε: 1e-3 relative for factors in [0.5, 2.1]), while raw directions see
 * a different surface (> 5%); typed errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';

const data = lib.gaussianBlobs({ n: 400, classes: 4, dims: 12, seed: 3 });
const test = lib.gaussianBlobs({ n: 200, classes: 4, dims: 12, seed: 4 });
const sets = { train: data, test };
const bits = (rows: number[][]) => rows.flat().map((x) => x.toString());

describe('evaluateSurface (dist/)', async () => {
  const engine = await lib.Engine.create();
  const arch = lib.mlp({ input: 12, hidden: [24, 16], classes: 4, batchNorm: true });
  const compiled = lib.compileArch(arch);
  const a = (await lib.trainModel(arch, data, { epochs: 2, batchSize: 50, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, seed: 1 })).params;
  const b = (await lib.trainModel(arch, data, { epochs: 2, batchSize: 50, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, seed: 2 })).params;
  const d1 = lib.randomDirection(arch, a, { seed: 5, stream: 0 });
  const d2 = lib.randomDirection(arch, a, { seed: 5, stream: 1 });
  const pool = await lib.createPool({ workers: 2 });
  afterAll(() => pool.close());

  it('the origin of the grid is the model itself', async () => {
    const r = await lib.evaluateSurface(arch, { origin: a, directions: [d1, d2] }, sets, { xs: [-0.5, 0, 0.5], ys: [0, 0.25] });
    expect(r.bn).toBe('recompute');
    expect(r.sets.test.loss.length).toBe(2);
    expect(r.sets.test.loss[0].length).toBe(3);
    const own = engine.evaluate(compiled, engine.recomputeBatchNorm(compiled, a, data), test);
    expect(r.sets.test.loss[0][1]).toBe(own.loss);
    expect(r.sets.test.accuracy[0][1]).toBe(own.accuracy);
    expect(r.manifest.operation).toBe('evaluateSurface');
  });

  it('a 1-D slice along B − A is the line from A to B', async () => {
    const dir = b.map((x, i) => x - a[i]);
    const xs = [0, 0.25, 0.5, 1];
    const surface = await lib.evaluateSurface(arch, { origin: a, directions: [dir] }, sets, { xs, bn: 'recompute' });
    const line = await lib.evaluatePath(lib.linearPath(a, b), arch, sets, { ts: xs, bn: 'recompute' });
    expect(surface.ys).toBeUndefined();
    xs.forEach((_, i) => {
      const want = line.sets.test.points[i].loss;
      expect(Math.abs(surface.sets.test.loss[0][i] - want)).toBeLessThanOrEqual(1e-4 * want);
    });
  });

  it('a 2-worker pool gives the same bits as this thread', async () => {
    const xs = [-1, 0, 1];
    const ys = [-0.5, 0.5];
    const inline = await lib.evaluateSurface(arch, { origin: a, directions: [d1, d2] }, sets, { xs, ys });
    const pooled = await lib.evaluateSurface(arch, { origin: a, directions: [d1, d2] }, sets, { xs, ys, runner: pool, chunk: 4 });
    for (const s of ['train', 'test']) {
      expect(bits(pooled.sets[s].loss)).toEqual(bits(inline.sets[s].loss));
      expect(bits(pooled.sets[s].accuracy)).toEqual(bits(inline.sets[s].accuracy));
    }
  });

  it('filter normalisation makes the surface blind to BatchNorm rescaling; raw directions are not', async () => {
    const scaled = a.slice();
    const roles = lib.unitRoles(arch);
    roles.forEach((r, k) => {
      const c = Array.from({ length: r.group.size }, (_, i) => 0.5 + 0.4 * ((i * 7 + k) % 5));
      r.producers.forEach((p, j) => {
        if (p.bn) lib.scaleUnitsBatchNorm(scaled, r, j, c);
      });
    });
    const xs = [-1, -0.5, 0.5, 1];
    const ys = [-1, 1];
    const surface = async (theta: Float32Array, normalization: lib.Normalization) => {
      const dirs = [0, 1].map((stream) => lib.randomDirection(arch, theta, { seed: 9, stream, normalization })) as [Float32Array, Float32Array];
      return (await lib.evaluateSurface(arch, { origin: theta, directions: dirs }, { test }, { xs, ys, bn: 'blend' })).sets.test.loss.flat();
    };
    const [plain, rescaled] = [await surface(a, 'filter'), await surface(scaled, 'filter')];
    plain.forEach((l, i) => expect(Math.abs(rescaled[i] - l)).toBeLessThanOrEqual(1e-3 * l));
    const [rawPlain, rawRescaled] = [await surface(a, 'none'), await surface(scaled, 'none')];
    expect(Math.max(...rawPlain.map((l, i) => Math.abs(rawRescaled[i] - l) / l))).toBeGreaterThan(0.05);
  });

  it('typed errors: shapes, ys without a second direction, cancellation', async () => {
    await expect(lib.evaluateSurface(arch, { origin: a.subarray(1), directions: [d1] }, sets, { xs: [0] })).rejects.toMatchObject({ code: 'BAD_SHAPE' });
    await expect(lib.evaluateSurface(arch, { origin: a, directions: [d1] }, sets, { xs: [0], ys: [0] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(lib.evaluateSurface(arch, { origin: a, directions: [d1] }, sets, { xs: [] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const controller = new AbortController();
    controller.abort();
    await expect(lib.evaluateSurface(arch, { origin: a, directions: [d1] }, sets, { xs: [0, 1], signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
