/**
 * safetensors reading: [u64 LE header length N][N bytes of JSON][data]. The JSON maps tensor names
 * to { dtype, shape, data_offsets: [begin, end] } (relative to the data section) plus an optional
 * "__metadata__" string map. Everything is validated before any tensor byte is read.
 */
import { ModeconnError } from '../errors.js';
import { notSafetensorsError } from './file-format.js';
import { bf16ToNumber, f16ToNumber } from './half.js';

/** The dtypes this reader and writer support. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDtype, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

/** In-memory tensor data: F16/BF16/F32 → Float32Array, F64 → Float64Array, I64 → BigInt64Array, I32 → Int32Array, U8/BOOL → Uint8Array. */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** One tensor as read from a file. */
export interface Tensor {
  /** The dtype stored in the file. */
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

/** A parsed safetensors file. */
export interface SafetensorsFile {
  /** File name (or label) used in messages. */
  name: string;
  /** Tensors in file (data) order. */
  tensors: Map<string, Tensor>;
  /** The "__metadata__" map ({} when absent). */
  metadata: Record<string, string>;
  /** Non-fatal findings (non-finite values when allowNonFinite is set). */
  warnings: string[];
}

/** Options of `parseSafetensors`. */
export interface ReadSafetensorsOptions {
  /** File name for messages (default 'safetensors data'). */
  name?: string;
  /** Report NaN/±Inf in float tensors as warnings instead of throwing NON_FINITE (default false). */
  allowNonFinite?: boolean;
  /** Largest accepted JSON header in bytes (default 100 MB), so a hostile length cannot exhaust memory. */
  maxHeaderBytes?: number;
}

/** Default cap on the JSON header (100 MB, as the reference implementation). */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

interface Entry {
  tensor: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses a safetensors file from bytes. Errors name the file, the tensor and the problem. */
export function parseSafetensors(bytes: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  const name = options.name ?? 'safetensors data';
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const foreign = notSafetensorsError(bytes, name);
  if (foreign) throw foreign;
  if (bytes.length < 8) throw fail('BAD_FILE', name, `${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLength = hi * 4294967296 + lo;
  if (headerLength > maxHeader) {
    throw fail('HEADER_TOO_LARGE', name, `declared header of ${headerLength} bytes exceeds the ${maxHeader}-byte limit`);
  }
  if (headerLength > bytes.length - 8) {
    throw fail('BAD_FILE', name, `declared header of ${headerLength} bytes runs beyond the end of the ${bytes.length}-byte file`);
  }
  const header = decodeHeader(bytes.subarray(8, 8 + headerLength), name);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata = readMetadata(header.__metadata__, name);
  const entries: Entry[] = [];
  for (const [tensor, info] of Object.entries(header)) {
    if (tensor !== '__metadata__') entries.push(readEntry(tensor, info, dataLength, name));
  }
  checkLayout(entries, dataLength, name);
  const tensors = new Map<string, Tensor>();
  const warnings: string[] = [];
  for (const e of entries) {
    const data = decodeTensor(bytes.subarray(dataStart + e.begin, dataStart + e.end), e, name);
    const bad = countNonFinite(data);
    if (bad > 0) {
      const problem = `${bad} non-finite value${bad > 1 ? 's' : ''} (NaN or Inf)`;
      if (!options.allowNonFinite) {
        throw fail('NON_FINITE', name, `tensor "${e.tensor}" has ${problem}`, 'pass { allowNonFinite: true } to load it anyway');
      }
      warnings.push(`${name}: tensor "${e.tensor}" has ${problem}`);
    }
    tensors.set(e.tensor, { dtype: e.dtype, shape: e.shape, data });
  }
  return { name, tensors, metadata, warnings };
}

function decodeHeader(raw: Uint8Array, name: string): Record<string, unknown> {
  let text: string;
  let parsed: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (cause) {
    throw fail('BAD_FILE', name, 'header is not valid UTF-8', undefined, cause);
  }
  if (!text.startsWith('{')) throw fail('BAD_FILE', name, 'header is not a JSON object (it must start with "{")');
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw fail('BAD_FILE', name, `header is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`, undefined, cause);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw fail('BAD_FILE', name, 'header is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function readMetadata(value: unknown, name: string): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value === undefined || value === null) return metadata;
  if (typeof value !== 'object' || Array.isArray(value)) throw fail('BAD_FILE', name, '"__metadata__" must be a map of strings');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw fail('BAD_FILE', name, `"__metadata__" entry "${k}" is not a string`);
    Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

function readEntry(tensor: string, info: unknown, dataLength: number, name: string): Entry {
  const where = `tensor "${tensor}"`;
  if (info === null || typeof info !== 'object' || Array.isArray(info)) throw fail('BAD_FILE', name, `${where}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string') throw fail('BAD_FILE', name, `${where}: missing dtype`);
  if (!Object.prototype.hasOwnProperty.call(DTYPE_SIZE, dtype)) {
    throw fail('UNKNOWN_DTYPE', name, `${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_SIZE).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail('BAD_FILE', name, `${where}: shape must be a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw fail('BAD_OFFSETS', name, `${where}: data_offsets must be two non-negative integers [begin, end]`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end) throw fail('BAD_OFFSETS', name, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    throw fail('BAD_OFFSETS', name, `${where}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section`);
  }
  const size = DTYPE_SIZE[dtype as SafetensorsDtype];
  let count = 1;
  for (const d of shape as number[]) count *= d;
  if ((shape as number[]).includes(0)) count = 0; // a product that overflowed before the 0 is still empty
  if (count * size !== end - begin) {
    const need = Number.isSafeInteger(count * size) ? `${count * size} bytes` : 'over 2^53 bytes';
    throw fail('BAD_OFFSETS', name, `${where}: ${dtype} of shape [${shape}] needs ${need} but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { tensor, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end };
}

/** Tensors must tile the data section exactly: sorted by begin, each starts where the last ended. */
function checkLayout(entries: Entry[], dataLength: number, name: string): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous = '';
  for (const e of entries) {
    if (e.begin < at) {
      throw fail('BAD_OFFSETS', name, `tensor "${e.tensor}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${previous}" (which ends at ${at})`);
    }
    if (e.begin > at) {
      throw fail('BAD_OFFSETS', name, `tensor "${e.tensor}": data_offsets [${e.begin}, ${e.end}] leave a gap of ${e.begin - at} bytes after ${previous ? `tensor "${previous}"` : 'the header'} (tensors must be contiguous)`);
    }
    at = e.end;
    previous = e.tensor;
  }
  if (at !== dataLength) {
    throw fail('BAD_OFFSETS', name, `the tensors cover ${at} bytes but the data section has ${dataLength} (trailing bytes)`);
  }
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decodeTensor(raw: Uint8Array, e: Entry, name: string): TensorData {
  const count = raw.length / DTYPE_SIZE[e.dtype];
  const copy = (): ArrayBuffer => raw.slice().buffer;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (e.dtype) {
    case 'F32':
      return littleEndianHost ? new Float32Array(copy()) : Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
    case 'F64':
      return littleEndianHost ? new Float64Array(copy()) : Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, true));
    case 'I32':
      return littleEndianHost ? new Int32Array(copy()) : Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
    case 'I64':
      return littleEndianHost ? new BigInt64Array(copy()) : BigInt64Array.from({ length: count }, (_, i) => view.getBigInt64(8 * i, true));
    case 'F16':
    case 'BF16': {
      const convert = e.dtype === 'F16' ? f16ToNumber : bf16ToNumber;
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = convert(view.getUint16(2 * i, true));
      return out;
    }
    case 'U8':
      return raw.slice();
    case 'BOOL': {
      for (let i = 0; i < raw.length; i++) {
        if (raw[i] > 1) throw fail('BAD_FILE', name, `tensor "${e.tensor}": BOOL element ${i} holds ${raw[i]} (only 0 and 1 are valid)`);
      }
      return raw.slice();
    }
  }
}

function countNonFinite(data: TensorData): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return 0;
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
  return bad;
}

/** Options of `expectTensors`. */
export interface ExpectTensorsOptions {
  /** Accept tensors that are not in the list (default false: UNEXPECTED_TENSOR). */
  allowExtra?: boolean;
}

/** Checks that the file holds exactly `names`; MISSING_TENSOR or UNEXPECTED_TENSOR listing the difference. */
export function expectTensors(file: SafetensorsFile, names: Iterable<string>, options: ExpectTensorsOptions = {}): void {
  const wanted = new Set(names);
  const missing = [...wanted].filter((n) => !file.tensors.has(n));
  const extra = [...file.tensors.keys()].filter((n) => !wanted.has(n));
  const list = (xs: string[]) => xs.map((x) => `"${x}"`).join(', ');
  if (missing.length > 0) {
    const also = extra.length > 0 ? `; it has unexpected ${list(extra)}` : '';
    throw fail('MISSING_TENSOR', file.name, `missing tensor${missing.length > 1 ? 's' : ''} ${list(missing)}${also}`);
  }
  if (extra.length > 0 && !options.allowExtra) {
    throw fail('UNEXPECTED_TENSOR', file.name, `unexpected tensor${extra.length > 1 ? 's' : ''} ${list(extra)}`);
  }
}

/** Any tensor's values as a Float32Array (I64 via Number; a copy unless already F32-typed). */
export function tensorToFloat32(tensor: Tensor): Float32Array {
  const { data } = tensor;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, (v) => Number(v));
  return Float32Array.from(data);
}

function fail(code: 'BAD_FILE' | 'HEADER_TOO_LARGE' | 'UNKNOWN_DTYPE' | 'BAD_OFFSETS' | 'NON_FINITE' | 'MISSING_TENSOR' | 'UNEXPECTED_TENSOR', name: string, problem: string, advice?: string, cause?: unknown): ModeconnError {
  return new ModeconnError(code, `${name}: ${problem}`, { advice, cause });
}
