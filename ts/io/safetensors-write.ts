/**
 * safetensors writing, deterministic and byte-compatible with the reference implementation: data
 * ordered by dtype (widest first, so every tensor stays aligned) then name, header keys in the same
 * order after "__metadata__" (keys sorted), JSON padded with spaces to a multiple of 8 bytes.
 */
import { ModeconnError } from '../errors.js';
import { numberToBf16, numberToF16 } from './half.js';
import { DTYPE_SIZE, type SafetensorsDtype, type TensorData } from './safetensors.js';

/** A tensor to write. dtype defaults from the array type (Float32Array → F32, Float64Array → F64, BigInt64Array → I64, Int32Array → I32, Uint8Array → U8). */
export interface TensorInput {
  dtype?: SafetensorsDtype;
  shape: readonly number[];
  /** Values in row-major order; F16/BF16 take any numbers and round to nearest even. */
  data: TensorData | ArrayLike<number>;
}

/** Options of `serializeSafetensors`. */
export interface WriteSafetensorsOptions {
  /** The "__metadata__" string map (omitted when empty or absent). */
  metadata?: Record<string, string>;
  /** Write NaN/±Inf instead of throwing NON_FINITE (default false). */
  allowNonFinite?: boolean;
  /** Name for error messages (default 'safetensors data'). */
  name?: string;
}

/** The reference implementation's dtype order (data is laid out from the highest rank down). */
const RANK: Record<SafetensorsDtype, number> = { BOOL: 0, U8: 1, F16: 2, BF16: 3, I32: 4, F32: 5, F64: 6, I64: 7 };

/** Serialises tensors (a record or a map, name → tensor) into safetensors bytes. */
export function serializeSafetensors(tensors: Record<string, TensorInput> | Map<string, TensorInput>, options: WriteSafetensorsOptions = {}): Uint8Array {
  const name = options.name ?? 'safetensors data';
  const items = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).map(([tensor, input]) => ({
    tensor,
    input,
    dtype: resolveDtype(tensor, input, name),
  }));
  items.sort((a, b) => RANK[b.dtype] - RANK[a.dtype] || (a.tensor < b.tensor ? -1 : a.tensor > b.tensor ? 1 : 0));
  const header: Record<string, unknown> = {};
  const metadata = options.metadata ?? {};
  const metaKeys = Object.keys(metadata).sort();
  if (metaKeys.length > 0) {
    const sorted: Record<string, string> = {};
    for (const k of metaKeys) {
      const v = metadata[k];
      if (typeof v !== 'string') throw new ModeconnError('BAD_ARGUMENT', `${name}: metadata "${k}" must be a string`);
      Object.defineProperty(sorted, k, { value: v, enumerable: true });
    }
    header.__metadata__ = sorted;
  }
  const encoded: Uint8Array[] = [];
  let offset = 0;
  for (const { tensor, input, dtype } of items) {
    if (tensor === '__metadata__' || tensor.length === 0) throw new ModeconnError('BAD_ARGUMENT', `${name}: invalid tensor name ${JSON.stringify(tensor)}`);
    const bytes = encodeTensor(tensor, input, dtype, name, options.allowNonFinite ?? false);
    Object.defineProperty(header, tensor, {
      value: { dtype, shape: [...input.shape], data_offsets: [offset, offset + bytes.length] },
      enumerable: true,
    });
    offset += bytes.length;
    encoded.push(bytes);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 4294967296, true);
  view.setUint32(4, Math.floor(padded / 4294967296), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const bytes of encoded) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

function resolveDtype(tensor: string, input: TensorInput, name: string): SafetensorsDtype {
  if (input.dtype !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(DTYPE_SIZE, input.dtype)) {
      throw new ModeconnError('UNKNOWN_DTYPE', `${name}: tensor "${tensor}": unsupported dtype ${JSON.stringify(input.dtype)}`);
    }
    return input.dtype;
  }
  const d = input.data;
  if (d instanceof Float32Array) return 'F32';
  if (d instanceof Float64Array) return 'F64';
  if (d instanceof BigInt64Array) return 'I64';
  if (d instanceof Int32Array) return 'I32';
  if (d instanceof Uint8Array) return 'U8';
  throw new ModeconnError('BAD_ARGUMENT', `${name}: tensor "${tensor}": give a dtype for data that is not a typed array`);
}

function encodeTensor(tensor: string, input: TensorInput, dtype: SafetensorsDtype, name: string, allowNonFinite: boolean): Uint8Array {
  const where = `${name}: tensor "${tensor}"`;
  const { shape, data } = input;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ModeconnError('BAD_SHAPE', `${where}: shape must be a list of non-negative integers`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new ModeconnError('BAD_SHAPE', `${where}: shape [${shape}] holds ${count} values, data has ${data.length}`);
  const out = new Uint8Array(count * DTYPE_SIZE[dtype]);
  const view = new DataView(out.buffer);
  const isBig = data instanceof BigInt64Array;
  const num = (i: number): number => (isBig ? Number((data as BigInt64Array)[i]) : (data as ArrayLike<number>)[i]);
  const checkFinite = (v: number, i: number) => {
    if (!allowNonFinite && !Number.isFinite(v)) {
      throw new ModeconnError('NON_FINITE', `${where}: element ${i} is ${v}`, { advice: 'pass { allowNonFinite: true } to write it anyway' });
    }
  };
  const checkInt = (v: number, i: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ModeconnError('BAD_ARGUMENT', `${where}: element ${i} = ${v} is not a ${dtype} value`);
  };
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F32':
        checkFinite(num(i), i);
        view.setFloat32(4 * i, num(i), true);
        break;
      case 'F64':
        checkFinite(num(i), i);
        view.setFloat64(8 * i, num(i), true);
        break;
      case 'F16':
        checkFinite(num(i), i);
        view.setUint16(2 * i, numberToF16(num(i)), true);
        break;
      case 'BF16':
        checkFinite(num(i), i);
        view.setUint16(2 * i, numberToBf16(num(i)), true);
        break;
      case 'I64':
        if (isBig) {
          view.setBigInt64(8 * i, (data as BigInt64Array)[i], true);
        } else {
          checkInt(num(i), i, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
          view.setBigInt64(8 * i, BigInt(num(i)), true);
        }
        break;
      case 'I32':
        checkInt(num(i), i, -2147483648, 2147483647);
        view.setInt32(4 * i, num(i), true);
        break;
      case 'U8':
        checkInt(num(i), i, 0, 255);
        out[i] = num(i);
        break;
      case 'BOOL':
        checkInt(num(i), i, 0, 1);
        out[i] = num(i);
        break;
    }
  }
  return out;
}
