/**
 * A Runner whose loss is the squared error (f(x) − y)² of a ReLU MLP with one output, computed in
 * f64 on this thread: the loss of the counterexample, whose global minimisers have loss exactly 0
 * (cross-entropy never reaches 0). Evaluation, batch gradients and gradient sessions are all that
 * curve fitting (fitCurve) and AutoNEB (autoNeb) ask of a runner, so both run on it unchanged.
 * Targets are looked up by each sample's values, so subsets and reorderings of the data work.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { Engine, type EvalResult } from '../model/engine.js';
import { compiledOf } from '../model/model.js';
import type { BatchGradient, GradientSession, Runner } from '../model/runner.js';
import type { Buf } from '../wasm/kernel.js';
import { denseMatrices } from './cushion.js';
import { denseStack } from './dropout.js';

/** Samples within this of their target count as fitted (the runner's "accuracy"): a visible misfit, not rounding. */
export const FIT_TOLERANCE = 0.05;

/** The squared-error runner for `data` with `targets[i]` the target of sample i. */
export function createSquaredLossRunner(data: DataSet, targets: ArrayLike<number>): Runner {
  if (targets.length !== data.n) throw new ModeconnError('BAD_ARGUMENT', `${targets.length} targets for ${data.n} samples`);
  const size = data.x.length / data.n;
  const byKey = new Map<string, number>();
  for (let i = 0; i < data.n; i++) byKey.set(keyOf(data.x.subarray(i * size, (i + 1) * size)), targets[i]);
  const targetsOf = (set: DataSet, indices?: ArrayLike<number>): Float64Array => {
    const s = set.x.length / set.n;
    const pick = indices ?? Array.from({ length: set.n }, (_, i) => i);
    return Float64Array.from(pick as ArrayLike<number>, (i) => {
      const t = byKey.get(keyOf(set.x.subarray(i * s, (i + 1) * s)));
      if (t === undefined) throw new ModeconnError('BAD_ARGUMENT', `sample ${i} of ${set.name} is not one the squared-loss runner has a target for`);
      return t;
    });
  };
  const unsupported = (what: string) => Promise.reject(new ModeconnError('NOT_SUPPORTED', `the squared-loss runner does not ${what}`));
  return {
    size: 1,
    async evaluate(arch, params, sets, options = {}) {
      return sets.map((set) => {
        const y = targetsOf(set);
        return params.map((theta) => evaluateSquared(arch, theta, set, y, options.logits === true));
      });
    },
    async recomputeBatchNorm(arch, params) {
      denseStack(arch); // nets with BatchNorm are NOT_SUPPORTED
      return params.map((p) => p.slice());
    },
    train: () => unsupported('train'),
    hessianVectorProducts: () => unsupported('compute Hessian-vector products'),
    async gradient(arch, params, set, indices): Promise<BatchGradient> {
      const { grads, losses, right } = gradientSquared(arch, params, set, indices, targetsOf(set, indices));
      return { grads, loss: mean(losses), losses, correct: right };
    },
    async openGradients(arch, set): Promise<GradientSession> {
      const engine = await Engine.local();
      let order = Uint32Array.from({ length: set.n }, (_, i) => i);
      return {
        async setOrder(o) {
          order = o.slice();
        },
        async gradient(theta: Buf, grads: Buf, start: number, n: number) {
          const indices = order.subarray(start, start + n);
          const params = engine.core.f32(theta).slice();
          const g = gradientSquared(arch, params, set, indices, targetsOf(set, indices));
          engine.core.f32(grads).set(g.grads);
          return { loss: mean(g.losses), right: g.right.reduce((a, b) => a + b, 0) };
        },
        // No dropout in these nets: one shard's stream, never drawn from.
        rngState: () => new Uint32Array(4),
        setRngState() {},
        async close() {},
      };
    },
    activations: () => unsupported('read activations'),
    async release() {},
  };
}

function keyOf(x: Float32Array): string {
  return Array.from(x).join(',');
}

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / Math.max(1, v.length);
}

function checkScalar(arch: Arch): void {
  if (arch.classes !== 1) throw new ModeconnError('NOT_SUPPORTED', `the squared-loss runner fits one output; the arch has ${arch.classes} classes`);
}

