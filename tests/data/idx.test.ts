import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeIdx, loadIdx, parseIdx } from '../../ts/data/idx.js';
import { loadIdxDirectory, loadIdxFiles } from '../../ts/data/idx-files.js';
import { expectCode, expectCodeAsync } from '../io/helpers.js';
import { gzip, makeIdx, makeImagesAndLabels } from './idx-helpers.js';

describe('IDX round trips with generated files', () => {
  it.each([false, true])('u8 images and labels, gzip = %s', async (compressed) => {
    const { images, labels, pixels, y } = makeImagesAndLabels(6, 3, 5, 4);
    const data = await loadIdx(compressed ? gzip(images) : images, compressed ? gzip(labels) : labels, { name: 'tiny' });
    expect(data.name).toBe('tiny');
    expect(data.n).toBe(6);
    expect(data.shape).toEqual([1, 3, 5]);
    expect(data.classes).toBe(4);
    expect(Array.from(data.y)).toEqual(y);
    expect(Array.from(data.x)).toEqual(Array.from(pixels, (p) => Math.fround(p / 255)));
  });

  it('keeps raw values with scale: false and takes an explicit shape and class count', async () => {
    const { images, labels, pixels } = makeImagesAndLabels(2, 2, 2, 2);
    const data = await loadIdx(images, labels, { scale: false, shape: [4], classes: 10 });
    expect(data.shape).toEqual([4]);
    expect(data.classes).toBe(10);
    expect(Array.from(data.x)).toEqual(Array.from(pixels));
  });

  it.each([
    ['i8', [-128, 0, 127]],
    ['i16', [-32768, 1, 32767]],
    ['i32', [-2147483648, 5, 2147483647]],
    ['f32', [1.5, -0.25, 3e38]],
    ['f64', [Math.PI, -1e-300, 1e300]],
  ] as const)('parses %s big-endian data', (dtype, values) => {
    const parsed = parseIdx(makeIdx(dtype, [3], values), 'x');
    expect(parsed.dtype).toBe(dtype);
    expect(parsed.dims).toEqual([3]);
    expect(Array.from(parsed.data)).toEqual(Array.from(values, (v) => (dtype === 'f32' ? Math.fround(v) : v)));
  });

  it('parses 4-D images as given and keeps [n, c, h, w]', async () => {
    const images = makeIdx('u8', [2, 3, 2, 2], new Uint8Array(24).fill(255));
    const data = await loadIdx(images, makeIdx('i32', [2], [1, 0]));
    expect(data.shape).toEqual([3, 2, 2]);
    expect(data.x.every((v) => v === 1)).toBe(true);
  });
});

