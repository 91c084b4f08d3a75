/**
 * evaluateSurface from the sources, in process (tests/landscape/surface.test.ts runs the built
 * package): cell (r, c) is the loss of θ = origin + xs[c]·d1 + ys[r]·d2 (against the engine on a θ
 * blended here in f64, 1e-5 relative), rows are ys and columns xs; the three BatchNorm modes are the
 * engine's own evaluations of that θ (recomputed over the train set or bnData, as blended, batch
 * statistics); any subset of cells is the whole grid's cells bit for bit, whatever the chunk;
 * progress counts points × sets; the manifest and the typed errors name what they check.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { assembleSurfaceReport, evaluateSurface, planSurfaceCells, type Surface } from '../../ts/landscape/surface.js';
import { randomArray } from '../helpers/close.js';

const arch = mlp({ input: 4, hidden: [6], classes: 3, batchNorm: true });
const plain = mlp({ input: 4, hidden: [6], classes: 3 });
const compiled = compileArch(arch);
const L = compiled.totalLength;
const train = gaussianBlobs({ n: 60, classes: 3, dims: 4, std: 2, seed: 1 });
const test = gaussianBlobs({ n: 30, classes: 3, dims: 4, std: 2, seed: 2 });
const other = gaussianBlobs({ n: 40, classes: 3, dims: 4, std: 1, seed: 7 });
// Running statistics stay those of the origin along the grid: directions are 0 there (as
// randomDirection makes them), so the blend keeps a valid variance.
const origin = initParams(compiled, { seed: 3 });
const direction = (seed: number) => Float32Array.from(randomArray(L, seed, 0.5), (x, i) => (i < compiled.paramCount ? x : 0));
const d1 = direction(4);
const d2 = direction(5);
// Not symmetric, not of equal length: a transposed grid or a swapped direction cannot pass.
const xs = [-0.75, 0, 0.5];
const ys = [0.25, -1];
const surface: Surface = { origin, directions: [d1, d2] };

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

/** θ(x, y) = origin + x·d1 + y·d2, summed in f64. */
const thetaAt = (x: number, y: number) => Float32Array.from(origin, (o, i) => o + x * d1[i] + y * d2[i]);
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.abs(b) + 1e-7);

