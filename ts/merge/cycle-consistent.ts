/**
 * Cycle-consistent matching of N models (after Crisostomi et al. 2024, C²M³): one permutation per
 * model and group to a shared *universe*, found jointly over all layers and all pairs by Frank–Wolfe
 * on the relaxation max F(S) = Σ_{i<j} ⟨S_i(θ_i), S_j(θ_j)⟩ over doubly stochastic S: the gradient
 * for (i, g) is the weight-matching cost of θ_i against Σ_{j≠i} S_j(θ_j), its linear maximiser one
 * assignment, the step a line search; each S is rounded by the assignment solver. The map from model
 * i to j, π_j∘π_i⁻¹, composes to the identity around any cycle by construction.
 */
import type { Model } from '../model/model.js';
import { compiledOf, withParams } from '../model/model.js';
import { Engine } from '../model/engine.js';
import type { RunnerOption } from '../model/train.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { solveAssignment } from '../align/lsa.js';
import { identityPermutations, permuteParams, specOf, type Permutations } from '../align/spec.js';
import { weightMatching } from '../align/weight-matching.js';
import { averageParams } from './average.js';
import { checkModels, type MergeResult } from './merge-many.js';
import { addUnitCost, permutationMatrices, softTensors, transformTensor } from '../align/soft-permute.js';

export interface CycleConsistentOptions extends RunnerOption {
  /** Frank–Wolfe iterations at most (default 30). */
  iterations?: number;
  /** Seed of the weight matchings of the start (default 0). */
  seed?: number;
  /** 'weight-matching' (default): start from each model matched to model 0; 'identity'. */
  init?: 'weight-matching' | 'identity';
  onProgress?: (p: { iteration: number; iterations: number; objective: number }) => void;
}

export interface CycleConsistentResult extends MergeResult {
  /** The relaxed objective F(S) before each iteration, and after the last. */
  objective: number[];
  /** Frank–Wolfe gaps ⟨∇F, Q − S⟩ (0 at a stationary point). */
  gaps: number[];
  /** F at the rounded permutations: Σ_{i<j} ⟨π_i(θ_i), π_j(θ_j)⟩ over the matched tensors. */
  roundedObjective: number;
}

/** Matches `models` to a universe and merges them; see the module header. */
export async function cycleConsistentMerge(models: readonly Model[], options: CycleConsistentOptions = {}): Promise<CycleConsistentResult> {
  const { iterations = 30, seed = 0, init = 'weight-matching', onProgress } = options;
  checkModels(models);
  const arch = models[0].arch;
  const compiled = compiledOf(arch);
  const spec = specOf(arch);
  const kernels = wasmKernels((await Engine.local()).core);
  const tensors = softTensors(spec, compiled.layout);
  const sizes = spec.groups.map((g) => g.size);
  const start: Permutations[] = [identityPermutations(spec)];
  for (let i = 1; i < models.length; i++) {
    start.push(init === 'identity' ? identityPermutations(spec)
      : (await weightMatching(models[0], models[i], { seed, check: false, runner: options.runner })).permutations);
  }
  let mats = start.map((p) => permutationMatrices(spec, p));
  const universe = (all: Float32Array[][]) => models.map((m, i) => tensors.map((t) => transformTensor(kernels, m.params, t, all[i], sizes)));
  const objectiveOf = (ts: Float32Array[][]) => {
    let f = 0;
    for (let i = 0; i < ts.length; i++) for (let j = i + 1; j < ts.length; j++) ts[i].forEach((x, k) => { f += dot(x, ts[j][k]); });
    return f;
  };
  const objective: number[] = [];
  const gaps: number[] = [];
  let current = universe(mats);
  let f = objectiveOf(current);
  for (let it = 1; it <= iterations; it++) {
    objective.push(f);
    const sums = tensors.map((_, k) => {
      const s = new Float32Array(current[0][k].length);
      for (const ti of current) for (let q = 0; q < s.length; q++) s[q] += ti[k][q];
      return s;
    });
    let gap = 0;
    const directions = models.map((m, i) => {
      const grads = sizes.map((n) => new Float64Array(n * n));
      tensors.forEach((t, k) => {
        const rest = sums[k].map((v, q) => v - current[i][k][q]);
        t.axes.forEach(({ group, axis }, a) => addUnitCost(kernels, rest, transformTensor(kernels, m.params, t, mats[i], sizes, a), t, axis, sizes[group], grads[group]));
      });
      return grads.map((g, group) => {
        const n = sizes[group];
        const best = solveAssignment(kernels, g, n, n, { maximize: true });
        const s = mats[i][group];
        const d = new Float32Array(n * n);
        for (let q = 0; q < d.length; q++) d[q] = -s[q];
        for (let r = 0; r < n; r++) d[r * n + best.colForRow[r]] += 1;
        for (let q = 0; q < d.length; q++) gap += g[q] * d[q];
        return d;
      });
    });
    gaps.push(gap);
    if (!(gap > 1e-9 * Math.max(1, Math.abs(f)))) break;
    // Line search over a few step sizes (F is not concave: no closed form worth having).
    let best: { eta: number; f: number; mats: Float32Array[][]; ts: Float32Array[][] } | null = null;
    for (const eta of [1, 0.5, 0.25, 0.1, 2 / (it + 2)]) {
      const trial = mats.map((ms, i) => ms.map((s, g) => s.map((v, q) => v + eta * directions[i][g][q])));
      const ts = universe(trial);
      const ft = objectiveOf(ts);
      if (!best || ft > best.f) best = { eta, f: ft, mats: trial, ts };
    }
    if (!best || !(best.f > f)) break;
    mats = best.mats;
    current = best.ts;
    f = best.f;
    onProgress?.({ iteration: it, iterations, objective: f });
  }
  objective.push(f);
  const permutations = mats.map((ms) => Object.fromEntries(spec.groups.map((g, k) => {
    const cost = Float64Array.from(ms[k]);
    return [g.name, solveAssignment(kernels, cost, g.size, g.size, { maximize: true }).colForRow];
  })) as Permutations);
  const aligned = models.map((m, i) => permuteParams(spec, compiled.layout, m.params, permutations[i]));
  const rounded = objectiveOf(universe(permutations.map((p) => permutationMatrices(spec, p))));
  return {
    merged: withParams(models[0], averageParams(aligned)), aligned, permutations, changes: [], converged: true,
    objective, gaps, roundedObjective: rounded,
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