/** Outputs f(x) of the first `n` samples, f64. */
export function outputsOf(arch: Arch, theta: Float32Array, set: DataSet): Float64Array {
  checkScalar(arch);
  const m = denseMatrices(arch, theta);
  const size = set.x.length / set.n;
  return Float64Array.from({ length: set.n }, (_, s) => {
    let x: ArrayLike<number> = set.x.subarray(s * size, (s + 1) * size);
    for (let l = 0; l < m.w.length; l++) {
      const z = new Float64Array(m.rows[l]);
      for (let r = 0; r < z.length; r++) {
        let acc = m.b[l][r];
        for (let c = 0; c < m.cols[l]; c++) acc += m.w[l][r * m.cols[l] + c] * x[c];
        z[r] = l < m.w.length - 1 && acc < 0 ? 0 : acc;
      }
      x = z;
    }
    return x[0];
  });
}

function evaluateSquared(arch: Arch, theta: Float32Array, set: DataSet, y: Float64Array, withLogits: boolean): EvalResult {
  const f = outputsOf(arch, theta, set);
  const losses = Float32Array.from(f, (v, i) => (v - y[i]) ** 2);
  const correct = Uint8Array.from(f, (v, i) => (Math.abs(v - y[i]) <= FIT_TOLERANCE ? 1 : 0));
  let sum = 0;
  for (let i = 0; i < f.length; i++) sum += (f[i] - y[i]) ** 2;
  return { loss: sum / Math.max(1, f.length), accuracy: correct.reduce((a, b) => a + b, 0) / Math.max(1, f.length), losses, correct, ...(withLogits ? { logits: Float32Array.from(f) } : {}) };
}

/** ∇ of the mean squared error over `indices` (backpropagation in f64), with per-sample losses. */
function gradientSquared(arch: Arch, theta: Float32Array, set: DataSet, indices: ArrayLike<number>, y: Float64Array) {
  checkScalar(arch);
  const stack = denseStack(arch);
  const m = denseMatrices(arch, theta);
  const L = m.w.length;
  const size = set.x.length / set.n;
  const gw = m.w.map((w) => new Float64Array(w.length));
  const gb = m.b.map((b) => new Float64Array(b.length));
  const losses = new Float32Array(indices.length);
  const right = new Uint32Array(indices.length);
  indices = Array.from(indices);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const acts: Float64Array[] = [Float64Array.from(set.x.subarray(i * size, (i + 1) * size))];
    for (let l = 0; l < L; l++) {
      const z = new Float64Array(m.rows[l]);
      for (let r = 0; r < z.length; r++) {
        let acc = m.b[l][r];
        for (let c = 0; c < m.cols[l]; c++) acc += m.w[l][r * m.cols[l] + c] * acts[l][c];
        z[r] = l < L - 1 && acc < 0 ? 0 : acc;
      }
      acts.push(z);
    }
    const err = acts[L][0] - y[k];
    losses[k] = err * err;
    right[k] = Math.abs(err) <= FIT_TOLERANCE ? 1 : 0;
    let delta = Float64Array.of((2 * err) / indices.length);
    for (let l = L - 1; l >= 0; l--) {
      const cols = m.cols[l];
      const below = new Float64Array(cols);
      for (let r = 0; r < m.rows[l]; r++) {
        const dr = delta[r];
        if (dr === 0) continue;
        gb[l][r] += dr;
        for (let c = 0; c < cols; c++) {
          gw[l][r * cols + c] += dr * acts[l][c];
          below[c] += dr * m.w[l][r * cols + c];
        }
      }
      // Through the ReLU of the layer below (its output is 0 exactly where it was cut).
      if (l > 0) for (let c = 0; c < cols; c++) if (!(acts[l][c] > 0)) below[c] = 0;
      delta = below;
    }
  }
  const grads = new Float32Array(compiledOf(arch).totalLength);
  stack.weights.forEach((e, l) => grads.set(gw[l], e.offset));
  stack.biases.forEach((e, l) => e && grads.set(gb[l], e.offset));
  return { grads, losses, right };
}
