/** Shared set-up of the alignment tests: random parameter vectors and data sets, and logits through the plan. */
import { createDataSet, type DataSet } from '../../ts/data/dataset.js';
import type { Arch } from '../../ts/model/arch.js';
import { compileArch, type CompiledArch } from '../../ts/model/compile.js';
import type { Engine, EvaluateOptions } from '../../ts/model/engine.js';
import { seedState, uniform } from '../../ts/reference/rng.js';

/**
 * θ with every value uniform in [-1, 1), then running variances moved to [0.5, 1.5) (so BatchNorm
 * buffers matter) and weights scaled by √(3 / fan_in) (keeps deep nets' logits in a range where
 * 1e-5 is meaningful).
 */
export function randomTheta(arch: Arch, seed: number): Float32Array {
  const compiled = compileArch(arch);
  const s = new Uint32Array(4);
  seedState(seed, 99, s);
  const theta = Float32Array.from({ length: compiled.totalLength }, () => 2 * uniform(s) - 1);
  for (const e of compiled.layout) {
    if (e.kind === 'running_var') for (let i = 0; i < e.length; i++) theta[e.offset + i] = 1 + 0.5 * theta[e.offset + i];
    if (e.kind === 'weight') {
      const fan = e.shape.slice(1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < e.length; i++) theta[e.offset + i] *= Math.sqrt(3 / fan);
    }
  }
  return theta;
}

/** `n` samples of `shape`, uniform in [-1, 1); sample i has label i mod `classes`. */
export function randomData(shape: number[], n: number, seed: number, classes = 10): DataSet {
  const s = new Uint32Array(4);
  seedState(seed, 7, s);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * size }, () => 2 * uniform(s) - 1);
  return createDataSet({ name: `random${seed}`, shape, classes, x, y: Uint32Array.from({ length: n }, (_, i) => i % classes) });
}

/** θ's logits on every sample of `data` (EVAL mode unless `mode` says otherwise). */
export function logitsOf(engine: Engine, compiled: CompiledArch, theta: Float32Array, data: DataSet, mode?: EvaluateOptions['mode']): Float32Array {
  return engine.evaluate(compiled, theta, data, { logits: true, mode }).logits!;
}
