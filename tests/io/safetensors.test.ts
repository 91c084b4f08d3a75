import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectTensors, parseSafetensors, tensorToFloat32 } from '../../ts/io/safetensors.js';
import { serializeSafetensors, type TensorInput } from '../../ts/io/safetensors-write.js';
import { assemble, expectCode, f32Bytes } from './helpers.js';

const fixtureDir = new URL('../fixtures/safetensors/', import.meta.url);
const referenceBytes = new Uint8Array(readFileSync(new URL('reference.safetensors', fixtureDir)));
const reference = JSON.parse(readFileSync(new URL('reference.json', fixtureDir), 'utf8')) as {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
};

describe('safetensors: the reference implementation’s file (tests/fixtures/safetensors/make-fixture.py)', () => {
  const file = parseSafetensors(referenceBytes, { name: 'reference.safetensors' });

  it('reads every tensor with its dtype, shape and exact values', () => {
    expect(file.metadata).toEqual(reference.metadata);
    expect([...file.tensors.keys()].sort()).toEqual(Object.keys(reference.tensors).sort());
    for (const [name, want] of Object.entries(reference.tensors)) {
      const t = file.tensors.get(name)!;
      expect(t.dtype, name).toBe(want.dtype);
      expect(t.shape, name).toEqual(want.shape);
      const got = Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof want.values[0] === 'string' ? String(v) : Number(v)));
      expect(got, name).toEqual(want.values);
    }
  });

  it('loads the int64 num_batches_tracked scalar (shape [])', () => {
    const t = file.tensors.get('1.num_batches_tracked')!;
    expect(t.shape).toEqual([]);
    expect(t.data).toBeInstanceOf(BigInt64Array);
    expect(t.data[0]).toBe(4321n);
    expect(Array.from(tensorToFloat32(t))).toEqual([4321]);
  });

  it('uses PyTorch layouts: Linear weight [out, in]', () => {
    expect(file.tensors.get('0.weight')!.shape).toEqual([4, 3]);
    expect(file.tensors.get('3.weight')!.shape).toEqual([2, 4]);
  });

  it('writes the same bytes as the reference implementation', () => {
    const inputs: Record<string, TensorInput> = {};
    for (const [name, t] of file.tensors) inputs[name] = { dtype: t.dtype, shape: t.shape, data: t.data };
    const bytes = serializeSafetensors(inputs, { metadata: file.metadata });
    expect(Buffer.from(bytes).equals(Buffer.from(referenceBytes))).toBe(true);
  });
});

