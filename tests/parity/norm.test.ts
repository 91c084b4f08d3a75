/**
 * BatchNorm: WASM core vs the TS twin on random shapes (odd channel counts, s = 1 and s > 1,
 * n = 1). Tolerance: rtol 1e-4, atol 1e-5 — the core normalises in f32 from f64 statistics, the
 * twin in f64 throughout; backward sums cancel, hence atol.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { referenceKernels } from '../../ts/reference/index.js';
import type { Kernels } from '../../ts/kernels/types.js';
import type { RunningUpdate } from '../../ts/kernels/norm.js';
import { ModeconnError } from '../../ts/errors.js';
import { expectClose, randomArray } from '../helpers/close.js';

const tol = { rtol: 1e-4, atol: 1e-5 };
let wasm: Kernels;
const ref = referenceKernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

const shapeArb = fc.record({
  n: fc.integer({ min: 1, max: 9 }),
  c: fc.integer({ min: 1, max: 7 }),
  s: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 19 })),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
  affine: fc.boolean(),
});
const updateArb: fc.Arbitrary<RunningUpdate> = fc.oneof(
  fc.record({ kind: fc.constant('momentum' as const), momentum: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('average' as const), seen: fc.integer({ min: 0, max: 1000 }) }),
  fc.constant({ kind: 'frozen' as const }),
);

function inputs(n: number, c: number, s: number, seed: number, affine = true) {
  const x = randomArray(n * c * s, seed, 3);
  for (let i = 0; i < x.length; i++) x[i] += 0.5;
  // affine = false: PyTorch's BatchNorm(affine=False), gamma/beta (and their gradients) null.
  const gamma = affine ? randomArray(c, seed + 1, 1) : null;
  const beta = affine ? randomArray(c, seed + 2, 1) : null;
  const runningMean = randomArray(c, seed + 3, 1);
  const runningVar = randomArray(c, seed + 4, 0.5).map((v) => v + 1);
  const dy = randomArray(n * c * s, seed + 5, 1);
  return { x, gamma, beta, runningMean, runningVar, dy };
}

function train(k: Kernels, p: { n: number; c: number; s: number; eps: number; update: RunningUpdate }, d: ReturnType<typeof inputs>) {
  const len = p.n * p.c * p.s;
  const out = {
    y: new Float32Array(len), saveMean: new Float32Array(p.c), saveInvstd: new Float32Array(p.c),
    runningMean: d.runningMean.slice(), runningVar: d.runningVar.slice(),
    dx: new Float32Array(len), dgamma: new Float32Array(p.c), dbeta: new Float32Array(p.c),
  };
  const [dgamma, dbeta] = d.gamma ? [out.dgamma, out.dbeta] : [null, null];
  k.batchnormForwardTrain(p, d.x, d.gamma, d.beta, out.y, out.saveMean, out.saveInvstd, out.runningMean, out.runningVar);
  k.batchnormBackward(p, d.x, d.dy, d.gamma, out.saveMean, out.saveInvstd, out.dx, dgamma, dbeta);
  return out;
}

describe('BatchNorm parity (WASM vs twin)', () => {
  it('train forward, running update and backward agree', () => {
    fc.assert(
      fc.property(shapeArb, updateArb, ({ n, c, s, seed, affine }, update) => {
        const p = { n, c, s, eps: 1e-5, update };
        const d = inputs(n, c, s, seed, affine);
        const a = train(wasm, p, d);
        const b = train(ref, p, d);
        expectClose(a.y, b.y, tol);
        expectClose(a.saveMean, b.saveMean, tol);
        // n·s = 1 gives invstd = 1/√eps ≈ 316; relative tolerance covers it.
        expectClose(a.saveInvstd, b.saveInvstd, tol);
        expectClose(a.runningMean, b.runningMean, tol);
        expectClose(a.runningVar, b.runningVar, tol);
        // dx carries invstd (up to ~316 when n·s = 1); scale atol accordingly.
        expectClose(a.dx, b.dx, n * s === 1 ? { rtol: 1e-4, atol: 1e-2 } : tol);
        expectClose(a.dgamma, b.dgamma, tol);
        expectClose(a.dbeta, b.dbeta, tol);
      }),
      { numRuns: 60 },
    );
  });

  it('eval forward and backward agree', () => {
    fc.assert(
      fc.property(shapeArb, ({ n, c, s, seed, affine }) => {
        const p = { n, c, s, eps: 1e-3 };
        const d = inputs(n, c, s, seed, affine);
        const len = n * c * s;
        const run = (k: Kernels) => {
          const o = { y: new Float32Array(len), dx: new Float32Array(len), dgamma: new Float32Array(c), dbeta: new Float32Array(c) };
          k.batchnormForwardEval(p, d.x, d.gamma, d.beta, d.runningMean, d.runningVar, o.y);
          k.batchnormBackwardEval(p, d.x, d.dy, d.gamma, d.runningMean, d.runningVar, o.dx, affine ? o.dgamma : null, o.dbeta);
          return o;
        };
        const a = run(wasm);
        const b = run(ref);
        expectClose(a.y, b.y, tol);
        expectClose(a.dx, b.dx, tol);
        expectClose(a.dgamma, b.dgamma, tol);
        expectClose(a.dbeta, b.dbeta, tol);
      }),
      { numRuns: 60 },
    );
  });

  it('exact-average mode over batches equals the one-shot weighted average', () => {
    const c = 5;
    const s = 17;
    for (const k of [wasm, ref]) {
      const runningMean = new Float32Array(c).fill(123);
      const runningVar = new Float32Array(c).fill(Number.NaN);
      const wMean = new Float64Array(c);
      const wVar = new Float64Array(c);
      let seen = 0;
      for (const [b, n] of [4, 1, 7, 2].entries()) {
        const d = inputs(n, c, s, 100 + b);
        const p = { n, c, s, eps: 1e-5, update: { kind: 'average' as const, seen } };
        const y = new Float32Array(n * c * s);
        k.batchnormForwardTrain(p, d.x, d.gamma, d.beta, y, new Float32Array(c), new Float32Array(c), runningMean, runningVar);
        for (let ch = 0; ch < c; ch++) {
          const vals: number[] = [];
          for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) vals.push(d.x[(i * c + ch) * s + j]);
          const m = vals.reduce((a, v) => a + v, 0) / vals.length;
          const v = vals.reduce((a, u) => a + (u - m) ** 2, 0) / (vals.length - 1);
          wMean[ch] += n * m;
          wVar[ch] += n * v;
        }
        seen += n;
      }
      expectClose(runningMean, Array.from(wMean, (v) => v / seen), { rtol: 1e-5, atol: 1e-6 });
      expectClose(runningVar, Array.from(wVar, (v) => v / seen), { rtol: 1e-5, atol: 1e-6 });
    }
  });

  it('n = 1, s = 1: y = beta, running variance folds in 0', () => {
    for (const k of [wasm, ref]) {
      const x = Float32Array.of(3, -2, 7);
      const beta = Float32Array.of(0.5, -1, 2);
      const y = new Float32Array(3);
      const rm = new Float32Array(3);
      const rv = new Float32Array(3).fill(1);
      k.batchnormForwardTrain({ n: 1, c: 3, s: 1, eps: 1e-5, update: { kind: 'momentum', momentum: 0.5 } },
        x, Float32Array.of(2, 2, 2), beta, y, new Float32Array(3), new Float32Array(3), rm, rv);
      expect(Array.from(y)).toEqual(Array.from(beta));
      expectClose(rm, [1.5, -1, 3.5]);
      expectClose(rv, [0.5, 0.5, 0.5]);
    }
  });

  it('null gamma/beta behave as gamma 1, beta 0', () => {
    const [n, c, s] = [3, 5, 4];
    const d = inputs(n, c, s, 77);
    const ones = new Float32Array(c).fill(1);
    const zeros = new Float32Array(c);
    for (const k of [wasm, ref]) {
      const p = { n, c, s, eps: 1e-5, update: { kind: 'frozen' as const } };
      const run = (g: Float32Array | null, b: Float32Array | null) => {
        const o = train(k, p, { ...d, gamma: g, beta: b });
        const y = new Float32Array(n * c * s);
        k.batchnormForwardEval(p, d.x, g, b, d.runningMean, d.runningVar, y);
        return [o.y, o.dx, o.dbeta, y];
      };
      const withOnes = run(ones, zeros);
      const withNull = run(null, null);
      // With null gamma, train() passes null dgamma/dbeta: those outputs stay untouched (zero).
      expect(Array.from(withNull[2])).toEqual(Array.from(zeros));
      for (const i of [0, 1, 3]) expect(Array.from(withNull[i])).toEqual(Array.from(withOnes[i]));
    }
  });

  it('rejects bad shapes and arguments with typed errors', () => {
    const f = new Float32Array(6);
    const c3 = new Float32Array(3);
    for (const k of [wasm, ref]) {
      const call = (p: object, x = f, rm = c3) =>
        k.batchnormForwardTrain({ n: 2, c: 3, s: 1, eps: 1e-5, update: { kind: 'momentum', momentum: 0.1 }, ...p } as never, x, c3, c3, f, c3, c3, rm, c3);
      expect(() => call({ n: 0 }, new Float32Array(0))).toThrowError(expect.objectContaining({ code: 'BAD_SHAPE' }));
      expect(() => call({}, new Float32Array(5))).toThrowError(/x has 5 elements/);
      expect(() => call({ eps: -1 })).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
      expect(() => call({ update: { kind: 'momentum', momentum: 2 } })).toThrowError(ModeconnError);
      expect(() => call({}, f, new Float32Array(2))).toThrowError(/runningMean/);
      expect(() => call({ update: { kind: 'frozen' } }, f, new Float32Array(0))).not.toThrow();
    }
  });
});
