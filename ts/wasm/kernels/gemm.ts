/** The GEMM on the WASM core: shapes checked here (BAD_SHAPE), the blocked SIMD loop in Rust. */
import { type GemmKernels, checkGemm } from '../../kernels/gemm.js';
import type { Core } from '../kernel.js';

const BIAS_AXIS = { col: 1, row: 2 } as const;

/** GemmKernels backed by `core`. */
export function gemmKernels(core: Core): GemmKernels {
  return {
    gemm(p, a, b, bias, c) {
      checkGemm(p, a, b, bias, c);
      const beta = p.beta ?? 0;
      core.call('gemm_f32', (s) => [
        p.transA ? 1 : 0, p.transB ? 1 : 0, p.m, p.n, p.k,
        s.in(a), s.in(b), bias ? s.in(bias) : 0, p.biasAxis ? BIAS_AXIS[p.biasAxis] : 0,
        beta, p.relu ? 1 : 0, beta === 0 ? s.out(c) : s.inout(c),
      ]);
    },
  };
}
