/**
 * Conv and pooling parity: the WASM core (im2col + GEMM, f32 sums) against the direct-loop twin
 * (f64 sums) on random geometry. Tolerance: rtol 1e-4, atol 1e-5 forward; atol 1e-4 for the
 * backward sums (up to a few hundred terms). Max pooling must match exactly, argmax included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { referenceKernels } from '../../ts/reference/index.js';
import type { Kernels } from '../../ts/kernels/types.js';
import { type Conv2dParams, type Pool2dParams, conv2dShape, pool2dShape } from '../../ts/kernels/conv.js';
import { expectClose, randomArray } from '../helpers/close.js';

let wasm: Kernels;
const twin = referenceKernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

const axis = (kernels: number[]) =>
  fc.record({ size: fc.integer({ min: 1, max: 9 }), k: fc.constantFrom(...kernels), s: fc.integer({ min: 1, max: 2 }), p: fc.integer({ min: 0, max: 1 }) });

const convGeometry = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    cIn: fc.integer({ min: 1, max: 5 }),
    cOut: fc.integer({ min: 1, max: 5 }),
    y: axis([1, 3]),
    x: axis([1, 3]),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  })
  .filter((g) => g.y.size + 2 * g.y.p >= g.y.k && g.x.size + 2 * g.x.p >= g.x.k)
  .map((g) => ({
    p: { n: g.n, cIn: g.cIn, h: g.y.size, w: g.x.size, cOut: g.cOut, kh: g.y.k, kw: g.x.k, sh: g.y.s, sw: g.x.s, ph: g.y.p, pw: g.x.p } as Conv2dParams,
    seed: g.seed,
  }));

const poolGeometry = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 5 }),
    y: axis([1, 2, 3]),
    x: axis([1, 2, 3]),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  })
  .filter((g) => [g.y, g.x].every((a) => a.size + 2 * a.p >= a.k && 2 * a.p <= a.k))
  .map((g) => ({
    p: { n: g.n, c: g.c, h: g.y.size, w: g.x.size, kh: g.y.k, kw: g.x.k, sh: g.y.s, sw: g.x.s, ph: g.y.p, pw: g.x.p } as Pool2dParams,
    seed: g.seed,
  }));

const FWD = { rtol: 1e-4, atol: 1e-5 };
const BWD = { rtol: 1e-4, atol: 1e-4 };

function checkConv(p: Conv2dParams, seed: number): void {
  const s = conv2dShape(p);
  const x = randomArray(s.x, seed);
  const weight = randomArray(s.weight, seed + 1);
  const bias = randomArray(p.cOut, seed + 2);
  const dy = randomArray(s.y, seed + 3);
  for (const b of [bias, null]) {
    const [ya, ye] = [new Float32Array(s.y).fill(NaN), new Float32Array(s.y)];
    wasm.conv2dForward(p, x, weight, b, ya);
    twin.conv2dForward(p, x, weight, b, ye);
    expectClose(ya, ye, FWD);
  }
  const got = { dx: new Float32Array(s.x).fill(NaN), dw: new Float32Array(s.weight).fill(NaN), db: new Float32Array(p.cOut).fill(NaN) };
  const want = { dx: new Float32Array(s.x), dw: new Float32Array(s.weight), db: new Float32Array(p.cOut) };
  wasm.conv2dBackward(p, x, weight, dy, got.dx, got.dw, got.db);
  twin.conv2dBackward(p, x, weight, dy, want.dx, want.dw, want.db);
  expectClose(got.dx, want.dx, BWD);
  expectClose(got.dw, want.dw, BWD);
  expectClose(got.db, want.db, BWD);
}

function checkPool(p: Pool2dParams, seed: number): void {
  const s = pool2dShape(p);
  const x = randomArray(s.x, seed);
  const dy = randomArray(s.y, seed + 1);
  const [ya, ye] = [new Float32Array(s.y), new Float32Array(s.y)];
  const [ia, ie] = [new Uint32Array(s.y), new Uint32Array(s.y)];
  wasm.maxPool2dForward(p, x, ya, ia);
  twin.maxPool2dForward(p, x, ye, ie);
  expect(Array.from(ya)).toEqual(Array.from(ye));
  expect(Array.from(ia)).toEqual(Array.from(ie));
  const [da, de] = [new Float32Array(s.x).fill(NaN), new Float32Array(s.x)];
  wasm.maxPool2dBackward(p, dy, ia, da);
  twin.maxPool2dBackward(p, dy, ie, de);
  expectClose(da, de, FWD);
  wasm.avgPool2dForward(p, x, ya);
  twin.avgPool2dForward(p, x, ye);
  expectClose(ya, ye, FWD);
  da.fill(NaN);
  wasm.avgPool2dBackward(p, dy, da);
  twin.avgPool2dBackward(p, dy, de);
  expectClose(da, de, FWD);
}

describe('conv2d parity (WASM vs direct-loop twin)', () => {
  it('random geometry: kernel 1/3, stride 1-2, padding 0-1', () => {
    fc.assert(fc.property(convGeometry, ({ p, seed }) => checkConv(p, seed)), { numRuns: 150, seed: 7 });
  });

  it('fixed shapes: 5x5 padded, 1x1 fast path with many channels, rectangular kernel', () => {
    checkConv({ n: 2, cIn: 3, h: 9, w: 7, cOut: 4, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2 }, 11);
    checkConv({ n: 3, cIn: 17, h: 5, w: 3, cOut: 13, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 }, 12);
    checkConv({ n: 1, cIn: 2, h: 6, w: 11, cOut: 3, kh: 1, kw: 3, sh: 2, sw: 3, ph: 0, pw: 1 }, 13);
  });

  it('skips dx and dbias when given null and leaves them untouched', () => {
    const p: Conv2dParams = { n: 2, cIn: 2, h: 5, w: 4, cOut: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 };
    const s = conv2dShape(p);
    const [x, weight, dy] = [randomArray(s.x, 1), randomArray(s.weight, 2), randomArray(s.y, 3)];
    const [dwa, dwe] = [new Float32Array(s.weight), new Float32Array(s.weight)];
    wasm.conv2dBackward(p, x, weight, dy, null, dwa, null);
    twin.conv2dBackward(p, x, weight, dy, null, dwe, null);
    expectClose(dwa, dwe, BWD);
  });

  it('names the argument with the wrong length (BAD_SHAPE) and rejects bad geometry', () => {
    const p: Conv2dParams = { n: 1, cIn: 2, h: 4, w: 4, cOut: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 };
    const s = conv2dShape(p);
    for (const k of [wasm, twin]) {
      expect(() => k.conv2dForward(p, new Float32Array(s.x), new Float32Array(5), null, new Float32Array(s.y))).toThrowError(
        expect.objectContaining({ code: 'BAD_SHAPE', message: expect.stringContaining('weight') }),
      );
      expect(() => k.conv2dForward({ ...p, kh: 7 }, new Float32Array(s.x), new Float32Array(s.weight), null, new Float32Array(s.y))).toThrowError(
        expect.objectContaining({ code: 'BAD_SHAPE' }),
      );
      expect(() => k.conv2dForward({ ...p, sh: 0 }, new Float32Array(s.x), new Float32Array(s.weight), null, new Float32Array(s.y))).toThrowError(
        expect.objectContaining({ code: 'BAD_ARGUMENT' }),
      );
    }
  });
});

describe('pooling parity (WASM vs twin)', () => {
  it('random geometry: window 1-3, stride 1-2, padding ≤ half the window', () => {
    fc.assert(fc.property(poolGeometry, ({ p, seed }) => checkPool(p, seed)), { numRuns: 150, seed: 8 });
  });

  it('rejects padding over half the window and an argmax outside its plane', () => {
    const p: Pool2dParams = { n: 1, c: 1, h: 2, w: 2, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 };
    for (const k of [wasm, twin]) {
      expect(() => k.avgPool2dForward({ ...p, ph: 2 }, new Float32Array(4), new Float32Array(4))).toThrowError(
        expect.objectContaining({ code: 'BAD_ARGUMENT' }),
      );
    }
    expect(() => wasm.maxPool2dBackward(p, new Float32Array(1), Uint32Array.of(4), new Float32Array(4))).toThrowError(
      expect.objectContaining({ code: 'WASM_STATUS' }),
    );
    expect(() => twin.maxPool2dBackward(p, new Float32Array(1), Uint32Array.of(4), new Float32Array(4))).toThrowError(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
  });
});
