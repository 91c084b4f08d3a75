// Exact JSON (ts/io/exact-json.ts): every double — NaN, ±Infinity, −0, subnormals, the extremes —
// and every typed array comes back with the same bits, checked by comparing the bytes; malformed
// input is BAD_FILE.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExact, stringifyExact } from '../../ts/io/exact-json.js';
import { expectCode } from './helpers.js';

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const f64Bits = (x: number) => bytesOf(Float64Array.of(x));

describe('exact JSON', () => {
  it('gives back every double bit for bit (fixed-seed property)', () => {
    fc.assert(fc.property(fc.array(fc.double()), (values) => {
      const back = parseExact(stringifyExact({ values })) as { values: number[] };
      expect(back.values.map(f64Bits)).toEqual(values.map(f64Bits));
    }), { seed: 18, numRuns: 300 });
  });

  it('special values by name: NaN, ±Infinity, −0, and the extremes', () => {
    const values = [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, -Number.MAX_VALUE, 0.1 + 0.2, 2 ** -1074];
    const text = stringifyExact(values);
    expect(text).toContain('{"$num":"-0"}');
    expect(text).toContain('{"$num":"NaN"}');
    expect((parseExact(text) as number[]).map(f64Bits)).toEqual(values.map(f64Bits));
  });

  it('typed arrays come back as the same type with the same bytes, NaN payloads included (fixed-seed property)', () => {
    const typed = fc.oneof(
      fc.float32Array().map((a) => a as ArrayBufferView),
      fc.float64Array().map((a) => a as ArrayBufferView),
      fc.uint8Array().map((a) => a as ArrayBufferView),
      fc.int32Array().map((a) => a as ArrayBufferView),
      fc.uint32Array().map((a) => a as ArrayBufferView),
    );
    fc.assert(fc.property(fc.array(typed, { maxLength: 4 }), (arrays) => {
      const back = parseExact(stringifyExact({ arrays }, 2)) as { arrays: ArrayBufferView[] };
      expect(back.arrays.map((a) => a.constructor.name)).toEqual(arrays.map((a) => a.constructor.name));
      expect(back.arrays.map(bytesOf)).toEqual(arrays.map(bytesOf));
    }), { seed: 18, numRuns: 200 });
    // A quiet NaN with a payload keeps its payload in a Float32Array.
    const odd = new Float32Array(new Uint32Array([0x7fc01234]).buffer);
    expect(bytesOf(parseExact(stringifyExact(odd)) as Float32Array)).toBe(bytesOf(odd));
  });

  it('plain JSON is unchanged: what JSON.stringify of the parsed value writes is what it wrote before', () => {
    const value = { a: [1, 2.5, 'x', null, true], b: { c: -1e-300 } };
    expect(stringifyExact(value)).toBe(JSON.stringify(value));
    expect(parseExact(JSON.stringify(value))).toEqual(value);
  });

  it('malformed input is BAD_FILE naming the file', () => {
    expectCode(() => parseExact('{"a": ', 'part.json'), 'BAD_FILE', 'part.json');
    expectCode(() => parseExact('{"$f32": "!!!"}', 'part.json'), 'BAD_FILE', 'base64');
    expectCode(() => parseExact('{"$f64": "AAAA"}', 'part.json'), 'BAD_FILE', 'f64');
  });
});
