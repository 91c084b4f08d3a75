/**
 * Training sessions (see TrainingSession in runner.ts): the runner's own when it has one (the pool's
 * replicas), else a gradient session whose batch gradient an optimiser on the calling thread applies
 * to θ — the order of operations both keep, so the bits agree: shard gradients, their blend, then one
 * elementwise optimiser step over θ's trainable prefix.
 */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from './arch.js';
import { Engine } from './engine.js';
import { compiledOf } from './model.js';
import { VectorOptimizer } from './optimizer.js';
import type { GradientSession, Runner, TrainingSession, TrainingSessionOptions } from './runner.js';

/** A training session on `runner`: its own if it has one, else `composeTraining` over its gradients. */
export async function openTraining(runner: Runner, arch: Arch, data: DataSet, options: TrainingSessionOptions): Promise<TrainingSession> {
  if (runner.openTraining) return runner.openTraining(arch, data, options);
  return composeTraining(await runner.openGradients(arch, data, options), arch, options);
}

/** Optimiser steps on this thread over a gradient session's batch gradients (the session is closed with it). */
export async function composeTraining(session: GradientSession, arch: Arch, options: TrainingSessionOptions): Promise<TrainingSession> {
  const compiled = compiledOf(arch);
  const engine = await Engine.local();
  const core = engine.core;
  const theta = core.allocF32(compiled.totalLength);
  const grads = core.allocF32(compiled.totalLength);
  const vector = new VectorOptimizer(engine.ops, options.optimizer, compiled.paramCount);
  return {
    setOrder: (order) => session.setOrder(order),
    setParams: (values) => core.f32(theta).set(core.f32(values).subarray(0, compiled.totalLength)),
    readParams: (out) => core.f32(out).set(core.f32(theta)),
    step: async (start, n, lr, step) => {
      const outcome = await session.gradient(theta, grads, start, n);
      vector.step(theta, grads, lr, step);
      return outcome;
    },
    optimizerState: async () => vector.state(),
    loadOptimizerState: async (state) => vector.load(state),
    rngState: () => session.rngState(),
    setRngState: (state) => session.setRngState(state),
    close: async () => {
      core.free(theta);
      core.free(grads);
      vector.free();
      await session.close();
    },
  };
}
