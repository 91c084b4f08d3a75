/**
 * Learned permutations by the straight-through estimator (Ainsworth et al. 2022, §3.3): keep
 * free weights θ̃ (started at θ_A); each step projects them to a permutation of B, π = weight
 * matching of B to θ̃, evaluates L(θ(t)) with θ(t) = (1 − t)·θ_A + t·π(θ_B), and updates θ̃ with
 * ∂L/∂θ̃ := t·∇L(θ(t)), as if π(θ_B) were θ̃ (the straight-through step). The result is the last projection.
 */
import type { DataSet } from '../data/dataset.js';
import { compiledOf, withParams, type Model } from '../model/model.js';
import { permuteParams, specOf, type Permutations } from './spec.js';
import { Adam, runLearningLoop, type LearnedPermutationOptions } from './learning-loop.js';
import { checkPair, finishAlignment, weightMatching, type AlignmentResult } from './weight-matching.js';

/** The result of a learned alignment: the alignment plus the loss of each step and the seconds taken. */
export interface LearnedAlignment extends AlignmentResult {
  losses: number[];
  seconds: number;
}

/** Aligns B to A by the straight-through estimator on `data`; see the module header. */
export async function steMatching(a: Model, b: Model, data: DataSet, options: LearnedPermutationOptions & { check?: boolean } = {}): Promise<LearnedAlignment> {
  const started = performance.now();
  const compiled = checkPair(a, b);
  const spec = specOf(a.arch);
  const P = compiled.paramCount;
  const free = a.params.slice();
  const adam = new Adam(P, options.lr ?? 1e-3);
  let perms: Permutations = {};
  let permuted = b.params;
  const project = async () => {
    const r = await weightMatching({ arch: a.arch, params: free }, b, { seed: options.seed, check: false, runner: options.runner });
    perms = r.permutations;
    permuted = r.aligned.params;
  };
  await project();
  const losses = await runLearningLoop(a.arch, data, options, (t) => {
    const theta = new Float32Array(a.params.length);
    for (let i = 0; i < theta.length; i++) theta[i] = (1 - t) * a.params[i] + t * permuted[i];
    return theta;
  }, async (grads, t) => {
    const g = new Float64Array(P);
    for (let i = 0; i < P; i++) g[i] = t * grads[i];
    adam.step(free.subarray(0, P), g);
    await project();
  });
  const aligned = permuteParams(spec, compiled.layout, b.params, perms);
  await finishAlignment(compiledOf(b.arch), b, aligned, options.check ?? false, 'straight-through estimator');
  return { permutations: perms, aligned: withParams(b, aligned), objective: [], spec, losses, seconds: (performance.now() - started) / 1000 };
}
