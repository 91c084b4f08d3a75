import { describe, expect, it } from 'vitest';
import { batchCount, batches, fillBatch } from '../../ts/data/batches.js';
import { createDataSet, shuffledOrder, splitDataSet, subsetDataSet, type DataSet } from '../../ts/data/dataset.js';
import { Fnv1a64 } from '../../ts/data/hash.js';
import { computeNormStats, normalizeDataSet, scaleToUnit } from '../../ts/data/normalize.js';
import { expectClose } from '../helpers/close.js';
import { expectCode } from '../io/helpers.js';

/** n samples of shape [2, 3] whose values encode (sample, position); labels i mod classes. */
function toy(n: number, classes = 3): DataSet {
  const x = Float32Array.from({ length: n * 6 }, (_, k) => Math.floor(k / 6) * 10 + (k % 6));
  const y = Uint32Array.from({ length: n }, (_, i) => i % classes);
  return createDataSet({ name: 'toy', x, y, shape: [2, 3], classes });
}

describe('FNV-1a 64', () => {
  it('matches the published test vectors', () => {
    const hash = (s: string) => {
      const h = new Fnv1a64();
      h.text(s);
      return h.hex();
    };
    expect(hash('')).toBe('cbf29ce484222325');
    expect(hash('a')).toBe('af63dc4c8601ec8c');
    expect(hash('foobar')).toBe('85944171f73967e8');
  });

  it('feeds words as little-endian bytes', () => {
    const a = new Fnv1a64();
    a.words(new Uint32Array([0x64636261]));
    const b = new Fnv1a64();
    b.text('abcd');
    expect(a.hex()).toBe(b.hex());
  });
});

describe('DataSet', () => {
  it('validates sizes, labels and classes', () => {
    expectCode(() => createDataSet({ name: 'd', x: new Float32Array(5), y: new Uint32Array(1), shape: [4], classes: 2 }), 'BAD_SHAPE', 'd');
    expectCode(() => createDataSet({ name: 'd', x: new Float32Array(4), y: new Uint32Array([2]), shape: [4], classes: 2 }), 'BAD_ARGUMENT', 'label 2');
    expectCode(() => createDataSet({ name: 'd', x: new Float32Array(0), y: new Uint32Array(0), shape: [0], classes: 2 }), 'BAD_ARGUMENT');
  });

  it('has a stable content hash that changes with any label, value or the shape', () => {
    const a = toy(5);
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(toy(5).hash).toBe(a.hash);
    const x = a.x.slice();
    x[7] += 1;
    expect(createDataSet({ ...a, x }).hash).not.toBe(a.hash);
    const y = a.y.slice();
    y[0] = 1;
    expect(createDataSet({ ...a, y }).hash).not.toBe(a.hash);
    expect(createDataSet({ ...a, shape: [6] }).hash).not.toBe(a.hash);
    expect(JSON.parse(JSON.stringify({ hash: a.hash })).hash).toBe(a.hash);
  });

  it('subsets copy the chosen rows in order', () => {
    const s = subsetDataSet(toy(5), [4, 0]);
    expect(s.n).toBe(2);
    expect(Array.from(s.x.subarray(0, 6))).toEqual([40, 41, 42, 43, 44, 45]);
    expect(Array.from(s.y)).toEqual([1, 0]);
    expectCode(() => subsetDataSet(toy(5), [5]), 'BAD_ARGUMENT', 'index 5');
  });
});

describe('splitDataSet', () => {
  const data = toy(30);
  const ids = (d: DataSet) => Array.from({ length: d.n }, (_, i) => d.x[i * 6] / 10);

  it('without a seed puts the last samples in test', () => {
    const { train, test } = splitDataSet(data, { test: 0.2 });
    expect(ids(test)).toEqual([24, 25, 26, 27, 28, 29]);
    expect(train.n).toBe(24);
    expect(splitDataSet(data, { test: 4 }).test.n).toBe(4);
  });

  it('with a seed is deterministic, disjoint and keeps the original order', () => {
    const a = splitDataSet(data, { test: 0.3, seed: 7 });
    const b = splitDataSet(data, { test: 0.3, seed: 7 });
    expect(a.test.hash).toBe(b.test.hash);
    expect(splitDataSet(data, { test: 0.3, seed: 8 }).test.hash).not.toBe(a.test.hash);
    const all = [...ids(a.train), ...ids(a.test)].sort((p, q) => p - q);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(ids(a.test)).toEqual([...ids(a.test)].sort((p, q) => p - q));
  });

  it('stratified keeps class proportions', () => {
    const { test } = splitDataSet(data, { test: 0.2, stratify: true, seed: 3 });
    const counts = [0, 0, 0];
    for (const label of test.y) counts[label]++;
    expect(counts).toEqual([2, 2, 2]);
  });

  it('rejects impossible sizes', () => {
    expectCode(() => splitDataSet(data, { test: 30 }), 'BAD_ARGUMENT');
    expectCode(() => splitDataSet(data, { test: 3, stratify: true }), 'BAD_ARGUMENT');
  });
});