describe('IDX header validation (typed errors naming the file)', () => {
  const valid = makeIdx('u8', [2, 2], [1, 2, 3, 4]);
  it('too short', () => expectCode(() => parseIdx(new Uint8Array([0, 0, 8]), 'a.idx'), 'BAD_FILE', 'a.idx', 'too short'));
  it('bad magic', () => expectCode(() => parseIdx(Uint8Array.from([1, ...valid.subarray(1)]), 'a.idx'), 'BAD_FILE', 'a.idx', 'magic'));
  it('unknown dtype byte', () => {
    const file = valid.slice();
    file[2] = 0x0a;
    expectCode(() => parseIdx(file, 'a.idx'), 'UNKNOWN_DTYPE', 'a.idx', '0a');
  });
  it('zero dims', () => expectCode(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'a.idx'), 'BAD_FILE', 'a.idx', 'dimension'));
  it('truncated header', () => expectCode(() => parseIdx(valid.subarray(0, 9), 'a.idx'), 'BAD_FILE', 'a.idx', 'truncated header'));
  it('dims product larger than the data', () => expectCode(() => parseIdx(valid.subarray(0, valid.length - 1), 'a.idx'), 'BAD_FILE', 'a.idx', 'need 4 data bytes'));
  it('extra bytes after the data', () => expectCode(() => parseIdx(Uint8Array.from([...valid, 0]), 'a.idx'), 'BAD_FILE', 'a.idx', 'has 5'));
  it('dims whose product overflows', () => {
    expectCode(() => parseIdx(makeIdx('f64', [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1], []), 'a.idx'), 'BAD_FILE', 'over 2^53');
  });
  it('label count that disagrees with the image count', async () => {
    const { images } = makeImagesAndLabels(3, 2, 2, 2);
    await expectCodeAsync(() => loadIdx(images, makeIdx('u8', [2], [0, 1]), { name: 'set' }), 'BAD_FILE', 'set labels', '2 labels', '3 images');
  });
  it('labels that are not 1-D', async () => {
    const { images } = makeImagesAndLabels(2, 2, 2, 2);
    await expectCodeAsync(() => loadIdx(images, makeIdx('u8', [2, 1], [0, 1])), 'BAD_FILE', '1 dim');
  });
  it('float labels', async () => {
    const { images } = makeImagesAndLabels(2, 2, 2, 2);
    await expectCodeAsync(() => loadIdx(images, makeIdx('f32', [2], [0, 1])), 'BAD_FILE', 'integers');
  });
  it('negative labels', async () => {
    const { images } = makeImagesAndLabels(2, 2, 2, 2);
    await expectCodeAsync(() => loadIdx(images, makeIdx('i8', [2], [0, -1])), 'BAD_FILE', 'negative');
  });
  it('a label not below the given class count', async () => {
    const { images, labels } = makeImagesAndLabels(4, 2, 2, 4);
    await expectCodeAsync(() => loadIdx(images, labels, { classes: 3 }), 'BAD_FILE', 'label 3');
  });
  it('1-D images', async () => {
    await expectCodeAsync(() => loadIdx(makeIdx('u8', [2], [0, 1]), makeIdx('u8', [2], [0, 1])), 'BAD_FILE', 'at least 2 dims');
  });
  it('corrupt gzip', async () => {
    const packed = gzip(valid);
    await expectCodeAsync(() => decodeIdx(packed.subarray(0, packed.length - 6), 'a.idx.gz'), 'BAD_FILE', 'a.idx.gz', 'gzip');
  });
  it('gzip that inflates past the cap', async () => {
    const big = gzip(makeIdx('u8', [1 << 16], new Uint8Array(1 << 16)));
    await expectCodeAsync(() => decodeIdx(big, 'bomb.gz', 1000), 'BAD_FILE', 'bomb.gz', 'more than 1000 bytes');
  });
});

describe('IDX files on disk (Node)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modeconn-idx-'));
    const train = makeImagesAndLabels(5, 4, 4, 3);
    const test = makeImagesAndLabels(2, 4, 4, 3);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzip(train.images));
    await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzip(train.labels));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), test.images);
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), test.labels);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loads a pair of paths', async () => {
    const data = await loadIdxFiles(join(dir, 't10k-images-idx3-ubyte'), join(dir, 't10k-labels-idx1-ubyte'));
    expect(data.n).toBe(2);
    expect(data.name).toContain('t10k-images');
  });

  it('loads a directory in the MNIST layout, .gz or raw', async () => {
    expect((await loadIdxDirectory({ dir, split: 'train' })).n).toBe(5);
    expect((await loadIdxDirectory({ dir, split: 'test', classes: 3 })).n).toBe(2);
  });

  it('names the path of a broken file', async () => {
    const path = join(dir, 'broken-idx');
    await writeFile(path, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9]));
    await expectCodeAsync(() => loadIdxFiles(path, join(dir, 't10k-labels-idx1-ubyte')), 'BAD_FILE', path);
  });

  it('IO_ERROR for a missing path, DATA_UNAVAILABLE for a missing directory', async () => {
    await expectCodeAsync(() => loadIdxFiles(join(dir, 'nope'), join(dir, 'nope2')), 'IO_ERROR', 'nope');
    await expectCodeAsync(() => loadIdxDirectory({ dir: join(dir, 'absent'), split: 'train', advice: 'get it' }), 'DATA_UNAVAILABLE', 'absent', 'get it');
  });
});

describe('gzip without DecompressionStream (the node:zlib fallback)', () => {
  it('inflates, caps and reports corruption the same way', async () => {
    vi.stubGlobal('DecompressionStream', undefined);
    try {
      const file = makeIdx('u8', [3], [1, 2, 3]);
      expect(Array.from((await decodeIdx(gzip(file), 'z.gz')).data)).toEqual([1, 2, 3]);
      await expectCodeAsync(() => decodeIdx(gzip(file).subarray(0, 12), 'z.gz'), 'BAD_FILE', 'z.gz');
      await expectCodeAsync(() => decodeIdx(gzip(new Uint8Array(5000)), 'z.gz', 100), 'BAD_FILE', 'more than 100 bytes');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
