/**
 * An ensemble of any list of models on a data set: every member evaluated with its logits through a
 * runner (models sharing an architecture in one call, BatchNorm statistics optionally recomputed per
 * member), then combined as in predictions.ts: averaged probabilities with evaluateModel's per-sample
 * fields, calibration (ECE) and diversity (pairwise disagreement and KL). The same bits on any runner.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { EvalResult } from '../model/engine.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf, type Model } from '../model/model.js';
import type { JobOptions } from '../model/runner.js';
import type { RunnerOption } from '../model/train.js';
import { calibrationOf, ECE_BINS, type Calibration } from './calibration.js';
import { diversityOf, pairwiseDiversity, type Diversity } from './diversity.js';
import { combinePredictions, type EnsembleResult } from './predictions.js';

export interface EvaluateEnsembleOptions extends RunnerOption, Pick<JobOptions, 'signal'> {
  /** Recompute each member's BatchNorm statistics over this set first (members without BatchNorm are unaffected). */
  bnData?: DataSet;
  /** Samples per WASM call (default 1000). */
  batchSize?: number;
  /** ECE bins (default 15). */
  bins?: number;
}

/** The ensemble, each member's own results (logits included) and the ensemble's calibration and diversity. */
export interface EnsembleEvaluation extends EnsembleResult {
  memberResults: EvalResult[];
  calibration: Calibration;
  diversity: Diversity;
}

/** Evaluates each member (with logits), in the order given, grouping members of one architecture into one runner call. */
export async function evaluateMembers(models: readonly Model[], data: DataSet, options: EvaluateEnsembleOptions = {}): Promise<EvalResult[]> {
  if (models.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'an ensemble needs at least one member');
  const runner = await resolveRunner(options.runner);
  const groups = new Map<string, number[]>();
  models.forEach((m, i) => {
    const compiled = compiledOf(m.arch);
    if (compiled.classes !== data.classes) {
      throw new ModeconnError('BAD_SHAPE', `ensemble member ${i} predicts ${compiled.classes} classes; data set ${data.name} has ${data.classes}`);
    }
    const key = compiled.words.join(',');
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const results = new Array<EvalResult>(models.length);
  for (const indices of groups.values()) {
    const arch = models[indices[0]].arch;
    const [part] = await runner.evaluate(arch, indices.map((i) => models[i].params), [data], {
      batchSize: options.batchSize ?? 1000, logits: true, bnData: options.bnData, signal: options.signal,
    });
    indices.forEach((i, j) => (results[i] = part[j]));
  }
  return results;
}

/** The ensemble of `models` on `data`; see the module header. An ensemble of one model is that model's evaluation, bit for bit. */
export async function evaluateEnsemble(models: readonly Model[], data: DataSet, options: EvaluateEnsembleOptions = {}): Promise<EnsembleEvaluation> {
  const memberResults = await evaluateMembers(models, data, options);
  const result = combinePredictions(memberResults, data);
  return {
    ...result,
    memberResults,
    calibration: calibrationOf(result.probabilities, data, { bins: options.bins ?? ECE_BINS }),
    diversity: diversityOf(pairwiseDiversity(memberResults.map((r) => r.logits!), data)),
  };
}
