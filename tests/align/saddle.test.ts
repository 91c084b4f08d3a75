/**
 * Permutation saddles: swap_ij keeps the logits (1e-5) and is an involution; the swap path's
 * midpoint has identical units i and j; permutationSaddle reports midpoint − endpoint loss.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataSet } from '../../ts/data/dataset.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { Engine } from '../../ts/model/engine.js';
import { permutationSaddle, swapPath, swapUnits } from '../../ts/align/saddle.js';
import { seedState, uniform } from '../../ts/reference/rng.js';
import { expectClose } from '../helpers/close.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create();
});

describe('permutation saddles', () => {
  it('swap path of two hidden units', async () => {
    const arch = mlp({ input: 6, hidden: [8, 5], classes: 3 });
    const compiled = compileArch(arch);
    const s = new Uint32Array(4);
    seedState(3, 0, s);
    const theta = Float32Array.from({ length: compiled.totalLength }, () => uniform(s) - 0.5);
    const data = createDataSet({ name: 'r', shape: [6], classes: 3, x: Float32Array.from({ length: 60 }, () => uniform(s) - 0.5), y: Uint32Array.from({ length: 10 }, (_, i) => i % 3) });
    const swapped = swapUnits(arch, theta, 'P_0', 1, 4);
    expect(swapped).not.toEqual(theta);
    expectClose(engine.evaluate(compiled, swapped, data, { logits: true }).logits!, engine.evaluate(compiled, theta, data, { logits: true }).logits!, { rtol: 1e-5, atol: 1e-5 });
    expect(swapUnits(arch, swapped, 'P_0', 1, 4)).toEqual(theta);
    const path = swapPath(arch, theta, 'P_0', 1, 4);
    expect(path.points[1]).toEqual(swapped);
    const w = compiled.layout.find((e) => e.name === '0.weight')!;
    const mid = theta.map((v, k) => 0.5 * (v + swapped[k]));
    expect(Array.from(mid.subarray(w.offset + 6, w.offset + 12))).toEqual(Array.from(mid.subarray(w.offset + 24, w.offset + 30)));
    const r = await permutationSaddle(arch, theta, data, 'P_0', 1, 4, {});
    expect(r.barrier).toBeCloseTo(r.midpoint.loss - r.endpoint.loss, 10);
    expect(() => swapUnits(arch, theta, 'P_9', 0, 1)).toThrow(/no permutation group/);
    expect(() => swapUnits(arch, theta, 'P_0', 0, 8)).toThrow(/unit 8/);
  });
});
