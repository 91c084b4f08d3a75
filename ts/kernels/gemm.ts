/**
 * Single-precision GEMM: C(m,n) = beta·C + op(A)·op(B) + bias, then ReLU if `relu`. Row-major.
 * op(A) is (m,k): A is stored (m,k), or (k,m) when `transA`; op(B) is (k,n): B is stored (k,n), or
 * (n,k) when `transB`. bias is per column (length n) or per row (length m). beta = 0 (the default)
 * ignores C's old contents, NaN included.
 */
import { ModeconnError, expectDims, expectLength } from '../errors.js';

/** Shape and epilogue of one GEMM: sizes (m, k, n), transposes, beta, ReLU, bias axis. */
export interface GemmParams {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** Scale of C's old contents; 0 (default) overwrites C. */
  beta?: number;
  relu?: boolean;
  /** Required when a bias is given: 'col' adds bias[j] (length n), 'row' adds bias[i] (length m). */
  biasAxis?: 'col' | 'row';
}

/** GEMM kernels; C is updated in place. */
export interface GemmKernels {
  /** c (m·n) = beta·c + op(a)·op(b) + bias, then ReLU if `p.relu`. */
  gemm(p: GemmParams, a: Float32Array, b: Float32Array, bias: Float32Array | null, c: Float32Array): void;
}

/** Validates sizes, lengths and flags of a GEMM call (BAD_ARGUMENT / BAD_SHAPE). */
export function checkGemm(p: GemmParams, a: Float32Array, b: Float32Array, bias: Float32Array | null, c: Float32Array): void {
  expectDims({ m: p.m, n: p.n, k: p.k });
  const beta = p.beta ?? 0;
  if (!Number.isFinite(beta)) throw new ModeconnError('BAD_ARGUMENT', `beta must be finite, got ${beta}`);
  if (p.biasAxis !== undefined && p.biasAxis !== 'col' && p.biasAxis !== 'row') {
    throw new ModeconnError('BAD_ARGUMENT', `biasAxis must be 'col' or 'row', got ${String(p.biasAxis)}`);
  }
  if ((bias === null) !== (p.biasAxis === undefined)) {
    throw new ModeconnError('BAD_ARGUMENT', bias ? 'a bias was given without biasAxis' : `biasAxis '${p.biasAxis}' was given without a bias`);
  }
  expectLength(p.transA ? 'a (k×m)' : 'a (m×k)', a, p.m * p.k);
  expectLength(p.transB ? 'b (n×k)' : 'b (k×n)', b, p.k * p.n);
  expectLength('c (m×n)', c, p.m * p.n);
  if (bias) expectLength(p.biasAxis === 'row' ? 'bias (m)' : 'bias (n)', bias, p.biasAxis === 'row' ? p.m : p.n);
}
