/**
 * How arbitrary weight matching is: its coordinate descent (Ainsworth et al. 2022, Alg. 1) visits
 * the groups in a seeded random order and stops at a local optimum, so k seeds can give k answers.
 * For each seed: the objective ⟨θ_A, π(θ_B)⟩ and the loss barrier of the line A → π(B) on a data
 * set; then the spread of both and, per group, the mean fraction of units two seeds match differently.
 */
import type { DataSet } from '../data/dataset.js';
import type { Model } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { evaluatePath } from '../paths/evaluate.js';
import { linearPath } from '../paths/path.js';
import type { Permutations } from './spec.js';
import { weightMatching } from './weight-matching.js';

export interface ArbitrarinessOptions extends RunnerOption {
  /** Seeds of the group order (default 0..7). */
  seeds?: number[];
  /** Points of each line (default 11). */
  points?: number;
  /** BatchNorm statistics recomputed over this set along the line (arches with BatchNorm). */
  bnData?: DataSet;
}

/** One seed's answer. */
export interface SeedOutcome {
  seed: number;
  objective: number;
  /** Loss barrier sup_t L(t) − ((1 − t)L(0) + tL(1)) on the data set. */
  barrier: number;
  passes: number;
  permutations: Permutations;
}

/** Spread of a list: min, max, mean, standard deviation. */
export interface Spread { min: number; max: number; mean: number; std: number }

export interface ArbitrarinessReport {
  outcomes: SeedOutcome[];
  objective: Spread;
  barrier: Spread;
  /** Per group: mean over seed pairs of the fraction of units matched differently. */
  disagreement: Record<string, number>;
  /** Distinct answers among the seeds. */
  distinct: number;
}

/** min, max, mean and (population) standard deviation. */
export function spreadOf(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { min: Math.min(...values), max: Math.max(...values), mean, std };
}

/** Per group, the mean fraction of units on which two of `perms` differ (over all pairs). */
export function disagreementOf(perms: readonly Permutations[]): Record<string, number> {
  const out: Record<string, number> = {};
  const names = perms.length ? Object.keys(perms[0]) : [];
  for (const name of names) {
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < perms.length; i++) {
      for (let j = i + 1; j < perms.length; j++) {
        const a = perms[i][name];
        const b = perms[j][name];
        sum += a.reduce((n, v, u) => n + (v !== b[u] ? 1 : 0), 0) / a.length;
        pairs += 1;
      }
    }
    out[name] = pairs ? sum / pairs : 0;
  }
  return out;
}

/** Runs weight matching of B to A once per seed; see the module header. */
export async function weightMatchingArbitrariness(a: Model, b: Model, data: DataSet, options: ArbitrarinessOptions = {}): Promise<ArbitrarinessReport> {
  const { seeds = [0, 1, 2, 3, 4, 5, 6, 7], points = 11, bnData, runner } = options;
  const outcomes: SeedOutcome[] = [];
  for (const seed of seeds) {
    const r = await weightMatching(a, b, { seed, check: false, runner });
    const report = await evaluatePath(linearPath(a.params, r.aligned.params), a.arch, { data }, { points, runner, ...(bnData ? { bnData } : {}) });
    outcomes.push({ seed, objective: r.objective[r.objective.length - 1], barrier: report.sets.data.metrics!.loss.barrier, passes: r.objective.length, permutations: r.permutations });
  }
  const keys = new Set(outcomes.map((o) => Object.values(o.permutations).map((p) => p.join(',')).join(';')));
  return {
    outcomes,
    objective: spreadOf(outcomes.map((o) => o.objective)),
    barrier: spreadOf(outcomes.map((o) => o.barrier)),
    disagreement: disagreementOf(outcomes.map((o) => o.permutations)),
    distinct: keys.size,
  };
}
