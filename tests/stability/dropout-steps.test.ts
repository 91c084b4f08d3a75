/**
 * Dropout stability's parts, checked one at a time on small MLPs: denseStack lists the dense layers
 * (and names what it refuses); dropoutNetwork from level m leaves the outgoing weights of layers
 * below m alone and zeroes / doubles those of m..d; the search's first candidate per level is the
 * largest-outgoing-norm half (ties to the lower unit), the others ⌊h/2⌋ distinct sorted units, and
 * the defaults (16 random halves, seed 0) show in what is tried; ties keep the first candidate;
 * greedy search is swapSearch from the best candidate on the stream (seed, 0x100 + m); swapSearch returns the least loss it
 * evaluated, proposes one-for-one exchanges of the current best, and spends exactly its budget;
 * rankByLoss ranks more units than one chunk of 32 against brute force.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EvalResult } from '../../ts/model/engine.js';
import { seedState } from '../../ts/kernels/xoshiro.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { rngState } from '../../ts/model/index.js';
import { denseStack, dropoutNetwork, dropoutStability } from '../../ts/stability/dropout.js';
import { rankByLoss, swapSearch } from '../../ts/stability/dropout-search.js';
import { unitStack } from '../../ts/stability/units.js';
import { randomData, randomTheta } from '../align/helpers.js';

const arch = mlp({ input: 5, hidden: [6, 4], classes: 3 });
const compiled = compileArch(arch);
const entry = (name: string) => compiled.layout.find((e) => e.name === name)!;

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

/** A fake evaluation result with this loss. */
const result = (loss: number): EvalResult => ({ loss, accuracy: -loss, losses: new Float32Array(0), correct: new Uint8Array(0) });

describe('denseStack', () => {
  it('the dense weights and biases in order, the hidden widths; refusals name the layer', () => {
    const s = denseStack(mlp({ input: 5, hidden: [6, 4], classes: 3, dropout: 0.2 }));
    const c = compileArch(mlp({ input: 5, hidden: [6, 4], classes: 3, dropout: 0.2 }));
    const dense = c.layout.filter((e) => e.kind === 'weight');
    expect(s.weights).toEqual(dense);
    expect(s.biases).toEqual(c.layout.filter((e) => e.kind === 'bias'));
    expect(s.widths).toEqual([6, 4]);
    // A flattened image input and hidden layers of 2 units (the fewest to drop half of) are fine.
    expect(denseStack(mlp({ input: [1, 2, 3], hidden: [2, 2], classes: 3 })).widths).toEqual([2, 2]);
    expect(() => denseStack(mlp({ input: 5, hidden: [6], classes: 3, batchNorm: true }))).toThrow(
      'noise stability is measured on plain ReLU MLPs (dense, relu, dropout, flatten); layer 1 is batchnorm (dropout stability and both paths of Kuditipudi et al. cover convnets and BatchNorm nets (unitStack); the per-layer noise measures do not)');
    expect(() => denseStack(vgg({ input: [1, 4, 4], channels: [2], classes: 3 }))).toThrow(/layer 0 is conv2d/);
    expect(() => denseStack(mlp({ input: 5, hidden: [], classes: 3 }))).toThrow(/^dropout stability needs at least one hidden layer/);
    expect(() => denseStack(mlp({ input: 5, hidden: [4, 1], classes: 3 }))).toThrow(/^every hidden layer needs at least 2 units to drop half of them/);
  });
});

describe('dropoutNetwork', () => {
  it('from level m: outgoing weights of the layers below m unchanged, of m..d kept × 2 and dropped 0; nothing else moves', () => {
    const theta = randomTheta(arch, 4);
    const kept = [Uint32Array.of(0, 2, 5), Uint32Array.of(1, 2)];
    // Hidden layer 1 (6 units) is read by dense layer 2 ('2.weight', 4 × 6); layer 2 (4 units) by the output ('4.weight', 3 × 4).
    const readers = [entry('2.weight'), entry('4.weight')];
    for (const from of [1, 2]) {
      const out = dropoutNetwork(arch, theta, kept, from);
      const changed = new Set<number>();
      readers.forEach((w, l) => {
        const h = l === 0 ? 6 : 4;
        for (let r = 0; r < w.shape[0]; r++) {
          for (let u = 0; u < h; u++) {
            const i = w.offset + r * h + u;
            const factor = l + 1 < from ? 1 : kept[l].includes(u) ? 2 : 0;
            expect(out[i], `level ${from}, layer ${l + 1}, row ${r}, unit ${u}`).toBe(factor * theta[i]);
            changed.add(i);
          }
        }
      });
      out.forEach((x, i) => {
        if (!changed.has(i)) expect(x).toBe(theta[i]);
      });
    }
    // The default level is 1: every hidden layer.
    expect(dropoutNetwork(arch, theta, kept)).toEqual(dropoutNetwork(arch, theta, kept, 1));
    expect(() => dropoutNetwork(arch, theta.subarray(1), kept)).toThrow(`θ has ${theta.length - 1} values; the architecture needs ${theta.length}`);
  });
});

