/**
 * The constructed path of Nguyen et al. on MLPs with 1–3 hidden layers (odd widths included), with
 * random nets and random probes (the construction needs no training to be exact):
 * - the path starts at A and ends at B bit for bit;
 * - every 'unchanged' segment leaves the logits as they are (start, quarter, middle, end); every
 *   'output' segment changes the output layer only and moves the logits linearly;
 * - every waypoint computes the function its segment names: A, B, or a probe evaluated on its own
 *   narrow plan from the network's features;
 * - the bound check passes with the functions' own losses, and fails when a waypoint is mutated;
 * - typed errors for conv nets, mismatched models, wrong probes, and nothing returned half-made.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataSet, type DataSet } from '../../ts/data/dataset.js';
import type { Arch } from '../../ts/model/arch.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { constructPath, type PathFunction, type PathProbe } from '../../ts/conditions/constructed-path.js';
import { checkPathBounds, type FunctionLosses } from '../../ts/conditions/bound.js';
import { hiddenLayers, probeArch } from '../../ts/conditions/units.js';
import { seedState, permutation } from '../../ts/reference/rng.js';
import { randomData, randomTheta } from '../align/helpers.js';
import { expectClose } from '../helpers/close.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

const lerp = (a: Float32Array, b: Float32Array, t: number) => a.map((x, i) => (1 - t) * x + t * b[i]);
const logits = (arch: Arch, theta: Float32Array, data: DataSet) => engine.evaluate(compileArch(arch), theta, data, { logits: true }).logits!;
const lossOf = (arch: Arch, theta: Float32Array, data: DataSet) => engine.evaluate(compileArch(arch), theta, data).loss;

/** Random probes of a net: kept units from `keep(layer, h, k)`, random weights. */
function randomProbes(arch: Arch, seed: number, keep?: (layer: number, h: number, k: number) => number[]): PathProbe[] {
  const s = new Uint32Array(4);
  return hiddenLayers(arch).map((h) => {
    const k = Math.floor(h.units / 2);
    seedState(seed, h.layer, s);
    const order = new Uint32Array(h.units);
    permutation(s, order);
    const kept = Uint32Array.from(keep ? keep(h.layer, h.units, k) : order.slice(0, k)).sort();
    const pArch = probeArch(arch, h.layer, 0.5);
    return { layer: h.layer, kept, arch: pArch, params: randomTheta(pArch, seed * 31 + h.layer) };
  });
}

/** The logits of the function `f` (a net, or a probe run on the net's own features). */
function functionLogits(arch: Arch, nets: Record<'A' | 'B', { theta: Float32Array; probes: PathProbe[] }>, f: PathFunction, data: DataSet): Float32Array {
  const net = nets[f.net];
  if (f.probe === 0) return logits(arch, net.theta, data);
  const h = hiddenLayers(arch)[f.probe - 1];
  const p = net.probes[f.probe - 1];
  const indices = Uint32Array.from({ length: data.n }, (_, i) => i);
  const [all] = engine.activations(compileArch(arch), net.theta, data, indices, [h.buffer]);
  const x = new Float32Array(data.n * p.kept.length);
  for (let s = 0; s < data.n; s++) p.kept.forEach((u, i) => (x[s * p.kept.length + i] = all[s * h.units + u]));
  return logits(p.arch, p.params, createDataSet({ name: 'features', x, y: data.y, shape: [p.kept.length], classes: data.classes }));
}

const ARCHS: Record<string, Arch> = {
  'one hidden layer': mlp({ input: 5, hidden: [6], classes: 3 }),
  'two hidden layers, odd widths': mlp({ input: 5, hidden: [9, 7], classes: 3 }),
  'three hidden layers, dropout': mlp({ input: 5, hidden: [8, 7, 6], classes: 3, dropout: 0.5 }),
};

