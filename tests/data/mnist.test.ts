import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnist } from '../../ts/data/mnist.js';
import type { DataSet } from '../../ts/data/dataset.js';
import { expectCodeAsync } from '../io/helpers.js';

function checkDigits(data: DataSet, n: number): void {
  expect(data.n).toBe(n);
  expect(data.shape).toEqual([1, 28, 28]);
  expect(data.classes).toBe(10);
  expect(data.x.length).toBe(n * 784);
  let min = Infinity;
  let max = -Infinity;
  for (const v of data.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  expect(min).toBe(0);
  expect(max).toBe(1);
  const seen = new Set(data.y);
  expect(seen.size).toBe(10);
}

describe('loadMnist (the mnist package’s 10,000 digits)', () => {
  it('gives the documented split sizes, 10 classes, [1, 28, 28], values in [0, 1]', async () => {
    const [train, test, all] = await Promise.all([loadMnist({ split: 'train' }), loadMnist({ split: 'test' }), loadMnist({ split: 'all' })]);
    checkDigits(train, 8004);
    checkDigits(test, 1996);
    checkDigits(all, 10000);
    expect(train.name).toBe('mnist-train');
    // Pixels are exact bytes / 255.
    for (let i = 0; i < 5000; i++) expect(Math.fround(Math.round(test.x[i] * 255) / 255)).toBe(test.x[i]);
    // Interleaved order: the first ten digits are 0..9.
    expect(Array.from(all.y.subarray(0, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // One in five of each class is test: rank 4 of each digit is all[40..49].
    expect(Array.from(test.x.subarray(0, 784))).toEqual(Array.from(all.x.subarray(40 * 784, 41 * 784)));
  });

  it('is deterministic', async () => {
    expect((await loadMnist({ split: 'test' })).hash).toBe((await loadMnist({ split: 'test' })).hash);
  });

  it('rejects an unknown split', async () => {
    await expectCodeAsync(() => loadMnist({ split: 'valid' as 'train' }), 'BAD_ARGUMENT', 'valid');
  });
});

describe('loadFashionMnist', () => {
  it('names the Debian package when the files are absent', async () => {
    const err = await expectCodeAsync(() => loadFashionMnist({ dir: '/nonexistent/fashion-mnist' }), 'DATA_UNAVAILABLE', '/nonexistent/fashion-mnist');
    expect(err.message).toContain('dataset-fashion-mnist');
  });

  const installed = existsSync(`${FASHION_MNIST_DIR}/t10k-images-idx3-ubyte.gz`);
  if (!installed) console.log(`skipping the real Fashion-MNIST tests: ${FASHION_MNIST_DIR} is absent (apt-get install dataset-fashion-mnist)`);

  it.skipIf(!installed)('loads the real test and training files', async () => {
    const test = await loadFashionMnist({ split: 'test' });
    expect(test.name).toBe('fashion-mnist-test');
    checkDigits(test, 10000);
    const counts = new Array<number>(10).fill(0);
    for (const c of test.y) counts[c]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    const train = await loadFashionMnist({ split: 'train' });
    checkDigits(train, 60000);
  }, 30_000);
});
