/**
 * A labelled data set: samples x [n, ...shape] (row-major f32, images channel-first [n, c, h, w]),
 * labels y [n] in 0..classes-1, and a content hash for run manifests. Subsets and splits copy rows.
 */
import { ModeconnError } from '../errors.js';
import { Fnv1a64 } from './hash.js';

/** Samples and labels in flat typed arrays. */
export interface DataSet {
  /** A short name for logs and manifests ('mnist-train', 'two-moons', a file name). */
  readonly name: string;
  /** Samples, row-major [n, ...shape]. */
  readonly x: Float32Array;
  /** Labels, [n], each < classes. */
  readonly y: Uint32Array;
  /** Number of samples. */
  readonly n: number;
  /** Shape of one sample, e.g. [1, 28, 28] or [2]. */
  readonly shape: readonly number[];
  /** Number of classes. */
  readonly classes: number;
  /** FNV-1a 64 (16 hex digits) over shape, classes, labels and the samples' f32 bits (computed on first read). */
  readonly hash: string;
}

/** What `createDataSet` needs. */
export interface DataSetInit {
  name: string;
  x: Float32Array;
  y: Uint32Array;
  shape: readonly number[];
  classes: number;
}

/** Checks sizes and labels, then wraps the arrays (no copy) as a DataSet. */
export function createDataSet(init: DataSetInit): DataSet {
  const { name, x, y, classes } = init;
  const shape = [...init.shape];
  if (!(x instanceof Float32Array) || !(y instanceof Uint32Array)) {
    throw new ModeconnError('BAD_ARGUMENT', `data set ${name}: x must be a Float32Array and y a Uint32Array`);
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ModeconnError('BAD_ARGUMENT', `data set ${name}: sample shape [${shape}] must be positive integers`);
  }
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ModeconnError('BAD_ARGUMENT', `data set ${name}: classes must be a positive integer, got ${classes}`);
  }
  const n = y.length;
  const size = sampleSize(shape);
  if (x.length !== n * size) {
    throw new ModeconnError('BAD_SHAPE', `data set ${name}: x has ${x.length} values, expected ${n} x [${shape}] = ${n * size}`);
  }
  for (let i = 0; i < n; i++) {
    if (y[i] >= classes) {
      throw new ModeconnError('BAD_ARGUMENT', `data set ${name}: label ${y[i]} of sample ${i} is not below classes = ${classes}`);
    }
  }
  let hash: string | undefined;
  return {
    name,
    x,
    y,
    n,
    shape,
    classes,
    get hash() {
      return (hash ??= hashDataSet(shape, classes, x, y));
    },
  };
}

/** Number of values in one sample. */
export function sampleSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

function hashDataSet(shape: readonly number[], classes: number, x: Float32Array, y: Uint32Array): string {
  const h = new Fnv1a64();
  h.text(`[${shape.join(',')}];${classes};`);
  h.words(y);
  h.words(new Uint32Array(x.buffer, x.byteOffset, x.length));
  return h.hex();
}

/** The rows at `indices` (in that order) as a new DataSet; rows are copied. */
export function subsetDataSet(data: DataSet, indices: ArrayLike<number>, name = data.name): DataSet {
  const size = sampleSize(data.shape);
  const m = indices.length;
  const x = new Float32Array(m * size);
  const y = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    const i = indices[j];
    if (!Number.isInteger(i) || i < 0 || i >= data.n) {
      throw new ModeconnError('BAD_ARGUMENT', `subset of ${data.name}: index ${i} at position ${j} is outside 0..${data.n - 1}`);
    }
    x.set(data.x.subarray(i * size, (i + 1) * size), j * size);
    y[j] = data.y[i];
  }
  return createDataSet({ name, x, y, shape: data.shape, classes: data.classes });
}

/** Options of `splitDataSet`. */
export interface SplitOptions {
  /** Test part: a fraction in (0, 1) of the samples (of each class when stratified), or a count >= 1. */
  test: number;
  /** When given, samples are assigned after a seeded shuffle; otherwise the last ones go to test. */
  seed?: number;
  /** Split each class separately so both parts keep the class proportions (fraction only). */
  stratify?: boolean;
}

/**
 * Deterministic train/test split. Without a seed the test part is the last samples (of each class
 * when stratified); with a seed, a seeded shuffle picks them. Both parts keep the original order.
 */
export function splitDataSet(data: DataSet, options: SplitOptions): { train: DataSet; test: DataSet } {
  const { test, seed, stratify = false } = options;
  const isFraction = test > 0 && test < 1;
  if (!isFraction && !(Number.isInteger(test) && test >= 1 && test < data.n)) {
    throw new ModeconnError('BAD_ARGUMENT', `split of ${data.name}: test must be a fraction in (0,1) or a count in 1..${data.n - 1}, got ${test}`);
  }
  if (stratify && !isFraction) {
    throw new ModeconnError('BAD_ARGUMENT', `split of ${data.name}: a stratified split takes a fraction, got ${test}`);
  }
  const groups: number[][] = [];
  if (stratify) {
    for (let c = 0; c < data.classes; c++) groups.push([]);
    for (let i = 0; i < data.n; i++) groups[data.y[i]].push(i);
  } else {
    groups.push(Array.from({ length: data.n }, (_, i) => i));
  }
  const isTest = new Uint8Array(data.n);
  for (const group of groups) {
    if (seed !== undefined) shuffleInPlace(group, seed);
    const k = isFraction ? Math.round(group.length * test) : test;
    for (let j = group.length - k; j < group.length; j++) isTest[group[j]] = 1;
  }
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let i = 0; i < data.n; i++) (isTest[i] ? testIdx : trainIdx).push(i);
  return {
    train: subsetDataSet(data, trainIdx, `${data.name}:train`),
    test: subsetDataSet(data, testIdx, `${data.name}:test`),
  };
}

function shuffleInPlace(values: number[], seed: number): void {
  const order = shuffledOrder(values.length, seed);
  const copy = values.slice();
  for (let i = 0; i < values.length; i++) values[i] = copy[order[i]];
}

/** A seeded permutation of 0..n-1 (Fisher–Yates on a small local generator). */
export function shuffledOrder(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const next = seededUniform(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * A small seeded generator of uniforms in [0, 1): a 32-bit counter stepped by the golden-ratio
 * constant and passed through an integer mixer. Good enough for shuffles and synthetic data.
 */
export function seededUniform(seed: number): () => number {
  let state = (Math.trunc(seed) ^ 0x5bd1e995) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}
