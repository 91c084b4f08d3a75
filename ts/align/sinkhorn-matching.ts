/**
 * Learned permutations by Sinkhorn re-basin (Peña et al. 2023): per group, logits Z → a soft
 * permutation S = Sinkhorn(Z/τ); θ(t) = (1 − t)·θ_A + t·S(θ_B) with S applied along every permuted
 * axis; L(θ(t)) at the midpoint or a random t is minimised over Z by Adam, backpropagating through
 * the soft permutation (cost matrices) and the Sinkhorn iterations; each S is then hardened by the
 * assignment solver. Running statistics are A's (the loss uses batch statistics).
 */
import type { DataSet } from '../data/dataset.js';
import { Engine } from '../model/engine.js';
import { withParams, type Model } from '../model/model.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { solveAssignment } from './lsa.js';
import { permuteParams, specOf, type Permutations } from './spec.js';
import { Adam, runLearningLoop, type LearnedPermutationOptions } from './learning-loop.js';
import { sinkhornBackward, sinkhornForward, type SinkhornTape } from './sinkhorn.js';
import { addUnitCost, softTensors, transformTensor } from './soft-permute.js';
import type { LearnedAlignment } from './ste-matching.js';
import { checkPair, finishAlignment, weightMatching } from './weight-matching.js';

export interface SinkhornMatchingOptions extends LearnedPermutationOptions {
  /** Temperature τ (default 1). */
  tau?: number;
  /** Sinkhorn row-and-column passes (default 20). */
  iterations?: number;
  /** Logits' start: 'uniform' (Z = 0, default) or 'weight-matching' (Z = `initScale` on weight matching's perm). */
  init?: 'uniform' | 'weight-matching';
  /** Default 5. */
  initScale?: number;
  check?: boolean;
}

/** Aligns B to A by Sinkhorn re-basin on `data`; see the module header. */
export async function sinkhornMatching(a: Model, b: Model, data: DataSet, options: SinkhornMatchingOptions = {}): Promise<LearnedAlignment> {
  const started = performance.now();
  const { tau = 1, iterations = 20, init = 'uniform', initScale = 5 } = options;
  const compiled = checkPair(a, b);
  const spec = specOf(a.arch);
  const kernels = wasmKernels((await Engine.local()).core);
  const tensors = softTensors(spec, compiled.layout);
  const sizes = spec.groups.map((g) => g.size);
  const logits = sizes.map((n) => new Float64Array(n * n));
  if (init === 'weight-matching') {
    const wm = await weightMatching(a, b, { seed: options.seed, check: false, runner: options.runner });
    spec.groups.forEach((g, k) => wm.permutations[g.name].forEach((col, row) => { logits[k][row * g.size + col] = initScale; }));
  }
  const adams = sizes.map((n) => new Adam(n * n, options.lr ?? 0.1));
  let tapes: SinkhornTape[] = [];
  const losses = await runLearningLoop(a.arch, data, options, (t) => {
    tapes = logits.map((z, k) => sinkhornForward(z, sizes[k], tau, iterations));
    const mats = tapes.map((tp) => tp.s);
    const theta = a.params.slice();
    for (const tensor of tensors) {
      const soft = transformTensor(kernels, b.params, tensor, mats, sizes);
      const { offset } = tensor.entry;
      for (let i = 0; i < soft.length; i++) theta[offset + i] = (1 - t) * a.params[offset + i] + t * soft[i];
    }
    // Tensors without a permuted axis (the logits' bias) blend as they are.
    const touched = new Set(tensors.map((x) => x.entry.name));
    for (const e of compiled.layout) {
      if (touched.has(e.name) || e.kind.startsWith('running_') || e.kind === 'counter') continue;
      for (let i = e.offset; i < e.offset + e.length; i++) theta[i] = (1 - t) * a.params[i] + t * b.params[i];
    }
    return theta;
  }, (grads, t) => {
    const mats = tapes.map((tp) => tp.s);
    const dS = sizes.map((n) => new Float64Array(n * n));
    for (const tensor of tensors) {
      const { offset, length } = tensor.entry;
      const g = Float32Array.from(grads.subarray(offset, offset + length), (v) => t * v);
      tensor.axes.forEach(({ group, axis }, i) => addUnitCost(kernels, g, transformTensor(kernels, b.params, tensor, mats, sizes, i), tensor, axis, sizes[group], dS[group]));
    }
    logits.forEach((z, k) => adams[k].step(z, sinkhornBackward(tapes[k], dS[k])));
  });
  const perms: Permutations = Object.fromEntries(spec.groups.map((g, k) => {
    const s = sinkhornForward(logits[k], g.size, tau, iterations).s;
    return [g.name, solveAssignment(kernels, Float64Array.from(s), g.size, g.size, { maximize: true }).colForRow];
  }));
  const aligned = permuteParams(spec, compiled.layout, b.params, perms);
  await finishAlignment(compiled, b, aligned, options.check ?? false, 'Sinkhorn re-basin');
  return { permutations: perms, aligned: withParams(b, aligned), objective: [], spec, losses, seconds: (performance.now() - started) / 1000 };
}