describe('safetensors round trips', () => {
  it('keeps every dtype, scalars and empty tensors', () => {
    const tensors: Record<string, TensorInput> = {
      w: { shape: [2, 3], data: new Float32Array([1, -2, 3.5, 1e-30, -0, 7]) },
      d: { shape: [2], data: new Float64Array([Math.PI, -1e-310]) },
      h: { dtype: 'F16', shape: [4], data: [1, 0.5, -65504, 2 ** -24] },
      b: { dtype: 'BF16', shape: [2], data: [1, -2.5] },
      n: { shape: [], data: new BigInt64Array([9007199254740993n]) },
      m: { dtype: 'I64', shape: [2], data: [-5, 12] },
      i: { shape: [3], data: new Int32Array([-1, 0, 1]) },
      u: { shape: [2, 2], data: new Uint8Array([0, 9, 200, 255]) },
      f: { dtype: 'BOOL', shape: [2], data: [1, 0] },
      e: { shape: [3, 0], data: new Float32Array(0) },
    };
    const file = parseSafetensors(serializeSafetensors(tensors, { metadata: { b: '2', a: 'x' } }));
    expect(file.metadata).toEqual({ a: 'x', b: '2' });
    for (const [name, input] of Object.entries(tensors)) {
      const t = file.tensors.get(name)!;
      expect(t.shape, name).toEqual([...input.shape]);
      const want = Array.from(input.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v : t.data instanceof BigInt64Array ? BigInt(v) : v));
      expect(Array.from(t.data as ArrayLike<number | bigint>), name).toEqual(want);
    }
  });

  it('is deterministic: insertion order does not change the bytes', () => {
    const a = serializeSafetensors({ x: { shape: [1], data: new Float32Array([1]) }, y: { shape: [1], data: new Uint8Array([2]) } });
    const b = serializeSafetensors(new Map<string, TensorInput>([['y', { shape: [1], data: new Uint8Array([2]) }], ['x', { shape: [1], data: new Float32Array([1]) }]]));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const n = new DataView(a.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    expect(a[8 + n - 1]).toBe(0x20);
  });

  it('rounds F16 and BF16 to nearest even and keeps subnormals', () => {
    const file = parseSafetensors(serializeSafetensors({
      h: { dtype: 'F16', shape: [4], data: [1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25 + 2 ** -30, 65520] },
      b: { dtype: 'BF16', shape: [2], data: [1 + 2 ** -8, 1 + 3 * 2 ** -8] },
    }), { allowNonFinite: true });
    expect(Array.from(file.tensors.get('h')!.data as Float32Array)).toEqual([1, 1 + 2 ** -9, 2 ** -24, Infinity]);
    expect(Array.from(file.tensors.get('b')!.data as Float32Array)).toEqual([1, 1 + 2 ** -6]);
  });

  it('refuses to write NaN unless allowed, and bad integer values', () => {
    expectCode(() => serializeSafetensors({ w: { shape: [2], data: new Float32Array([1, NaN]) } }, { name: 'out.safetensors' }), 'NON_FINITE', 'out.safetensors', '"w"');
    expect(() => serializeSafetensors({ w: { shape: [1], data: new Float32Array([NaN]) } }, { allowNonFinite: true })).not.toThrow();
    expectCode(() => serializeSafetensors({ u: { dtype: 'U8', shape: [1], data: [256] } }), 'BAD_ARGUMENT', '"u"');
    expectCode(() => serializeSafetensors({ u: { shape: [3], data: new Float32Array(2) } }), 'BAD_SHAPE', '"u"');
  });
});

/** One valid F32 tensor "w" of 2 values. */
const W = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

