/**
 * Stochastic Lanczos quadrature (Ubaru, Chen and Saad 2017; Ghorbani et al. 2019; PyHessian): the
 * spectral density φ(λ) = (1/n)·Σ_i δ(λ − λ_i) of H is estimated from `runs` Lanczos runs of m steps,
 * each from a random unit vector v: with T_m = S·diag(θ)·Sᵀ, vᵀ f(H) v ≈ Σ_k τ_k²·f(θ_k) where τ_k is
 * the FIRST component of eigenvector k, S[0, k] (Gauss quadrature, exact for polynomials of degree
 * ≤ 2m − 1). Each run's weights sum to 1. (PyHessian squared every entry of S instead of its first row
 * until its PR #23.) The density on a grid is the weighted nodes smoothed by a Gaussian of width σ;
 * n·Σ_k τ_k²·θ_k estimates tr(H).
 */
import { ModeconnError } from '../errors.js';
import { rademacherVector } from './hutchinson.js';
import { lanczos, tridiagonal } from './lanczos.js';
import type { HessianOperator } from './operator.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** One run's quadrature: nodes θ_k (Ritz values) and weights τ_k² (summing to 1). */
export interface Quadrature {
  nodes: number[];
  weights: number[];
}

export interface SlqOptions {
  /** Lanczos runs (default 4). */
  runs?: number;
  /** Steps per run (default 80, at most the dimension). */
  steps?: number;
  seed?: number;
  onRun?: (done: number, total: number) => void;
}

/** The quadrature of one Lanczos run from `start` (see the module header). */
export async function lanczosQuadrature(op: HessianOperator, start: Float64Array, steps: number): Promise<Quadrature> {
  const run = await lanczos(op, start, steps);
  const m = run.alphas.length;
  const { values, vectors } = symmetricEigen(tridiagonal(run), m);
  return { nodes: Array.from(values), weights: Array.from({ length: m }, (_, k) => vectors[k] ** 2) };
}

/** `runs` quadratures from seeded Rademacher starts (normalised by the Lanczos run). */
export async function slq(op: HessianOperator, options: SlqOptions = {}): Promise<Quadrature[]> {
  const { runs = 4, steps = 80, seed = 0 } = options;
  if (!Number.isInteger(runs) || runs < 1) throw new ModeconnError('BAD_ARGUMENT', `runs must be a positive integer, got ${runs}`);
  const out: Quadrature[] = [];
  for (let r = 0; r < runs; r++) {
    out.push(await lanczosQuadrature(op, rademacherVector(op.dim, seed, 0x534c + r), Math.min(steps, op.dim)));
    options.onRun?.(r + 1, runs);
  }
  return out;
}

/** tr(H) ≈ n·mean over runs of Σ_k τ_k²·θ_k. */
export function slqTrace(runs: readonly Quadrature[], dim: number): number {
  const per = runs.map((q) => q.nodes.reduce((s, x, k) => s + q.weights[k] * x, 0));
  return (dim * per.reduce((a, b) => a + b, 0)) / per.length;
}

export interface DensityGridOptions {
  /** Grid points (default 400). */
  points?: number;
  /** Gaussian width (default 1% of the node range, at least 1e-6 of its scale). */
  sigma?: number;
}

/** The smoothed density on a grid spanning the nodes ± 5σ; it integrates to 1 (trapezoid rule ≈ 1 when σ spans a few grid steps). */
export function densityGrid(runs: readonly Quadrature[], options: DensityGridOptions = {}): { grid: number[]; density: number[]; sigma: number } {
  const nodes = runs.flatMap((q) => q.nodes);
  const lo0 = Math.min(...nodes);
  const hi0 = Math.max(...nodes);
  const sigma = options.sigma ?? Math.max(0.01 * (hi0 - lo0), 1e-6 * Math.max(Math.abs(lo0), Math.abs(hi0), 1e-12));
  const points = options.points ?? 400;
  const [lo, hi] = [lo0 - 5 * sigma, hi0 + 5 * sigma];
  const grid = Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const norm = 1 / (sigma * Math.sqrt(2 * Math.PI) * runs.length);
  const density = grid.map((x) => {
    let s = 0;
    for (const q of runs) q.nodes.forEach((t, k) => (s += q.weights[k] * Math.exp(-((x - t) ** 2) / (2 * sigma * sigma))));
    return s * norm;
  });
  return { grid, density, sigma };
}
