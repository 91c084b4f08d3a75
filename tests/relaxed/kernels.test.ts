// The relaxed-SIMD GEMM micro-kernel, in a process where the engine has relaxed SIMD (this project
// runs with --experimental-wasm-relaxed-simd on Node < 22; see vitest.config.ts). Bit for bit
// against an exact model of the blocked GEMM with a correctly rounded FMA (tests/helpers/fma.ts),
// within tolerance against the TS twin, and forced off: the simd128 path's recorded bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { arch as cpuArch } from 'node:os';
import * as lib from '../../ts/index.js';
import { referenceKernels } from '../../ts/reference/index.js';
import type { GemmParams } from '../../ts/kernels/gemm.js';
import type { Kernels } from '../../ts/kernels/types.js';
import { expectClose, randomArray } from '../helpers/close.js';
import { fmaf, modelGemm, mulAdd } from '../helpers/fma.js';
import { GEMM_CASES, computeDigests } from '../helpers/simd128-digests.mjs';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/simd128-digests.json', import.meta.url), 'utf8')) as Record<string, string>;
// V8 emits relaxed_madd as one fused instruction where the CPU has FMA (x64 FMA3, every arm64),
// else as mul then add; both are allowed by the proposal, and the model says which happened.
const cpuHasFma = cpuArch() === 'arm64' || /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

let core: lib.Core;
let k: Kernels;
beforeAll(async () => {
  core = await lib.Core.create({ exact: false });
  k = lib.wasmKernels(core);
});
afterAll(() => lib.setExactKernels(false));

function inputs(p: GemmParams, seed: number) {
  const a = randomArray(p.m * p.k, seed);
  const b = randomArray(p.k * p.n, seed + 1);
  const bias = p.biasAxis ? randomArray(p.biasAxis === 'row' ? p.m : p.n, seed + 2) : null;
  const c = p.beta ? randomArray(p.m * p.n, seed + 3) : new Float32Array(p.m * p.n).fill(NaN);
  return { a, b, bias, c };
}

function run(p: GemmParams, seed: number) {
  const { a, b, bias, c } = inputs(p, seed);
  const got = c.slice();
  k.gemm(p, a, b, bias, got);
  return { got, fused: modelGemm(p, a, b, bias, c, fmaf), unfused: modelGemm(p, a, b, bias, c, mulAdd), twin: (() => {
    const want = c.slice();
    referenceKernels.gemm(p, a, b, bias, want);
    return want;
  })() };
}

const same = (x: Float32Array, y: Float32Array) => Buffer.from(x.buffer).equals(Buffer.from(y.buffer));

const params = fc.record({
  m: fc.integer({ min: 1, max: 21 }),
  n: fc.integer({ min: 1, max: 27 }),
  k: fc.integer({ min: 1, max: 40 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  beta: fc.constantFrom(0, 1, -0.5),
  relu: fc.boolean(),
  biasAxis: fc.constantFrom(undefined, 'col' as const, 'row' as const),
});

describe('relaxed-SIMD GEMM', () => {
  it('is detected and chosen by default', () => {
    expect(lib.relaxedSimdSupported()).toBe(true);
    expect(lib.kernelInfo()).toEqual({ relaxedSimd: true, exact: false, kernel: 'relaxed' });
    expect(core.kernel).toBe('relaxed');
    expect(core.invoke('gemm_kernel')).toBe(1);
  });

  it('equals the exact model with one rounding per product, on random shapes and epilogues', () => {
    fc.assert(fc.property(params, fc.integer({ min: 1, max: 1 << 30 }), (p, seed) => {
      const { got, fused, unfused } = run(p, seed);
      expect(same(got, cpuHasFma ? fused : unfused)).toBe(true);
    }), { numRuns: 150, seed: 19 });
  });

  it('equals the model across k blocks and edge tiles, and really fuses (differs from mul+add)', () => {
    let differs = 0;
    GEMM_CASES.forEach((g, i) => {
      const p = { m: g.m as number, k: g.k as number, n: g.n as number, transA: g.transA as boolean, transB: g.transB as boolean,
        beta: g.beta as number, relu: g.relu as boolean, biasAxis: g.bias as 'col' | 'row' | undefined };
      const { got, fused, unfused, twin } = run(p, 100 + i);
      expect(same(got, cpuHasFma ? fused : unfused)).toBe(true);
      if (!same(got, unfused)) differs++;
      // |error| of a k-term f32 dot product of values in [-1, 1): well inside 1e-4 relative + absolute for k ≤ 784.
      expectClose(got, twin, { rtol: 1e-4, atol: 1e-4 });
    });
    if (cpuHasFma) expect(differs).toBe(GEMM_CASES.length);
  });

  it('forced off (exact), the same core runs simd128: mul then add, bit for bit', () => {
    core.setExact(true);
    try {
      expect(core.kernel).toBe('simd128');
      expect(core.invoke('gemm_kernel')).toBe(0);
      const { got, unfused } = run({ m: 13, k: 600, n: 29, transB: true, beta: 0.5, relu: true, biasAxis: 'row' }, 5);
      expect(same(got, unfused)).toBe(true);
    } finally {
      core.setExact(false);
    }
    expect(core.kernel).toBe('relaxed');
  });

  it('setExactKernels(true) gives the recorded simd128 bits of the core before relaxed SIMD', async () => {
    lib.setExactKernels(true);
    expect((await lib.getCore()).kernel).toBe('simd128');
    expect(await computeDigests(lib)).toEqual(recorded);
    lib.setExactKernels(false);
    expect((await lib.getCore()).kernel).toBe('relaxed');
    // Trained with FMA, the same runs give other bits.
    const relaxed = await computeDigests(lib);
    expect(relaxed['train mlp+bn']).not.toBe(recorded['train mlp+bn']);
  });

  it('survives a trap: the re-created instances still run relaxed SIMD', () => {
    const trapCore = core;
    expect(() => trapCore.invoke('debug_trap')).toThrow(expect.objectContaining({ code: 'WASM_TRAP' }));
    expect(trapCore.kernel).toBe('relaxed');
    const { got, fused, unfused } = run({ m: 9, k: 33, n: 17 }, 8);
    expect(same(got, cpuHasFma ? fused : unfused)).toBe(true);
  });

  it('measures an FMA ceiling', () => {
    expect(core.fmaPeak(1000)).toBe(96_000);
  });
});
