// ReferencePlan semantics: forward against hand-written formulas, the four modes (BatchNorm
// statistics, dropout, running-statistics updates), training steps and argument errors.
import { describe, expect, it } from 'vitest';
import { ModeconnError } from '../../ts/errors.js';
import { type Arch } from '../../ts/model/arch.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { PlanMode } from '../../ts/model/plan-format.js';
import { ReferencePlan } from '../../ts/reference/plan.js';
import { rngReference } from '../../ts/reference/rng.js';
import { expectClose, randomArray } from '../helpers/close.js';

const entry = (c: ReturnType<typeof compileArch>, name: string) => {
  const e = c.layout.find((l) => l.name === name);
  if (!e) throw new Error(`no ${name}`);
  return e;
};
const view = (c: ReturnType<typeof compileArch>, params: Float32Array, name: string) => {
  const e = entry(c, name);
  return params.subarray(e.offset, e.offset + e.length);
};
const relu = (v: number) => Math.max(v, 0);

describe('ReferencePlan forward', () => {
  it('an MLP computes W2·relu(W1·x + b1) + b2', () => {
    const c = compileArch(mlp({ input: 3, hidden: [4], classes: 2 }));
    const params = randomArray(c.totalLength, 5);
    const [w1, b1, w2, b2] = ['0.weight', '0.bias', '2.weight', '2.bias'].map((name) => view(c, params, name));
    const n = 3;
    const x = randomArray(n * 3, 6);
    const expected = new Float32Array(n * 2);
    for (let s = 0; s < n; s++) {
      const hidden = [0, 1, 2, 3].map((j) => relu(b1[j] + [0, 1, 2].reduce((a, i) => a + w1[j * 3 + i] * x[s * 3 + i], 0)));
      for (let o = 0; o < 2; o++) expected[s * 2 + o] = b2[o] + hidden.reduce((a, h, j) => a + w2[o * 4 + j] * h, 0);
    }
    expectClose(new ReferencePlan(c.words, 4).forward(params, x, n, PlanMode.EVAL), expected, { rtol: 1e-5, atol: 1e-6 });
  });

  it('a residual block computes relu(body(h) + h) with the skip from the block input', () => {
    const arch: Arch = {
      input: [2], classes: 2,
      layers: [{ type: 'dense', out: 2 }, { type: 'residual', body: [{ type: 'dense', out: 2, bias: false }] }, { type: 'relu' }],
    };
    const c = compileArch(arch);
    const params = randomArray(c.totalLength, 7);
    const [w0, b0, w1] = ['0.weight', '0.bias', '1.body.0.weight'].map((name) => view(c, params, name));
    const x = Float32Array.of(0.5, -1);
    const h = [0, 1].map((j) => b0[j] + w0[j * 2] * x[0] + w0[j * 2 + 1] * x[1]);
    const expected = [0, 1].map((j) => relu(w1[j * 2] * h[0] + w1[j * 2 + 1] * h[1] + h[j]));
    expectClose(new ReferencePlan(c.words, 1).forward(params, x, 1, PlanMode.EVAL), expected, { rtol: 1e-5, atol: 1e-6 });
  });
});