describe('batches', () => {
  it('visits every sample of the order once, into the caller’s buffers', () => {
    const data = toy(10);
    const order = shuffledOrder(10, 42);
    const buffers = { x: new Float32Array(4 * 6), y: new Uint32Array(4) };
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const batch of batches(data, order, 4, buffers)) {
      expect(batch.x.buffer).toBe(buffers.x.buffer);
      expect(batch.y.buffer).toBe(buffers.y.buffer);
      sizes.push(batch.size);
      for (let j = 0; j < batch.size; j++) {
        const id = batch.x[j * 6] / 10;
        expect(id).toBe(order[batch.start + j]);
        expect(batch.y[j]).toBe(data.y[id]);
        seen.push(id);
      }
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(batchCount(10, 4)).toBe(3);
  });

  it('drops the short last batch on request', () => {
    const data = toy(10);
    const buffers = { x: new Float32Array(24), y: new Uint32Array(4) };
    expect([...batches(data, shuffledOrder(10, 1), 4, buffers, { dropLast: true })].length).toBe(2);
  });

  it('checks the order and the buffers', () => {
    const data = toy(3);
    expectCode(() => fillBatch(data, [0, 3], 0, 2, { x: new Float32Array(12), y: new Uint32Array(2) }), 'BAD_ARGUMENT', 'order[1] = 3');
    expectCode(() => [...batches(data, new Uint32Array(3), 2, { x: new Float32Array(6), y: new Uint32Array(2) })], 'BAD_SHAPE');
  });

  it('shuffledOrder is a seeded permutation', () => {
    const a = shuffledOrder(100, 5);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(shuffledOrder(100, 5))).toEqual(Array.from(a));
    expect(Array.from(shuffledOrder(100, 6))).not.toEqual(Array.from(a));
  });
});

describe('normalisation', () => {
  it('global mean/std gives mean 0, std 1 and returns the statistics', () => {
    const data = toy(8);
    const { data: z, stats } = normalizeDataSet(data);
    expect(stats.mean).toHaveLength(1);
    const again = computeNormStats(z);
    expectClose(again.mean, [0], { atol: 1e-5 });
    expectClose(again.std, [1], { rtol: 1e-5 });
    expect(data.x[0]).toBe(0); // the input is untouched
  });

  it('per channel uses shape[0] channels and can reuse training statistics', () => {
    const data = toy(8);
    const { stats } = normalizeDataSet(data, { perChannel: true });
    expect(stats.mean).toHaveLength(2);
    expectClose(stats.mean, [36, 39], { rtol: 1e-12 }); // channel 0 holds positions 0..2, channel 1 positions 3..5
    const { data: other } = normalizeDataSet(toy(4), { stats });
    expectClose([other.x[0]], [(0 - 36) / stats.std[0]], { rtol: 1e-6 });
    expectCode(() => normalizeDataSet(data, { stats: { mean: [0, 0, 0], std: [1, 1, 1] } }), 'BAD_ARGUMENT');
  });

  it('a constant channel is only centred', () => {
    const data = createDataSet({ name: 'c', x: new Float32Array([3, 3, 3]), y: new Uint32Array(3), shape: [1], classes: 1 });
    expect(Array.from(normalizeDataSet(data).data.x)).toEqual([0, 0, 0]);
  });

  it('scaleToUnit maps the range onto [0, 1]', () => {
    const { data, stats } = scaleToUnit(toy(3));
    expect(stats).toEqual({ min: 0, max: 25 });
    expect(Math.min(...data.x)).toBe(0);
    expect(Math.max(...data.x)).toBe(1);
    expect(Array.from(scaleToUnit(toy(1), { min: 0, max: 255 }).data.x)).toEqual(Array.from([0, 1, 2, 3, 4, 5], (v) => Math.fround(v / 255)));
  });
});
