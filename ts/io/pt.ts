/**
 * PyTorch checkpoints (`torch.save` of a state_dict) read without running anything: the zip format
 * (≥ 1.6) and the legacy format (magic, protocol, sys info, object, storage keys, then per storage
 * an int64 element count and its raw bytes). The result has the shape of a parsed safetensors file.
 */
import { ModeconnError } from '../errors.js';
import { PyDict, PyList, unpickle, type PyValue } from './pickle.js';
import { isZip, readTorchZip } from './pt-zip.js';
import type { SafetensorsFile, Tensor, TensorData } from './safetensors.js';
import { materialize, STORAGE_ELEMENT_SIZE, TensorView, torchHooks, type StorageSource } from './torch-pickle.js';

/** A parsed .pt file: its tensors, where they came from, and which checkpoint key held them. */
export interface PtFile extends SafetensorsFile {
  format: 'pt-zip' | 'pt-legacy';
  /** The key of a nested checkpoint that held the state_dict (e.g. 'state_dict'), or null for a bare state_dict. */
  key: string | null;
}

/** Options of `parsePt`. */
export interface ReadPtOptions {
  /** File name for messages (default 'pt data'). */
  name?: string;
  /** Key of the state_dict inside a checkpoint dict ('/'-separated for deeper ones); default: found (see `STATE_DICT_KEYS`). */
  key?: string;
  /** Report NaN/±Inf as warnings instead of throwing NON_FINITE (default false). */
  allowNonFinite?: boolean;
}

/** Keys tried, in order, when a checkpoint is a dict that holds the state_dict among other things. */
export const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model_state', 'model', 'net', 'network', 'module', 'params', 'weights'];

/** The pickle magic number that starts a legacy torch file (a LONG1 in its own pickle). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** True when the bytes start like torch's legacy format (PROTO 2, LONG1 of 10 bytes). */
export function isLegacyPt(bytes: Uint8Array): boolean {
  return bytes.length >= 14 && bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a;
}

/** Parses a .pt file from bytes (zip or legacy format). Errors name the file, the entry or tensor and the problem. */
export function parsePt(bytes: Uint8Array, options: ReadPtOptions = {}): PtFile {
  const name = options.name ?? 'pt data';
  if (isZip(bytes)) return parseZipPt(bytes, name, options);
  if (isLegacyPt(bytes)) return parseLegacyPt(bytes, name, options);
  throw new ModeconnError('BAD_FILE', `${name}: not a PyTorch checkpoint (neither a zip nor torch's legacy pickle format)`);
}

function parseZipPt(bytes: Uint8Array, name: string, options: ReadPtOptions): PtFile {
  const zip = readTorchZip(bytes, name);
  const where = `${name}: ${zip.prefix}/data.pkl`;
  const order = zip.entries.get('byteorder');
  const byteorder = order === undefined ? 'little' : new TextDecoder().decode(order).trim();
  if (byteorder !== 'little' && byteorder !== 'big') throw new ModeconnError('BAD_FILE', `${name}: ${zip.prefix}/byteorder says ${JSON.stringify(byteorder)}, expected little or big`);
  const { value } = unpickle(zip.entries.get('data.pkl')!, torchHooks(where, false), { name: where });
  const source: StorageSource = {
    bytes: (key) => zip.entries.get(`data/${key}`),
    littleEndian: byteorder === 'little',
    describe: (key) => `entry ${zip.prefix}/data/${key}`,
  };
  return collect(value, source, name, 'pt-zip', options);
}

