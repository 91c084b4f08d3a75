/**
 * Curve-fitting sessions (see CurveTrainingSession in runner.ts): the runner's own when it has one
 * (the pool's replica groups), else a gradient session with the curve's update on the calling thread.
 * Both keep one order of operations, so the bits agree: θ(c) = Σ_j c_j q_j over θ's whole length, the
 * shard gradients' blend g, then per bend b = 0 + c_j·g (zero, then one axpy) and one elementwise
 * optimiser step on q_j's trainable prefix.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from './arch.js';
import type { CompiledArch } from './compile.js';
import { Engine, assertFinite } from './engine.js';
import { compiledOf } from './model.js';
import { VectorOptimizer } from './optimizer.js';
import type { CurveTrainingOptions, CurveTrainingSession, GradientSession, Runner } from './runner.js';

/** A curve-fitting session on `runner`: its own if it has one, else `composeCurveTraining` over its gradients. */
export async function openCurveTraining(runner: Runner, arch: Arch, data: DataSet, options: CurveTrainingOptions): Promise<CurveTrainingSession> {
  checkCurve(compiledOf(arch), options);
  if (runner.openCurveTraining) return runner.openCurveTraining(arch, data, options);
  return composeCurveTraining(await runner.openGradients(arch, data, options), arch, options);
}

/** Refuses points of the wrong length or non-finite values, and bends that are not distinct point indices. */
export function checkCurve(compiled: CompiledArch, options: Pick<CurveTrainingOptions, 'points' | 'bends'>): void {
  const { points, bends } = options;
  if (points.length < 1) throw new ModeconnError('BAD_ARGUMENT', 'a curve needs at least one point');
  points.forEach((p, j) => {
    if (p.length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `curve point ${j} has ${p.length} values; the architecture needs ${compiled.totalLength}`);
    assertFinite(p, `curve point ${j}`);
  });
  if (bends.some((j) => !Number.isInteger(j) || j < 0 || j >= points.length) || new Set(bends).size !== bends.length) {
    throw new ModeconnError('BAD_ARGUMENT', `bends [${bends.join(', ')}] must be distinct indices of the ${points.length} points`);
  }
}

/** Refuses a coefficient vector that is not one finite number per point. */
export function checkCoefficients(coeffs: Float32Array, points: number): void {
  if (coeffs.length !== points || !coeffs.every(Number.isFinite)) {
    throw new ModeconnError('BAD_ARGUMENT', `the curve has ${points} points; got ${coeffs.length} coefficients${coeffs.every(Number.isFinite) ? '' : ' (not all finite)'}`);
  }
}

/** Curve steps on this thread over a gradient session's batch gradients (the session is closed with it). */
export async function composeCurveTraining(session: GradientSession, arch: Arch, options: CurveTrainingOptions): Promise<CurveTrainingSession> {
  const compiled = compiledOf(arch);
  const { totalLength: T, paramCount: P } = compiled;
  const { core, ops } = await Engine.local();
  const points = options.points.map((p) => {
    const buf = core.allocF32(T);
    core.f32(buf).set(p);
    return buf;
  });
  const theta = core.allocF32(T);
  const grads = core.allocF32(T);
  const bendGrad = core.allocF32(P);
  const weightDecay = options.weightDecay ?? options.optimizer.weightDecay ?? 0;
  const optimizers = options.bends.map(() => new VectorOptimizer(ops, options.optimizer, P, weightDecay));
  return {
    setOrder: (order) => session.setOrder(order),
    step: async (coeffs, start, n, lr, step) => {
      checkCoefficients(coeffs, points.length);
      ops.blend(points, coeffs, theta, T);
      const outcome = await session.gradient(theta, grads, start, n);
      options.bends.forEach((j, b) => {
        core.f32(bendGrad).fill(0);
        ops.axpy(grads, bendGrad, coeffs[j], P);
        optimizers[b].step(points[j], bendGrad, lr, step);
      });
      return outcome;
    },
    readPoints: () => points.map((b) => core.f32(b).slice()),
    rngState: () => session.rngState(),
    setRngState: (state) => session.setRngState(state),
    close: async () => {
      for (const b of [...points, theta, grads, bendGrad]) core.free(b);
      for (const o of optimizers) o.free();
      await session.close();
    },
  };
}
