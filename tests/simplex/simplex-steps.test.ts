/**
 * fitSimplex and evaluateSimplex step by step, on a tiny MLP: flat Dirichlet draws have Beta(1, k − 1)
 * marginals (Kolmogorov–Smirnov distance); a degenerate simplex has log V = −∞ and a zero gradient;
 * a new vertex starts at the vertices' centroid plus initScale × the seeded filter-normalised
 * direction; one full-batch SGD step moves it by −lr × (simplexGradient + weight decay × θ) at the
 * w drawn from (seed, stream 0x40000 + vertex), the order and the dropout masks of seed + vertex;
 * buffers freed and sized by the data set; cancellation; progress fractions, the epoch log's log V of the vertices reached,
 * the manifest, divergence and the typed errors; evaluateSimplex's centroid and samples are the
 * engine's evaluations of the documented blends and its ensemble the mean of their softmax outputs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { randomDirection } from '../../ts/landscape/directions.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { resolveRunner } from '../../ts/model/inline-runner.js';
import { rngState } from '../../ts/model/index.js';
import { permutation } from '../../ts/kernels/xoshiro.js';
import { CurveGradients } from '../../ts/paths/fit.js';
import type { Path } from '../../ts/paths/path.js';
import { evaluateSimplex } from '../../ts/simplex/evaluate.js';
import { fitSimplex, logVolume, sampleWeights, simplexGradient } from '../../ts/simplex/fit.js';

const arch = mlp({ input: 4, hidden: [5], classes: 3 });
const compiled = compileArch(arch);
const P = compiled.paramCount;
const data = gaussianBlobs({ n: 12, classes: 3, dims: 4, std: 2, seed: 5 });
const test = gaussianBlobs({ n: 9, classes: 3, dims: 4, std: 2, seed: 6 });
const v0 = initParams(compiled, { seed: 1 });
const v1 = initParams(compiled, { seed: 2 });
const sgd = (lr: number) => ({ type: 'sgd' as const, lr, momentum: 0 });

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

/** Squared distances between points over the trainable entries (f64). */
const sqdist = (pts: Float32Array[]) => pts.map((a) => pts.map((b) => a.subarray(0, P).reduce((s, x, i) => s + (x - b[i]) ** 2, 0)));

describe('sampleWeights', () => {
  it('each weight of a flat Dirichlet over k vertices is Beta(1, k − 1): P(w_j ≤ x) = 1 − (1 − x)^(k − 1)', () => {
    for (const k of [2, 3, 5]) {
      const state = rngState(11, k);
      const draws = Array.from({ length: 3000 }, () => sampleWeights(state, k));
      for (let j = 0; j < k; j++) {
        const sorted = draws.map((w) => w[j]).sort((a, b) => a - b);
        // Kolmogorov–Smirnov distance to the Beta(1, k − 1) CDF; 0.035 is well above the 1% critical value (≈ 0.03) for 3000 draws.
        const ks = Math.max(...sorted.map((x, i) => Math.max(Math.abs((i + 1) / sorted.length - (1 - (1 - x) ** (k - 1))), Math.abs(i / sorted.length - (1 - (1 - x) ** (k - 1))))));
        expect(ks, `k = ${k}, weight ${j}`).toBeLessThan(0.035);
      }
    }
  });
});

describe('logVolume', () => {
  it('a degenerate simplex: log V = −∞ and a zero gradient, one entry per other vertex', () => {
    const r = logVolume(sqdist([[0, 0], [1, 1], [2, 2]].map((p) => Float32Array.from([...p, ...new Array(compiled.totalLength - 2).fill(0)]))));
    expect(r.logVolume).toBe(-Infinity);
    expect(r.gradient).toEqual([0, 0]);
  });

  it('a segment: ½ log(2 d²) and ∂/∂d² = 1 / (2 d²)', () => {
    const r = logVolume([[0, 4], [4, 0]]);
    expect(r.logVolume).toBeCloseTo(0.5 * Math.log(8), 12);
    expect(r.gradient).toHaveLength(1);
    expect(r.gradient[0]).toBeCloseTo(1 / 8, 12);
  });
});

