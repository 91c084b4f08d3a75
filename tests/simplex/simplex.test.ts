/**
 * Simplexes: the Cayley–Menger log volume (known areas; its gradient against central differences
 * to 1e-6 relative); flat Dirichlet draws; fitSimplex from one trained MLP on blobs (new vertices
 * move away, the volume term grows the simplex, the same seed gives the same bits, the simplex's
 * interior stays low-loss); evaluateSimplex's vertices are the vertices' own results, bit for bit,
 * and a one-member ensemble is that member.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { subsetDataSet } from '../../ts/data/dataset.js';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { trainModel } from '../../ts/model/train.js';
import { initParams } from '../../ts/model/init.js';
import { resolveRunner } from '../../ts/model/inline-runner.js';
import { rngState } from '../../ts/model/index.js';
import { CurveGradients } from '../../ts/paths/fit.js';
import type { Path } from '../../ts/paths/path.js';
import { fitSimplex, logVolume, sampleWeights, simplexGradient } from '../../ts/simplex/fit.js';
import { randomArray } from '../helpers/close.js';
import { evaluateSimplex } from '../../ts/simplex/evaluate.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const sqdist = (p: number[][]) => p.map((a) => p.map((b) => a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0)));

describe('logVolume', () => {
  it('a segment and a right triangle: known volumes (up to the Cayley–Menger constant)', () => {
    expect(logVolume(sqdist([[0, 0], [3, 0]])).logVolume).toBeCloseTo(0.5 * Math.log(2 * 9), 12);
    // Triangle of area ½: |det CM| = 16·area² = 4.
    expect(logVolume(sqdist([[0, 0], [1, 0], [0, 1]])).logVolume).toBeCloseTo(0.5 * Math.log(4), 12);
    expect(logVolume(sqdist([[0, 0], [1, 1], [2, 2]])).logVolume).toBe(-Infinity);
  });

  it('its gradient in the new vertex\'s squared distances matches central differences', () => {
    for (const pts of [[[0, 0, 0], [1, 0.2, 0], [0.3, 1, 0.5]], [[0, 0, 0, 1], [1, 0, 2, 0], [0, 1.5, 0, 0], [0.2, 0.1, 1, 1]]]) {
      const d2 = sqdist(pts);
      const { gradient } = logVolume(d2);
      const last = d2.length - 1;
      gradient.forEach((g, j) => {
        const h = 1e-6 * d2[last][j];
        const at = (delta: number) => {
          const m = d2.map((r) => [...r]);
          m[last][j] += delta;
          m[j][last] += delta;
          return logVolume(m).logVolume;
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(g - numeric)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(numeric)));
      });
    }
  });
});

describe('simplexGradient', () => {
  it('the assembled gradient (loss + volume term) matches central differences of the objective', async () => {
    // Objective of one batch: f(θ_last) = L(Σ_j w_j θ_j) − λ·log V(θ_0, θ_1, θ_last), L the batch's
    // mean loss (engine.evaluate, f64 from f32 losses) and log V from the f64 distances of the f32
    // vertices. Directional differences along u use the f32 points actually evaluated,
    // f(θ + hu) − f(θ − hu) ≈ g·(θ₊ − θ₋); tolerance 2e-3 relative: f32 losses over h = 1e-2.
    const arch = mlp({ input: 4, hidden: [5], classes: 3 });
    const compiled = compileArch(arch);
    const P = compiled.paramCount;
    const data = gaussianBlobs({ n: 12, classes: 3, dims: 4, std: 2, seed: 5 });
    const vertices = [1, 2, 3].map((seed) => initParams(compiled, { seed }));
    const w = Float32Array.of(0.2, 0.3, 0.5);
    const lambda = 0.4;
    const path: Path = { kind: 'waypoints', points: vertices, degree: 1, coefficients: () => w, derivative: () => new Float32Array(3) };
    const state = await CurveGradients.open(await resolveRunner(), arch, path, data, { capacity: data.n, seed: 1, mode: 'train' });
    let g: Float64Array;
    let loss: number;
    try {
      await state.session.setOrder(Uint32Array.from({ length: data.n }, (_, i) => i));
      const result = await simplexGradient(state, lambda, 0, data.n);
      g = Float64Array.from(state.engine.core.f32(result.grad));
      loss = result.loss;
    } finally {
      await state.close();
    }
    const objective = (last: Float32Array) => {
      const theta = Float32Array.from({ length: compiled.totalLength }, (_, i) => w[0] * vertices[0][i] + w[1] * vertices[1][i] + w[2] * last[i]);
      const pts = [vertices[0], vertices[1], last];
      const d2 = pts.map((a) => pts.map((b) => a.subarray(0, P).reduce((s, x, i) => s + (x - b[i]) ** 2, 0)));
      return engine.evaluate(compiled, theta, data).loss - lambda * logVolume(d2).logVolume;
    };
    expect(Math.abs(loss - engine.evaluate(compiled, Float32Array.from(vertices[0], (_, i) => w[0] * vertices[0][i] + w[1] * vertices[1][i] + w[2] * vertices[2][i]), data).loss)).toBeLessThan(1e-5);
    const unit = (v: ArrayLike<number>) => {
      const n = Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
      return Array.from(v, (x) => x / n);
    };
    const volumeOnly = (() => {
      // −λ·∇ log V alone, by differences of the volume term: the direction halving λ·∇ log V moves most.
      const at = (i: number, h: number) => {
        const p = vertices[2].slice();
        p[i] += h;
        const pts = [vertices[0], vertices[1], p];
        return logVolume(pts.map((a) => pts.map((b) => a.subarray(0, P).reduce((s, x, k) => s + (x - b[k]) ** 2, 0)))).logVolume;
      };
      return Array.from({ length: P }, (_, i) => (at(i, 1e-3) - at(i, -1e-3)) / 2e-3);
    })();
    const directions = [unit(volumeOnly), unit(g), unit(Array.from(randomArray(P, 9))), unit(Array.from({ length: P }, (_, i) => vertices[2][i] - vertices[0][i]))];
    for (const [d, u] of directions.entries()) {
      const plus = Float32Array.from(vertices[2], (x, i) => (i < P ? x + 1e-2 * u[i] : x));
      const minus = Float32Array.from(vertices[2], (x, i) => (i < P ? x - 1e-2 * u[i] : x));
      const numeric = objective(plus) - objective(minus);
      const analytic = g.reduce((s, x, i) => s + x * (plus[i] - minus[i]), 0);
      expect(Math.abs(numeric - analytic), `direction ${d}: ${numeric} vs ${analytic}`).toBeLessThanOrEqual(2e-3 * Math.abs(numeric) + 1e-7);
    }
    // The volume term is a large part of the gradient here, so a wrong weight on it cannot hide.
    const volumePart = lambda * Math.sqrt(volumeOnly.reduce((s, x) => s + x * x, 0));
    expect(volumePart).toBeGreaterThan(0.2 * Math.sqrt(g.reduce((s, x) => s + x * x, 0)));
  });
});

describe('sampleWeights', () => {
  it('non-negative, sum to 1, mean 1/k', () => {
    const state = rngState(1, 2);
    const sum = new Float64Array(3);
    for (let r = 0; r < 2000; r++) {
      const w = sampleWeights(state, 3);
      expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
      w.forEach((x, i) => {
        expect(x).toBeGreaterThanOrEqual(0);
        sum[i] += x / 2000;
      });
    }
    sum.forEach((m) => expect(Math.abs(m - 1 / 3)).toBeLessThan(0.03));
  });
});

describe('fitSimplex and evaluateSimplex', () => {
  it('grows a low-loss triangle from one model; the volume term widens it; same seed, same bits', async () => {
    const all = gaussianBlobs({ n: 900, classes: 3, dims: 8, std: 3, seed: 1 });
    const data = subsetDataSet(all, Uint32Array.from({ length: 600 }, (_, i) => Math.floor(i * 1.5)), 'train');
    const test = subsetDataSet(all, Uint32Array.from({ length: 300 }, (_, i) => 3 * i + 2), 'test');
    const arch = mlp({ input: 8, hidden: [32], classes: 3 });
    const base = await trainModel(arch, data, { seed: 1, epochs: 5, batchSize: 50, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 } });
    const options = { seed: 3, epochs: 3, batchSize: 50, add: 2 } as const;
    const fitted = await fitSimplex(arch, [base.params], data, { ...options, volume: 0.05 });
    const flat = await fitSimplex(arch, [base.params], data, { ...options, volume: 0 });
    const again = await fitSimplex(arch, [base.params], data, { ...options, volume: 0.05 });
    expect(fitted.vertices).toHaveLength(3);
    expect(again.vertices).toEqual(fitted.vertices);
    expect(fitted.vertices[0]).toEqual(base.params);
    expect(fitted.log.map((l) => l.vertex)).toEqual([1, 1, 1, 2, 2, 2]);
    const lastVolume = (r: typeof fitted) => r.log[r.log.length - 1].logVolume;
    expect(Number.isFinite(lastVolume(fitted))).toBe(true);
    expect(lastVolume(fitted)).toBeGreaterThan(lastVolume(flat));

    const report = await evaluateSimplex(arch, fitted.vertices, { train: data, test }, { samples: 8, seed: 2 });
    expect(report.points.map((p) => p.kind)).toEqual(['vertex', 'vertex', 'vertex', 'centroid', ...Array(8).fill('sample')]);
    const compiled = compileArch(arch);
    fitted.vertices.forEach((v, j) => expect(report.points[j].sets.test.loss).toBe(engine.evaluate(compiled, v, test).loss));
    const baseLoss = report.points[0].sets.test.loss;
    // The interior is as good as the trained model (within a margin for the fitted vertices' noise).
    for (const p of report.points.filter((q) => q.kind === 'sample')) expect(p.sets.test.loss).toBeLessThan(baseLoss + 0.1);
    expect(report.ensemble.test.members).toBe(8);
    expect(report.ensemble.test.accuracy).toBeGreaterThan(0.8);

    const one = await evaluateSimplex(arch, fitted.vertices, { test }, { samples: 1, seed: 5 });
    const member = one.points[one.points.length - 1].sets.test;
    expect(one.ensemble.test.accuracy).toBe(member.accuracy);
    expect(one.ensemble.test.loss).toBeCloseTo(member.loss, 5);
  });
});
