// The malformed-.pt corpus: truncated and broken zips, bad pickles, globals and opcodes outside the
// allow-list (refused without running: a pickle that would create a file leaves none), storage
// offsets, sizes and strides out of range. Every file gets a typed error naming file and problem.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePt } from '../../ts/io/pt.js';
import { writeTorchZip } from '../../ts/io/pt-zip.js';
import { expectCode } from './helpers.js';
import { f32, OP, Pickle, torchZip } from './pt-helpers.js';

const dir = fileURLToPath(new URL('../fixtures/pt/', import.meta.url));
const valid = new Uint8Array(readFileSync(`${dir}tensors.pt`));
const legacy = new Uint8Array(readFileSync(`${dir}tensors-legacy.pt`));
const parse = (bytes: Uint8Array) => () => parsePt(bytes, { name: 'bad.pt' });
const tensorFile = (o: Parameters<Pickle['tensor']>[0], storage: Uint8Array | null = f32([1, 2, 3, 4])) =>
  torchZip(Pickle.stateDict('w', (p) => p.tensor(o)).build(), storage ? { [o.key ?? '0']: storage } : {});

describe('zip container', () => {
  it.each([0, 3, 30, 200, valid.length >> 1, valid.length - 22, valid.length - 1])('truncated at %i bytes', (at) => {
    expectCode(parse(valid.subarray(0, at)), 'BAD_FILE', 'bad.pt');
  });

  it('not a checkpoint at all', () => {
    expectCode(parse(new TextEncoder().encode('{"hello": 1}')), 'BAD_FILE', 'bad.pt', 'not a PyTorch checkpoint');
  });

  it('a zip without data.pkl, or with two', () => {
    expectCode(parse(writeTorchZip('archive', [['version', Uint8Array.of(51)]])), 'BAD_FILE', 'exactly one <archive>/data.pkl');
    const two = writeTorchZip('a', [['data.pkl', Uint8Array.of(0x2e)]]);
    expectCode(parse(two.subarray(0, 10)), 'BAD_FILE');
  });

  it('an entry whose declared size is larger than its data (corrupt central directory)', () => {
    const zip = valid.slice();
    const view = new DataView(zip.buffer);
    // Central directory entries start with PK\x01\x02; bump the first one's uncompressed size.
    let at = zip.length - 22;
    at = view.getUint32(at + 16, true);
    view.setUint32(at + 24, view.getUint32(at + 24, true) + 1000, true);
    expectCode(parse(zip), 'BAD_FILE', 'bad.pt', 'declares');
  });

  it('a byteorder that is neither little nor big', () => {
    const pickle = Pickle.stateDict('w', (p) => p.tensor({ numel: 1, size: [1], stride: [1] })).build();
    expectCode(parse(torchZip(pickle, { 0: f32([1]) }, [['byteorder', new TextEncoder().encode('middle')]])), 'BAD_FILE', 'byteorder');
  });

  it('reads big-endian storages when byteorder says big', () => {
    const pickle = Pickle.stateDict('w', (p) => p.tensor({ numel: 2, size: [2], stride: [1] })).build();
    const big = new Uint8Array(8);
    new DataView(big.buffer).setFloat32(0, 1.5, false);
    new DataView(big.buffer).setFloat32(4, -2, false);
    const pt = parsePt(torchZip(pickle, { 0: big }, [['byteorder', new TextEncoder().encode('big')]]));
    expect(Array.from(pt.tensors.get('w')!.data as Float32Array)).toEqual([1.5, -2]);
  });
});

