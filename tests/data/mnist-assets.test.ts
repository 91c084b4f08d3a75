// The digits shipped in assets/ are the `mnist` package's (a devDependency here): per class, the
// images in the file's order are exactly the package's bytes (round(v * 255)) in its order; and
// loadMnist reads them from a given directory, with an accurate error where they are missing.
import { mkdtempSync, readFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_ASSETS } from '../../ts/data/mnist.js';
import { expectCodeAsync } from '../io/helpers.js';

const require = createRequire(import.meta.url);
const assets = new URL('../../assets/', import.meta.url);

describe('assets/mnist-10k-*.gz', () => {
  it('hold the mnist package digits, class by class in the package order', () => {
    const images = gunzipSync(readFileSync(new URL(MNIST_ASSETS.images, assets)));
    const labels = gunzipSync(readFileSync(new URL(MNIST_ASSETS.labels, assets)));
    expect(Array.from(images.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0x27, 0x10, 0, 0, 0, 28, 0, 0, 0, 28]);
    expect(Array.from(labels.subarray(0, 8))).toEqual([0, 0, 8, 1, 0, 0, 0x27, 0x10]);
    for (let d = 0; d < 10; d++) {
      const json = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] };
      const expected = Uint8Array.from(json.data, (v) => Math.round(v * 255));
      const parts: Buffer[] = [];
      for (let i = 0; i < 10000; i++) if (labels[8 + i] === d) parts.push(images.subarray(16 + i * 784, 16 + (i + 1) * 784));
      const got = Buffer.concat(parts);
      expect(got.length).toBe(expected.length);
      expect(got.equals(expected)).toBe(true);
    }
  });

  it('load from a directory given as { url }, and a missing one names the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mnist-assets-'));
    await expectCodeAsync(() => loadMnist({ url: dir }), 'DATA_UNAVAILABLE', join(dir, MNIST_ASSETS.images));
    for (const name of Object.values(MNIST_ASSETS)) copyFileSync(new URL(name, assets), join(dir, name));
    const [own, copied] = await Promise.all([loadMnist({ split: 'test' }), loadMnist({ split: 'test', url: dir })]);
    expect(copied.hash).toBe(own.hash);
  });
});
