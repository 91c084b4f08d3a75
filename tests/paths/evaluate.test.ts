// evaluatePath: endpoints equal evaluating the models, the three BatchNorm modes do what they say,
// per-sample results, a pool stub gives the same report, cancellation; ensembles along a path.
import { describe, expect, it } from 'vitest';
import { twoMoons, gaussianBlobs } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { Engine, type EvalResult } from '../../ts/model/engine.js';
import { compiledOf } from '../../ts/model/model.js';
import type { Runner, RunnerEvaluateOptions } from '../../ts/model/runner.js';
import type { DataSet } from '../../ts/data/dataset.js';
import type { Arch } from '../../ts/model/arch.js';
import { trainModel } from '../../ts/model/train.js';
import { bezierCurve, linearPath } from '../../ts/paths/path.js';
import { PathBlender } from '../../ts/paths/blender.js';
import { evaluatePath } from '../../ts/paths/evaluate.js';
import { ensembleAlongPath } from '../../ts/paths/ensemble.js';

describe('evaluatePath', async () => {
  const engine = await Engine.create();
  const arch = mlp({ input: 2, hidden: [16], classes: 2, batchNorm: true });
  const compiled = compiledOf(arch);
  const train = twoMoons({ n: 300, noise: 0.15, seed: 1 });
  const test = twoMoons({ n: 101, noise: 0.15, seed: 2 });
  const opts = { epochs: 10, batchSize: 32, optimizer: { type: 'sgd' as const, lr: 0.1, momentum: 0.9 } };
  const a = await trainModel(arch, train, { ...opts, seed: 1 });
  const b = await trainModel(arch, train, { ...opts, seed: 2 });
  const line = linearPath(a.params, b.params);

  it("'blend' at the endpoints is the models themselves; distances grow to ‖B − A‖", async () => {
    const report = await evaluatePath(line, arch, { train, test }, { points: 5, bn: 'blend', perSample: true, perClass: true, seeds: { a: 1, b: 2 } });
    expect(report.ts).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Object.keys(report.sets)).toEqual(['train', 'test']);
    const endA = engine.evaluate(compiled, a.params, test);
    const endB = engine.evaluate(compiled, b.params, test);
    const pts = report.sets.test.points;
    expect(pts[0].loss).toBe(endA.loss);
    expect(pts[4].accuracy).toBe(endB.accuracy);
    expect(pts[2].error).toBeCloseTo(1 - pts[2].accuracy, 15);
    let dist = 0;
    for (let i = 0; i < compiled.paramCount; i++) dist += (a.params[i] - b.params[i]) ** 2;
    expect(report.length).toBeCloseTo(Math.sqrt(dist), 3);
    expect(pts.map((p) => p.distance)).toEqual(report.distance);
    // Per-sample results: their mean is the point's loss; per-class accuracy averages to the accuracy.
    const ps = report.sets.test.perSample!;
    expect(ps.losses).toHaveLength(5);
    expect(ps.losses[2].reduce((s, v) => s + v, 0) / test.n).toBeCloseTo(pts[2].loss, 5);
    expect(ps.correct[2].reduce((s, v) => s + v, 0) / test.n).toBe(pts[2].accuracy);
    expect(pts[2].perClassAccuracy).toHaveLength(2);
    const m = report.sets.test.metrics!;
    expect(m.loss.endpoints).toEqual([pts[0].loss, pts[4].loss]);
    expect(m.loss.max).toBe(Math.max(...pts.map((p) => p.loss)));
    expect(report.manifest.seeds).toEqual({ a: 1, b: 2 });
    expect(report.manifest.data.test.hash).toBe(test.hash);
    expect(report.manifest.options.bn).toBe('blend');
    expect(report.manifest.library.name).toBe('modeconn');
  });

  it("'recompute' equals recomputing BatchNorm over bnData at each t; 'batch-stats' equals batch-statistics evaluation", async () => {
    const ts = [0, 0.5, 1];
    const recomputed = await evaluatePath(line, arch, { train, test }, { ts });
    expect(recomputed.bn).toBe('recompute'); // default with BatchNorm and a train set
    const stats = await evaluatePath(line, arch, [test], { ts, bn: 'batch-stats', batchSize: 50 });
    expect(Object.keys(stats.sets)).toEqual([test.name]);
    const blender = new PathBlender(engine.ops, line);
    try {
      const mid = blender.blend(0.5);
      const fixed = engine.recomputeBatchNorm(compiled, mid, train);
      expect(recomputed.sets.test.points[1].loss).toBe(engine.evaluate(compiled, fixed, test).loss);
      expect(stats.sets[test.name].points[1].loss).toBe(engine.evaluate(compiled, mid, test, { mode: 'batch-stats', batchSize: 50 }).loss);
      const blended = engine.evaluate(compiled, mid, test).loss;
      // The blended running statistics are wrong at the midpoint (variance collapse): recomputing fixes them.
      expect(blended).not.toBe(recomputed.sets.test.points[1].loss);
    } finally {
      blender.free();
    }
  });

  it('a pool gets every θ once per data set and gives the same report', async () => {
    const calls: { thetas: number; set: string; bn: boolean }[] = [];
    const pool = {
      size: 4,
      async evaluate(archIn: Arch, thetas: readonly Float32Array[], sets: readonly DataSet[], options: RunnerEvaluateOptions = {}): Promise<EvalResult[][]> {
        for (const data of sets) calls.push({ thetas: thetas.length, set: data.name, bn: options.bnData !== undefined });
        const c = compiledOf(archIn);
        return sets.map((data) => thetas.map((th) => engine.evaluate(c, options.bnData ? engine.recomputeBatchNorm(c, th, options.bnData) : th, data, options)));
      },
    } as unknown as Runner;
    const local = await evaluatePath(line, arch, { train, test }, { points: 4 });
    const pooled = await evaluatePath(line, arch, { train, test }, { points: 4, runner: pool });
    expect(calls).toEqual([{ thetas: 4, set: train.name, bn: true }, { thetas: 4, set: test.name, bn: true }]);
    expect(pooled.sets).toEqual(local.sets);
  });

  it('validates and cancels', async () => {
    await expect(evaluatePath(line, arch, { test }, { bn: 'recompute' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(evaluatePath(line, mlp({ input: 2, hidden: [3], classes: 2 }), [test], {})).rejects.toMatchObject({ code: 'BAD_SHAPE' });
    await expect(evaluatePath(line, arch, [test], { ts: [0.5, 0.2] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    const controller = new AbortController();
    const run = evaluatePath(line, arch, [test], { signal: controller.signal, onProgress: (p) => { if (p.done === 2) controller.abort(); } });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('ensembleAlongPath', async () => {
  const engine = await Engine.create();
  const arch = mlp({ input: 2, hidden: [32], classes: 4 });
  const data = gaussianBlobs({ n: 400, classes: 4, seed: 3 });
  const opts = { epochs: 8, batchSize: 32, optimizer: { type: 'sgd' as const, lr: 0.05, momentum: 0.9 } };
  const a = await trainModel(arch, data, { ...opts, seed: 1 });
  const b = await trainModel(arch, data, { ...opts, seed: 2 });

  it('averages softmax outputs of k points; endpoints score as the models do', async () => {
    const report = await ensembleAlongPath(bezierCurve(a.params, b.params), arch, data, { k: 3 });
    expect(report.members.map((m) => m.t)).toEqual([0, 0.5, 1]);
    const compiled = compiledOf(arch);
    const ea = engine.evaluate(compiled, a.params, data);
    expect(report.endpoints.a.accuracy).toBe(ea.accuracy);
    expect(report.endpoints.a.loss).toBeCloseTo(ea.loss, 4);
    expect(report.members[0]).toMatchObject(report.endpoints.a);
    expect(report.ensemble.accuracy).toBeGreaterThan(0.5);
    expect(report.manifest.operation).toBe('ensembleAlongPath');
  });
});
