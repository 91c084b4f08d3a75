/**
 * How good a merged model is: test loss/accuracy of every member, of the naive average mean_i θ_i,
 * and of the merged model — BatchNorm statistics of the two averages recomputed over `bnData` —
 * and optionally of the merged model after REPAIR (Jordan et al. 2022) generalised to N members:
 * each unit's mean and std reset to the members' average mean and std (aligned members, N ≥ 2).
 */
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { EvalResult } from '../model/engine.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { Repair, type UnitStats } from '../align/repair.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { averageParams } from './average.js';

/** Loss and accuracy of one model. */
export interface Scores { loss: number; accuracy: number }

export interface EvaluateMergeOptions extends RunnerOption {
  /** Data for BatchNorm recomputation and REPAIR's statistics (required for either). */
  bnData?: DataSet;
  /** Also evaluate the merged model after REPAIR (needs bnData; default false). */
  repair?: boolean;
  /** Samples of bnData REPAIR measures (default 1000). */
  repairSamples?: number;
  batchSize?: number;
}

/** Members, naive average and merged model on one data set. */
export interface MergeEvaluation {
  members: Scores[];
  naive: Scores;
  merged: Scores;
  repaired?: Scores;
  /** The merged θ after REPAIR, when asked for. */
  repairedParams?: Float32Array;
  /** Whether BatchNorm statistics of the averages were recomputed. */
  bnRecomputed: boolean;
}

const scores = (r: EvalResult): Scores => ({ loss: r.loss, accuracy: r.accuracy });

/** The per-site average of the members' unit statistics (means and stds averaged, as REPAIR interpolates them). */
function averageStats(all: UnitStats[][]): UnitStats[] {
  return all[0].map((site, s) => {
    const mean = new Float64Array(site.mean.length);
    const std = new Float64Array(site.std.length);
    for (const m of all) {
      for (let u = 0; u < mean.length; u++) {
        mean[u] += m[s].mean[u] / all.length;
        std[u] += m[s].std[u] / all.length;
      }
    }
    return { mean, std };
  });
}

/** θ_merged with REPAIR's statistics reset to the average of the aligned members'. */
export async function repairMerged(arch: Arch, aligned: readonly Float32Array[], merged: Float32Array, data: DataSet, samples = 1000): Promise<Float32Array> {
  const repair = await Repair.create(arch, aligned[0], aligned[aligned.length - 1], data, { samples });
  const target = averageStats(aligned.map((p) => repair.statistics(p)));
  // Both endpoints set to the average: the interpolated target is the average at every t.
  repair.endpoints[0] = target;
  repair.endpoints[1] = target;
  return repair.repair(merged, 0);
}

/** Evaluates `members` (as given), their naive average and `merged` on `test`; see the module header. */
export async function evaluateMerge(arch: Arch, members: readonly Float32Array[], merged: Float32Array, test: DataSet,
  options: EvaluateMergeOptions & { aligned?: readonly Float32Array[] } = {}): Promise<MergeEvaluation> {
  const runner = await resolveRunner(options.runner);
  const { batchSize = 1000, bnData } = options;
  const bn = hasBatchNorm(compiledOf(arch)) && bnData !== undefined;
  const [memberResults] = await runner.evaluate(arch, members, [test], { batchSize });
  const [averages] = await runner.evaluate(arch, [averageParams(members), merged], [test], { batchSize, ...(bn ? { bnData } : {}) });
  const out: MergeEvaluation = { members: memberResults.map(scores), naive: scores(averages[0]), merged: scores(averages[1]), bnRecomputed: bn };
  if (options.repair && bnData) {
    const repaired = await repairMerged(arch, options.aligned ?? members, merged, bnData, options.repairSamples);
    const [[r]] = await runner.evaluate(arch, [repaired], [test], { batchSize });
    out.repaired = scores(r);
    out.repairedParams = repaired;
  }
  return out;
}