describe('pickles', () => {
  const zipOf = (p: Pickle | number[]) => torchZip(p instanceof Pickle ? p.build() : Uint8Array.from(p));

  it.each([
    ['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['builtins', 'eval'], ['builtins', 'exec'], ['__builtin__', 'eval'],
    ['subprocess', 'Popen'], ['torch', 'load'], ['torch._utils', '_rebuild_device_tensor_from_numpy'], ['numpy.core.multiarray', '_reconstruct'],
  ])('global %s.%s is refused', (module, name) => {
    expectCode(parse(zipOf(new Pickle().global(module, name).op(OP.STOP))), 'UNSAFE_PICKLE', 'bad.pt', `${module}.${name}`, 'allow-list');
  });

  it('STACK_GLOBAL (protocol 4) goes through the same allow-list', () => {
    const p = new Pickle().op(OP.SHORT_BINUNICODE, 8, ...new TextEncoder().encode('builtins'), OP.SHORT_BINUNICODE, 4, ...new TextEncoder().encode('eval'), OP.STACK_GLOBAL, OP.STOP);
    expectCode(parse(zipOf(p)), 'UNSAFE_PICKLE', 'builtins.eval');
  });

  it('a pickle that would create a file is refused before anything runs', () => {
    const marker = join(tmpdir(), `modeconn-pickle-ran-${process.pid}`);
    rmSync(marker, { force: true });
    const p = new Pickle().global('posix', 'system').op(OP.MARK).str(`touch ${marker}`).op(OP.TUPLE, OP.REDUCE, OP.STOP);
    expectCode(parse(zipOf(p)), 'UNSAFE_PICKLE', 'posix.system');
    const evil = new Uint8Array(readFileSync(`${dir}evil-system.pt`));
    expectCode(() => parsePt(evil, { name: 'evil-system.pt' }), 'UNSAFE_PICKLE', 'posix.system');
    expect(existsSync(marker)).toBe(false);
  });

  it.each([['INST', OP.INST], ['OBJ', OP.OBJ], ['NEWOBJ', OP.NEWOBJ], ['EXT1', OP.EXT1]])('opcode %s is refused by name', (name, code) => {
    expectCode(parse(zipOf([OP.PROTO, 2, code, 0, OP.STOP])), 'UNSAFE_PICKLE', name);
  });

  it('bytes that are no opcode, truncation, stack and memo errors', () => {
    expectCode(parse(zipOf([OP.PROTO, 2, 0xff])), 'BAD_FILE', 'not a pickle opcode');
    expectCode(parse(zipOf([OP.PROTO, 2, OP.EMPTY_DICT])), 'BAD_FILE', 'ends before STOP');
    expectCode(parse(zipOf([OP.PROTO, 2, OP.STOP])), 'BAD_FILE', 'stack underflow');
    expectCode(parse(zipOf([OP.PROTO, 2, OP.BINGET, 7, OP.STOP])), 'BAD_FILE', 'memo entry 7');
    expectCode(parse(zipOf([OP.PROTO, 2, OP.BINUNICODE, 0xff, 0xff, 0xff, 0x7f, 0x41, OP.STOP])), 'BAD_FILE', 'truncated');
    expectCode(parse(zipOf([OP.PROTO, 9, OP.NONE, OP.STOP])), 'BAD_FILE', 'protocol 9');
    expectCode(parse(zipOf([OP.PROTO, 2, OP.NONE, OP.EMPTY_TUPLE, OP.SETITEM, OP.STOP])), 'BAD_FILE');
  });

  it('admitted globals used wrongly: calling a storage class, REDUCE with bad arguments', () => {
    expectCode(parse(zipOf(new Pickle().global('torch', 'FloatStorage').op(OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP))), 'BAD_FILE', 'cannot be called');
    expectCode(parse(zipOf(new Pickle().global('torch._utils', '_rebuild_tensor_v2').op(OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP))), 'BAD_FILE', '6 or 7 arguments');
    expectCode(parse(zipOf(new Pickle().global('collections', 'OrderedDict').op(OP.NONE, OP.REDUCE, OP.STOP))), 'BAD_FILE', 'argument tuple');
  });

  it('no dict of tensors in the checkpoint', () => {
    expectCode(parse(zipOf(new Pickle().op(OP.EMPTY_LIST, OP.STOP))), 'BAD_FILE', 'not a dict');
    expectCode(parse(zipOf(new Pickle().op(OP.EMPTY_DICT).str('epoch').int(3).op(OP.SETITEM, OP.STOP))), 'BAD_FILE', 'no state_dict', '"epoch"');
  });
});

describe('storages and views', () => {
  it('offset, size or stride past the storage', () => {
    expectCode(parse(tensorFile({ numel: 4, offset: 2, size: [3], stride: [1] })), 'BAD_OFFSETS', 'tensor "w"', 'past the storage');
    expectCode(parse(tensorFile({ numel: 4, size: [2, 2], stride: [3, 1] })), 'BAD_OFFSETS', 'tensor "w"');
    expectCode(parse(tensorFile({ numel: 4, size: [2], stride: [0x7fffffff] })), 'BAD_OFFSETS');
  });

  it('a stride-0 view with more elements than its storage', () => {
    expectCode(parse(tensorFile({ numel: 4, size: [1000, 4], stride: [0, 1] })), 'BAD_OFFSETS', 'stride-0');
  });

  it('a storage whose bytes are missing or short', () => {
    expectCode(parse(tensorFile({ numel: 4, size: [4], stride: [1] }, null)), 'BAD_FILE', 'storage 0', 'missing');
    expectCode(parse(tensorFile({ numel: 4, size: [4], stride: [1] }, f32([1, 2]))), 'BAD_OFFSETS', 'storage 0', '8 bytes');
  });

  it('storage types it cannot decode, and malformed persistent ids', () => {
    expectCode(parse(tensorFile({ type: 'ComplexFloatStorage', numel: 2, size: [2], stride: [1] })), 'UNKNOWN_DTYPE', 'ComplexFloatStorage');
    const pid = new Pickle().op(OP.EMPTY_DICT).str('w').op(OP.MARK).str('storage').op(OP.TUPLE, OP.BINPERSID, OP.SETITEM, OP.STOP);
    expectCode(parse(torchZip(pid.build())), 'BAD_FILE', 'persistent id');
  });

  it('a legacy file cut short or with trailing bytes', () => {
    expectCode(parse(legacy.subarray(0, legacy.length - 5)), 'BAD_FILE', 'past the end');
    expectCode(parse(legacy.subarray(0, 200)), 'BAD_FILE');
    expectCode(parse(Uint8Array.from([...legacy, 0])), 'BAD_FILE', 'trailing');
  });
});
