/**
 * Weight-matching helpers (ts/align/weight-matching.ts). A cost term views its tensor as
 * `[p, q, s]`: axes 0 and 1 are the group's axis (`axis`) and one other permuted axis, s the rest.
 * The group has n = p units (axis 0) or n = q (axis 1); the other axis has K = q or p indices. Slice
 * c of A is `A_c[i, t] = A[i, c, t]` (axis 0) or `A[c, i, t]` (axis 1), and the term is
 * `C[i, j] = Σ_c Σ_t A_c[i, t]·B_{map[c]}[j, t]` for the other axis's index map.
 */
import { ModeconnError, expectDims, expectLength } from '../errors.js';

export interface WmatchTermParams {
  p: number;
  q: number;
  s: number;
  /** The group's axis, 0 or 1. */
  axis: number;
}

export interface WmatchDotParams {
  /** The tensor's four (padded) dimensions. */
  dims: [number, number, number, number];
}

export interface WmatchKernels {
  /**
   * `cost (n×n) += Σ_{c ∈ changed} Σ_t A_c[i, t]·(B_{map[c]}[j, t] − B_{basis[c]}[j, t])`; with
   * `basis` null, `+= Σ_c Σ_t A_c[i, t]·B_{map[c]}[j, t]` (all c: the whole term). The slices are
   * gathered in f32 (the difference rounded to f32), multiplied in f32 and added to `cost` in f64.
   */
  wmatchTermUpdate(p: WmatchTermParams, a: Float32Array, b: Float32Array, changed: Uint32Array, map: Uint32Array, basis: Uint32Array | null, cost: Float64Array): void;
  /** `out = terms[0] + terms[1] + …` per element, left to right (0 when there are none). */
  wmatchSum(terms: readonly Float64Array[], out: Float64Array): void;
  /**
   * `acc[0] += Σ_o a[o]·b[offs0[x] + offs1[y] + offs2[z] + offs3[w]]` over the `dims` tensor in
   * row-major order o, one f64 term at a time; `offs` holds the four offset lists one after another.
   */
  wmatchDot(p: WmatchDotParams, a: Float32Array, b: Float32Array, offs: Uint32Array, acc: Float64Array): void;
}

/** Units n and other-axis indices K of a term view; validates it. */
export function checkTerm(p: WmatchTermParams, a: Float32Array, b: Float32Array, changed: Uint32Array, map: Uint32Array, basis: Uint32Array | null, cost: Float64Array): { n: number; k: number } {
  expectDims({ p: p.p, q: p.q, s: p.s });
  if (p.axis !== 0 && p.axis !== 1) throw new ModeconnError('BAD_ARGUMENT', `axis must be 0 or 1, got ${p.axis}`);
  const [n, k] = p.axis === 0 ? [p.p, p.q] : [p.q, p.p];
  expectLength('a', a, p.p * p.q * p.s);
  expectLength('b', b, p.p * p.q * p.s);
  expectLength('map', map, k);
  if (basis) expectLength('basis', basis, k);
  expectLength('cost', cost, n * n);
  for (const c of changed) {
    if (!(c < k) || !(map[c] < k) || (basis && !(basis[c] < k))) {
      throw new ModeconnError('BAD_ARGUMENT', `changed index ${c} (or its map or basis entry) is not below ${k}`);
    }
  }
  return { n, k };
}

/** Validates a gathered dot product: lengths, and that every gathered offset is inside b. */
export function checkDot(p: WmatchDotParams, a: Float32Array, b: Float32Array, offs: Uint32Array, acc: Float64Array): void {
  const [d0, d1, d2, d3] = p.dims;
  expectDims({ d0, d1, d2, d3 });
  const len = d0 * d1 * d2 * d3;
  expectLength('a', a, len);
  expectLength('b', b, len);
  expectLength('offs', offs, d0 + d1 + d2 + d3);
  expectLength('acc', acc, 1);
  if (len === 0) return;
  let reach = 0;
  let at = 0;
  for (const d of p.dims) {
    let max = 0;
    for (let i = 0; i < d; i++) max = Math.max(max, offs[at + i]);
    reach += max;
    at += d;
  }
  if (reach >= len) throw new ModeconnError('BAD_ARGUMENT', `offsets reach ${reach}, past the tensor's ${len} values`);
}
