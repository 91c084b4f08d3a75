/**
 * Dropout stability and Kuditipudi et al.'s path, on MLPs with 1–3 hidden layers (odd widths
 * included), convnets (channel-wise dropout) and BatchNorm nets with random weights and statistics:
 * - the path starts at A and ends at B', which computes B's logits (1e-5);
 * - along every (b) segment the logits do not change (1e-5 + 1e-5 relative), along every (a) segment
 *   they move linearly (midpoint = mean of the ends) and the loss stays ≤ the larger end (convexity);
 * - the A side passes through exactly the dropout nets dropoutStability measured (same losses), so
 *   the path's worst point is ≤ max(L_A, L_B) + max(ε_A, ε_B);
 * - typed errors for nets the construction does not cover (residual blocks) and for bad halves.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import { compileArch, type CompiledArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { trainModel } from '../../ts/model/train.js';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { dropoutNetwork, dropoutPath, dropoutStability } from '../../ts/stability/dropout.js';
import { randomData, randomTheta, logitsOf } from '../align/helpers.js';
import { expectClose } from '../helpers/close.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const ARCHS: Record<string, Arch> = {
  'one hidden layer': mlp({ input: 6, hidden: [7], classes: 3 }),
  'two hidden layers': mlp({ input: 6, hidden: [9, 6], classes: 3 }),
  'three hidden layers, dropout layers': mlp({ input: 6, hidden: [8, 7, 5], classes: 3, dropout: 0.5 }),
  'convnet, channel-wise': vgg({ input: [2, 6, 6], channels: [6, 'M', 5], hidden: [7], classes: 3 }),
  'BatchNorm MLP': mlp({ input: 6, hidden: [8, 6], classes: 3, batchNorm: true }),
  'BatchNorm convnet': vgg({ input: [2, 5, 5], channels: [4, 'M', 5], classes: 3, batchNorm: true }),
};

const lerp = (a: Float32Array, b: Float32Array, t: number) => a.map((x, i) => (1 - t) * x + t * b[i]);

describe('dropout stability and its path', () => {
  for (const [name, arch] of Object.entries(ARCHS)) {
    it(`${name}: endpoints, segment kinds and the losses on the way`, async () => {
      const compiled: CompiledArch = compileArch(arch);
      const data = randomData(arch.input, 128, 4, 3);
      const a = randomTheta(arch, 1);
      const b = randomTheta(arch, 2);
      const sa = await dropoutStability(arch, a, data, { trials: 4, seed: 1 });
      const sb = await dropoutStability(arch, b, data, { trials: 4, seed: 2 });
      const d = compiled.layout.filter((e) => e.kind === 'weight').length - 1;
      expect(sa.levels.map((l) => l.from)).toEqual(Array.from({ length: d }, (_, i) => d - i));
      // ε is max(0, level loss − loss) with every loss recomputed here from the halves found.
      const ownLoss = (theta: Float32Array, from?: number, kept?: Uint32Array[]) => engine.evaluate(compiled, from ? dropoutNetwork(arch, theta, kept!, from) : theta, data).loss;
      for (const [s, theta] of [[sa, a], [sb, b]] as const) {
        expect(s.loss).toBe(ownLoss(theta));
        s.levels.forEach((l) => expect(l.loss).toBe(ownLoss(theta, l.from, s.kept)));
        expect(s.epsilon).toBe(Math.max(0, ...s.levels.map((l) => ownLoss(theta, l.from, s.kept) - ownLoss(theta))));
      }
      const path = dropoutPath(arch, a, b, sa.kept, sb.kept);
      expect(path.kinds.length).toBe(path.points.length - 1);
      expect(path.kinds.length).toBe(2 * (1 + 2 * (d - 1)) + 3);
      expect(path.points[0]).toEqual(a);
      expect(path.points[path.points.length - 1]).toEqual(path.permutedB);
      const logits = (theta: Float32Array) => logitsOf(engine, compiled, theta, data);
      const loss = (theta: Float32Array) => engine.evaluate(compiled, theta, data).loss;
      expectClose(logits(path.permutedB), logits(b), { rtol: 1e-5, atol: 1e-5 });
      path.kinds.forEach((kind, s) => {
        const [p, q] = [path.points[s], path.points[s + 1]];
        const [lp, lq, lm] = [logits(p), logits(q), logits(lerp(p, q, 0.5))];
        if (kind === 'b') {
          expectClose(lq, lp, { rtol: 1e-5, atol: 1e-5 });
          expectClose(lm, lp, { rtol: 1e-5, atol: 1e-5 });
        } else {
          expectClose(lm, lp.map((x, i) => (x + lq[i]) / 2), { rtol: 1e-5, atol: 1e-5 });
          const top = Math.max(loss(p), loss(q));
          for (const t of [0.25, 0.5, 0.75]) expect(loss(lerp(p, q, t))).toBeLessThanOrEqual(top + 1e-5);
        }
      });
      // The A side: after each (a) step the net is the dropout net of one more level.
      const aSteps = path.points.slice(1, path.dropoutA + 1).filter((_, i) => path.kinds[i] === 'a');
      expect(aSteps.length).toBe(d);
      aSteps.forEach((p, i) => expect(Math.abs(loss(p) - sa.levels[i].loss)).toBeLessThanOrEqual(1e-5 * (1 + sa.levels[i].loss)));
      expectClose(logits(path.points[path.dropoutA]), logits(dropoutNetwork(arch, a, sa.kept)), { rtol: 1e-5, atol: 1e-5 });
      expectClose(logits(path.points[path.dropoutB]), logits(dropoutNetwork(arch, b, sb.kept)), { rtol: 1e-5, atol: 1e-5 });
      const worst = Math.max(...path.points.map(loss));
      expect(worst).toBeLessThanOrEqual(Math.max(sa.loss, sb.loss) + Math.max(sa.epsilon, sb.epsilon) + 1e-5);
    });
  }

  it('the chosen half of each level is never worse than any candidate tried', async () => {
    // Every candidate is reported through onCandidate; its loss is recomputed here from its units
    // (levels above it at their final halves, chosen first), and the level's loss must be the
    // smallest of them (the candidates differ by 1e-4 or more here, so the choice matters). The net
    // is trained briefly on blobs, so dropping units costs loss.
    const arch = ARCHS['three hidden layers, dropout layers'];
    const compiled = compileArch(arch);
    const data = gaussianBlobs({ n: 96, classes: 3, dims: 6, std: 1.5, seed: 6 });
    const theta = (await trainModel(arch, data, { seed: 5, epochs: 20, batchSize: 16, optimizer: { type: 'adam', lr: 0.01 } })).params;
    const tried: Array<{ from: number; units: Uint32Array; loss: number }> = [];
    const trials = 6;
    const result = await dropoutStability(arch, theta, data, { trials, seed: 3, onCandidate: (c) => tried.push({ ...c, units: c.units.slice() }) });
    expect(tried.map((c) => c.from)).toEqual([3, 2, 1].flatMap((m) => new Array(trials + 1).fill(m)));
    for (const level of result.levels) {
      const m = level.from;
      const losses = tried.filter((c) => c.from === m).map((c) => {
        const kept = result.kept.map((k, l) => (l === m - 1 ? c.units : k));
        const loss = engine.evaluate(compiled, dropoutNetwork(arch, theta, kept, m), data).loss;
        expect(c.loss).toBe(loss);
        return loss;
      });
      expect(level.loss).toBe(Math.min(...losses));
      expect(Math.max(...losses) - Math.min(...losses), `level ${m}`).toBeGreaterThan(1e-4);
      expect(tried.some((c) => c.from === m && [...c.units].join() === [...result.kept[m - 1]].join())).toBe(true);
    }
    // A trained net loses something to dropout: ε > 0, the worst level's excess over the net's loss.
    expect(result.loss).toBe(engine.evaluate(compiled, theta, data).loss);
    expect(result.epsilon).toBeGreaterThan(0.01);
    expect(result.epsilon).toBe(Math.max(...result.levels.map((l) => l.loss - result.loss)));
  });

  it('searches deterministically by seed and keeps ⌊h/2⌋ units per layer', async () => {
    const arch = ARCHS['two hidden layers'];
    const compiled = compileArch(arch);
    const data = randomData([6], 64, 5, 3);
    const theta = initParams(compiled, { seed: 3 });
    const one = await dropoutStability(arch, theta, data, { trials: 3, seed: 7 });
    const two = await dropoutStability(arch, theta, data, { trials: 3, seed: 7 });
    expect(one).toEqual(two);
    expect(one.kept.map((k) => k.length)).toEqual([4, 3]);
  });

  it('greedy search: ranks units by their lone removal, never does worse than random at the top layer, counts its cost', async () => {
    const arch = mlp({ input: 6, hidden: [10, 8], classes: 3 });
    const compiled = compileArch(arch);
    const data = randomData([6], 128, 6, 3);
    const theta = randomTheta(arch, 9);
    const random = await dropoutStability(arch, theta, data, { trials: 3, seed: 2 });
    const greedy = await dropoutStability(arch, theta, data, { trials: 3, seed: 2, search: 'greedy', swaps: 32 });
    expect(greedy.levels[0].loss).toBeLessThanOrEqual(random.levels[0].loss);
    // random: the net, then 1 + 3 halves per layer; greedy adds h lone removals and 32 exchanges per layer.
    expect(random.evaluations).toBe(1 + 2 * 4);
    expect(greedy.evaluations).toBe(1 + 2 * 5 + 8 + 10 + 2 * 32);
    // The lone-removal ranking against brute force: drop each unit of layer 2 alone.
    const w = compiled.layout.find((e) => e.name === '4.weight')!; // output layer reads hidden layer 2
    const lone = Array.from({ length: 8 }, (_, u) => {
      const t = theta.slice();
      for (let r = 0; r < 3; r++) t[w.offset + r * 8 + u] = 0;
      return engine.evaluate(compiled, t, data).loss;
    });
    const top = lone.map((l, u) => [l, u]).sort((a, b) => b[0] - a[0]).slice(0, 4).map((x) => x[1]).sort((a, b) => a - b);
    const { rankByLoss } = await import('../../ts/stability/dropout-search.js');
    const { unitStack } = await import('../../ts/stability/units.js');
    const ranked = await rankByLoss(unitStack(arch), theta, 2, 4, async (ps) => ps.map((p) => engine.evaluate(compiled, p, data)));
    expect(Array.from(ranked)).toEqual(top);
  });

  it('channel-wise dropout zeroes and doubles whole channels of the next layer\'s filters', () => {
    const arch = vgg({ input: [2, 4, 4], channels: [4], classes: 3 });
    const compiled = compileArch(arch);
    const theta = randomTheta(arch, 5);
    const out = dropoutNetwork(arch, theta, [Uint32Array.of(1, 3)]);
    // conv 4 channels → flatten (4 × 16) → dense 3: channel c owns columns 16c..16c+15 of every row.
    const w = compiled.layout.find((e) => e.name === '3.weight')!;
    for (let r = 0; r < 3; r++) {
      for (let col = 0; col < 64; col++) {
        const c = Math.floor(col / 16);
        expect(out[w.offset + r * 64 + col]).toBe((c === 1 || c === 3 ? 2 : 0) * theta[w.offset + r * 64 + col]);
      }
    }
    const conv = compiled.layout.find((e) => e.name === '0.weight')!;
    expect(out.subarray(conv.offset, conv.offset + conv.length)).toEqual(theta.subarray(conv.offset, conv.offset + conv.length));
  });

  it('typed errors: residual nets, wrong halves, wrong lengths', async () => {
    const res = resnet({ input: [1, 4, 4], width: 2, blocks: [1], classes: 3 });
    await expect(dropoutStability(res, initParams(compileArch(res), { seed: 1 }), randomData([1, 4, 4], 8, 1, 3), {})).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    expect(() => dropoutNetwork(res, initParams(compileArch(res), { seed: 1 }), [])).toThrow(/residual/);
    const arch = ARCHS['one hidden layer'];
    const theta = initParams(compileArch(arch), { seed: 1 });
    expect(() => dropoutNetwork(arch, theta, [Uint32Array.of(0, 1)])).toThrow(/3 distinct indices/);
    expect(() => dropoutNetwork(arch, theta, [Uint32Array.of(0, 0, 1)])).toThrow(/distinct/);
    expect(() => dropoutPath(arch, theta, theta.subarray(1), [Uint32Array.of(0, 1, 2)], [Uint32Array.of(0, 1, 2)])).toThrow(/model B/);
  });
});
