/**
 * The path of Theorem 2 on MLPs of depth 1–4, a convnet and a BatchNorm net with random weights:
 * - it starts at A and ends at B exactly, passes through both dropout nets (all layers at once);
 * - its length is the same at every depth (7 when the halves overlap, 5 when they are disjoint), ≤ 10;
 * - along (b) and (c) segments the logits do not change; along (a) they move linearly and the loss
 *   stays ≤ the larger end;
 * - on twin nets (every unit duplicated, outgoing weights halved; the kept half one copy of each)
 *   dropout changes nothing, so ε = 0 and the bound max(L_A, L_B) + ε must hold along the whole path,
 *   noise segments included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { dropoutNetwork } from '../../ts/stability/dropout.js';
import { noisePath } from '../../ts/stability/noise-path.js';
import { randomData, randomTheta, logitsOf } from '../align/helpers.js';
import { expectClose } from '../helpers/close.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const lerp = (a: Float32Array, b: Float32Array, t: number) => a.map((x, i) => (1 - t) * x + t * b[i]);
const ARCHS: Record<string, Arch> = {
  'depth 1': mlp({ input: 5, hidden: [8], classes: 3 }),
  'depth 2': mlp({ input: 5, hidden: [8, 7], classes: 3 }),
  'depth 3': mlp({ input: 5, hidden: [8, 7, 6], classes: 3 }),
  'depth 4': mlp({ input: 5, hidden: [8, 7, 6, 9], classes: 3, dropout: 0.5 }),
  'convnet': vgg({ input: [2, 6, 6], channels: [6, 'M', 5], hidden: [6], classes: 3 }),
  'BatchNorm MLP': mlp({ input: 5, hidden: [6, 6], classes: 3, batchNorm: true }),
};

const widths = (arch: Arch) => compileArch(arch).layout.filter((e) => e.kind === 'weight').slice(0, -1).map((e) => e.shape[0]);

describe('noisePath (Theorem 2)', () => {
  for (const [name, arch] of Object.entries(ARCHS)) {
    it(`${name}: endpoints, dropout nets, segment kinds and what each does to the logits`, () => {
      const compiled = compileArch(arch);
      const data = randomData(arch.input, 96, 3, 3);
      const a = randomTheta(arch, 11);
      const b = randomTheta(arch, 12);
      // Overlapping halves: A keeps the even units, B the first half.
      const keptA = widths(arch).map((h) => Uint32Array.from({ length: Math.floor(h / 2) }, (_, i) => 2 * i));
      const keptB = widths(arch).map((h) => Uint32Array.from({ length: Math.floor(h / 2) }, (_, i) => i));
      const path = noisePath(arch, a, b, keptA, keptB);
      expect(path.kinds).toEqual(['noise', 'b', 'a', 'b', 'c', 'b', 'noise']);
      expect(path.roles.length).toBe(path.kinds.length);
      expect(path.points[0]).toEqual(a);
      expect(path.points[path.points.length - 1]).toEqual(b);
      expect(path.points[path.dropoutA]).toEqual(dropoutNetwork(arch, a, keptA));
      expect(path.points[path.dropoutB]).toEqual(dropoutNetwork(arch, b, keptB));
      const logits = (theta: Float32Array) => logitsOf(engine, compiled, theta, data);
      const loss = (theta: Float32Array) => engine.evaluate(compiled, theta, data).loss;
      path.kinds.forEach((kind, s) => {
        const [p, q] = [path.points[s], path.points[s + 1]];
        const lp = logits(p);
        if (kind === 'b' || kind === 'c') {
          for (const t of [0.3, 0.7, 1]) expectClose(logits(lerp(p, q, t)), lp, { rtol: 1e-5, atol: 1e-5 });
        } else if (kind === 'a') {
          const lq = logits(q);
          expectClose(logits(lerp(p, q, 0.5)), lp.map((x, i) => (x + lq[i]) / 2), { rtol: 1e-5, atol: 1e-5 });
          const top = Math.max(loss(p), loss(q));
          for (const t of [0.25, 0.5, 0.75]) expect(loss(lerp(p, q, t))).toBeLessThanOrEqual(top + 1e-5);
        }
      });
    });
  }

  it('disjoint halves need no copies: 5 segments', () => {
    const arch = ARCHS['depth 3'];
    const keptA = widths(arch).map((h) => Uint32Array.from({ length: Math.floor(h / 2) }, (_, i) => i));
    const keptB = widths(arch).map((h) => Uint32Array.from({ length: Math.floor(h / 2) }, (_, i) => h - 1 - i));
    const path = noisePath(arch, randomTheta(arch, 1), randomTheta(arch, 2), keptA, keptB);
    expect(path.kinds).toEqual(['noise', 'b', 'a', 'b', 'noise']);
  });

  it('twin nets (ε = 0): the whole path stays ≤ max(L_A, L_B)', () => {
    const base = mlp({ input: 5, hidden: [4, 3, 5], classes: 3 });
    const arch = mlp({ input: 5, hidden: [8, 6, 10], classes: 3 });
    const data = randomData([5], 128, 8, 3);
    const compiled = compileArch(arch);
    const loss = (theta: Float32Array) => engine.evaluate(compiled, theta, data).loss;
    const [a, b] = [twin(base, arch, randomTheta(base, 21)), twin(base, arch, randomTheta(base, 22))];
    expect(loss(a)).toBeCloseTo(engine.evaluate(compileArch(base), randomTheta(base, 21), data).loss, 5);
    // A keeps the first copy of each pair, B the second.
    const keptA = [4, 3, 5].map((h) => Uint32Array.from({ length: h }, (_, i) => i));
    const keptB = [4, 3, 5].map((h) => Uint32Array.from({ length: h }, (_, i) => h + i));
    const path = noisePath(arch, a, b, keptA, keptB);
    expect(path.kinds.length).toBeLessThanOrEqual(10);
    const bound = Math.max(loss(a), loss(b)) + 1e-5;
    for (let s = 0; s < path.kinds.length; s++) {
      for (const t of [0, 0.2, 0.5, 0.8]) expect(loss(lerp(path.points[s], path.points[s + 1], t))).toBeLessThanOrEqual(bound);
    }
  });
});

/** A net of twice the widths computing `theta`'s function: unit u and u + h are copies, each with half the outgoing weight. */
function twin(baseArch: Arch, arch: Arch, theta: Float32Array): Float32Array {
  const base = compileArch(baseArch).layout.filter((e) => e.kind !== 'counter');
  const layout = compileArch(arch).layout;
  const out = new Float32Array(compileArch(arch).totalLength);
  const weights = base.filter((e) => e.kind === 'weight');
  weights.forEach((w, l) => {
    const big = layout.find((e) => e.name === w.name)!;
    const bias = base.find((e) => e.name === w.name.replace('weight', 'bias'))!;
    const bigBias = layout.find((e) => e.name === bias.name)!;
    const [rows, cols] = w.shape;
    const copiesOut = l < weights.length - 1 ? 2 : 1;
    const copiesIn = l > 0 ? 2 : 1;
    const bigCols = cols * copiesIn;
    for (let co = 0; co < copiesOut; co++) {
      for (let r = 0; r < rows; r++) {
        out[bigBias.offset + co * rows + r] = theta[bias.offset + r];
        for (let ci = 0; ci < copiesIn; ci++) {
          for (let c = 0; c < cols; c++) out[big.offset + (co * rows + r) * bigCols + ci * cols + c] = theta[w.offset + r * cols + c] / copiesIn;
        }
      }
    }
  });
  return out;
}
