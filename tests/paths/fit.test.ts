// Curve fitting: the gradient of the curve objective with respect to a bend against central finite
// differences; a fit on two moons lowers the loss, keeps the endpoints fixed and is seeded;
// saved curves load back (state_dict names and flat); cancellation.
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { twoMoons } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { initParams } from '../../ts/model/init.js';
import { trainModel } from '../../ts/model/train.js';
import { bezierCurve, bezierPath, polyChain, polyChainCurve, waypointPath } from '../../ts/paths/path.js';
import { PathBlender } from '../../ts/paths/blender.js';
import { curveGradient, fitCurve } from '../../ts/paths/fit.js';
import { loadCurve, parseCurve, saveCurve, serializeCurve } from '../../ts/paths/curve-files.js';
import { evaluatePath } from '../../ts/paths/evaluate.js';
import { parseSafetensors } from '../../ts/io/safetensors.js';

const arch = mlp({ input: 2, hidden: [16], classes: 2, batchNorm: true });
const compiled = compileArch(arch);
const theta = (seed: number) => initParams(compiled, { seed, scheme: 'pytorch' });

describe('curveGradient', async () => {
  const engine = await Engine.create();
  const data = twoMoons({ n: 24, noise: 0.2, seed: 5 });

  it('∂L(θ(t))/∂bend = c_j(t)·∇L matches central differences (batch statistics, f32)', async () => {
    const [a, b, c, d] = [theta(1), theta(2), theta(3), theta(4)];
    for (const path of [bezierPath([a, c, d, b]), polyChain(a, [c], b)]) {
      const t = 0.37;
      const indices = Uint32Array.from({ length: data.n }, (_, i) => i);
      const { grads, coeffs } = await curveGradient(path, arch, data, indices, t, {});
      expect(grads).toHaveLength(path.points.length);
      const j = 1;
      const lossWith = (bend: Float32Array) => {
        const points = path.points.map((p, k) => (k === j ? bend : p));
        const blender = new PathBlender(engine.ops, { ...path, points, coefficients: path.coefficients, derivative: path.derivative });
        try {
          return engine.evaluate(compiled, blender.blend(t), data, { mode: 'batch-stats', batchSize: data.n }).loss;
        } finally {
          blender.free();
        }
      };
      expect(coeffs[j]).toBeGreaterThan(0.1);
      let worst = 0;
      for (let i = 0; i < compiled.paramCount; i += 3) {
        // A step can straddle a ReLU kink: accept the best of three steps (a wrong gradient misses all).
        const errs = [1e-2, 5e-3, 2e-3].map((h) => {
          const plus = path.points[j].slice();
          const minus = path.points[j].slice();
          plus[i] += h;
          minus[i] -= h;
          const fd = (lossWith(plus) - lossWith(minus)) / (2 * h);
          return Math.abs(fd - grads[j][i]) / (1e-3 + Math.abs(fd));
        });
        worst = Math.max(worst, Math.min(...errs));
      }
      // f32 forward passes: relative differences stay below 5% (a wrong c_j would be off by ≥ 30%).
      expect(worst).toBeLessThan(0.05);
      // The endpoint gradients are the same ∇L scaled by their own coefficients.
      const ratio = grads[0][5] / grads[j][5];
      expect(ratio).toBeCloseTo(coeffs[0] / coeffs[j], 4);
    }
  });
});

describe('fitCurve', async () => {
  const train = twoMoons({ n: 256, noise: 0.15, seed: 7 });
  const options = { seed: 1, epochs: 6, batchSize: 32, optimizer: { type: 'sgd' as const, lr: 0.1, momentum: 0.9 } };
  const a = await trainModel(arch, train, { ...options, seed: 11, epochs: 20 });
  const b = await trainModel(arch, train, { ...options, seed: 12, epochs: 20 });

  it('lowers the curve objective, keeps the endpoints bit-identical, and is seeded', async () => {
    const start = bezierCurve(a.params, b.params);
    const fit = await fitCurve(start, arch, train, options);
    expect(fit.log).toHaveLength(6);
    expect(fit.path.kind).toBe('bezier');
    expect(Array.from(fit.path.points[0])).toEqual(Array.from(a.params));
    expect(Array.from(fit.path.points[2])).toEqual(Array.from(b.params));
    // Bends move in their trainable part only; BatchNorm buffers keep their initial (line) values.
    const bend = fit.path.points[1];
    expect(bend.subarray(0, compiled.paramCount).some((v, i) => v !== start.points[1][i])).toBe(true);
    expect(Array.from(bend.subarray(compiled.paramCount))).toEqual(Array.from(start.points[1].subarray(compiled.paramCount)));
    const again = await fitCurve(start, arch, train, options);
    expect(Array.from(again.path.points[1])).toEqual(Array.from(bend));
    expect(fit.manifest.seeds).toEqual({ fit: 1 });
    expect(fit.manifest.data.train.hash).toBe(train.hash);
    // The objective on a fixed grid (train loss, BN recomputed at each t) is lower than on the line.
    const line = await evaluatePath(start, arch, { train }, { points: 9 });
    const curve = await evaluatePath(fit.path, arch, { train }, { points: 9 });
    expect(curve.bn).toBe('recompute');
    expect(curve.sets.train.metrics!.loss.mean).toBeLessThan(line.sets.train.metrics!.loss.mean);
  });

  it('fits a polychain with Adam and l2; rejects a path without bends', async () => {
    const fit = await fitCurve(polyChainCurve(a.params, b.params, { bends: 2 }), arch, train, { ...options, epochs: 2, optimizer: { type: 'adam', lr: 1e-3 }, l2: 1e-4 });
    expect(fit.path.kind).toBe('polychain');
    expect(fit.path.points).toHaveLength(4);
    await expect(fitCurve(polyChain(a.params, [], b.params), arch, train, options)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('stops on an AbortSignal with CANCELLED', async () => {
    const controller = new AbortController();
    const run = fitCurve(bezierCurve(a.params, b.params), arch, train, {
      ...options, epochs: 100, signal: controller.signal, onProgress: (p) => { if (p.step === 3) controller.abort(); },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('saves and loads curves: state_dict names, flat tensors, metadata-only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modeconn-curve-'));
    try {
      const curve = bezierCurve(a.params, b.params, { degree: 3 });
      const files = await saveCurve(curve, join(dir, 'curve'), { arch });
      expect(files.json.endsWith('curve.json')).toBe(true);
      const loaded = await loadCurve(files.safetensors);
      expect(loaded.path.kind).toBe('bezier');
      expect(loaded.path.degree).toBe(3);
      loaded.path.points.forEach((p, j) => expect(Array.from(p)).toEqual(Array.from(curve.points[j])));
      const { safetensors } = serializeCurve(curve, { arch });
      const names = [...parseSafetensors(safetensors).tensors.keys()];
      expect(names).toContain('bend.0.0.weight');
      expect(names).toContain('bend.3.1.running_var');
      expect(names.some((n) => n.includes('num_batches_tracked'))).toBe(false);
      // Without the JSON the metadata suffices; without an arch the tensors are flat.
      const waypoints = waypointPath([a.params, b.params, a.params], [0, 0.3, 1]);
      const flat = serializeCurve(waypoints);
      const back = parseCurve(flat.safetensors);
      expect(back.description.tensors).toBe('flat');
      expect(back.path.knots).toEqual([0, 0.3, 1]);
      expect(Array.from(back.path.points[1])).toEqual(Array.from(b.params));
      expect(() => parseCurve(serializeCurve(curve).safetensors, '{"format":"other"}')).toThrow(expect.objectContaining({ code: 'BAD_FILE' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