describe('dropoutStability candidates', () => {
  it('per level: first the largest-outgoing-norm half (ties to the lower unit), then `trials` sorted halves of ⌊h/2⌋ distinct units', async () => {
    const theta = randomTheta(arch, 6);
    // Hidden layer 2's outgoing norms: units 1 and 3 tie for the largest, unit 0 is next.
    const w = entry('4.weight');
    const norms = [3, 5, 1, 5];
    for (let r = 0; r < 3; r++) for (let u = 0; u < 4; u++) theta[w.offset + r * 4 + u] = (r === 0 ? norms[u] : 0);
    const data = randomData([5], 32, 1, 3);
    const tried: Array<{ from: number; units: number[]; loss: number }> = [];
    const r = await dropoutStability(arch, theta, data, { trials: 5, seed: 3, onCandidate: (c) => tried.push({ from: c.from, units: [...c.units], loss: c.loss }) });
    expect(tried.map((c) => c.from)).toEqual([...new Array(6).fill(2), ...new Array(6).fill(1)]);
    expect(tried[0].units).toEqual([1, 3]);
    // Hidden layer 1's norm half, from its outgoing weights in the net as given (dropout at level 2 changes only the layer above).
    const w1 = entry('2.weight');
    const norm1 = Array.from({ length: 6 }, (_, u) => Math.hypot(...Array.from({ length: 4 }, (__, row) => theta[w1.offset + row * 6 + u])));
    const top = norm1.map((n, u) => [n, u]).sort((a, b) => b[0] - a[0]).slice(0, 3).map((x) => x[1]).sort((a, b) => a - b);
    expect(tried[6].units).toEqual(top);
    for (const c of tried) {
      const h = c.from === 2 ? 4 : 6;
      expect(c.units).toHaveLength(Math.floor(h / 2));
      expect(new Set(c.units).size).toBe(c.units.length);
      expect(c.units.every((u) => u < h)).toBe(true);
      expect(c.units).toEqual([...c.units].sort((a, b) => a - b));
    }
    // The random halves differ from one another (a seeded permutation per trial, not one repeated).
    expect(new Set(tried.slice(1, 6).map((c) => c.units.join())).size).toBeGreaterThan(1);
    expect(r.evaluations).toBe(1 + 2 * 6);
  });

  it('the defaults: 16 random halves per level from seed 0', async () => {
    const theta = randomTheta(arch, 2);
    const data = randomData([5], 16, 2, 3);
    const defaults = await dropoutStability(arch, theta, data);
    expect(defaults.evaluations).toBe(1 + 2 * 17);
    expect(defaults).toEqual(await dropoutStability(arch, theta, data, { trials: 16, seed: 0, batchSize: 1000 }));
    expect(defaults.kept).not.toEqual((await dropoutStability(arch, theta, data, { seed: 1 })).kept);
    // ε is the worst level's excess, and 0 when no level is worse than the net.
    expect(defaults.epsilon).toBe(Math.max(0, ...defaults.levels.map((l) => l.loss - defaults.loss)));
    await expect(dropoutStability(arch, theta.subarray(2), data)).rejects.toThrow(`θ has ${theta.length - 2} values; the architecture needs ${theta.length}`);
  });
});

describe('dropoutStability ties and greedy swaps', () => {
  it('ties keep the first candidate tried: with a zero output layer every half scores the same, and the norm half (lowest units on equal norms) is kept', async () => {
    const theta = randomTheta(arch, 7);
    const out = entry('4.weight');
    theta.fill(0, out.offset, out.offset + out.length);
    const data = randomData([5], 16, 3, 3);
    const tried: Array<{ from: number; units: number[]; loss: number }> = [];
    const r = await dropoutStability(arch, theta, data, { trials: 6, seed: 4, onCandidate: (c) => tried.push({ from: c.from, units: [...c.units], loss: c.loss }) });
    expect(new Set(tried.map((c) => c.loss)).size).toBe(1);
    // Level 2: every outgoing norm is 0, so the norm half is units 0 and 1; level 1's norm half is its first candidate.
    expect(tried[0].units).toEqual([0, 1]);
    expect([...r.kept[1]]).toEqual([0, 1]);
    expect([...r.kept[0]]).toEqual(tried[7].units);
    // The last halves tried differ from the kept ones, so keeping a later tie would show.
    expect(tried[6].units).not.toEqual([0, 1]);
    expect(tried[13].units).not.toEqual(tried[7].units);
  });

  it('greedy: the top level\'s half is swapSearch from the best candidate with proposals from (seed, stream 0x100 + m)', async () => {
    const wide = mlp({ input: 5, hidden: [6, 8], classes: 3 });
    const c = compileArch(wide);
    // A net on which the exchanges improve the start and different streams find different halves.
    const theta = randomTheta(wide, 15);
    const data = randomData([5], 48, 4, 3);
    const tried: Array<{ from: number; units: Uint32Array; loss: number }> = [];
    const greedy = await dropoutStability(wide, theta, data, { trials: 0, seed: 5, search: 'greedy', swaps: 6, onCandidate: (x) => tried.push({ ...x, units: x.units.slice() }) });
    const top = tried.filter((x) => x.from === 2);
    const first = top.reduce((b, x) => (x.loss < b.loss ? x : b));
    const loss = (half: Uint32Array) => engine.evaluate(c, dropoutNetwork(wide, theta, [Uint32Array.of(0, 1, 2), half], 2), data);
    const state = new Uint32Array(4);
    seedState(5, 0x100 + 2, state);
    const want = await swapSearch({ units: first.units, loss: first.loss, accuracy: loss(first.units).accuracy }, 8, 6, state, async (halves) => halves.map(loss));
    expect([...want.units]).not.toEqual([...first.units]);
    expect([...greedy.kept[1]]).toEqual([...want.units]);
    expect(greedy.levels[0].loss).toBe(want.loss);
    await expect(dropoutStability(wide, theta, data, { batchSize: 0 })).rejects.toThrow('batchSize must be a positive integer, got 0');
  });
});

