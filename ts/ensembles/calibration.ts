/**
 * Expected calibration error (Naeini et al. 2015; Guo et al. 2017): predictions binned by confidence
 * conf_x = max_c p(c|x) into B equal-width bins, bin b holding conf ∈ (b/B, (b+1)/B] (index ⌈conf·B⌉ − 1
 * in f64, conf = 0 in bin 0); ECE = Σ_b (n_b/n)·|acc_b − conf_b| with acc_b the fraction of bin b
 * classified right (argmax = label, first on ties) and conf_b its mean confidence. Default B = 15.
 */
import { ModeconnError } from '../errors.js';
import { argmaxFirst, type Labels } from './predictions.js';

/** One bin of the reliability diagram. */
export interface CalibrationBin {
  /** (lower, upper] of confidences. */
  lower: number;
  upper: number;
  count: number;
  /** Fraction right in the bin (NaN when empty). */
  accuracy: number;
  /** Mean confidence in the bin (NaN when empty). */
  confidence: number;
}

export interface Calibration {
  /** Expected calibration error in [0, 1]. */
  ece: number;
  /** The largest |acc_b − conf_b| over non-empty bins (maximum calibration error). */
  mce: number;
  bins: CalibrationBin[];
}

/** The default bin count (Guo et al. 2017). */
export const ECE_BINS = 15;

/** ECE and the reliability bins of probabilities `[n, classes]` against `labels`; see the module header. */
export function calibrationOf(probabilities: ArrayLike<number>, labels: Labels, options: { bins?: number } = {}): Calibration {
  const { bins = ECE_BINS } = options;
  const { n, classes, y } = labels;
  if (!Number.isInteger(bins) || bins < 1) throw new ModeconnError('BAD_ARGUMENT', `bins must be a positive integer, got ${bins}`);
  if (probabilities.length !== n * classes) {
    throw new ModeconnError('BAD_SHAPE', `probabilities have ${probabilities.length} values; ${n} samples of ${classes} classes need ${n * classes}`);
  }
  if (n === 0) throw new ModeconnError('EMPTY_DATA', 'calibration needs at least one sample');
  const count = new Float64Array(bins);
  const right = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  for (let x = 0; x < n; x++) {
    const best = argmaxFirst(probabilities, x * classes, classes);
    const conf = probabilities[x * classes + best];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    count[b] += 1;
    confidence[b] += conf;
    if (best === y[x]) right[b] += 1;
  }
  let ece = 0;
  let mce = 0;
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const accuracy = count[b] ? right[b] / count[b] : NaN;
    const mean = count[b] ? confidence[b] / count[b] : NaN;
    if (count[b]) {
      const gap = Math.abs(accuracy - mean);
      ece += (count[b] / n) * gap;
      mce = Math.max(mce, gap);
    }
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: count[b], accuracy, confidence: mean });
  }
  return { ece, mce, bins: out };
}
