// The WASM plan executor against its pure-TS twin (ReferencePlan): forward in every mode, gradients,
// running-statistic updates, and SGD/Adam steps, on MLP, convnet and ResNet plans.
import { describe, expect, it } from 'vitest';
import { mlp, resnet, vgg } from '../../ts/model/builders.js';
import type { Arch } from '../../ts/model/arch.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { Engine, rngState } from '../../ts/model/engine.js';
import { ReferencePlan } from '../../ts/reference/plan.js';
import { PlanMode } from '../../ts/model/plan-format.js';
import { createDataSet } from '../../ts/data/dataset.js';
import { expectClose, randomArray } from '../helpers/close.js';
import { ModeconnError } from '../../ts/errors.js';

const archs: Record<string, Arch> = {
  'mlp+bn+dropout': mlp({ input: 13, hidden: [17, 9], classes: 5, batchNorm: true, dropout: 0.25 }),
  'vgg+bn': vgg({ input: [2, 8, 8], channels: [4, 'M', 6, 'M'], classes: 3, batchNorm: true }),
  resnet: resnet({ input: [3, 8, 8], width: 4, blocks: [1, 1], classes: 4 }),
};

function dataFor(arch: Arch, n: number, seed: number) {
  const compiled = compileArch(arch);
  const x = randomArray(n * compiled.inputSize, seed);
  const y = Uint32Array.from({ length: n }, (_, i) => (i * 7 + seed) % compiled.classes);
  return { compiled, data: createDataSet({ name: `random-${seed}`, x, y, shape: arch.input, classes: compiled.classes }) };
}

describe('WASM plan vs ReferencePlan', async () => {
  const engine = await Engine.create();

  for (const [name, arch] of Object.entries(archs)) {
    it(`${name}: per-sample losses in eval and batch-stats modes`, () => {
      const { compiled, data } = dataFor(arch, 11, 1);
      const params = initParams(compiled, { seed: 3 });
      const twin = new ReferencePlan(compiled.words, 11);
      for (const mode of ['eval', 'batch-stats'] as const) {
        const wasm = engine.evaluate(compiled, params, data, { mode, batchSize: 11, logits: true });
        const ref = twin.evaluate(params, data.x, data.y, 11, mode === 'eval' ? PlanMode.EVAL : PlanMode.BATCH_STATS);
        expectClose(wasm.losses, ref.losses, { rtol: 1e-4, atol: 1e-5 });
      }
    });

    it(`${name}: gradients equal the twin's`, () => {
      const { compiled, data } = dataFor(arch, 9, 2);
      const params = initParams(compiled, { seed: 4 });
      const indices = Uint32Array.from({ length: 9 }, (_, i) => i);
      const wasm = engine.gradient(compiled, params, data, indices, { mode: 'batch-stats' });
      const twin = new ReferencePlan(compiled.words, 9);
      const grads = new Float32Array(params.length);
      const ref = twin.gradient(params.slice(), data.x, data.y, 9, grads, PlanMode.BATCH_STATS);
      expect(wasm.loss).toBeCloseTo(ref.loss, 5);
      expectClose(wasm.grads, grads, { rtol: 2e-3, atol: 2e-5 });
    });
  }

  it('recomputes BatchNorm statistics as the exact average over the data set', () => {
    const arch = archs['mlp+bn+dropout'];
    const { compiled, data } = dataFor(arch, 30, 5);
    const params = initParams(compiled, { seed: 6 });
    const recomputed = engine.recomputeBatchNorm(compiled, params, data, { batchSize: 7 });
    const twin = new ReferencePlan(compiled.words, 7);
    const expected = params.slice();
    for (let start = 0, seen = 0; start < 30; start += 7) {
      const n = Math.min(7, 30 - start);
      twin.forward(expected, data.x.subarray(start * 13, (start + n) * 13), n, PlanMode.BN_EXACT, null, seen);
      seen += n;
    }
    expectClose(recomputed, expected, { rtol: 1e-5, atol: 1e-6 });
    expect(recomputed.subarray(0, compiled.paramCount)).toEqual(params.subarray(0, compiled.paramCount));
  });

  it('rejects labels beyond the model’s classes and mismatched sample sizes, naming them', () => {
    const { compiled } = dataFor(archs.resnet, 4, 1);
    const params = initParams(compiled, { seed: 1 });
    const bad = createDataSet({ name: 'bad', x: new Float32Array(4 * 192), y: Uint32Array.of(0, 1, 9, 2), shape: [3, 8, 8], classes: 10 });
    expect(() => engine.evaluate(compiled, params, bad)).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringContaining('sample 2') }));
    const wrong = createDataSet({ name: 'wrong', x: new Float32Array(4 * 10), y: new Uint32Array(4), shape: [10], classes: 4 });
    expect(() => engine.evaluate(compiled, params, wrong)).toThrowError(ModeconnError);
  });

  it('keeps one PRNG stream in the dropout masks of WASM and the twin', () => {
    const arch = archs['mlp+bn+dropout'];
    const { compiled, data } = dataFor(arch, 8, 7);
    const params = initParams(compiled, { seed: 2 });
    const indices = Uint32Array.from({ length: 8 }, (_, i) => i);
    const wasm = engine.gradient(compiled, params, data, indices, { mode: 'train', seed: 99 });
    const twin = new ReferencePlan(compiled.words, 8);
    const grads = new Float32Array(params.length);
    const ref = twin.gradient(params.slice(), data.x, data.y, 8, grads, PlanMode.TRAIN, rngState(99));
    expectClose(wasm.losses, ref.losses, { rtol: 1e-4, atol: 1e-5 });
    expectClose(wasm.grads.subarray(0, compiled.paramCount), grads.subarray(0, compiled.paramCount), { rtol: 2e-3, atol: 2e-5 });
  });
});
