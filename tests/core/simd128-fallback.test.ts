// The simd128 path (no relaxed SIMD, or `setExactKernels(true)`) gives exactly the bits the core gave
// before the relaxed kernels existed: digests of GEMMs, conv2d and short training runs against those
// recorded from that core (tests/fixtures/simd128-digests.json, scripts/make-simd128-digests.mjs).
// tests/relaxed/ runs the same check in a process where relaxed SIMD is on and forced off.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as lib from '../../ts/index.js';
import { computeDigests } from '../helpers/simd128-digests.mjs';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/simd128-digests.json', import.meta.url), 'utf8')) as Record<string, string>;

describe('simd128 fallback', () => {
  afterAll(() => lib.setExactKernels(false));

  it('reproduces the recorded bits of the core before relaxed SIMD', async () => {
    lib.setExactKernels(true);
    expect((await lib.getCore()).kernel).toBe('simd128');
    expect(await computeDigests(lib)).toEqual(recorded);
  });

  it('is what an engine without relaxed SIMD runs by default', async () => {
    lib.setExactKernels(false);
    const info = lib.kernelInfo();
    expect(info.kernel).toBe(info.relaxedSimd ? 'relaxed' : 'simd128');
    expect((await lib.getCore()).kernel).toBe(info.kernel);
  });
});
