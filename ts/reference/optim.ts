/**
 * The optimiser twin: each f32 operation of crate/src/optim.rs rounded with `Math.fround` in the
 * same order (an f32 op equals the f64 op rounded to f32 for + − × ÷ sqrt), so results are
 * bit-identical to the WASM core.
 */
import { type OptimKernels, checkAdam, checkSgd } from '../kernels/optim.js';

const f32 = Math.fround;

/** `b^t` by binary exponentiation in f64 (the Rust order). */
export function powi(b: number, t: number): number {
  let result = 1;
  let base = b;
  while (t > 0) {
    if (t % 2 === 1) result *= base;
    base *= base;
    t = Math.floor(t / 2);
  }
  return result;
}

/** Optimisers in plain TS. */
export const optimReference: OptimKernels = {
  sgdStep(params, weights, grads, buf) {
    checkSgd(params, weights, grads, buf);
    const n = weights.length;
    const wd = f32(params.weightDecay);
    const mom = f32(params.momentum);
    const damp = f32(1 - f32(params.dampening));
    const negLr = -f32(params.lr);
    for (let i = 0; i < n; i++) {
      const p = weights[i];
      let g = wd !== 0 ? f32(grads[i] + f32(wd * p)) : grads[i];
      if (mom !== 0) {
        const b = params.first ? g : f32(f32(buf[i] * mom) + f32(damp * g));
        buf[i] = b;
        g = params.nesterov ? f32(g + f32(mom * b)) : b;
      }
      weights[i] = f32(p + f32(negLr * g));
    }
  },

  adamStep(params, weights, grads, m, v) {
    checkAdam(params, weights, grads, m, v);
    const n = weights.length;
    const lr = f32(params.lr);
    const b1 = f32(params.beta1);
    const b2 = f32(params.beta2);
    const eps = f32(params.eps);
    const wd = f32(params.weightDecay);
    const stepSize = f32(lr / (1 - powi(b1, params.step)));
    const bc2Sqrt = f32(Math.sqrt(1 - powi(b2, params.step)));
    const negStep = -stepSize;
    const decay = f32(1 - lr * wd);
    const c1 = f32(1 - b1);
    const c2 = f32(1 - b2);
    const coupled = !params.decoupled && wd !== 0;
    const decoupled = params.decoupled && wd !== 0;
    for (let i = 0; i < n; i++) {
      let p = weights[i];
      if (decoupled) p = f32(p * decay);
      const g = coupled ? f32(grads[i] + f32(wd * p)) : grads[i];
      const nm = f32(f32(b1 * m[i]) + f32(c1 * g));
      const nv = f32(f32(b2 * v[i]) + f32(f32(c2 * g) * g));
      m[i] = nm;
      v[i] = nv;
      const denom = f32(f32(f32(Math.sqrt(nv)) / bc2Sqrt) + eps);
      weights[i] = f32(p + f32(negStep * f32(nm / denom)));
    }
  },
};
