/** Hand-made pickles and torch zips for the malformed-file corpus and the fuzzers. */
import { writeTorchZip } from '../../ts/io/pt-zip.js';

const enc = new TextEncoder();

/** Pickle opcode bytes, by name (the subset tests need). */
export const OP = {
  PROTO: 0x80, MARK: 0x28, STOP: 0x2e, GLOBAL: 0x63, STACK_GLOBAL: 0x93, SHORT_BINUNICODE: 0x8c, BINUNICODE: 0x58,
  EMPTY_TUPLE: 0x29, TUPLE: 0x74, REDUCE: 0x52, EMPTY_DICT: 0x7d, SETITEM: 0x73, SETITEMS: 0x75, BININT: 0x4a,
  BININT1: 0x4b, NEWFALSE: 0x89, BINPERSID: 0x51, BINGET: 0x68, INST: 0x69, OBJ: 0x6f, NEWOBJ: 0x81, EXT1: 0x82,
  EMPTY_LIST: 0x5d, APPEND: 0x61, BINPUT: 0x71, BUILD: 0x62, NONE: 0x4e,
} as const;

/** Bytes of a pickle built from opcodes, strings (GLOBAL lines or raw text) and numbers. */
export class Pickle {
  readonly bytes: number[] = [OP.PROTO, 2];

  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }

  global(module: string, name: string): this {
    return this.op(OP.GLOBAL, ...enc.encode(`${module}\n${name}\n`));
  }

  str(s: string): this {
    const b = enc.encode(s);
    return this.op(OP.BINUNICODE, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b);
  }

  int(v: number): this {
    return this.op(OP.BININT, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  tuple(values: number[]): this {
    this.op(OP.MARK);
    for (const v of values) this.int(v);
    return this.op(OP.TUPLE);
  }

  /** `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
  tensor(o: { type?: string; key?: string; numel: number; offset?: number; size: number[]; stride: number[] }): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(OP.MARK);
    this.op(OP.MARK).str('storage').global('torch', o.type ?? 'FloatStorage').str(o.key ?? '0').str('cpu').int(o.numel).op(OP.TUPLE, OP.BINPERSID);
    this.int(o.offset ?? 0).tuple(o.size).tuple(o.stride).op(OP.NEWFALSE).global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE);
    return this.op(OP.TUPLE, OP.REDUCE);
  }

  /** `{name: tensor}` around `body`, which must push one tensor. */
  static stateDict(name: string, body: (p: Pickle) => void): Pickle {
    const p = new Pickle().op(OP.EMPTY_DICT).str(name);
    body(p);
    return p.op(OP.SETITEM, OP.STOP);
  }

  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** A torch zip of a data.pkl and storages (key → bytes), with optional extra entries. */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}, extra: Array<[string, Uint8Array]> = []): Uint8Array {
  return writeTorchZip('archive', [
    ['data.pkl', pickle],
    ...Object.entries(storages).map(([k, v]): [string, Uint8Array] => [`data/${k}`, v]),
    ...extra,
    ['version', enc.encode('3\n')],
  ]);
}

/** Little-endian f32 bytes. */
export function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
