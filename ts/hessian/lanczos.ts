/**
 * Lanczos with full reorthogonalisation on a symmetric operator H (dim n): from a unit start q₁,
 * H·Q_m = Q_m·T_m + β_m·q_{m+1}·e_mᵀ with T_m tridiagonal (α on the diagonal, β beside it), every new
 * vector orthogonalised against all earlier ones twice (classical Gram–Schmidt, f64), so Ritz values
 * stay free of ghost copies. `topEigenpairs` returns the k largest Ritz pairs of T_m (eigenvalues and
 * eigenvectors y = Q_m·s) with the residual bound |β_m·s_m|; m ≤ n.
 */
import { ModeconnError } from '../errors.js';
import { rngState, normalPair } from '../kernels/xoshiro.js';
import type { HessianOperator } from './operator.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** The tridiagonal T_m and the Lanczos basis q₁..q_m. */
export interface LanczosRun {
  alphas: number[];
  /** β₁..β_{m−1} (off-diagonal), then β_m (the residual norm) last: length m. */
  betas: number[];
  basis: Float64Array[];
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A seeded N(0, 1) vector (the project's xoshiro generator, `seed`, `stream`). */
export function gaussianVector(n: number, seed: number, stream: number): Float64Array {
  const s = rngState(seed, stream);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const [a, b] = normalPair(s);
    out[i] = a;
    if (i + 1 < n) out[i + 1] = b;
  }
  return out;
}

/** Runs up to `steps` Lanczos steps from `start` (stops early when the Krylov space is invariant). */
export async function lanczos(op: HessianOperator, start: Float64Array, steps: number): Promise<LanczosRun> {
  const n = op.dim;
  if (start.length !== n) throw new ModeconnError('BAD_SHAPE', `a start vector of ${start.length} values for an operator of ${n}`);
  if (!Number.isInteger(steps) || steps < 1) throw new ModeconnError('BAD_ARGUMENT', `steps must be a positive integer, got ${steps}`);
  const norm0 = Math.sqrt(dot(start, start));
  if (!(norm0 > 0)) throw new ModeconnError('BAD_ARGUMENT', 'the Lanczos start vector is zero');
  const basis = [start.map((x) => x / norm0)];
  const alphas: number[] = [];
  const betas: number[] = [];
  const m = Math.min(steps, n);
  let scale = 0;
  for (let j = 0; j < m; j++) {
    const q = basis[j];
    const [w] = await op.apply([q]);
    const alpha = dot(q, w);
    alphas.push(alpha);
    scale = Math.max(scale, Math.abs(alpha));
    // Twice: one classical Gram–Schmidt pass leaves O(ε·κ) of the earlier directions.
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        const c = dot(b, w);
        for (let i = 0; i < n; i++) w[i] -= c * b[i];
      }
    }
    const beta = Math.sqrt(dot(w, w));
    betas.push(beta);
    scale = Math.max(scale, beta);
    if (j + 1 === m || !(beta > 1e-12 * scale)) break;
    basis.push(w.map((x) => x / beta));
  }
  return { alphas, betas, basis };
}

/** The symmetric tridiagonal T_m of a run as a dense [m, m] matrix. */
export function tridiagonal(run: LanczosRun): Float64Array {
  const m = run.alphas.length;
  const t = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    t[i * m + i] = run.alphas[i];
    if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = run.betas[i];
  }
  return t;
}

/** One Ritz pair: eigenvalue estimate, eigenvector (unit, over the operator's dim) and residual bound ‖H·y − λ·y‖. */
export interface RitzPair {
  value: number;
  vector: Float64Array;
  residual: number;
}

export interface TopEigenOptions {
  /** Lanczos steps (default max(2k + 20, 40), at most the dimension). */
  steps?: number;
  /** Seed of the Gaussian start vector (default 0). */
  seed?: number;
}

/** The k largest eigenpairs of `op` by Lanczos with full reorthogonalisation (see the module header). */
export async function topEigenpairs(op: HessianOperator, k: number, options: TopEigenOptions = {}): Promise<{ pairs: RitzPair[]; steps: number }> {
  if (!Number.isInteger(k) || k < 1 || k > op.dim) throw new ModeconnError('BAD_ARGUMENT', `k must be an integer in [1, ${op.dim}], got ${k}`);
  const steps = Math.min(op.dim, options.steps ?? Math.max(2 * k + 20, 40));
  const run = await lanczos(op, gaussianVector(op.dim, options.seed ?? 0, 0x4c41), steps);
  const m = run.alphas.length;
  const { values, vectors } = symmetricEigen(tridiagonal(run), m);
  const last = run.betas[m - 1];
  const pairs: RitzPair[] = [];
  for (let r = 0; r < Math.min(k, m); r++) {
    const j = m - 1 - r;
    const y = new Float64Array(op.dim);
    run.basis.forEach((q, i) => {
      const c = vectors[i * m + j];
      for (let t = 0; t < y.length; t++) y[t] += c * q[t];
    });
    const norm = Math.sqrt(dot(y, y));
    pairs.push({ value: values[j], vector: y.map((x) => x / norm), residual: Math.abs(last * vectors[(m - 1) * m + j]) });
  }
  return { pairs, steps: m };
}
