/**
 * What a torch state_dict pickle may contain, on top of the restricted unpickler: the allow-list of
 * globals (OrderedDict, the tensor and parameter rebuilders, typed storages), persistent ids
 * ('storage', type, key, location, numel[, view]) and tensor views (offset, size, stride in
 * elements), materialised as row-major arrays by a bounds-checked strided gather.
 */
import { ModeconnError } from '../errors.js';
import { bf16ToNumber, f16ToNumber } from './half.js';
import { PyDict, PyGlobal, PyList, PyTuple, type PyValue, type UnpickleHooks } from './pickle.js';
import { DTYPE_SIZE, type SafetensorsDtype, type Tensor, type TensorData } from './safetensors.js';

/** torch storage classes this reader decodes, with their dtypes. */
export const STORAGE_DTYPES: Readonly<Record<string, SafetensorsDtype>> = {
  FloatStorage: 'F32', DoubleStorage: 'F64', HalfStorage: 'F16', BFloat16Storage: 'BF16',
  LongStorage: 'I64', IntStorage: 'I32', ByteStorage: 'U8', BoolStorage: 'BOOL',
};

/** Bytes per element of every storage class admitted; the ones outside STORAGE_DTYPES give UNKNOWN_DTYPE when a tensor uses them. */
export const STORAGE_ELEMENT_SIZE: Readonly<Record<string, number>> = {
  FloatStorage: 4, DoubleStorage: 8, HalfStorage: 2, BFloat16Storage: 2, LongStorage: 8, IntStorage: 4, ByteStorage: 1, BoolStorage: 1,
  ShortStorage: 2, CharStorage: 1, ComplexFloatStorage: 8, ComplexDoubleStorage: 16, QInt8Storage: 1, QUInt8Storage: 1, QInt32Storage: 4,
  QUInt4x2Storage: 1, QUInt2x4Storage: 1,
};

/** The globals a state_dict pickle may name; nothing else is ever looked up. */
export const ALLOWED_GLOBALS: readonly string[] = [
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  ...Object.keys(STORAGE_ELEMENT_SIZE).map((s) => `torch.${s}`),
];

const allowed = new Set(ALLOWED_GLOBALS);

/** A storage named by a persistent id: its key in the file and, for legacy views, an element offset. */
export class StorageRef {
  constructor(readonly type: string, readonly key: string, readonly numel: number, readonly viewOffset = 0) {}
}

/** A tensor as the pickle describes it: a view of a storage (all counts in elements). */
export class TensorView {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

function isCount(v: PyValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function counts(v: PyValue, what: string, fail: (p: string) => never): number[] {
  if (!(v instanceof PyTuple) || !v.items.every(isCount)) fail(`${what} must be a tuple of non-negative integers`);
  return (v as PyTuple).items as number[];
}

/**
 * The hooks of a torch state_dict pickle. `name` prefixes messages; `legacy` admits the 6-field
 * persistent ids of the pre-1.6 format (a view of a root storage); `storageTypes` collects each
 * storage key's class as the persistent ids name it.
 */
export function torchHooks(name: string, legacy: boolean, storageTypes = new Map<string, string>()): UnpickleHooks {
  const fail = (problem: string, at: number): never => {
    throw new ModeconnError('BAD_FILE', `${name}: ${problem} (pickle byte ${at})`);
  };
  return {
    findGlobal(module, global) {
      const qualified = `${module}.${global}`;
      return allowed.has(qualified) ? new PyGlobal(module, global) : undefined;
    },
    persistentLoad(pid, at) {
      const f = (p: string) => fail(`persistent id ${p}`, at);
      if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') f('is not a (\'storage\', …) tuple');
      const items = (pid as PyTuple).items;
      if (items.length !== (legacy ? 6 : 5)) f(`has ${items.length} fields, expected ${legacy ? 6 : 5}`);
      const [, type, key, location, numel] = items;
      if (!(type instanceof PyGlobal) || !type.name.endsWith('Storage')) f('does not name a storage class');
      if (typeof key !== 'string' || typeof location !== 'string') f('needs a string key and location');
      if (!isCount(numel)) f('needs a non-negative element count');
      const storageType = (type as PyGlobal).name;
      if ((storageTypes.get(key as string) ?? storageType) !== storageType) f(`gives storage ${key as string} two types`);
      storageTypes.set(key as string, storageType);
      if (!legacy || items[5] === null) return new StorageRef(storageType, key as string, numel as number);
      const view = items[5];
      if (!(view instanceof PyTuple) || view.items.length !== 3 || typeof view.items[0] !== 'string' || !isCount(view.items[1]) || !isCount(view.items[2])) {
        f('has a malformed view (key, offset, size)');
      }
      const [, offset, size] = (view as PyTuple).items as [string, number, number];
      if (offset + size > (numel as number)) f(`view [${offset}, ${offset + size}) runs past its storage of ${numel} elements`);
      return new StorageRef(storageType, key as string, size, offset);
    },
    reduce(callable, args, at) {
      const f = (p: string) => fail(`${callable.qualified}: ${p}`, at);
      switch (callable.qualified) {
        case 'collections.OrderedDict': {
          const d = new PyDict();
          if (args.length === 0) return d;
          if (args.length === 1 && args[0] instanceof PyList) {
            for (const pair of args[0].items) {
              if (!(pair instanceof PyTuple) || pair.items.length !== 2) f('items must be (key, value) pairs');
              d.entries.set((pair as PyTuple).items[0], (pair as PyTuple).items[1]);
            }
            return d;
          }
          return f('takes no arguments or one list of pairs');
        }
        case 'torch._utils._rebuild_tensor_v2': {
          if (args.length < 6 || args.length > 7) f(`takes 6 or 7 arguments, got ${args.length}`);
          const [storage, offset, size, stride] = args;
          if (!(storage instanceof StorageRef)) f('the first argument is not a storage');
          if (!isCount(offset)) f('the storage offset must be a non-negative integer');
          const sizes = counts(size, 'size', f);
          const strides = counts(stride, 'stride', f);
          if (sizes.length !== strides.length) f(`size has ${sizes.length} dimensions but stride ${strides.length}`);
          return new TensorView(storage as StorageRef, offset as number, sizes, strides);
        }
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          if (!(args[0] instanceof TensorView)) f('the first argument is not a tensor');
          return args[0];
        default:
          return f('is a storage class; it cannot be called');
      }
    },
  };
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes a whole storage's bytes into a typed array of its dtype. */
function decodeStorage(raw: Uint8Array, dtype: SafetensorsDtype, littleEndian: boolean): TensorData {
  const n = raw.length / DTYPE_SIZE[dtype];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const native = littleEndian === littleEndianHost;
  switch (dtype) {
    case 'F32': return native ? new Float32Array(raw.slice().buffer) : Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, littleEndian));
    case 'F64': return native ? new Float64Array(raw.slice().buffer) : Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, littleEndian));
    case 'I32': return native ? new Int32Array(raw.slice().buffer) : Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, littleEndian));
    case 'I64': return native ? new BigInt64Array(raw.slice().buffer) : BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(8 * i, littleEndian));
    case 'F16': case 'BF16': {
      const convert = dtype === 'F16' ? f16ToNumber : bf16ToNumber;
      return Float32Array.from({ length: n }, (_, i) => convert(view.getUint16(2 * i, littleEndian)));
    }
    case 'U8': return raw.slice();
    case 'BOOL': return raw.slice();
  }
}