describe('swapSearch', () => {
  it('returns the least loss it evaluated, from one-for-one exchanges of the best so far, spending exactly its budget in batches', async () => {
    // Loss of a half = Σ of per-unit costs: the search should walk towards the cheapest units.
    const cost = [5, 1, 4, 0.5, 3, 2, 6, 0.25];
    const loss = (units: Uint32Array) => units.reduce((s, u) => s + cost[u], 0);
    const start = { units: Uint32Array.of(0, 2, 4, 6), loss: loss(Uint32Array.of(0, 2, 4, 6)), accuracy: 0 };
    const calls: number[] = [];
    const seen: number[] = [];
    let current: Uint32Array = start.units;
    const best = await swapSearch(start, 8, 23, rngState(5, 1), async (halves) => {
      calls.push(halves.length);
      const before = new Set(current);
      for (const h of halves) {
        expect(h).toHaveLength(4);
        expect([...h]).toEqual([...h].sort((a, b) => a - b));
        // Exactly one unit of the current best left, one outside it came in.
        expect(h.filter((u) => !before.has(u))).toHaveLength(1);
        seen.push(loss(h));
      }
      const results = halves.map((h) => result(loss(h)));
      const i = results.reduce((b, r, j) => (r.loss < results[b].loss ? j : b), 0);
      if (results[i].loss < loss(current)) current = halves[i];
      return results;
    }, 8);
    expect(calls).toEqual([8, 8, 7]);
    expect(best.loss).toBe(Math.min(start.loss, ...seen));
    expect(loss(best.units)).toBe(best.loss);
    expect(best.accuracy).toBe(-best.loss);
    // Nothing to spend: the start comes back.
    expect(await swapSearch(start, 8, 0, rngState(5, 1), async () => { throw new Error('no evaluation expected'); })).toBe(start);
    // The default batch is 16 proposals.
    const sizes: number[] = [];
    await swapSearch(start, 8, 20, rngState(5, 2), async (halves) => {
      sizes.push(halves.length);
      return halves.map((h) => result(loss(h)));
    });
    expect(sizes).toEqual([16, 4]);
  });

  it('an exchange that does not lower the loss is not taken', async () => {
    const start = { units: Uint32Array.of(0, 1), loss: 1, accuracy: 0.5 };
    const best = await swapSearch(start, 4, 10, rngState(1, 1), async (halves) => halves.map(() => result(1)));
    expect(best).toBe(start);
  });
});

describe('rankByLoss', () => {
  it('over more units than one chunk of 32: the k units whose lone removal raises the loss most, increasing', async () => {
    const wide = mlp({ input: 3, hidden: [45], classes: 2 });
    const c = compileArch(wide);
    const theta = randomTheta(wide, 8);
    const stack = unitStack(wide);
    const out = c.layout.find((e) => e.name === '2.weight')!;
    // A stand-in loss that depends on every outgoing weight: the sum of squares of the output layer's weights, negated.
    const fakeLoss = (net: Float32Array) => -net.subarray(out.offset, out.offset + out.length).reduce((s, x) => s + x * x, 0);
    const sizes: number[] = [];
    const ranked = await rankByLoss(stack, theta, 1, 22, async (nets) => {
      sizes.push(nets.length);
      return nets.map((n) => result(fakeLoss(n)));
    });
    expect(sizes).toEqual([32, 13]);
    const lone = Array.from({ length: 45 }, (_, u) => {
      const n = theta.slice();
      for (let r = 0; r < 2; r++) n[out.offset + r * 45 + u] = 0;
      return fakeLoss(n);
    });
    const want = lone.map((l, u) => [l, u]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 22).map((x) => x[1]).sort((a, b) => a - b);
    expect(Array.from(ranked)).toEqual(want);
  });

  it('exactly one chunk for 32 units (no empty call); equal losses rank the lower units first', async () => {
    const w32 = mlp({ input: 3, hidden: [32], classes: 2 });
    const sizes: number[] = [];
    const ranked = await rankByLoss(unitStack(w32), randomTheta(w32, 3), 1, 16, async (nets) => {
      sizes.push(nets.length);
      return nets.map(() => result(0.5));
    });
    expect(sizes).toEqual([32]);
    expect(Array.from(ranked)).toEqual(Array.from({ length: 16 }, (_, u) => u));
  });
});