describe('ReferencePlan modes', () => {
  // The logits are the BatchNorm output itself.
  const c = compileArch({ input: [3], classes: 3, layers: [{ type: 'batchnorm', eps: 1e-5, momentum: 0.25 }] });
  const n = 5;
  const x = randomArray(n * 3, 9, 2);
  const fresh = () => {
    const params = initParams(c, { seed: 1 });
    view(c, params, '0.weight').set([1.5, 0.5, 2]);
    view(c, params, '0.bias').set([0.1, -0.2, 0.3]);
    view(c, params, '0.running_mean').set([0.2, -0.1, 0]);
    view(c, params, '0.running_var').set([2, 0.5, 1]);
    return params;
  };
  const column = (ch: number) => Array.from({ length: n }, (_, s) => x[s * 3 + ch]);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const variance = (v: number[], ddof: number) => v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - ddof);

  it('EVAL normalises with the running statistics and changes nothing', () => {
    const params = fresh();
    const before = params.slice();
    const logits = new ReferencePlan(c.words, n).forward(params, x, n, PlanMode.EVAL);
    const [g, b, rm, rv] = ['0.weight', '0.bias', '0.running_mean', '0.running_var'].map((name) => view(c, params, name));
    const expected = Array.from(x, (v, i) => ((v - rm[i % 3]) / Math.sqrt(rv[i % 3] + 1e-5)) * g[i % 3] + b[i % 3]);
    expectClose(logits, expected, { rtol: 1e-5, atol: 1e-6 });
    expect(params).toEqual(before);
  });

  it('BATCH_STATS normalises with the batch statistics and leaves running statistics alone', () => {
    const params = fresh();
    const before = params.slice();
    const logits = new ReferencePlan(c.words, n).forward(params, x, n, PlanMode.BATCH_STATS);
    const g = view(c, params, '0.weight');
    const b = view(c, params, '0.bias');
    const expected = Array.from(x, (v, i) => {
      const col = column(i % 3);
      return ((v - mean(col)) / Math.sqrt(variance(col, 0) + 1e-5)) * g[i % 3] + b[i % 3];
    });
    expectClose(logits, expected, { rtol: 1e-4, atol: 1e-5 });
    expect(params).toEqual(before);
  });

  it('TRAIN updates the running statistics by momentum (unbiased variance)', () => {
    const params = fresh();
    const rm0 = Array.from(view(c, params, '0.running_mean'));
    const rv0 = Array.from(view(c, params, '0.running_var'));
    new ReferencePlan(c.words, n).forward(params, x, n, PlanMode.TRAIN);
    expectClose(view(c, params, '0.running_mean'), rm0.map((r, ch) => 0.75 * r + 0.25 * mean(column(ch))), { rtol: 1e-5, atol: 1e-6 });
    expectClose(view(c, params, '0.running_var'), rv0.map((r, ch) => 0.75 * r + 0.25 * variance(column(ch), 1)), { rtol: 1e-5, atol: 1e-6 });
  });

  it('BN_EXACT averages exactly over batches (seen = samples already in)', () => {
    const params = fresh();
    const plan = new ReferencePlan(c.words, n);
    plan.forward(params, x.subarray(0, 2 * 3), 2, PlanMode.BN_EXACT, null, 0);
    plan.forward(params, x.subarray(2 * 3), 3, PlanMode.BN_EXACT, null, 2);
    expectClose(view(c, params, '0.running_mean'), [0, 1, 2].map((ch) => mean(column(ch))), { rtol: 1e-5, atol: 1e-6 });
    const first = [0, 1, 2].map((ch) => variance(column(ch).slice(0, 2), 1));
    const second = [0, 1, 2].map((ch) => variance(column(ch).slice(2), 1));
    expectClose(view(c, params, '0.running_var'), first.map((v, ch) => (2 * v + 3 * second[ch]) / 5), { rtol: 1e-5, atol: 1e-6 });
  });

  it('dropout is active only in TRAIN mode, with a mask from the rng state', () => {
    const d = compileArch({ input: [64], classes: 64, layers: [{ type: 'dropout', p: 0.5 }] });
    const plan = new ReferencePlan(d.words, 2);
    const xs = randomArray(128, 3);
    for (const mode of [PlanMode.EVAL, PlanMode.BATCH_STATS, PlanMode.BN_EXACT]) {
      expect(plan.forward(new Float32Array(0), xs, 2, mode)).toEqual(xs);
    }
    const state = new Uint32Array(4);
    rngReference.rngSeed({ seed: 4, stream: 0 }, state);
    const again = state.slice();
    const y = plan.forward(new Float32Array(0), xs, 2, PlanMode.TRAIN, state);
    let dropped = 0;
    y.forEach((v, i) => {
      if (v === 0) dropped++;
      else expect(v).toBe(Math.fround(xs[i] * 2));
    });
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThan(88);
    expect(state).not.toEqual(again);
    expect(plan.forward(new Float32Array(0), xs, 2, PlanMode.TRAIN, again)).toEqual(y);
    expect(() => plan.forward(new Float32Array(0), xs, 2, PlanMode.TRAIN)).toThrow(/rngState/);
  });
});