function parseLegacyPt(bytes: Uint8Array, name: string, options: ReadPtOptions): PtFile {
  const plain = torchHooks(`${name}: header`, true);
  let at = 0;
  const next = (what: string, hooks = plain) => {
    const r = unpickle(bytes, hooks, { name: `${name}: ${what}`, start: at });
    at = r.end;
    return r.value;
  };
  if (next('magic number') !== LEGACY_MAGIC) throw new ModeconnError('BAD_FILE', `${name}: legacy format magic number does not match`);
  const protocol = next('protocol version');
  if (protocol !== 1001) throw new ModeconnError('BAD_FILE', `${name}: legacy protocol version ${String(protocol)} is not supported (1001 is)`);
  const info = next('system info');
  const little = info instanceof PyDict ? info.entries.get('little_endian') : undefined;
  if (typeof little !== 'boolean') throw new ModeconnError('BAD_FILE', `${name}: legacy system info lacks little_endian`);
  const storageTypes = new Map<string, string>();
  const value = next('data pickle', torchHooks(`${name}: data pickle`, true, storageTypes));
  const keys = next('storage keys');
  if (!(keys instanceof PyList && keys.items.every((k) => typeof k === 'string'))) {
    throw new ModeconnError('BAD_FILE', `${name}: legacy storage key list is not a list of strings`);
  }
  const storages = new Map<string, Uint8Array>();
  for (const key of keys.items as string[]) {
    if (at + 8 > bytes.length) throw new ModeconnError('BAD_FILE', `${name}: truncated: storage ${key}'s element count runs past the end of the file`);
    const numel = new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigInt64(0, little);
    at += 8;
    const size = STORAGE_ELEMENT_SIZE[storageTypes.get(key) ?? ''] ?? 1; // a storage no tensor names: its bytes are skipped
    const length = Number(numel) * size;
    if (numel < 0n || !Number.isSafeInteger(length) || length > bytes.length - at) {
      throw new ModeconnError('BAD_OFFSETS', `${name}: storage ${key} declares ${numel} elements of ${size} bytes, past the end of the file`);
    }
    storages.set(key, bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new ModeconnError('BAD_FILE', `${name}: ${bytes.length - at} trailing bytes after the last storage`);
  const source: StorageSource = { bytes: (key) => storages.get(key), littleEndian: little, describe: (key) => `legacy storage ${key}` };
  return collect(value, source, name, 'pt-legacy', options);
}

function isTensorDict(v: PyValue): v is PyDict {
  return v instanceof PyDict && v.entries.size > 0 && [...v.entries].every(([k, t]) => typeof k === 'string' && t instanceof TensorView);
}

/** The state_dict inside the unpickled object: the object itself, `options.key`, or the first of STATE_DICT_KEYS. */
function findStateDict(value: PyValue, name: string, key: string | undefined): { dict: PyDict; key: string | null } {
  if (key !== undefined) {
    let v: PyValue = value;
    for (const part of key.split('/')) v = v instanceof PyDict ? (v.entries.get(part) ?? null) : null;
    if (!isTensorDict(v)) throw new ModeconnError('BAD_FILE', `${name}: key "${key}" does not hold a dict of tensors`);
    return { dict: v, key };
  }
  if (isTensorDict(value)) return { dict: value, key: null };
  if (!(value instanceof PyDict)) throw new ModeconnError('BAD_FILE', `${name}: the checkpoint is not a dict (a state_dict, or a dict holding one)`);
  for (const k of STATE_DICT_KEYS) {
    const v = value.entries.get(k);
    if (isTensorDict(v ?? null)) return { dict: v as PyDict, key: k };
  }
  const nested = [...value.entries].filter(([, v]) => isTensorDict(v));
  if (nested.length === 1 && typeof nested[0][0] === 'string') return { dict: nested[0][1] as PyDict, key: nested[0][0] };
  const keys = [...value.entries.keys()].map((k) => JSON.stringify(k)).slice(0, 12).join(', ');
  throw new ModeconnError('BAD_FILE', `${name}: no state_dict (a dict of tensors) found; the checkpoint's keys are ${keys || 'none'}`, {
    advice: 'pass { key } (CLI: --key) naming the entry that holds the state_dict',
  });
}

function collect(value: PyValue, source: StorageSource, name: string, format: PtFile['format'], options: ReadPtOptions): PtFile {
  const { dict, key } = findStateDict(value, name, options.key);
  const tensors = new Map<string, Tensor>();
  const cache = new Map<string, TensorData>();
  const warnings: string[] = key === null ? [] : [`${name}: the state_dict was read from key "${key}"`];
  for (const [tensorName, view] of dict.entries) {
    const where = `${name}: tensor "${tensorName as string}"`;
    const tensor = materialize(view as TensorView, source, cache, where);
    if (tensor.data instanceof Float32Array || tensor.data instanceof Float64Array) {
      const bad = tensor.data.filter((v) => !Number.isFinite(v)).length;
      if (bad > 0) {
        const problem = `${bad} non-finite value${bad > 1 ? 's' : ''} (NaN or Inf)`;
        if (!options.allowNonFinite) throw new ModeconnError('NON_FINITE', `${where} has ${problem}`, { advice: 'pass { allowNonFinite: true } to load it anyway' });
        warnings.push(`${where} has ${problem}`);
      }
    }
    tensors.set(tensorName as string, tensor);
  }
  return { name, tensors, metadata: {}, warnings, format, key };
}
