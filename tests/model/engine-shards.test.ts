// Engine.evaluate on a contiguous shard: shards on the batch grid reproduce the whole-set call's
// per-sample bits in every mode, so the worker pool can split work and reduce in sample order.
import { describe, expect, it } from 'vitest';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { Engine, summarizeEval } from '../../ts/model/engine.js';
import { gaussianBlobs } from '../../ts/data/synthetic.js';

describe('Engine.evaluate shards', async () => {
  const engine = await Engine.create();
  const data = gaussianBlobs({ n: 257, classes: 3, dims: 5, seed: 1 });
  const compiled = compileArch(mlp({ input: 5, hidden: [7], classes: 3, batchNorm: true }));
  const params = initParams(compiled, { seed: 2 });

  for (const mode of ['eval', 'batch-stats'] as const) {
    it(`${mode}: shards on the batch grid concatenate to the whole-set bits`, () => {
      const whole = engine.evaluate(compiled, params, data, { batchSize: 40, mode, logits: true });
      const parts = [0, 80, 120, 240].map((start, i, starts) => engine.evaluate(compiled, params, data, {
        batchSize: 40, mode, logits: true, start, count: (starts[i + 1] ?? data.n) - start,
      }));
      const losses = Float32Array.from(parts.flatMap((p) => Array.from(p.losses)));
      const correct = Uint8Array.from(parts.flatMap((p) => Array.from(p.correct)));
      const logits = Float32Array.from(parts.flatMap((p) => Array.from(p.logits!)));
      const joined = summarizeEval(losses, correct, logits);
      expect(joined.loss).toBe(whole.loss);
      expect(joined.accuracy).toBe(whole.accuracy);
      expect(Buffer.from(joined.losses.buffer).equals(Buffer.from(whole.losses.buffer))).toBe(true);
      expect(Buffer.from(joined.logits!.buffer).equals(Buffer.from(whole.logits!.buffer))).toBe(true);
    });
  }

  it('rejects a range outside the data set', () => {
    expect(() => engine.evaluate(compiled, params, data, { start: 250, count: 8 })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => engine.evaluate(compiled, params, data, { start: 0, count: 0 })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});