describe('evaluateSurface (sources)', () => {
  it('cell (r, c) is θ = origin + xs[c]·d1 + ys[r]·d2; BatchNorm recomputed over the train set by default', async () => {
    const r = await evaluateSurface(arch, surface, { train, test }, { xs, ys, seeds: { directions: 4 } });
    expect(r.bn).toBe('recompute');
    expect(r.xs).toEqual(xs);
    expect(r.ys).toEqual(ys);
    for (const role of ['train', 'test'] as const) {
      expect(r.sets[role].loss).toHaveLength(ys.length);
      expect(r.sets[role].data.n).toBe(role === 'train' ? 60 : 30);
      ys.forEach((y, row) => {
        expect(r.sets[role].loss[row]).toHaveLength(xs.length);
        xs.forEach((x, col) => {
          const want = engine.evaluate(compiled, engine.recomputeBatchNorm(compiled, thetaAt(x, y), train), role === 'train' ? train : test);
          close(r.sets[role].loss[row][col], want.loss);
          expect(r.sets[role].accuracy[row][col]).toBe(want.accuracy);
        });
      });
    }
    const m = r.manifest;
    expect(m.operation).toBe('evaluateSurface');
    expect(m.seeds).toEqual({ directions: 4 });
    expect(m.params).toHaveLength(3);
    expect(Object.keys(m.data)).toEqual(['train', 'test', 'bn']);
    expect(m.options).toEqual({ xs, ys, bn: 'recompute', batchSize: 1000, dims: 2 });
    expect(m.sampleOrder).toBe('data set order; batches of 1000 consecutive samples; BatchNorm recomputed over the bn set in order');
  });

  it('the origin of a grid through (0, 0) is the model itself, bit for bit', async () => {
    const r = await evaluateSurface(arch, surface, { train, test }, { xs: [0], ys: [0] });
    const own = engine.evaluate(compiled, engine.recomputeBatchNorm(compiled, origin, train), test);
    expect(r.sets.test.loss).toEqual([[own.loss]]);
  });

  it('bn: recompute over bnData, blend, batch statistics: the engine\'s evaluations of each θ', async () => {
    const viaBnData = await evaluateSurface(arch, surface, { test }, { xs, ys, bn: 'recompute', bnData: other });
    const blended = await evaluateSurface(arch, surface, { train, test }, { xs, ys, bn: 'blend' });
    const batch = await evaluateSurface(arch, surface, { test }, { xs, ys, bn: 'batch-stats', batchSize: 10 });
    expect([viaBnData.bn, blended.bn, batch.bn]).toEqual(['recompute', 'blend', 'batch-stats']);
    expect(Object.keys(viaBnData.manifest.data)).toEqual(['test', 'bn']);
    expect(viaBnData.manifest.data.bn.n).toBe(40);
    expect(Object.keys(blended.manifest.data)).toEqual(['train', 'test']);
    expect(blended.manifest.sampleOrder).toBe('data set order; batches of 1000 consecutive samples');
    expect(batch.manifest.sampleOrder).toBe('data set order; batches of 10 consecutive samples');
    ys.forEach((y, row) => xs.forEach((x, col) => {
      const theta = thetaAt(x, y);
      close(viaBnData.sets.test.loss[row][col], engine.evaluate(compiled, engine.recomputeBatchNorm(compiled, theta, other), test).loss);
      close(blended.sets.test.loss[row][col], engine.evaluate(compiled, theta, test).loss);
      close(batch.sets.test.loss[row][col], engine.evaluate(compiled, theta, test, { mode: 'batch-stats', batchSize: 10 }).loss);
    }));
    // Without a train set (and no bnData) nothing can be recomputed: the blend, by default.
    expect((await evaluateSurface(arch, surface, { test }, { xs: [0], ys: [0] })).bn).toBe('blend');
  });

  it('a net without BatchNorm has nothing to recompute: bn \'recompute\' never reads bnData and is the blend', async () => {
    const model = initParams(compileArch(plain), { seed: 8 });
    const d = Float32Array.from(randomArray(model.length, 9, 0.5));
    const elsewhere = gaussianBlobs({ n: 5, classes: 3, dims: 7, seed: 1 }); // not even this net's input size
    const r = await evaluateSurface(plain, { origin: model, directions: [d] }, { test }, { xs, bn: 'recompute', bnData: elsewhere });
    const blend = await evaluateSurface(plain, { origin: model, directions: [d] }, { test }, { xs, bn: 'blend' });
    expect(r.sets).toEqual(blend.sets);
    expect(r.manifest.sampleOrder).toBe('data set order; batches of 1000 consecutive samples');
  });

  it('a 1-D slice: one row of θ = origin + x·d, no ys anywhere', async () => {
    const model = initParams(compileArch(plain), { seed: 8 });
    const d = Float32Array.from(randomArray(model.length, 9, 0.5));
    const r = await evaluateSurface(plain, { origin: model, directions: [d] }, [test, other], { xs });
    expect(r.bn).toBe('blend');
    expect('ys' in r).toBe(false);
    // A list is named by DataSet.name, suffixed when repeated.
    expect(Object.keys(r.sets)).toEqual([test.name, other.name === test.name ? `${other.name}#2` : other.name]);
    expect(r.manifest.options).toEqual({ xs, bn: 'blend', batchSize: 1000, dims: 1 });
    const [first] = Object.values(r.sets);
    expect(first.loss).toHaveLength(1);
    xs.forEach((x, col) => close(first.loss[0][col], engine.evaluate(compileArch(plain), Float32Array.from(model, (o, i) => o + x * d[i]), test).loss));
  });

  it('any subset of cells, in any order and chunk, is the whole grid\'s cells bit for bit; progress counts points × sets', async () => {
    const progress: Array<[number, number]> = [];
    const whole = await evaluateSurface(arch, surface, { train, test }, { xs, ys, chunk: 4, onProgress: ({ done, total }) => progress.push([done, total]) });
    // 6 points in chunks of 4 on 2 sets.
    expect(progress).toEqual([[8, 12], [12, 12]]);
    const cells = await planSurfaceCells(arch, surface, { train, test }, { xs, ys, chunk: 1 });
    expect(cells.count).toBe(6);
    const part = await cells.evaluate([4, 1]);
    // Cell k = r·xs.length + c: 4 is (row 1, column 1), 1 is (row 0, column 1); sets in plan order.
    expect(cells.plan.sets.map((s) => s.role)).toEqual(['train', 'test']);
    expect(part).toEqual([
      [{ loss: whole.sets.train.loss[1][1], accuracy: whole.sets.train.accuracy[1][1] }, { loss: whole.sets.test.loss[1][1], accuracy: whole.sets.test.accuracy[1][1] }],
      [{ loss: whole.sets.train.loss[0][1], accuracy: whole.sets.train.accuracy[0][1] }, { loss: whole.sets.test.loss[0][1], accuracy: whole.sets.test.accuracy[0][1] }],
    ]);
    const all = await cells.evaluate([0, 1, 2, 3, 4, 5]);
    const again = assembleSurfaceReport(cells.plan, all);
    expect(again.sets).toEqual(whole.sets);
    expect(again.xs).toEqual(xs);
    expect(again.ys).toEqual(ys);
  });

  it('assembling: rows of xs.length cells, each set\'s values from its own column of the cell', () => {
    const plan = { xs: [1, 2], ys: [5, 6, 7], bn: 'blend' as const, sets: [{ role: 'a', data: test }, { role: 'b', data: other }].map(({ role, data }) => ({ role, data: { name: data.name, n: data.n, shape: [...data.shape], classes: data.classes, hash: data.hash } })), manifest: {} as never };
    const cells = Array.from({ length: 6 }, (_, k) => [{ loss: k, accuracy: -k }, { loss: 10 + k, accuracy: 20 + k }]);
    const r = assembleSurfaceReport(plan, cells);
    expect(r.sets.a.loss).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(r.sets.a.accuracy).toEqual([[-0, -1], [-2, -3], [-4, -5]]);
    expect(r.sets.b.loss).toEqual([[10, 11], [12, 13], [14, 15]]);
    expect(r.sets.b.accuracy).toEqual([[20, 21], [22, 23], [24, 25]]);
    expect(r.ys).toEqual([5, 6, 7]);
    expect(r.bn).toBe('blend');
    const line = assembleSurfaceReport({ ...plan, ys: undefined }, cells.slice(0, 2));
    expect('ys' in line).toBe(false);
    expect(line.sets.b.loss).toEqual([[10, 11]]);
    expect(() => assembleSurfaceReport(plan, cells.slice(1))).toThrow('a grid of 6 points needs as many cells, got 5');
  });

  it('typed errors that name the culprit', async () => {
    const bad = (s: Surface, options: Parameters<typeof evaluateSurface>[3], data: Parameters<typeof evaluateSurface>[2] = { test }) => evaluateSurface(arch, s, data, options);
    await expect(bad({ origin: origin.subarray(1), directions: [d1] }, { xs: [0] })).rejects.toMatchObject({ code: 'BAD_SHAPE', message: `origin has ${L - 1} values; the architecture needs ${L}` });
    await expect(bad({ origin, directions: [d1, d2.subarray(2)] }, { xs: [0], ys: [0] })).rejects.toMatchObject({ code: 'BAD_SHAPE', message: `direction 1 has ${L - 2} values; the architecture needs ${L}` });
    await expect(bad({ origin, directions: [Float64Array.from(d1) as unknown as Float32Array] }, { xs: [0] })).rejects.toMatchObject({ code: 'BAD_SHAPE', message: `direction 0 has ${L} values; the architecture needs ${L}` });
    await expect(bad({ origin, directions: [undefined as unknown as Float32Array] }, { xs: [0] })).rejects.toMatchObject({ code: 'BAD_SHAPE', message: `direction 0 has undefined values; the architecture needs ${L}` });
    await expect(bad(surface, { xs: [] , ys: [0] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'xs must be a non-empty list of finite numbers' });
    await expect(bad(surface, { xs: [0, Number.NaN], ys: [0] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'xs must be a non-empty list of finite numbers' });
    await expect(bad(surface, { xs: [0], ys: [Infinity] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'ys must be a non-empty list of finite numbers' });
    await expect(bad(surface, { xs: [0] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'ys must be a non-empty list of finite numbers' });
    await expect(bad({ origin, directions: [d1] }, { xs: [0], ys: [0] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'ys needs a second direction' });
    await expect(bad(surface, { xs: [0], ys: [0] }, {})).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'evaluateSurface needs at least one data set' });
    const controller = new AbortController();
    controller.abort();
    await expect(bad(surface, { xs: [0, 1], ys: [0], signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED', message: 'landscape evaluation cancelled' });
  });
});
