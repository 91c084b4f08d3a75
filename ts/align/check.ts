/**
 * The guard every alignment runs: the aligned model must compute B's function. Logits of both on a
 * data sample (EVAL mode) must agree to 1e-4·(1 + max |logit|); otherwise ALIGNMENT_BROKE_FUNCTION.
 */
import { ModeconnError } from '../errors.js';
import { createDataSet, type DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { CompiledArch } from '../model/compile.js';
import type { Engine } from '../model/engine.js';
import { seedState, uniform } from '../kernels/xoshiro.js';

/** Up to `n` samples of `data`, or seeded uniform inputs in [-1, 1) of the arch's input shape. */
export function checkSample(arch: Arch, data: DataSet | undefined, n = 64): DataSet {
  if (data && data.n > 0) {
    const count = Math.min(n, data.n);
    const size = data.x.length / data.n;
    return createDataSet({ name: `${data.name} (check sample)`, shape: data.shape, classes: data.classes,
      x: data.x.slice(0, count * size), y: data.y.slice(0, count) });
  }
  const s = new Uint32Array(4);
  seedState(0x5eed, 0, s);
  const size = arch.input.reduce((a, b) => a * b, 1);
  return createDataSet({ name: 'random inputs', shape: arch.input, classes: arch.classes,
    x: Float32Array.from({ length: n * size }, () => 2 * uniform(s) - 1), y: new Uint32Array(n) });
}

/** Largest |logit difference| between two parameter vectors of one arch on `sample`, and the scale. */
export function logitGap(engine: Engine, compiled: CompiledArch, paramsB: Float32Array, aligned: Float32Array, sample: DataSet) {
  const a = engine.evaluate(compiled, paramsB, sample, { logits: true }).logits!;
  const b = engine.evaluate(compiled, aligned, sample, { logits: true }).logits!;
  let gap = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    gap = Math.max(gap, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  if (a.some((v, i) => Number.isNaN(v) !== Number.isNaN(b[i]))) gap = Infinity;
  return { gap, scale };
}

/** Throws ALIGNMENT_BROKE_FUNCTION when `aligned` does not compute B's function on `sample`. */
export function assertSameFunction(engine: Engine, compiled: CompiledArch, paramsB: Float32Array, aligned: Float32Array, sample: DataSet, what: string): void {
  const { gap, scale } = logitGap(engine, compiled, paramsB, aligned, sample);
  if (!(gap <= 1e-4 * (1 + scale))) {
    throw new ModeconnError('ALIGNMENT_BROKE_FUNCTION', `${what}: the aligned model's logits differ from B's by up to ${gap} (logit scale ${scale}) on ${sample.n} samples of ${sample.name}`, {
      advice: 'the permutation spec does not match the network; please report the architecture (pass check: false to skip this guard)',
    });
  }
}
