/**
 * Random projections P (D × d) from a subspace to the D trainable parameters, θ = θ₀ + P·z (Li et al.
 * 2018, "Measuring the Intrinsic Dimension of Objective Landscapes"), never stored densely when large.
 * Columns have (about) unit norm. Each has `apply` (P·z) and its exact adjoint `adjoint` (Pᵀ·g), so a
 * gradient in θ maps to z by the chain rule.
 * - 'fastfood' (Le et al. 2013, as Li et al. use it): with L = 2^⌈log₂ D⌉, P·z = the first D entries
 *   of H·G·Π·H·B·[z; 0] / (‖G‖·√D), H the L × L Walsh–Hadamard matrix (±1, applied by the fast
 *   transform in O(L log L)), B random signs, Π a random permutation, G Gaussian: O(L log L) time and
 *   O(L) memory.
 * - 'sparse': each column holds s = ⌈√D⌉ entries ±1/√s at distinct random rows (a very sparse random
 *   projection, exactly unit columns): O(d·√D) time and memory.
 * - 'dense': N(0, 1) entries, columns normalised; only for D·d ≤ 2^24.
 */
import { ModeconnError } from '../errors.js';
import { below, nextU32, normalPair, rngState } from '../kernels/xoshiro.js';

export type ProjectionKind = 'fastfood' | 'sparse' | 'dense';

/** A projection from R^d to R^D (see the module header). */
export interface Projection {
  readonly kind: ProjectionKind;
  readonly d: number;
  readonly D: number;
  /** out (D) = P·z. */
  apply(z: Float64Array, out: Float64Array): void;
  /** out (d) = Pᵀ·g. */
  adjoint(g: Float64Array, out: Float64Array): void;
}

/** In-place unnormalised fast Walsh–Hadamard transform of a length-2^k vector. */
export function fwht(x: Float64Array): void {
  const n = x.length;
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = x[j];
        const b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
}

function fastfood(d: number, D: number, seed: number): Projection {
  let L = 1;
  while (L < D) L *= 2;
  const s = rngState(seed, 0x4646);
  const signs = new Float64Array(L);
  for (let i = 0; i < L; i++) signs[i] = nextU32(s) & 1 ? 1 : -1;
  const gauss = new Float64Array(L);
  for (let i = 0; i < L; i += 2) [gauss[i], gauss[i + 1]] = normalPair(s);
  const perm = new Uint32Array(L);
  for (let i = 0; i < L; i++) perm[i] = i;
  for (let i = L - 1; i > 0; i--) {
    const j = below(s, i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  // A column's full norm is √L·‖G‖; keeping D of L rows leaves about √(D/L) of it.
  const scale = 1 / (Math.sqrt(gauss.reduce((a, g) => a + g * g, 0)) * Math.sqrt(D));
  const work = new Float64Array(L);
  const tmp = new Float64Array(L);
  return {
    kind: 'fastfood', d, D,
    apply(z, out) {
      work.fill(0);
      for (let i = 0; i < d; i++) work[i] = signs[i] * z[i];
      fwht(work);
      for (let i = 0; i < L; i++) tmp[i] = work[perm[i]] * gauss[i];
      fwht(tmp);
      for (let i = 0; i < D; i++) out[i] = tmp[i] * scale;
    },
    adjoint(g, out) {
      // Pᵀ = Bᵀ·Hᵀ·Πᵀ·Gᵀ·Hᵀ restricted: H is symmetric, Πᵀ scatters back what Π gathered.
      tmp.fill(0);
      for (let i = 0; i < D; i++) tmp[i] = g[i] * scale;
      fwht(tmp);
      work.fill(0);
      for (let i = 0; i < L; i++) work[perm[i]] += tmp[i] * gauss[i];
      fwht(work);
      for (let i = 0; i < d; i++) out[i] = signs[i] * work[i];
    },
  };
}

function sparse(d: number, D: number, seed: number): Projection {
  const per = Math.min(D, Math.ceil(Math.sqrt(D)));
  const rows = new Uint32Array(d * per);
  const values = new Float64Array(d * per);
  const s = rngState(seed, 0x5350);
  const v = 1 / Math.sqrt(per);
  const taken = new Set<number>();
  for (let j = 0; j < d; j++) {
    taken.clear();
    for (let k = 0; k < per; k++) {
      let r = below(s, D);
      while (taken.has(r)) r = below(s, D);
      taken.add(r);
      rows[j * per + k] = r;
      values[j * per + k] = nextU32(s) & 1 ? v : -v;
    }
  }
  return {
    kind: 'sparse', d, D,
    apply(z, out) {
      out.fill(0);
      for (let j = 0; j < d; j++) for (let k = j * per; k < (j + 1) * per; k++) out[rows[k]] += values[k] * z[j];
    },
    adjoint(g, out) {
      for (let j = 0; j < d; j++) {
        let acc = 0;
        for (let k = j * per; k < (j + 1) * per; k++) acc += values[k] * g[rows[k]];
        out[j] = acc;
      }
    },
  };
}

function dense(d: number, D: number, seed: number): Projection {
  if (D * d > 2 ** 24) throw new ModeconnError('BAD_ARGUMENT', `a dense ${D} × ${d} projection is too large; use 'fastfood' or 'sparse'`);
  const m = new Float64Array(D * d);
  const s = rngState(seed, 0x444e);
  for (let j = 0; j < d; j++) {
    let norm = 0;
    for (let i = 0; i < D; i++) {
      const x = normalPair(s)[0];
      m[i * d + j] = x;
      norm += x * x;
    }
    const k = 1 / Math.sqrt(norm);
    for (let i = 0; i < D; i++) m[i * d + j] *= k;
  }
  return {
    kind: 'dense', d, D,
    apply(z, out) {
      for (let i = 0; i < D; i++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += m[i * d + j] * z[j];
        out[i] = acc;
      }
    },
    adjoint(g, out) {
      out.fill(0);
      for (let i = 0; i < D; i++) for (let j = 0; j < d; j++) out[j] += m[i * d + j] * g[i];
    },
  };
}

/** A seeded projection of `kind` from R^d to R^D (d ≤ D). */
export function randomProjection(kind: ProjectionKind, d: number, D: number, seed = 0): Projection {
  if (!Number.isInteger(d) || !Number.isInteger(D) || d < 1 || D < 1 || d > D) {
    throw new ModeconnError('BAD_ARGUMENT', `a projection needs integers 1 ≤ d ≤ D, got d = ${d}, D = ${D}`);
  }
  switch (kind) {
    case 'fastfood': return fastfood(d, D, seed);
    case 'sparse': return sparse(d, D, seed);
    case 'dense': return dense(d, D, seed);
    default: throw new ModeconnError('BAD_ARGUMENT', `projection must be 'fastfood', 'sparse' or 'dense', got ${String(kind)}`);
  }
}
