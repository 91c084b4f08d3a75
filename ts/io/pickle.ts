/**
 * A restricted unpickler: a stack machine over the opcodes a PyTorch state_dict pickle uses
 * (protocols 2–5 as torch.save writes them). It never imports or calls anything: GLOBAL and
 * STACK_GLOBAL go through the caller's allow-list, REDUCE/BUILD/BINPERSID through the caller's hooks,
 * and every other opcode (INST, OBJ, NEWOBJ, EXT*, …) is refused with its name and byte position.
 */
import { ModeconnError } from '../errors.js';

/** A Python tuple. */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
/** A Python list. */
export class PyList {
  constructor(readonly items: PyValue[]) {}
}
/** A Python dict (insertion order kept); `attributes` holds what BUILD set on it (an OrderedDict's `_metadata`). */
export class PyDict {
  readonly entries = new Map<PyKey, PyValue>();
  attributes: PyValue = null;
}
/** A global that the allow-list admitted, by its dotted name. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Values a dict may be keyed by here (identity for containers). */
export type PyKey = PyValue;
/** Anything the machine holds; hooks may add their own objects (tensors, storages). */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyTuple | PyList | PyDict | PyGlobal | object;

/** What the caller decides: which globals exist, and what REDUCE, BUILD and persistent ids mean. */
export interface UnpickleHooks {
  /** The admitted global, or undefined to refuse it (UNSAFE_PICKLE naming it). */
  findGlobal(module: string, name: string): PyGlobal | undefined;
  /** `callable(*args)` for an admitted global; throws a ModeconnError to refuse. */
  reduce(callable: PyGlobal, args: PyValue[], at: number): PyValue;
  /** The object a persistent id stands for (torch: a storage). */
  persistentLoad(pid: PyValue, at: number): PyValue;
  /** BUILD on a non-dict object; default refuses. */
  build?(target: PyValue, state: PyValue, at: number): PyValue;
}

/** Options of `unpickle`. */
export interface UnpickleOptions {
  /** Name of the pickle for messages, e.g. `model.pt: archive/data.pkl`. */
  name: string;
  /** Start offset in the bytes (default 0); `unpickle` returns where STOP ended. */
  start?: number;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

const MARK = Symbol('mark');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The machine's state for one pickle. */
class Machine {
  stack: Array<PyValue | typeof MARK> = [];
  readonly memo = new Map<number, PyValue>();
  pos: number;
  op = 0; // byte offset of the current opcode

  constructor(readonly bytes: Uint8Array, readonly view: DataView, readonly name: string, start: number) {
    this.pos = start;
  }

  fail(problem: string, code: 'BAD_FILE' | 'UNSAFE_PICKLE' = 'BAD_FILE'): never {
    throw new ModeconnError(code, `${this.name}: ${problem} (pickle byte ${this.op})`, code === 'UNSAFE_PICKLE'
      ? { advice: 'the file was refused without running anything; re-save only the state_dict (torch.save(model.state_dict(), path))' }
      : {});
  }

  take(n: number): number {
    if (n > this.bytes.length - this.pos) this.fail(`truncated: ${OPCODE_NAMES[this.bytes[this.op]] ?? 'opcode'} needs ${n} more bytes, ${this.bytes.length - this.pos} remain`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number { return this.bytes[this.take(1)]; }
  u16(): number { return this.view.getUint16(this.take(2), true); }
  u32(): number { return this.view.getUint32(this.take(4), true); }

  text(n: number): string {
    const at = this.take(n);
    try {
      return utf8.decode(this.bytes.subarray(at, at + n));
    } catch {
      return this.fail('a string is not valid UTF-8');
    }
  }

  /** A text line ending in \n (GLOBAL's module and name). */
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0 || end - this.pos > 1000) this.fail('truncated or overlong GLOBAL name');
    const s = this.text(end - this.pos);
    this.pos++;
    return s;
  }

  push(v: PyValue): void { this.stack.push(v); }

  pop(): PyValue {
    if (this.stack.length === 0) this.fail('stack underflow');
    const v = this.stack.pop()!;
    if (v === MARK) this.fail('a MARK where a value was expected');
    return v;
  }

  top(): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (this.stack.length === 0 || v === MARK) this.fail('stack underflow');
    return v as PyValue;
  }

  /** The values above the topmost MARK, which is removed. */
  popMark(): PyValue[] {
    const at = this.stack.lastIndexOf(MARK);
    if (at < 0) this.fail('no MARK on the stack');
    const items = this.stack.slice(at + 1) as PyValue[];
    this.stack.length = at;
    return items;
  }

  put(index: number, v: PyValue): void { this.memo.set(index, v); }

  get(index: number): PyValue {
    if (!this.memo.has(index)) this.fail(`memo entry ${index} was never stored`);
    return this.memo.get(index)!;
  }
}

function setItems(m: Machine, target: PyValue, kv: PyValue[]): void {
  if (!(target instanceof PyDict)) m.fail('SETITEM(S) on something that is not a dict');
  if (kv.length % 2 !== 0) m.fail('SETITEMS with an odd number of values');
  for (let i = 0; i < kv.length; i += 2) (target as PyDict).entries.set(kv[i], kv[i + 1]);
}

function appendItems(m: Machine, target: PyValue, items: PyValue[]): void {
  if (!(target instanceof PyList)) m.fail('APPEND(S) on something that is not a list');
  (target as PyList).items.push(...items);
}

