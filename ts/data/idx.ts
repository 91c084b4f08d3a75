/**
 * IDX files (MNIST, Fashion-MNIST, KMNIST): magic 00 00 <dtype> <ndims>, ndims big-endian u32
 * dims, then big-endian data of exactly prod(dims) elements. Gzip is detected by its magic.
 */
import { ModeconnError } from '../errors.js';
import { createDataSet, sampleSize, type DataSet } from './dataset.js';
import { DEFAULT_MAX_INFLATED_BYTES, gunzip, isGzip } from './gzip.js';

/** IDX element types by their dtype byte. */
export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

const DTYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'u8', size: 1 },
  0x09: { dtype: 'i8', size: 1 },
  0x0b: { dtype: 'i16', size: 2 },
  0x0c: { dtype: 'i32', size: 4 },
  0x0d: { dtype: 'f32', size: 4 },
  0x0e: { dtype: 'f64', size: 8 },
};

/** A decoded IDX array in host byte order. */
export interface IdxArray {
  dtype: IdxDtype;
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Parses an uncompressed IDX file; BAD_FILE / UNKNOWN_DTYPE naming `name` and the problem. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw bad(name, `${bytes.length} bytes is too short for the 4-byte IDX magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw bad(name, `bad magic ${hex(bytes[0])} ${hex(bytes[1])} (an IDX file starts with 00 00)`);
  }
  const type = DTYPES[bytes[2]];
  if (!type) {
    throw new ModeconnError('UNKNOWN_DTYPE', `${name}: unknown IDX dtype byte ${hex(bytes[2])} (supported: 08 u8, 09 i8, 0b i16, 0c i32, 0d f32, 0e f64)`);
  }
  const ndims = bytes[3];
  if (ndims < 1) throw bad(name, 'an IDX file needs at least one dimension, the header has 0');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw bad(name, `truncated header: ${ndims} dims need ${headerBytes} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  const payload = bytes.length - headerBytes;
  let count = 1;
  for (let k = 0; k < ndims; k++) {
    const d = view.getUint32(4 + 4 * k, false);
    dims.push(d);
    count *= d;
  }
  // A product too big to be exact is certainly larger than the payload.
  const expected = count * type.size;
  if (expected !== payload) {
    throw bad(name, `dims [${dims}] of ${type.dtype} need ${Number.isSafeInteger(expected) ? expected : 'over 2^53'} data bytes, the file has ${payload}`);
  }
  return { dtype: type.dtype, dims, data: decodeBigEndian(view, headerBytes, count, type.dtype) };
}

function decodeBigEndian(view: DataView, at: number, count: number, dtype: IdxDtype): IdxArray['data'] {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + at, count * DTYPES_SIZE[dtype]);
  switch (dtype) {
    case 'u8':
      return bytes.slice();
    case 'i8':
      return new Int8Array(bytes.slice().buffer);
    case 'i16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'i32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'f32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'f64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

const DTYPES_SIZE: Record<IdxDtype, number> = { u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 };

/** Parses an IDX file that may be gzip-compressed (detected by magic, inflated up to maxBytes). */
export async function decodeIdx(bytes: Uint8Array, name = 'IDX data', maxBytes = DEFAULT_MAX_INFLATED_BYTES): Promise<IdxArray> {
  return parseIdx(isGzip(bytes) ? await gunzip(bytes, name, maxBytes) : bytes, name);
}

/** Options of `loadIdx`. */
export interface LoadIdxOptions {
  /** Data set name, also used in error messages (default 'idx'). */
  name?: string;
  /** Names of the two files in error messages (default `${name} images` / `${name} labels`). */
  imagesName?: string;
  labelsName?: string;
  /** Number of classes (default: largest label + 1). */
  classes?: number;
  /** Divide u8 pixels by 255 so they lie in [0, 1] (default true); other dtypes are never scaled. */
  scale?: boolean;
  /** Sample shape (product must match); default [1, h, w] for [n, h, w] images, else dims[1..]. */
  shape?: number[];
  /** Cap on inflated bytes per gzip file (default 1 GiB). */
  maxBytes?: number;
}

/**
 * Builds a DataSet from an images file [n, ...] and a labels file [n] (gzip or raw IDX bytes).
 * u8 images become [0, 1] floats (v / 255) unless `scale: false`.
 */
export async function loadIdx(imagesBytes: Uint8Array, labelsBytes: Uint8Array, options: LoadIdxOptions = {}): Promise<DataSet> {
  const name = options.name ?? 'idx';
  const imagesName = options.imagesName ?? `${name} images`;
  const labelsName = options.labelsName ?? `${name} labels`;
  const images = await decodeIdx(imagesBytes, imagesName, options.maxBytes);
  const labels = await decodeIdx(labelsBytes, labelsName, options.maxBytes);
  if (images.dims.length < 2) throw bad(imagesName, `images need at least 2 dims [n, ...], got [${images.dims}]`);
  if (labels.dims.length !== 1) throw bad(labelsName, `labels need 1 dim [n], got [${labels.dims}]`);
  if (labels.dtype === 'f32' || labels.dtype === 'f64') throw bad(labelsName, `labels must be integers, got ${labels.dtype}`);
  const n = images.dims[0];
  if (labels.dims[0] !== n) {
    throw bad(labelsName, `has ${labels.dims[0]} labels but ${imagesName} has ${n} images`);
  }
  const y = new Uint32Array(n);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (v < 0) throw bad(labelsName, `label ${v} of sample ${i} is negative`);
    y[i] = v;
    if (v > maxLabel) maxLabel = v;
  }
  const classes = options.classes ?? Math.max(1, maxLabel + 1);
  if (maxLabel >= classes) throw bad(labelsName, `label ${maxLabel} is not below classes = ${classes}`);
  const inner = images.dims.slice(1);
  if (inner.includes(0)) throw bad(imagesName, `empty samples of shape [${inner}]`);
  const shape = options.shape ?? (inner.length === 2 ? [1, ...inner] : inner);
  if (sampleSize(shape) !== sampleSize(inner)) {
    throw new ModeconnError('BAD_SHAPE', `${imagesName}: shape [${shape}] does not hold samples of [${inner}]`);
  }
  const x = new Float32Array(images.data.length);
  const src = images.data;
  if (images.dtype === 'u8' && options.scale !== false) {
    for (let i = 0; i < x.length; i++) x[i] = src[i] / 255;
  } else {
    x.set(src);
  }
  return createDataSet({ name, x, y, shape, classes });
}

function bad(name: string, problem: string): ModeconnError {
  return new ModeconnError('BAD_FILE', `${name}: ${problem}`);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