/** Where tensors come from: storage bytes by key, and the file's byte order. */
export interface StorageSource {
  bytes(key: string): Uint8Array | undefined;
  littleEndian: boolean;
  /** Names a storage in messages, e.g. `entry archive/data/3`. */
  describe(key: string): string;
}

/**
 * A tensor view as a row-major Tensor: checks the storage's dtype and size, that every index
 * offset + Σ (size_d − 1)·stride_d lies inside the storage, then gathers (a copy).
 */
export function materialize(view: TensorView, source: StorageSource, cache: Map<string, TensorData>, where: string): Tensor {
  const { storage } = view;
  const dtype = STORAGE_DTYPES[storage.type];
  if (!dtype) throw new ModeconnError('UNKNOWN_DTYPE', `${where}: storage type torch.${storage.type} is not supported (supported: ${Object.keys(STORAGE_DTYPES).join(', ')})`);
  let data = cache.get(storage.key);
  const raw = source.bytes(storage.key);
  if (raw === undefined) throw new ModeconnError('BAD_FILE', `${where}: storage ${storage.key} (${source.describe(storage.key)}) is missing`);
  const itemSize = DTYPE_SIZE[dtype];
  if (raw.length % itemSize !== 0 || raw.length / itemSize < storage.viewOffset + storage.numel) {
    throw new ModeconnError('BAD_OFFSETS', `${where}: storage ${storage.key} holds ${raw.length} bytes, which is not ${storage.viewOffset + storage.numel} ${dtype} elements`);
  }
  if (!data) {
    data = decodeStorage(raw, dtype, source.littleEndian);
    cache.set(storage.key, data);
  }
  if (dtype === 'BOOL' && (data as Uint8Array).some((b) => b > 1)) throw new ModeconnError('BAD_FILE', `${where}: a BOOL storage holds a byte other than 0 or 1`);
  const { size, stride } = view;
  const count = size.includes(0) ? 0 : size.reduce((a, b) => a * b, 1);
  let last = view.offset;
  for (let d = 0; d < size.length; d++) if (size[d] > 0) last += (size[d] - 1) * stride[d];
  if (count > 0 && (!Number.isSafeInteger(last) || last >= storage.numel)) {
    throw new ModeconnError('BAD_OFFSETS', `${where}: offset ${view.offset}, size [${size}] and stride [${stride}] reach element ${last}, past the storage's ${storage.numel}`);
  }
  if (count > storage.numel) {
    throw new ModeconnError('BAD_OFFSETS', `${where}: size [${size}] has ${count} elements but its storage only ${storage.numel} (stride-0 views are not supported)`);
  }
  const base = storage.viewOffset + view.offset;
  const Out = data.constructor as { new (n: number): TensorData };
  const out = new Out(count);
  // Odometer over the index tuple; the storage index advances by stride[d] per step of axis d.
  const index = new Array<number>(size.length).fill(0);
  let at = base;
  for (let i = 0; i < count; i++) {
    (out as Float32Array)[i] = (data as Float32Array)[at];
    for (let d = size.length - 1; d >= 0; d--) {
      if (++index[d] < size[d]) {
        at += stride[d];
        break;
      }
      at -= (size[d] - 1) * stride[d];
      index[d] = 0;
    }
  }
  return { dtype, shape: [...size], data: out };
}