/** Python's two's-complement little-endian LONG1 bytes as a number (bigint beyond 2^53). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * Runs the restricted machine from `options.start` to STOP and returns the top value and the
 * offset after STOP. BAD_FILE for malformed bytes, UNSAFE_PICKLE for refused opcodes and globals.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, options: UnpickleOptions): { value: PyValue; end: number } {
  const m = new Machine(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), options.name, options.start ?? 0);
  for (;;) {
    if (m.pos >= bytes.length) {
      m.op = m.pos;
      m.fail('truncated: the pickle ends before STOP');
    }
    m.op = m.pos;
    const code = bytes[m.pos++];
    switch (code) {
      case 0x80: { // PROTO
        const proto = m.u8();
        if (proto < 2 || proto > 5) m.fail(`pickle protocol ${proto} is not supported (2 to 5 are)`);
        break;
      }
      case 0x95: m.take(8); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        const value = m.pop();
        return { value, end: m.pos };
      }
      case 0x28: m.stack.push(MARK); break;
      case 0x4e: m.push(null); break;
      case 0x88: m.push(true); break;
      case 0x89: m.push(false); break;
      case 0x4a: m.push(m.view.getInt32(m.take(4), true)); break;
      case 0x4b: m.push(m.u8()); break;
      case 0x4d: m.push(m.u16()); break;
      case 0x8a: { // LONG1
        const n = m.u8();
        const at = m.take(n);
        m.push(decodeLong(bytes.subarray(at, at + n)));
        break;
      }
      case 0x47: m.push(m.view.getFloat64(m.take(8), false)); break; // BINFLOAT is big-endian
      case 0x58: m.push(m.text(m.u32())); break;
      case 0x8c: m.push(m.text(m.u8())); break;
      case 0x55: case 0x54: { // SHORT_BINSTRING, BINSTRING: Python 2 str, read as Latin-1
        const n = code === 0x55 ? m.u8() : m.u32();
        const at = m.take(n);
        m.push(String.fromCharCode(...bytes.subarray(at, at + n)));
        break;
      }
      case 0x43: case 0x42: { // SHORT_BINBYTES, BINBYTES
        const n = code === 0x43 ? m.u8() : m.u32();
        const at = m.take(n);
        m.push(bytes.slice(at, at + n));
        break;
      }
      case 0x29: m.push(new PyTuple([])); break;
      case 0x74: m.push(new PyTuple(m.popMark())); break;
      case 0x85: case 0x86: case 0x87: {
        const n = code - 0x84;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(m.pop());
        m.push(new PyTuple(items));
        break;
      }
      case 0x5d: m.push(new PyList([])); break;
      case 0x6c: m.push(new PyList(m.popMark())); break;
      case 0x61: { const v = m.pop(); appendItems(m, m.top(), [v]); break; }
      case 0x65: { const items = m.popMark(); appendItems(m, m.top(), items); break; }
      case 0x7d: m.push(new PyDict()); break;
      case 0x64: { const d = new PyDict(); setItems(m, d, m.popMark()); m.push(d); break; }
      case 0x73: { const v = m.pop(); const k = m.pop(); setItems(m, m.top(), [k, v]); break; }
      case 0x75: { const kv = m.popMark(); setItems(m, m.top(), kv); break; }
      case 0x71: m.put(m.u8(), m.top()); break;
      case 0x72: m.put(m.u32(), m.top()); break;
      case 0x94: m.put(m.memo.size, m.top()); break;
      case 0x68: m.push(m.get(m.u8())); break;
      case 0x6a: m.push(m.get(m.u32())); break;
      case 0x63: case 0x93: { // GLOBAL, STACK_GLOBAL
        let module: PyValue;
        let name: PyValue;
        if (code === 0x63) {
          module = m.line();
          name = m.line();
        } else {
          name = m.pop();
          module = m.pop();
          if (typeof module !== 'string' || typeof name !== 'string') m.fail('STACK_GLOBAL needs two strings');
        }
        const found = hooks.findGlobal(module as string, name as string);
        if (!found) m.fail(`global ${module}.${name} is not on the allow-list of a state_dict of tensors`, 'UNSAFE_PICKLE');
        m.push(found!);
        break;
      }
      case 0x52: { // REDUCE
        const args = m.pop();
        const callable = m.pop();
        if (!(callable instanceof PyGlobal)) m.fail('REDUCE on something that is not an admitted global');
        if (!(args instanceof PyTuple)) m.fail(`REDUCE of ${(callable as PyGlobal).qualified} without an argument tuple`);
        m.push(hooks.reduce(callable as PyGlobal, (args as PyTuple).items, m.op));
        break;
      }
      case 0x62: { // BUILD
        const state = m.pop();
        const target = m.top();
        if (target instanceof PyDict) target.attributes = state;
        else if (hooks.build) m.stack[m.stack.length - 1] = hooks.build(target, state, m.op);
        else m.fail('BUILD on an object that takes no state');
        break;
      }
      case 0x51: m.push(hooks.persistentLoad(m.pop(), m.op)); break;
      default: {
        const known = OPCODE_NAMES[code];
        if (known) m.fail(`opcode ${known} (0x${code.toString(16)}) is not allowed in a state_dict pickle`, 'UNSAFE_PICKLE');
        m.fail(`byte 0x${code.toString(16)} is not a pickle opcode`);
      }
    }
  }
}
