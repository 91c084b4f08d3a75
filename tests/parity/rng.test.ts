/**
 * PRNG streams equal across native, WASM and TS: the committed golden file (written by the native
 * crate, `cargo run --example rng_golden`) is reproduced exactly by the WASM core and by the twin,
 * and random (seed, stream, length) draws agree exactly between the two. Tolerance: none (bits).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../ts/kernels/types.js';
import { referenceKernels } from '../../ts/reference/index.js';
import { ln } from '../../ts/reference/rng.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';

interface GoldenCase {
  seed: number;
  stream: number;
  state: number[];
  u32: number[];
  uniformBits: number[];
  normalBits: number[];
  stateAfterNormal: number[];
  below7: number[];
  below3e9: number[];
  permutation10: number[];
}
const golden = JSON.parse(readFileSync(new URL('../fixtures/rng-golden.json', import.meta.url), 'utf8')) as {
  cases: GoldenCase[];
  ln: { x: string; ln: string }[];
};

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function f64FromHex(hex: string): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(`0x${hex}`));
  return v.getFloat64(0);
}

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

function checkGolden(k: Kernels, c: GoldenCase): void {
  const fresh = () => {
    const s = new Uint32Array(4);
    k.rngSeed({ seed: c.seed, stream: c.stream }, s);
    return s;
  };
  expect(Array.from(fresh())).toEqual(c.state);
  const u = new Uint32Array(c.u32.length);
  k.rngU32(fresh(), u);
  expect(Array.from(u)).toEqual(c.u32);
  const f = new Float32Array(c.uniformBits.length);
  k.rngUniform(fresh(), f);
  expect(bitsOf(f)).toEqual(c.uniformBits);
  const s = fresh();
  const nrm = new Float32Array(c.normalBits.length);
  k.rngNormal(s, nrm);
  expect(bitsOf(nrm)).toEqual(c.normalBits);
  expect(Array.from(s)).toEqual(c.stateAfterNormal);
  const b = new Uint32Array(16);
  k.rngBelow({ n: 7 }, fresh(), b);
  expect(Array.from(b)).toEqual(c.below7);
  k.rngBelow({ n: 3_000_000_000 }, fresh(), b);
  expect(Array.from(b)).toEqual(c.below3e9);
  const p = new Uint32Array(10);
  k.rngPermutation(fresh(), p);
  expect(Array.from(p)).toEqual(c.permutation10);
}

describe('rng golden values (native crate) are reproduced exactly', () => {
  for (const c of golden.cases) {
    it(`WASM, seed ${c.seed} stream ${c.stream}`, () => checkGolden(wasm, c));
    it(`TS twin, seed ${c.seed} stream ${c.stream}`, () => checkGolden(referenceKernels, c));
  }
  it('TS ln gives the native bits', () => {
    for (const { x, ln: want } of golden.ln) expect(ln(f64FromHex(x))).toBe(f64FromHex(want));
  });
});

describe('rng: WASM and twin streams are identical', () => {
  const seeds = fc.record({ seed: fc.nat({ max: 0xffffffff }), stream: fc.nat({ max: 0xffffffff }), len: fc.nat({ max: 600 }) });

  function pair(seed: number, stream: number): [Uint32Array, Uint32Array] {
    const a = new Uint32Array(4);
    const b = new Uint32Array(4);
    wasm.rngSeed({ seed, stream }, a);
    referenceKernels.rngSeed({ seed, stream }, b);
    expect(Array.from(a)).toEqual(Array.from(b));
    return [a, b];
  }

  it('u32, uniform and normal fills, and the advanced state', () => {
    fc.assert(fc.property(seeds, ({ seed, stream, len }) => {
      const [sa, sb] = pair(seed, stream);
      const ua = new Uint32Array(len);
      const ub = new Uint32Array(len);
      wasm.rngU32(sa, ua);
      referenceKernels.rngU32(sb, ub);
      expect(ua).toEqual(ub);
      const fa = new Float32Array(len);
      const fb = new Float32Array(len);
      wasm.rngUniform(sa, fa);
      referenceKernels.rngUniform(sb, fb);
      expect(bitsOf(fa)).toEqual(bitsOf(fb));
      wasm.rngNormal(sa, fa);
      referenceKernels.rngNormal(sb, fb);
      expect(bitsOf(fa)).toEqual(bitsOf(fb));
      expect(Array.from(sa)).toEqual(Array.from(sb));
    }), { numRuns: 60 });
  });

  it('below and permutation', () => {
    fc.assert(fc.property(seeds, fc.integer({ min: 1, max: 0xffffffff }), ({ seed, stream, len }, n) => {
      const [sa, sb] = pair(seed, stream);
      const a = new Uint32Array(len);
      const b = new Uint32Array(len);
      wasm.rngBelow({ n }, sa, a);
      referenceKernels.rngBelow({ n }, sb, b);
      expect(a).toEqual(b);
      expect(a.every((v) => v < n)).toBe(true);
      wasm.rngPermutation(sa, a);
      referenceKernels.rngPermutation(sb, b);
      expect(a).toEqual(b);
      expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: len }, (_, i) => i));
      expect(Array.from(sa)).toEqual(Array.from(sb));
    }), { numRuns: 60 });
  });

  it('normals have mean ≈ 0 and variance ≈ 1 (twin)', () => {
    const s = new Uint32Array(4);
    referenceKernels.rngSeed({ seed: 123, stream: 4 }, s);
    const z = new Float32Array(100_000);
    referenceKernels.rngNormal(s, z);
    let mean = 0;
    for (const v of z) mean += v;
    mean /= z.length;
    let variance = 0;
    for (const v of z) variance += (v - mean) ** 2;
    variance /= z.length;
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });
});

describe('rng argument errors', () => {
  it('rejects a bad state length, n = 0 and non-u32 seeds, on both sides', () => {
    for (const k of [wasm, referenceKernels]) {
      expect(() => k.rngU32(new Uint32Array(3), new Uint32Array(1))).toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
      expect(() => k.rngBelow({ n: 0 }, new Uint32Array(4), new Uint32Array(1))).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
      expect(() => k.rngSeed({ seed: -1, stream: 0 }, new Uint32Array(4))).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    }
  });

  it('the ABI itself answers ERR_ARG for n = 0 and ERR_BOUNDS for a null state', async () => {
    const core = await getCore();
    const state = core.allocU32(4);
    const out = core.allocU32(4);
    expect(core.invoke('rng_below', state.ptr, 0, out.ptr, 4)).toBe(2);
    expect(core.invoke('rng_u32', 0, out.ptr, 4)).toBe(3);
    core.free(state);
    core.free(out);
  });
});
