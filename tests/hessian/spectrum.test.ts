// Spectra of Hessians: the Jacobi eigensolver against its defining identities; Lanczos top-k
// eigenpairs of the tiny nets' Hessians (through the runner's H·v) against the dense
// eigendecomposition of the same Hessian to 1e-4 relative, and against PyTorch's eigenvalues;
// Hutchinson's trace and SLQ's density against dense traces; SLQ's weights (first eigenvector
// components squared, PyHessian PR #23) reproduce the moments vᵀHʲv/vᵀv for j ≤ 2m − 1 exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../ts/model/engine.js';
import { hessianBlocks, hessianOperator, functionOperator } from '../../ts/hessian/operator.js';
import { hutchinsonTrace, rademacherVector } from '../../ts/hessian/hutchinson.js';
import { gaussianVector, topEigenpairs } from '../../ts/hessian/lanczos.js';
import { densityGrid, lanczosQuadrature, slq, slqTrace } from '../../ts/hessian/slq.js';
import { symmetricEigen } from '../../ts/hessian/symmetric-eigen.js';
import { hessianFixture, type HessianFixture } from './fixtures.js';

/** A random symmetric matrix with a spread spectrum. */
function randomSymmetric(n: number, seed: number): Float64Array {
  const g = gaussianVector(n * n, seed, 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = (g[i * n + j] + (i === j ? i / 2 : 0));
  return a;
}

function matVec(a: Float64Array, x: Float64Array): Float64Array {
  const n = x.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i] += a[i * n + j] * x[j];
  return y;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('symmetricEigen', () => {
  it('A·V = V·Λ with V orthonormal, values ascending', () => {
    for (const n of [1, 2, 7, 30]) {
      const a = randomSymmetric(n, n);
      const { values, vectors } = symmetricEigen(a, n);
      for (let j = 0; j < n; j++) {
        const v = Float64Array.from({ length: n }, (_, i) => vectors[i * n + j]);
        const av = matVec(a, v);
        for (let i = 0; i < n; i++) expect(Math.abs(av[i] - values[j] * v[i])).toBeLessThan(1e-9 * (1 + Math.abs(values[j])));
        for (let k = 0; k < n; k++) {
          const w = Float64Array.from({ length: n }, (_, i) => vectors[i * n + k]);
          expect(Math.abs(dot(v, w) - (j === k ? 1 : 0))).toBeLessThan(1e-10);
        }
        if (j > 0) expect(values[j]).toBeGreaterThanOrEqual(values[j - 1]);
      }
    }
  });
});

describe.each(['mlp', 'conv', 'res'])('spectrum of %s', (name) => {
  let f: HessianFixture;
  let dense: Float64Array;
  let eig: ReturnType<typeof symmetricEigen>;
  beforeAll(async () => {
    f = await hessianFixture(name);
    const engine = await Engine.create();
    const P = f.compiled.paramCount;
    dense = new Float64Array(P * P);
    const e = new Float32Array(f.compiled.totalLength);
    for (let i = 0; i < P; i++) {
      e.fill(0);
      e[i] = 1;
      const col = engine.hvpBatch(f.compiled, f.params, f.data, [e], 0, f.data.n, { batchSize: f.data.n }).products[0];
      for (let r = 0; r < P; r++) dense[r * P + i] = col[r];
    }
    // The R-operator's H is symmetric up to f32 rounding; the dense reference is its symmetric part.
    for (let r = 0; r < P; r++) for (let c = 0; c < r; c++) dense[r * P + c] = dense[c * P + r] = (dense[r * P + c] + dense[c * P + r]) / 2;
    eig = symmetricEigen(dense, P);
  });

  it('Lanczos top-3 eigenvalues equal the dense eigendecomposition to 1e-4 relative, and PyTorch\'s to 1e-3', async () => {
    const P = f.compiled.paramCount;
    const { pairs } = await topEigenpairs(hessianOperator(f.arch, f.params, f.data, { batchSize: f.data.n }), 3, { seed: 5 });
    pairs.forEach((p, r) => {
      const want = eig.values[P - 1 - r];
      expect(Math.abs(p.value - want) / Math.abs(want), `λ${r + 1}: ${p.value} vs ${want}`).toBeLessThan(1e-4);
      expect(Math.abs(p.value - f.eigen.eval[P - 1 - r]) / Math.abs(f.eigen.eval[P - 1 - r])).toBeLessThan(1e-3);
      // The Ritz vector is the dense eigenvector (up to sign) and nearly an exact eigenvector.
      const v = Float64Array.from({ length: P }, (_, i) => eig.vectors[i * P + (P - 1 - r)]);
      expect(Math.abs(dot(v, p.vector))).toBeGreaterThan(1 - 1e-4);
      const hv = matVec(dense, p.vector);
      const resid = Math.sqrt(hv.reduce((s, x, i) => s + (x - p.value * p.vector[i]) ** 2, 0));
      expect(resid).toBeLessThan(1e-3 * Math.abs(p.value));
    });
  });

  it('Hutchinson: the trace and per-layer traces agree with the dense ones within 4 standard errors', async () => {
    const P = f.compiled.paramCount;
    const blocks = hessianBlocks(f.arch).slice(1);
    const op = functionOperator(P, (x) => matVec(dense, x));
    const est = await hutchinsonTrace(op, { probes: 400, perCall: 50, seed: 2, groups: blocks.map((b) => b.offsets) });
    let trace = 0;
    for (let i = 0; i < P; i++) trace += dense[i * P + i];
    expect(Math.abs(est.trace - trace)).toBeLessThan(4 * est.stderr + 1e-9);
    blocks.forEach((b, k) => {
      let t = 0;
      for (const i of b.offsets) t += dense[i * P + i];
      expect(Math.abs(est.groups[k].trace - t), b.name).toBeLessThan(4 * est.groups[k].stderr + 1e-9);
    });
    // The diagonal blocks hold every diagonal entry: their traces add up to the whole trace.
    const sum = est.groups.reduce((s, g) => s + g.trace, 0);
    expect(Math.abs(sum - trace)).toBeLessThan(4 * est.stderr + 4 * est.groups.reduce((s, g) => s + g.stderr, 0));
  });

  it('SLQ: weights sum to 1, the grid density integrates to 1, and n·Σ wθ is each run\'s vᵀHv/vᵀv', async () => {
    const P = f.compiled.paramCount;
    const op = functionOperator(P, (x) => matVec(dense, x));
    const runs = await slq(op, { runs: 40, steps: 30, seed: 3 });
    runs.forEach((q, r) => {
      expect(Math.abs(q.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-10);
      const v = rademacherVector(P, 3, 0x534c + r);
      const quad = q.nodes.reduce((s, x, k) => s + q.weights[k] * x, 0);
      expect(Math.abs(quad - dot(v, matVec(dense, v)) / dot(v, v))).toBeLessThan(1e-9 * (1 + Math.abs(quad)));
    });
    const { grid, density } = densityGrid(runs, { points: 2000 });
    let integral = 0;
    for (let i = 1; i < grid.length; i++) integral += ((density[i] + density[i - 1]) / 2) * (grid[i] - grid[i - 1]);
    expect(Math.abs(integral - 1)).toBeLessThan(1e-3);
    let trace = 0;
    for (let i = 0; i < P; i++) trace += dense[i * P + i];
    // 40 Rademacher probes: the estimate's spread is that of Hutchinson's with 40 probes.
    const samples = runs.map((q) => P * q.nodes.reduce((s, x, k) => s + q.weights[k] * x, 0));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const se = Math.sqrt(samples.reduce((s, x) => s + (x - mean) ** 2, 0) / (samples.length - 1) / samples.length);
    expect(slqTrace(runs, P)).toBeCloseTo(mean, 9);
    expect(Math.abs(mean - trace)).toBeLessThan(4 * se + 1e-9);
  });
});

describe('Lanczos quadrature', () => {
  it('is exact for the moments vᵀHʲv/vᵀv, j ≤ 2m − 1 (weights are the first eigenvector components squared)', async () => {
    const n = 40;
    const a = randomSymmetric(n, 9);
    // Scale to spectral radius ~1 so that high powers stay well conditioned.
    const { values } = symmetricEigen(a, n);
    const r = Math.max(Math.abs(values[0]), Math.abs(values[n - 1]));
    const scaled = a.map((x) => x / r);
    const op = functionOperator(n, (x) => matVec(scaled, x));
    const v = gaussianVector(n, 4, 2);
    const m = 6;
    const q = await lanczosQuadrature(op, v, m);
    let w: Float64Array = v.slice();
    for (let j = 0; j <= 2 * m - 1; j++) {
      const exact = dot(v, w) / dot(v, v);
      const quad = q.nodes.reduce((s, x, k) => s + q.weights[k] * x ** j, 0);
      expect(Math.abs(quad - exact), `moment ${j}`).toBeLessThan(1e-10);
      w = matVec(scaled, w);
    }
    // Beyond 2m − 1 the rule is not exact in general (the test would pass for any weights otherwise).
    const exact = dot(v, w) / dot(v, v);
    const quad = q.nodes.reduce((s, x, k) => s + q.weights[k] * x ** (2 * m), 0);
    expect(Math.abs(quad - exact)).toBeGreaterThan(1e-8);
  });
});