describe('safetensors: malformed files, each with its code, naming file and tensor', () => {
  const opts = { name: 'bad.safetensors' };
  it('too short for the length prefix', () => expectCode(() => parseSafetensors(new Uint8Array(5), opts), 'BAD_FILE', 'bad.safetensors'));
  it('header length beyond the file', () => {
    const file = assemble({ w: W }, f32Bytes([1, 2]));
    expectCode(() => parseSafetensors(assemble({ w: W }, f32Bytes([1, 2]), file.length), opts), 'BAD_FILE', 'beyond the end');
  });
  it('header larger than the cap (2^40 declared)', () => expectCode(() => parseSafetensors(assemble({}, [], 2 ** 40), opts), 'HEADER_TOO_LARGE', 'bad.safetensors'));
  it('header larger than a caller cap', () => {
    expectCode(() => parseSafetensors(assemble({ w: W }, f32Bytes([1, 2])), { ...opts, maxHeaderBytes: 16 }), 'HEADER_TOO_LARGE', '16-byte limit');
  });
  it('invalid JSON', () => expectCode(() => parseSafetensors(assemble('{"w": {"dtype": "F32",', []), opts), 'BAD_FILE', 'not valid JSON'));
  it('a JSON header that is not an object', () => expectCode(() => parseSafetensors(assemble('[1,2]'), opts), 'BAD_FILE', 'not a JSON object'));
  it('invalid UTF-8 in the header', () => {
    const file = assemble('{"w":1}     ');
    file[10] = 0xff;
    expectCode(() => parseSafetensors(file, opts), 'BAD_FILE', 'UTF-8');
  });
  it('unknown dtype', () => expectCode(() => parseSafetensors(assemble({ w: { ...W, dtype: 'F8_E4M3' } }, f32Bytes([1, 2])), opts), 'UNKNOWN_DTYPE', '"w"', 'F8_E4M3'));
  it('shape product vs offsets mismatch', () => expectCode(() => parseSafetensors(assemble({ w: { ...W, shape: [3] } }, f32Bytes([1, 2])), opts), 'BAD_OFFSETS', '"w"', 'needs 12 bytes'));
  it('a bad shape', () => expectCode(() => parseSafetensors(assemble({ w: { ...W, shape: [-2] } }, f32Bytes([1, 2])), opts), 'BAD_FILE', '"w"', 'shape'));
  it('offsets out of range', () => expectCode(() => parseSafetensors(assemble({ w: { ...W, data_offsets: [4, 12] } }, f32Bytes([1, 2])), opts), 'BAD_OFFSETS', '"w"', 'run past'));
  it('offsets that end before they begin', () => expectCode(() => parseSafetensors(assemble({ w: { ...W, data_offsets: [8, 0] } }, f32Bytes([1, 2])), opts), 'BAD_OFFSETS', '"w"'));
  it('malformed offsets', () => expectCode(() => parseSafetensors(assemble({ w: { ...W, data_offsets: [0] } }, f32Bytes([1, 2])), opts), 'BAD_OFFSETS', '"w"'));
  it('overlapping tensors', () => {
    const header = { a: W, b: { ...W, data_offsets: [4, 12] } };
    expectCode(() => parseSafetensors(assemble(header, f32Bytes([1, 2, 3])), opts), 'BAD_OFFSETS', '"b"', 'overlap', '"a"');
  });
  it('non-contiguous tensors (a gap)', () => {
    const header = { a: W, b: { ...W, data_offsets: [12, 20] } };
    expectCode(() => parseSafetensors(assemble(header, f32Bytes([1, 2, 3, 4, 5])), opts), 'BAD_OFFSETS', '"b"', 'gap');
  });
  it('trailing bytes after the last tensor', () => expectCode(() => parseSafetensors(assemble({ w: W }, f32Bytes([1, 2, 3])), opts), 'BAD_OFFSETS', 'trailing'));
  it('metadata that is not a string map', () => expectCode(() => parseSafetensors(assemble({ __metadata__: { a: 1 }, w: W }, f32Bytes([1, 2])), opts), 'BAD_FILE', '__metadata__'));
  it('a tensor entry that is not an object', () => expectCode(() => parseSafetensors(assemble({ w: 'F32' }), opts), 'BAD_FILE', '"w"'));
  it('a BOOL byte other than 0 or 1', () => {
    expectCode(() => parseSafetensors(assemble({ f: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 7]), opts), 'BAD_FILE', '"f"');
  });
  it('NaN weights: NON_FINITE by default, warnings when allowed', () => {
    const file = assemble({ w: W }, f32Bytes([1, NaN]));
    expectCode(() => parseSafetensors(file, opts), 'NON_FINITE', 'bad.safetensors', '"w"');
    const loaded = parseSafetensors(file, { ...opts, allowNonFinite: true });
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toContain('"w"');
    expect(Number.isNaN((loaded.tensors.get('w')!.data as Float32Array)[1])).toBe(true);
  });
  it('Inf in F16, BF16 and F64 tensors', () => {
    expectCode(() => parseSafetensors(assemble({ h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, [0x00, 0x7c]), opts), 'NON_FINITE', '"h"');
    expectCode(() => parseSafetensors(assemble({ b: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, [0x80, 0xff]), opts), 'NON_FINITE', '"b"');
    const d = new Uint8Array(new Float64Array([-Infinity]).buffer);
    expectCode(() => parseSafetensors(assemble({ d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, d), opts), 'NON_FINITE', '"d"');
  });
});

describe('expectTensors', () => {
  const file = parseSafetensors(serializeSafetensors({ a: { shape: [1], data: new Float32Array(1) }, b: { shape: [1], data: new Float32Array(1) } }), { name: 'm.safetensors' });
  it('accepts the exact list', () => expect(() => expectTensors(file, ['b', 'a'])).not.toThrow());
  it('names missing tensors', () => expectCode(() => expectTensors(file, ['a', 'b', 'c']), 'MISSING_TENSOR', 'm.safetensors', '"c"'));
  it('names extra tensors', () => expectCode(() => expectTensors(file, ['a']), 'UNEXPECTED_TENSOR', 'm.safetensors', '"b"'));
  it('allows extras on request', () => expect(() => expectTensors(file, ['a'], { allowExtra: true })).not.toThrow());
});

