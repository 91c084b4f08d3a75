/**
 * An ensemble after each added member: for k = 1 … K (or the chosen k's), the ensemble of the first
 * k members' accuracy, NLL (mean −log p̄(y|x)), expected calibration error and diversity (mean pairwise
 * disagreement and KL among the k). FGE's curve of accuracy against the number of snapshots
 * (Garipov et al. 2018, Fig. 5) and the rows of an ensemble comparison.
 */
import { ModeconnError } from '../errors.js';
import { calibrationOf, ECE_BINS } from './calibration.js';
import { diversityOf, pairwiseDiversity } from './diversity.js';
import { EnsembleAccumulator, type Labels, type MemberPrediction } from './predictions.js';

/** The ensemble of the first `members` members. */
export interface GrowthPoint {
  members: number;
  accuracy: number;
  /** Mean −log p̄(y|x). */
  nll: number;
  /** Expected calibration error (equal-width bins, see calibration.ts). */
  ece: number;
  /** Mean pairwise disagreement among the members (NaN for one). */
  disagreement: number;
  /** Mean pairwise KL among the members, nats (NaN for one). */
  kl: number;
}

export interface GrowthOptions {
  /** The member counts to report (default every one, 1 … K). */
  ks?: readonly number[];
  /** ECE bins (default 15). */
  bins?: number;
}

/** The ensemble of the first k members for each k; see the module header. */
export function ensembleGrowth(members: readonly MemberPrediction[], labels: Labels, options: GrowthOptions = {}): GrowthPoint[] {
  const K = members.length;
  if (K === 0) throw new ModeconnError('BAD_ARGUMENT', 'ensembleGrowth needs at least one member');
  const ks = [...(options.ks ?? Array.from({ length: K }, (_, i) => i + 1))];
  if (ks.some((k, i) => !Number.isInteger(k) || k < 1 || k > K || (i > 0 && k <= ks[i - 1]))) {
    throw new ModeconnError('BAD_ARGUMENT', `ks must be increasing integers in 1..${K}, got [${ks.join(', ')}]`);
  }
  const pairs = pairwiseDiversity(members.map((m, i) => {
    if (!m.logits) throw new ModeconnError('BAD_ARGUMENT', `ensemble member ${i} has no logits`, { advice: 'evaluate the members with logits: true' });
    return m.logits;
  }).slice(0, ks[ks.length - 1]), labels);
  const accumulator = new EnsembleAccumulator(labels);
  const out: GrowthPoint[] = [];
  for (const k of ks) {
    while (accumulator.count < k) accumulator.add(members[accumulator.count]);
    const result = accumulator.result();
    const { ece } = calibrationOf(result.probabilities, labels, { bins: options.bins ?? ECE_BINS });
    out.push({ members: k, accuracy: result.accuracy, nll: result.loss, ece, ...diversityOf(pairs, k) });
  }
  return out;
}
