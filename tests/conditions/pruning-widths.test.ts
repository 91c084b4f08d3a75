/**
 * Experiment B beside A, the width conditions and the bound check's bookkeeping:
 * - the pruned networks' losses equal those of dropout networks built by hand (dropped units'
 *   outgoing weights zeroed, kept ones doubled) with the halves the search found;
 * - width regimes against √N and N by closed form;
 * - checkSegmentBounds assigns every knot to both segments it joins and names missing references;
 * - a two-configuration width sweep on blobs: every field filled, the path within its bound.
 */
import { describe, expect, it } from 'vitest';
import { gaussianBlobs } from '../../ts/data/synthetic.js';
import { mlp, vgg } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { checkSegmentBounds } from '../../ts/conditions/bound.js';
import type { ConstructedPath } from '../../ts/conditions/constructed-path.js';
import { probeNetwork } from '../../ts/conditions/probe.js';
import { comparePruning } from '../../ts/conditions/pruning.js';
import { widthConditions } from '../../ts/conditions/widths.js';
import { widthSweep } from '../../ts/conditions/width-sweep.js';

describe('pruning beside the probe (experiment B)', () => {
  it('pruned losses are those of hand-made dropout networks; probes line up by layer', async () => {
    const arch = mlp({ input: 4, hidden: [8, 6], classes: 3 });
    const compiled = compileArch(arch);
    const params = initParams(compiled, { seed: 5 });
    const train = gaussianBlobs({ n: 90, classes: 3, dims: 4, seed: 1 });
    const test = gaussianBlobs({ n: 30, classes: 3, dims: 4, seed: 2 });
    const probes = await probeNetwork(arch, params, train, test, { draws: 1, epochs: 3, batchSize: 16 });
    const cmp = await comparePruning(arch, params, probes, train, test, { trials: 3, seed: 1 });
    expect(cmp.rows.map((r) => r.layer)).toEqual([1, 2]);
    const engine = await Engine.create();
    const byName = new Map(compiled.layout.map((e) => [e.name, e]));
    for (const row of cmp.rows) {
      // Dropout at layers row.layer..2 by hand: consumers of hidden layer m are 2.weight (m = 1) and 4.weight (m = 2).
      const theta = params.slice();
      for (let m = row.layer; m <= 2; m++) {
        const next = byName.get(m === 1 ? '2.weight' : '4.weight')!;
        const h = next.shape[1];
        const keep = new Set(cmp.kept[m - 1]);
        for (let r = 0; r < next.shape[0]; r++) for (let c = 0; c < h; c++) theta[next.offset + r * h + c] *= keep.has(c) ? 2 : 0;
      }
      expect(row.pruned.train.loss).toBeCloseTo(engine.evaluate(compiled, theta, train).loss, 6);
      expect(row.pruned.test!.loss).toBeCloseTo(engine.evaluate(compiled, theta, test).loss, 6);
      const probe = probes.layers[row.layer - 1];
      expect(row.probe!.train).toEqual(probe.train);
      expect(row.gap).toBeCloseTo(row.pruned.train.loss - probe.train.loss, 12);
    }
    expect(cmp.epsilon).toBeCloseTo(Math.max(0, ...cmp.rows.map((r) => r.pruned.train.loss - cmp.network.train.loss)), 6);
    const conv = vgg({ input: [1, 4, 4], channels: [4], classes: 3, hidden: [4] });
    await expect(comparePruning(conv, initParams(compileArch(conv), { seed: 1 }), probes, train, test)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });
});

describe('width conditions', () => {
  it('places each width against √N and N', () => {
    const arch = mlp({ input: 3, hidden: [5, 10, 99, 100], classes: 2 });
    const w = widthConditions(arch, 100);
    expect(w.sqrtN).toBe(10);
    expect(w.layers.map((l) => l.regime)).toEqual(['below √N', '√N..N', '√N..N', '≥ N']);
    expect(w.layers.map((l) => l.kept)).toEqual([2, 5, 49, 50]);
    expect(w.lastTwo).toEqual([99, 100]);
    expect(w.lastTwoOverSqrtN).toBeCloseTo(9.9, 12);
    expect(w.someLayerAtLeastN).toBe(true);
    expect(widthConditions(mlp({ input: 3, hidden: [4], classes: 2 }), 100).lastTwo).toEqual([4]);
    expect(() => widthConditions(arch, 0)).toThrow(expect.objectContaining({ code: 'EMPTY_DATA' }));
  });
});

describe('checkSegmentBounds', () => {
  const f = (net: 'A' | 'B', probe: number) => ({ net, probe });
  const path: ConstructedPath = {
    points: [new Float32Array(1), new Float32Array(1), new Float32Array(1)],
    segments: [
      { kind: 'output', from: f('A', 0), to: f('A', 1), step: 'one' },
      { kind: 'unchanged', from: f('A', 1), to: f('A', 1), step: 'two' },
    ],
  };
  const refs = { A: [0.5, 0.3], B: [0.4, 0.2] };

  it('knots count in both segments; a loss above the bound fails its segment only', () => {
    const ok = checkSegmentBounds(path, [0, 0.25, 0.5, 0.75, 1], [0.5, 0.45, 0.3, 0.3, 0.3], refs);
    expect(ok.holds).toBe(true);
    expect(ok.segments.map((s) => s.bound)).toEqual([0.5, 0.3]);
    expect(ok.segments[1].deviation).toBe(0);
    expect(ok.theoremBound).toBe(0.5);
    const bad = checkSegmentBounds(path, [0, 0.25, 0.5, 0.75, 1], [0.5, 0.45, 0.3, 0.31, 0.3], refs);
    expect(bad.segments.map((s) => s.holds)).toEqual([true, false]);
    // The knot at t = 0.5 belongs to segment 0 too.
    const knot = checkSegmentBounds(path, [0, 0.5, 1], [0.5, 0.6, 0.3], refs);
    expect(knot.segments.map((s) => s.holds)).toEqual([false, false]);
  });

  it('names a missing reference loss', () => {
    expect(() => checkSegmentBounds(path, [0, 1], [0.5, 0.3], { A: [0.5], B: [] })).toThrow(/probe of layer 1/);
  });
});

describe('widthSweep', () => {
  it('two configurations on blobs: all fields, the path within its bound', async () => {
    const train = gaussianBlobs({ n: 120, classes: 3, dims: 4, std: 1.5, seed: 3 });
    const test = gaussianBlobs({ n: 60, classes: 3, dims: 4, std: 1.5, seed: 4 });
    const stages: string[] = [];
    const rows = await widthSweep(train, test, {
      configs: [{ n: 60, width: 4 }, { n: 120, width: 16 }], steps: 60, batchSize: 16,
      probe: { draws: 1, epochs: 4, batchSize: 16 }, trials: 2, linePoints: 5,
      onProgress: (p) => stages.push(`${p.config}:${p.stage}`),
    });
    expect(rows.map((r) => [r.n, r.width, r.regime, r.epochs])).toEqual([[60, 4, 'below √N', 16], [120, 16, '√N..N', 8]]);
    for (const r of rows) {
      expect(r.path.holds).toBe(true);
      expect(r.path.worst).toBeLessThanOrEqual(r.path.bound * (1 + 1e-4) + 1e-4);
      expect(r.path.segments).toBeGreaterThanOrEqual(2 * 3 + 3);
      expect(r.probes.map((p) => p.losses.length)).toEqual([2, 2]);
      expect(r.epsilon).toHaveLength(2);
      expect(r.networks.map((n) => n.seed)).toEqual([1, 2]);
      expect(Number.isFinite(r.lineBarrier) && Number.isFinite(r.matchedBarrier)).toBe(true);
    }
    expect(stages[0]).toBe('0:training');
    await expect(widthSweep(train, test, { configs: [{ n: 60, width: 1 }] })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(widthSweep(train, test, { configs: [{ n: 500, width: 4 }] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});
