import { describe, expect, it } from 'vitest';
import { bf16ToNumber, f16ToNumber, numberToBf16, numberToF16 } from '../../ts/io/half.js';

const isNanF16 = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isNanBf16 = (b: number) => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;

describe('16-bit floats (exhaustive over all 65,536 bit patterns)', () => {
  it('F16 decodes known values', () => {
    expect(f16ToNumber(0x3c00)).toBe(1);
    expect(f16ToNumber(0xc000)).toBe(-2);
    expect(f16ToNumber(0x7bff)).toBe(65504);
    expect(f16ToNumber(0x0001)).toBe(2 ** -24);
    expect(f16ToNumber(0x8000)).toBe(-0);
    expect(f16ToNumber(0xfc00)).toBe(-Infinity);
  });

  it('F16 and BF16 encode(decode(bits)) is the identity, NaN stays NaN', () => {
    for (let h = 0; h < 0x10000; h++) {
      if (isNanF16(h)) expect(isNanF16(numberToF16(f16ToNumber(h)))).toBe(true);
      else if (numberToF16(f16ToNumber(h)) !== h) expect.fail(`F16 ${h.toString(16)}`);
      if (isNanBf16(h)) expect(isNanBf16(numberToBf16(bf16ToNumber(h)))).toBe(true);
      else if (numberToBf16(bf16ToNumber(h)) !== h) expect.fail(`BF16 ${h.toString(16)}`);
    }
  });

  it('F16 rounds midpoints to even and just-above midpoints up', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const a = f16ToNumber(h);
      const b = f16ToNumber(h + 1);
      const mid = (a + b) / 2; // exact in f32 for every pair of adjacent binary16 values
      const even = h % 2 === 0 ? h : h + 1;
      if (numberToF16(mid) !== even) expect.fail(`midpoint above ${h.toString(16)}`);
      const above = mid + (b - a) / 8;
      if (numberToF16(above) !== h + 1) expect.fail(`above midpoint ${h.toString(16)}`);
    }
    expect(numberToF16(65520)).toBe(0x7c00); // the midpoint past 65504 rounds to infinity
    expect(numberToF16(65519)).toBe(0x7bff);
  });
});
