/** One tolerance rule for floats: |actual − expected| ≤ atol + rtol·|expected|, elementwise. */
import { expect } from 'vitest';

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/** Index and size of the worst violation, or null when every element is within tolerance. */
export function worstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol = 1e-5, atol = 1e-6 }: Tolerance = {}) {
  let worst: { index: number; actual: number; expected: number; excess: number } | null = null;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst === null || !(excess <= worst.excess))) worst = { index: i, actual: a, expected: e, excess };
  }
  return worst;
}

/** Asserts equal lengths and elementwise closeness, reporting the worst element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance = {}): void {
  expect(actual.length, 'length').toBe(expected.length);
  const worst = worstMismatch(actual, expected, tolerance);
  expect(worst, worst ? `element ${worst.index}: ${worst.actual} vs ${worst.expected}` : '').toBeNull();
}

/** Deterministic test data: uniform values in [-scale, scale) from a small LCG. */
export function randomArray(length: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) / 16777216 * 2 - 1) * scale;
  }
  return out;
}