describe('fitSimplex, step by step', () => {
  it('a new vertex starts at the centroid plus initScale × the seeded filter-normalised direction (stream 0x50000 + k)', async () => {
    // lr = 0: the vertex stays where it started.
    const r = await fitSimplex(arch, [v0, v1], data, { seed: 7, epochs: 1, batchSize: 12, add: 1, initScale: 0.5, optimizer: sgd(0) });
    expect(r.vertices).toHaveLength(3);
    expect(r.vertices[0]).toEqual(v0);
    expect(r.vertices[1]).toEqual(v1);
    const centroid = Float32Array.from(v0, (x, i) => (x + v1[i]) / 2);
    const push = randomDirection(arch, centroid, { seed: 7, stream: 0x50002 });
    r.vertices[2].forEach((x, i) => expect(Math.abs(x - (centroid[i] + 0.5 * push[i]))).toBeLessThanOrEqual(1e-6 * Math.abs(x) + 1e-12));
    // initScale 0 is allowed: the new vertex starts at the centroid itself.
    const still = await fitSimplex(arch, [v0, v1], data, { seed: 7, epochs: 1, batchSize: 12, add: 1, initScale: 0, optimizer: sgd(0) });
    still.vertices[2].forEach((x, i) => expect(Math.abs(x - centroid[i])).toBeLessThanOrEqual(1e-6 * Math.abs(x) + 1e-12));
  });

  it('one full-batch SGD step moves the new vertex by −lr × (simplexGradient + weight decay × θ) at the documented w, order and dropout seed', async () => {
    // The fit of vertex 2 draws w from (seed, stream 0x40000 + 2), shuffles with (seed + 2, stream
    // 0x10000 + epoch) and seeds dropout with seed + 2: the reference gradient uses all three.
    const dropArch = mlp({ input: 4, hidden: [5], classes: 3, dropout: 0.3 });
    const [a, b] = [v0, v1];
    const options = { seed: 7, epochs: 1, batchSize: 12, add: 1, initScale: 0.5, volume: 0.3 };
    const start = (await fitSimplex(dropArch, [a, b], data, { ...options, optimizer: sgd(0) })).vertices[2];
    const moved = (await fitSimplex(dropArch, [a, b], data, { ...options, optimizer: { ...sgd(0.1), weightDecay: 0.5 } })).vertices[2];
    const w = sampleWeights(rngState(7, 0x40000 + 2), 3);
    const order = Uint32Array.from({ length: data.n }, (_, i) => i);
    permutation(rngState(7 + 2, 0x10000 + 1), order);
    const path: Path = { kind: 'waypoints', points: [a, b, start], degree: 1, coefficients: () => w, derivative: () => new Float32Array(3) };
    const state = await CurveGradients.open(await resolveRunner(), dropArch, path, data, { capacity: data.n, seed: 7 + 2, mode: 'train' });
    let g: Float32Array;
    try {
      await state.session.setOrder(order);
      g = state.engine.core.f32((await simplexGradient(state, 0.3, 0, data.n)).grad).slice(0, P);
      // λ < 0 or NaN would silently drop the volume term: refused, as fitSimplex refuses it.
      for (const bad of [-0.3, Number.NaN]) await expect(simplexGradient(state, bad, 0, data.n)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    } finally {
      await state.close();
    }
    const step = g.map((gi, i) => 0.1 * (gi + 0.5 * start[i]));
    const scale = Math.max(...step.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    step.forEach((si, i) => expect(Math.abs(moved[i] - (start[i] - si)), `entry ${i}`).toBeLessThanOrEqual(1e-5 * scale));
  });

  it('every buffer is freed (even the batch buffers of a huge batch size are the size of the data set)', async () => {
    const local = await Engine.local();
    const run = (batchSize: number) => fitSimplex(arch, [v0], data, { seed: 2, epochs: 1, batchSize, add: 1, optimizer: sgd(0.01) });
    await run(6);
    const live = local.core.liveBytes;
    const memory = local.core.memoryBytes;
    await run(6);
    expect(local.core.liveBytes).toBe(live);
    // Capacity min(batchSize, n): 2^22 rows of 4 inputs would take 64 MiB.
    await run(2 ** 22);
    expect(local.core.liveBytes).toBe(live);
    expect(local.core.memoryBytes - memory).toBeLessThan(16 * 2 ** 20);
  });

  it('a cancelled fit stops with CANCELLED, naming simplex fitting', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fitSimplex(arch, [v0], data, { seed: 1, epochs: 1, signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED', message: 'simplex fitting cancelled in epoch 1' });
  });

  it('progress runs over all vertices to 1; each epoch logs the log V of the vertices reached; the manifest records the defaults', async () => {
    const progress: Array<[number, number, number]> = [];
    const epochs: unknown[] = [];
    const r = await fitSimplex(arch, [v0], data, {
      seed: 3, epochs: 1, batchSize: 6,
      onProgress: ({ vertex, step, fraction }) => progress.push([vertex, step, fraction]),
      onEpoch: (e) => epochs.push(e),
    });
    // Two vertices (the default), two steps each.
    expect(progress).toEqual([[1, 1, 0.25], [1, 2, 0.5], [2, 1, 0.75], [2, 2, 1]]);
    expect(epochs).toEqual(r.log);
    expect(r.log.map((l) => [l.vertex, l.epoch, l.lr])).toEqual([[1, 1, 0.05], [2, 1, 0.05]]);
    const [segment, triangle] = r.log;
    expect(segment.logVolume).toBeCloseTo(logVolume(sqdist(r.vertices.slice(0, 2))).logVolume, 4);
    expect(triangle.logVolume).toBeCloseTo(logVolume(sqdist(r.vertices)).logVolume, 4);
    for (const l of r.log) {
      expect(l.seconds).toBeGreaterThanOrEqual(0);
      expect(l.seconds).toBeLessThan(60);
      expect(Number.isFinite(l.trainLoss)).toBe(true);
    }
    const m = r.manifest;
    expect(m.operation).toBe('fitSimplex');
    expect(m.seeds).toEqual({ fit: 3 });
    expect(m.params).toHaveLength(3);
    expect(Object.keys(m.data)).toEqual(['train']);
    expect(m.options).toMatchObject({ seed: 3, epochs: 1, batchSize: 6, add: 2, volume: 0.01, initScale: 0.1, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 }, schedule: { type: 'constant' } });
    expect(m.sampleOrder).toBe('shuffled per epoch: xoshiro128** permutation with (seed + vertex, stream 0x10000 + epoch); w per batch from (seed, stream 0x40000 + vertex)');
  });

  it('a diverging fit stops with DIVERGED, naming the vertex, epoch and step', async () => {
    await expect(fitSimplex(arch, [v0], data, { seed: 1, epochs: 1, batchSize: 2, add: 1, optimizer: sgd(1e30) }))
      .rejects.toMatchObject({ code: 'DIVERGED', message: expect.stringMatching(/^simplex fitting diverged: loss (NaN|Infinity) at vertex 1, epoch 1, step [1-6] \(lower the learning rate\)$/) });
  });

  it('typed errors that name the culprit', async () => {
    const fit = (start: Float32Array[], extra: Record<string, unknown>) => fitSimplex(arch, start, data, { seed: 1, epochs: 1, ...extra });
    await expect(fit([v0], { add: 0 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'add must be a positive integer, got 0' });
    await expect(fit([v0], { add: 1.5 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'add must be a positive integer, got 1.5' });
    for (const bad of [{ volume: -1 }, { volume: Number.NaN }, { initScale: -0.1 }, { initScale: Number.NaN }]) {
      await expect(fit([v0], bad)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'volume and initScale must be ≥ 0' });
    }
    await expect(fit([], {})).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'fitSimplex needs at least one starting model' });
    await expect(fit([v0, v1.subarray(1)], {})).rejects.toMatchObject({ code: 'BAD_SHAPE', message: `vertex 1 has ${v1.length - 1} values; the architecture needs ${v1.length}` });
    await expect(fit([v0, Float32Array.from(v1, (x, i) => (i === 3 ? Number.NaN : x))], {})).rejects.toMatchObject({ code: 'NON_FINITE', message: expect.stringMatching(/^vertex 1 holds/) });
  });
});

describe('evaluateSimplex, point by point', () => {
  it('vertices, the centroid (weights 1/k) and the samples drawn from (seed, stream 0x60000) are the engine\'s evaluations of their blends', async () => {
    const v2 = initParams(compiled, { seed: 4 });
    const vertices = [v0, v1, v2];
    const r = await evaluateSimplex(arch, vertices, { test, train: data }, { samples: 3, seed: 9, batchSize: 4 });
    expect(r.bn).toBe('blend');
    const state = rngState(9, 0x60000);
    const weights = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1 / 3, 1 / 3, 1 / 3], ...[0, 1, 2].map(() => Array.from(sampleWeights(state, 3)))];
    expect(r.points.map((p) => p.kind)).toEqual(['vertex', 'vertex', 'vertex', 'centroid', 'sample', 'sample', 'sample']);
    r.points.forEach((p, i) => {
      p.weights.forEach((x, j) => expect(x).toBeCloseTo(weights[i][j], 7));
      const theta = Float32Array.from(v0, (_, e) => weights[i].reduce((s, wj, j) => s + wj * vertices[j][e], 0));
      for (const [role, set] of [['test', test], ['train', data]] as const) {
        const want = engine.evaluate(compiled, theta, set);
        expect(Math.abs(p.sets[role].loss - want.loss), `${p.kind} ${i} on ${role}`).toBeLessThanOrEqual(1e-5 * want.loss);
        expect(p.sets[role].accuracy).toBe(want.accuracy);
      }
    });
    // The ensemble: −log of the mean of the samples' softmax probabilities of the label, averaged over the set.
    const probs = r.points.slice(4).map((p) => {
      const theta = Float32Array.from(v0, (_, e) => p.weights.reduce((s, wj, j) => s + wj * vertices[j][e], 0));
      const logits = engine.evaluate(compiled, theta, test, { logits: true }).logits!;
      return Array.from({ length: test.n }, (_, x) => {
        const row = Array.from({ length: 3 }, (__, c) => Math.exp(logits[x * 3 + c]));
        return row.map((e) => e / row.reduce((s, y) => s + y, 0));
      });
    });
    let nll = 0;
    let right = 0;
    for (let x = 0; x < test.n; x++) {
      const mean = [0, 1, 2].map((c) => probs.reduce((s, q) => s + q[x][c], 0) / 3);
      nll -= Math.log(mean[test.y[x]]) / test.n;
      if (mean.indexOf(Math.max(...mean)) === test.y[x]) right += 1 / test.n;
    }
    expect(r.ensemble.test.members).toBe(3);
    expect(r.ensemble.test.loss).toBeCloseTo(nll, 4);
    expect(r.ensemble.test.accuracy).toBeCloseTo(right, 10);
    expect(Object.keys(r.ensemble)).toEqual(['test', 'train']);
    expect(r.manifest.operation).toBe('evaluateSimplex');
    expect(r.manifest.seeds).toEqual({ samples: 9 });
    expect(r.manifest.options).toEqual({ samples: 3, seed: 9, bn: 'blend', batchSize: 4 });
    expect(r.manifest.sampleOrder).toBe('data set order; batches of 4; points from (seed, stream 0x60000)');
  });

  it('defaults: 16 samples from seed 0, batches of 1000; no samples, no ensemble', async () => {
    const r = await evaluateSimplex(arch, [v0, v1], { test });
    expect(r.points).toHaveLength(2 + 1 + 16);
    const state = rngState(0, 0x60000);
    for (const p of r.points.slice(3)) Array.from(sampleWeights(state, 2)).forEach((x, j) => expect(p.weights[j]).toBeCloseTo(x, 7));
    expect(r.ensemble.test.members).toBe(16);
    expect(r.manifest.options).toEqual({ samples: 16, seed: 0, bn: 'blend', batchSize: 1000 });
    const none = await evaluateSimplex(arch, [v0, v1], { test }, { samples: 0 });
    expect(none.points.map((p) => p.kind)).toEqual(['vertex', 'vertex', 'centroid']);
    expect(none.ensemble).toEqual({});
  });

  it('BatchNorm: recomputed over the train set (or bnData) at every point by default', async () => {
    const bnArch = mlp({ input: 4, hidden: [5], classes: 3, batchNorm: true });
    const bnCompiled = compileArch(bnArch);
    const [a, b] = [1, 2].map((seed) => initParams(bnCompiled, { seed }));
    const r = await evaluateSimplex(bnArch, [a, b], { train: data, test }, { samples: 1, seed: 2 });
    expect(r.bn).toBe('recompute');
    expect(Object.keys(r.manifest.data)).toEqual(['train', 'test', 'bn']);
    r.points.forEach((p) => {
      const theta = Float32Array.from(a, (x, e) => p.weights[0] * x + p.weights[1] * b[e]);
      const want = engine.evaluate(bnCompiled, engine.recomputeBatchNorm(bnCompiled, theta, data), test);
      expect(Math.abs(p.sets.test.loss - want.loss)).toBeLessThanOrEqual(1e-5 * want.loss);
    });
    const viaBnData = await evaluateSimplex(bnArch, [a, b], { test }, { samples: 0, bnData: test, bn: 'recompute' });
    const centroid = Float32Array.from(a, (x, e) => 0.5 * x + 0.5 * b[e]);
    const want = engine.evaluate(bnCompiled, engine.recomputeBatchNorm(bnCompiled, centroid, test), test);
    expect(Math.abs(viaBnData.points[2].sets.test.loss - want.loss)).toBeLessThanOrEqual(1e-5 * want.loss);
    const batch = await evaluateSimplex(bnArch, [a, b], { test }, { samples: 0, bn: 'batch-stats', batchSize: 3 });
    const wantBatch = engine.evaluate(bnCompiled, centroid, test, { mode: 'batch-stats', batchSize: 3 });
    expect(Math.abs(batch.points[2].sets.test.loss - wantBatch.loss)).toBeLessThanOrEqual(1e-5 * wantBatch.loss);
  });

  it('a net without BatchNorm has nothing to recompute: bn \'recompute\' never reads bnData and is the blend', async () => {
    const elsewhere = gaussianBlobs({ n: 5, classes: 3, dims: 7, seed: 1 }); // not even this net's input size
    const r = await evaluateSimplex(arch, [v0, v1], { test }, { samples: 0, bn: 'recompute', bnData: elsewhere });
    const blend = await evaluateSimplex(arch, [v0, v1], { test }, { samples: 0, bn: 'blend' });
    expect(r.points.map((p) => p.sets)).toEqual(blend.points.map((p) => p.sets));
  });

  it('typed errors that name the culprit', async () => {
    await expect(evaluateSimplex(arch, [], { test })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'evaluateSimplex needs at least one vertex' });
    await expect(evaluateSimplex(arch, [v0, v1.subarray(2)], { test })).rejects.toMatchObject({ code: 'BAD_SHAPE', message: `vertex 1 has ${v1.length - 2} values; the architecture needs ${v1.length}` });
    await expect(evaluateSimplex(arch, [v0], { test }, { samples: -1 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'samples must be a non-negative integer, got -1' });
    await expect(evaluateSimplex(arch, [v0], { test }, { samples: 0.5 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'samples must be a non-negative integer, got 0.5' });
    await expect(evaluateSimplex(arch, [v0], {})).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: 'evaluateSimplex needs at least one data set' });
  });
});
