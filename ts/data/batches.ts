/**
 * Mini-batches without copying the set: the caller owns the order (a seeded permutation) and the
 * batch buffers x [batchSize, ...shape] and y [batchSize]; each step gathers rows into them.
 */
import { ModeconnError } from '../errors.js';
import { sampleSize, type DataSet } from './dataset.js';

/** One filled batch: views (not copies) of the caller's buffers, trimmed to `size` rows. */
export interface Batch {
  /** Batch number within the epoch, from 0. */
  index: number;
  /** Position in `order` of the batch's first sample. */
  start: number;
  /** Rows in this batch (the last one may be short). */
  size: number;
  /** The caller's x buffer, first size·sampleSize values. */
  x: Float32Array;
  /** The caller's y buffer, first size values. */
  y: Uint32Array;
}

/** Caller-owned batch buffers. */
export interface BatchBuffers {
  x: Float32Array;
  y: Uint32Array;
}

/** Copies rows order[start..start+size) of `data` into x and y; returns size. */
export function fillBatch(data: DataSet, order: ArrayLike<number>, start: number, size: number, buffers: BatchBuffers): number {
  const d = sampleSize(data.shape);
  const { x, y } = buffers;
  if (x.length < size * d || y.length < size) {
    throw new ModeconnError('BAD_SHAPE', `batch buffers hold ${y.length} labels and ${x.length} values, need ${size} and ${size * d}`);
  }
  if (start < 0 || start + size > order.length) {
    throw new ModeconnError('BAD_ARGUMENT', `batch rows ${start}..${start + size} fall outside an order of length ${order.length}`);
  }
  const src = data.x;
  for (let j = 0; j < size; j++) {
    const i = order[start + j];
    if (!(i >= 0 && i < data.n)) {
      throw new ModeconnError('BAD_ARGUMENT', `order[${start + j}] = ${i} is not a sample index of ${data.name} (n = ${data.n})`);
    }
    x.set(src.subarray(i * d, i * d + d), j * d);
    y[j] = data.y[i];
  }
  return size;
}

/** Options of `batches`. */
export interface BatchOptions {
  /** Skip a last batch shorter than batchSize (default false). */
  dropLast?: boolean;
}

/** Number of batches `batches` yields for `count` samples. */
export function batchCount(count: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/**
 * Yields the batches of one epoch in `order` (a permutation or any list of sample indices), each
 * written into `buffers`; a yielded batch is valid until the next step.
 */
export function* batches(data: DataSet, order: Uint32Array, batchSize: number, buffers: BatchBuffers, options: BatchOptions = {}): Generator<Batch, void, undefined> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ModeconnError('BAD_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
  }
  const d = sampleSize(data.shape);
  if (buffers.x.length < batchSize * d || buffers.y.length < batchSize) {
    throw new ModeconnError('BAD_SHAPE', `batch buffers must hold ${batchSize} x [${data.shape}] = ${batchSize * d} values and ${batchSize} labels, got ${buffers.x.length} and ${buffers.y.length}`);
  }
  const count = batchCount(order.length, batchSize, options.dropLast);
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const size = Math.min(batchSize, order.length - start);
    fillBatch(data, order, start, size, buffers);
    yield { index: b, start, size, x: buffers.x.subarray(0, size * d), y: buffers.y.subarray(0, size) };
  }
}