describe('the constructed path (Nguyen et al.)', () => {
  for (const [name, arch] of Object.entries(ARCHS)) {
    it(`${name}: endpoints, segment kinds, waypoint functions and the bound`, async () => {
      const compiled = compileArch(arch);
      const d = hiddenLayers(arch).length;
      const data = randomData([5], 96, 3, 3);
      const a = randomTheta(arch, 1);
      const b = randomTheta(arch, 2);
      const nets = { A: { theta: a, probes: randomProbes(arch, 11) }, B: { theta: b, probes: randomProbes(arch, 12) } };
      const path = constructPath(arch, a, b, nets.A.probes, nets.B.probes);
      expect(path.points.length).toBe(path.segments.length + 1);
      expect([2 * (2 * d - 1) + 3, 2 * (2 * d - 1) + 5]).toContain(path.segments.length);
      expect(Buffer.from(path.points[0].buffer).equals(Buffer.from(a.buffer))).toBe(true);
      expect(Buffer.from(path.points[path.points.length - 1].buffer).equals(Buffer.from(b.buffer))).toBe(true);
      const output = compiled.layout.filter((e) => e.layer === arch.layers.length - 1);
      const inOutput = new Uint8Array(compiled.totalLength);
      for (const e of output) inOutput.fill(1, e.offset, e.offset + e.length);
      path.segments.forEach((seg, s) => {
        const [p, q] = [path.points[s], path.points[s + 1]];
        const [lp, lq] = [logits(arch, p, data), logits(arch, q, data)];
        expectClose(lp, functionLogits(arch, nets, seg.from, data), { rtol: 1e-4, atol: 1e-4 });
        expectClose(lq, functionLogits(arch, nets, seg.to, data), { rtol: 1e-4, atol: 1e-4 });
        if (seg.kind === 'unchanged') {
          expect(seg.from).toEqual(seg.to);
          for (const t of [0.25, 0.5, 1]) expectClose(logits(arch, lerp(p, q, t), data), lp, { rtol: 1e-5, atol: 1e-5 });
        } else {
          for (let i = 0; i < p.length; i++) if (!inOutput[i] && p[i] !== q[i]) throw new Error(`segment ${s} (${seg.step}) moves value ${i} outside the output layer`);
          expectClose(logits(arch, lerp(p, q, 0.5), data), lp.map((v, i) => (v + lq[i]) / 2), { rtol: 1e-5, atol: 1e-5 });
        }
      });
      // The bound, with every function's loss measured on its own.
      const measure = (net: 'A' | 'B') => [lossOf(arch, nets[net].theta, data),
        ...nets[net].probes.map((_, i) => crossEntropy(functionLogits(arch, nets, { net, probe: i + 1 }, data), data))];
      const refs: FunctionLosses = { A: measure('A'), B: measure('B') };
      const report = await checkPathBounds(arch, path, { train: data }, { train: refs }, { pointsPerSegment: 4 });
      const check = report.sets.train.check;
      expect(check.holds).toBe(true);
      expect(check.segments).toHaveLength(path.segments.length);
      expect(check.worst).toBeLessThanOrEqual(check.theoremBound * (1 + 1e-4) + 1e-4);
      for (const seg of check.segments.filter((x) => x.kind === 'unchanged')) expect(seg.deviation!).toBeLessThan(1e-4);
      // A mutated waypoint breaks it.
      const bad = { ...path, points: path.points.slice() };
      const j = Math.floor(path.points.length / 2);
      bad.points[j] = path.points[j].map((v, i) => (i % 3 === 0 ? -4 * v : v));
      const broken = await checkPathBounds(arch, bad, { train: data }, { train: refs }, { pointsPerSegment: 2 });
      expect(broken.sets.train.check.holds).toBe(false);
      expect(broken.sets.train.check.segments.filter((x) => !x.holds).map((x) => x.segment).every((x) => x === j - 1 || x === j)).toBe(true);
    });
  }

  it('relocates A\'s units when B\'s sparse net would share them, and not otherwise', () => {
    const arch = mlp({ input: 4, hidden: [6], classes: 2 });
    const a = randomTheta(arch, 1);
    const b = randomTheta(arch, 2);
    const same = constructPath(arch, a, b, randomProbes(arch, 1, () => [0, 1, 2]), randomProbes(arch, 2, () => [0, 1, 2]));
    expect(same.segments.map((s) => s.step)).toContain('relocate: reroute to the copies');
    expect(same.segments).toHaveLength(7);
    const apart = constructPath(arch, a, b, randomProbes(arch, 1, () => [0, 1, 2]), randomProbes(arch, 2, () => [3, 4, 5]));
    expect(apart.segments).toHaveLength(5);
    expect(apart.segments.map((s) => s.kind)).toEqual(['output', 'unchanged', 'output', 'unchanged', 'output']);
  });

  it('typed errors: conv nets, mismatched models, wrong probes', () => {
    const conv = vgg({ input: [1, 4, 4], channels: [4], classes: 2, hidden: [4] });
    const ct = initParams(compileArch(conv), { seed: 1 });
    expect(() => constructPath(conv, ct, ct, [], [])).toThrow(expect.objectContaining({ code: 'NOT_SUPPORTED' }));
    const arch = ARCHS['two hidden layers, odd widths'];
    const a = randomTheta(arch, 1);
    const probes = randomProbes(arch, 3);
    expect(() => constructPath(arch, a, a.subarray(1), probes, probes)).toThrow(expect.objectContaining({ code: 'BAD_SHAPE', message: expect.stringMatching(/model B/) }));
    expect(() => constructPath(arch, a, a, probes.slice(1), probes)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/one probe per hidden layer/) }));
    const tooMany = probes.map((p, i) => (i === 0 ? { ...p, kept: Uint32Array.of(0, 1, 2, 3, 4) } : p));
    expect(() => constructPath(arch, a, a, tooMany, probes)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/keeps 5 units of 9/) }));
    const otherArch = probeArch(mlp({ input: 5, hidden: [9, 9], classes: 3 }), 1, 0.5);
    const wrongArch = probes.map((p, i) => (i === 0 ? { ...p, arch: otherArch, params: new Float32Array(compileArch(otherArch).totalLength) } : p));
    expect(() => constructPath(arch, a, a, wrongArch, probes)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/expected \[out, in\]/) }));
  });
});

/** Mean softmax cross-entropy of logits [n, C], in f64 (independent of the engine's loss kernel). */
function crossEntropy(z: Float32Array, data: DataSet): number {
  const C = data.classes;
  let sum = 0;
  for (let s = 0; s < data.n; s++) {
    const row = Array.from(z.subarray(s * C, (s + 1) * C));
    const m = Math.max(...row);
    sum += m + Math.log(row.reduce((acc, v) => acc + Math.exp(v - m), 0)) - row[data.y[s]];
  }
  return sum / data.n;
}
