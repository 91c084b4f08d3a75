/**
 * Writing a state_dict as torch.save does (zip format, pickle protocol 2): an OrderedDict of
 * `_rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())` with one persistent storage
 * ('storage', torch.FloatStorage | torch.LongStorage, key, 'cpu', numel) per tensor, whose bytes are
 * `archive/data/<key>` (little-endian), plus `archive/byteorder` and `archive/version`.
 */
import { ModeconnError } from '../errors.js';
import { writeTorchZip } from './pt-zip.js';

/** A tensor to write: F32 values or I64 counters, row-major. */
export interface PtTensorInput {
  shape: readonly number[];
  data: Float32Array | BigInt64Array;
}

/** Appends pickle opcodes to a growing byte list. */
class PickleWriter {
  private readonly chunks: number[] = [];
  private readonly encoder = new TextEncoder();

  op(...bytes: number[]): this {
    for (const b of bytes) this.chunks.push(b);
    return this;
  }

  global(module: string, name: string): this {
    return this.op(0x63, ...this.encoder.encode(`${module}\n${name}\n`));
  }

  text(s: string): this {
    const bytes = this.encoder.encode(s);
    return this.op(0x58, ...u32(bytes.length), ...bytes); // BINUNICODE
  }

  int(v: number): this {
    if (v >= 0 && v < 256) return this.op(0x4b, v); // BININT1
    if (v >= -0x80000000 && v <= 0x7fffffff) return this.op(0x4a, ...u32(v)); // BININT
    // LONG1: little-endian two's complement, 8 bytes is enough for any safe integer.
    const out: number[] = [];
    let x = BigInt(v);
    for (let i = 0; i < 8; i++, x >>= 8n) out.push(Number(x & 0xffn));
    return this.op(0x8a, 8, ...out);
  }

  tuple(values: readonly number[]): this {
    if (values.length === 0) return this.op(0x29); // EMPTY_TUPLE
    this.op(0x28); // MARK
    for (const v of values) this.int(v);
    return this.op(0x74); // TUPLE
  }

  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').op(0x29, 0x52); // EMPTY_TUPLE, REDUCE
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(data.length * (data instanceof Float32Array ? 4 : 8));
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else data.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return out;
}

/**
 * A state_dict as .pt bytes that `torch.load` reads (zip format, as torch ≥ 1.6 writes it).
 * Tensors are written in the given order; BAD_ARGUMENT when a shape and its data disagree.
 */
export function serializePt(tensors: Map<string, PtTensorInput> | Array<[string, PtTensorInput]>, options: { name?: string } = {}): Uint8Array {
  const name = options.name ?? 'pt data';
  const p = new PickleWriter().op(0x80, 2).emptyOrderedDict().op(0x28); // PROTO 2, OrderedDict(), MARK
  const storages: Array<[string, Uint8Array]> = [];
  [...tensors].forEach(([tensor, { shape, data }], i) => {
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array || data instanceof BigInt64Array) || data.length !== count || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new ModeconnError('BAD_ARGUMENT', `${name}: tensor "${tensor}" has shape [${shape}] but ${data?.length} values (F32 or I64 data)`);
    }
    const key = String(i);
    p.text(tensor).global('torch._utils', '_rebuild_tensor_v2').op(0x28); // MARK (args)
    p.op(0x28).text('storage').global('torch', data instanceof Float32Array ? 'FloatStorage' : 'LongStorage').text(key).text('cpu').int(count).op(0x74); // pid tuple
    p.op(0x51); // BINPERSID
    p.int(0).tuple(shape).tuple(contiguousStrides(shape)).op(0x89).emptyOrderedDict(); // offset, size, stride, False, hooks
    p.op(0x74, 0x52); // TUPLE, REDUCE
    storages.push([`data/${key}`, littleEndianBytes(data)]);
  });
  p.op(0x75, 0x2e); // SETITEMS, STOP
  return writeTorchZip('archive', [['data.pkl', p.bytes()], ['byteorder', new TextEncoder().encode('little')], ...storages, ['version', new TextEncoder().encode('3\n')]]);
}
