/**
 * An exact model of the GEMM's arithmetic, for bit-for-bit tests of both micro-kernels: a correctly
 * rounded f32 fused multiply-add (fmaf), and the blocked GEMM's per-element order — products summed
 * in k order within each k block (even blocks of at most 512, as crate/src/gemm/mod.rs splits them),
 * each block merged into C by the epilogue — fused (relaxed SIMD) or not (simd128).
 */
import type { GemmParams } from '../../ts/kernels/gemm.js';

const view = new DataView(new ArrayBuffer(8));

/** fl32(a·b + c) rounded once (a, b, c are f32 values). */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit significands fit in 53 bits
  const s = p + c;
  const t = s - p;
  const e = (p - (s - t)) + (c - t); // TwoSum: s + e is exactly p + c
  if (e === 0 || !Number.isFinite(s)) return Math.fround(s);
  // Round to odd in f64 (53 ≥ 24 + 2 bits), then to nearest f32: a single correct rounding.
  view.setFloat64(0, s);
  const bits = view.getBigUint64(0);
  if ((bits & 1n) === 0n) view.setBigUint64(0, (e > 0) === (s > 0) ? bits + 1n : bits - 1n);
  return Math.fround(view.getFloat64(0));
}

/** fl32(fl32(a·b) + c): mul then add, as simd128 does. */
export function mulAdd(a: number, b: number, c: number): number {
  return Math.fround(Math.fround(a * b) + c);
}

const KC = 512;

/** The GEMM's result with the core's exact operation order; `madd(a, b, acc)` is fmaf or mulAdd. */
export function modelGemm(p: GemmParams, a: Float32Array, b: Float32Array, bias: Float32Array | null, c: Float32Array, madd: (a: number, b: number, c: number) => number): Float32Array {
  const { m, n, k } = p;
  const beta = Math.fround(p.beta ?? 0);
  const at = (i: number, q: number) => (p.transA ? a[q * m + i] : a[i * k + q]);
  const bt = (q: number, j: number) => (p.transB ? b[j * k + q] : b[q * n + j]);
  const kc = k === 0 ? 0 : Math.ceil(k / Math.ceil(k / KC));
  const out = c.slice();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let v = out[i * n + j];
      for (let pc = 0; pc < k; pc += kc) {
        const end = Math.min(k, pc + kc);
        let acc = 0;
        for (let q = pc; q < end; q++) acc = madd(at(i, q), bt(q, j), acc);
        if (pc === 0) {
          v = beta === 0 ? acc : beta === 1 ? Math.fround(v + acc) : Math.fround(Math.fround(beta * v) + acc);
          if (bias) v = Math.fround(v + bias[p.biasAxis === 'row' ? i : j]);
        } else {
          v = Math.fround(v + acc);
        }
        if (p.relu && end === k && v < 0) v = 0;
      }
      out[i * n + j] = v;
    }
  }
  return out;
}