describe('ReferencePlan training', () => {
  const arch = mlp({ input: 6, hidden: [16], classes: 3, batchNorm: true });
  const c = compileArch(arch);
  const n = 8;
  const x = randomArray(n * 6, 12);
  const labels = Uint32Array.from({ length: n }, (_, i) => i % 3);

  it('an SGD step moves θ[0, P) by −lr·grad and the running statistics by momentum', () => {
    const params = initParams(c, { seed: 3 });
    const plan = new ReferencePlan(c.words, n);
    const grads = new Float32Array(c.totalLength);
    const before = params.slice();
    plan.gradient(before.slice(), x, labels, n, grads, PlanMode.TRAIN);
    const stepGrads = new Float32Array(c.totalLength);
    const sgd = { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, first: true };
    plan.trainStep(params, x, labels, n, { kind: 'sgd', params: sgd, momentumBuffer: new Float32Array(0) }, stepGrads);
    expect(stepGrads).toEqual(grads);
    const P = c.paramCount;
    for (let i = 0; i < P; i++) expect(params[i]).toBe(Math.fround(before[i] + Math.fround(-Math.fround(0.1) * grads[i])));
    expect(Array.from(params.subarray(P))).not.toEqual(Array.from(before.subarray(P)));
  });

  it('training lowers the loss; evaluate reports per-sample losses and correctness', () => {
    const params = initParams(c, { seed: 3 });
    const plan = new ReferencePlan(c.words, n);
    const grads = new Float32Array(c.totalLength);
    const m = new Float32Array(c.paramCount);
    const v = new Float32Array(c.paramCount);
    const first = plan.evaluate(params, x, labels, n, PlanMode.BATCH_STATS).loss;
    for (let step = 1; step <= 40; step++) {
      const adam = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step };
      plan.trainStep(params, x, labels, n, { kind: 'adam', params: adam, m, v }, grads);
    }
    const after = plan.evaluate(params, x, labels, n, PlanMode.BATCH_STATS);
    expect(after.loss).toBeLessThan(first / 4);
    expect(after.losses.length).toBe(n);
    expect(after.correct.reduce((a, b) => a + b, 0)).toBe(n);
    expect(after.loss).toBeCloseTo(after.losses.reduce((a, b) => a + b, 0) / n, 5);
  });

  it('rejects bad batches and calls out of order', () => {
    const plan = new ReferencePlan(c.words, 4);
    const params = initParams(c, { seed: 1 });
    const err = (f: () => unknown, code: string, pattern: RegExp) => {
      expect(f).toThrow(ModeconnError);
      expect(f).toThrow(pattern);
      try { f(); } catch (e) { expect((e as ModeconnError).code).toBe(code); }
    };
    err(() => plan.backward(params, new Float32Array(6), 2, new Float32Array(c.totalLength)), 'BAD_ARGUMENT', /forward pass/);
    err(() => plan.forward(params, x, 8, PlanMode.EVAL), 'BAD_ARGUMENT', /capacity/);
    err(() => plan.forward(params.subarray(1), x.subarray(0, 12), 2, PlanMode.EVAL), 'BAD_SHAPE', /params/);
    err(() => plan.forward(params, x.subarray(0, 11), 2, PlanMode.EVAL), 'BAD_SHAPE', /x has 11/);
    err(() => plan.forward(params, x.subarray(0, 12), 2, 7 as PlanMode), 'BAD_ARGUMENT', /mode/);
    err(() => new ReferencePlan(c.words, 0), 'BAD_ARGUMENT', /capacity/);
  });
});
