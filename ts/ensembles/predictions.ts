/**
 * Ensemble prediction: the members' softmax outputs averaged, p̄(c|x) = (1/k)·Σ_i softmax(z_i(x))_c,
 * with per-sample results in evaluateModel's shapes. NLL_x = −log p̄(y|x) comes from the members' own
 * per-sample losses ℓ_i = −log p_i(y|x) as a log-mean-exp shifted by the smallest (m − log((1/k)·Σ_i
 * e^{m−ℓ_i}), m = min_i ℓ_i), so one member gives its ℓ back bit for bit; correct_x = [argmax_c p̄ = y]
 * (first index on ties, as the engine). Members are added one at a time, so the ensemble after each
 * added member (FGE's growth curve) costs one pass per member.
 */
import { ModeconnError } from '../errors.js';
import { meanOf, type EvalResult } from '../model/engine.js';

/** What a member contributes: its per-sample losses and its logits `[n, classes]` (evaluate with `logits: true`). */
export type MemberPrediction = Pick<EvalResult, 'losses' | 'logits'>;

/** Labels and class count: a DataSet, or just these fields. */
export interface Labels {
  n: number;
  classes: number;
  y: Uint32Array;
}

/** An ensemble's results: evaluateModel's fields for the averaged predictor, and p̄ itself. */
export interface EnsembleResult extends EvalResult {
  /** p̄, `[n, classes]` in f64. */
  probabilities: Float64Array;
  /** How many members were averaged. */
  members: number;
}

/** Softmax of one row of logits into `out` (f64); returns log Σ e^{z−max} and the max, for log-softmax. */
export function softmaxRow(logits: Float32Array, row: number, classes: number, out: Float64Array, at = 0): { max: number; logSum: number } {
  const base = row * classes;
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, logits[base + c]);
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const e = Math.exp(logits[base + c] - max);
    out[at + c] = e;
    sum += e;
  }
  for (let c = 0; c < classes; c++) out[at + c] /= sum;
  return { max, logSum: Math.log(sum) };
}

/** Index of the first largest value of `values[from, from + count)` (a NaN wins, as the engine's argmax). */
export function argmaxFirst(values: ArrayLike<number>, from: number, count: number): number {
  let best = 0;
  for (let c = 1; c < count; c++) {
    const b = values[from + best];
    if (Number.isNaN(b)) break;
    const v = values[from + c];
    if (Number.isNaN(v) || v > b) best = c;
  }
  return best;
}

/** Checks a member's arrays against the labels. */
function checkMember(member: MemberPrediction, labels: Labels, index: number): Float32Array {
  if (!member.logits) {
    throw new ModeconnError('BAD_ARGUMENT', `ensemble member ${index} has no logits`, { advice: 'evaluate the members with logits: true' });
  }
  if (member.losses.length !== labels.n || member.logits.length !== labels.n * labels.classes) {
    throw new ModeconnError('BAD_SHAPE', `ensemble member ${index} has ${member.losses.length} losses and ${member.logits.length} logits; ` +
      `the data has ${labels.n} samples of ${labels.classes} classes`);
  }
  return member.logits;
}

/** An ensemble built one member at a time; `result()` may be read after any number of members. */
export class EnsembleAccumulator {
  /** Σ_i softmax(z_i), [n, classes]. */
  readonly #sum: Float64Array;
  /** Per sample: m = min_i ℓ_i and s = Σ_i e^{m − ℓ_i}. */
  readonly #min: Float64Array;
  readonly #scaled: Float64Array;
  readonly #row: Float64Array;
  #count = 0;

  constructor(readonly labels: Labels) {
    this.#sum = new Float64Array(labels.n * labels.classes);
    this.#min = new Float64Array(labels.n).fill(Infinity);
    this.#scaled = new Float64Array(labels.n);
    this.#row = new Float64Array(labels.classes);
  }

  /** Members added so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds one member's predictions. */
  add(member: MemberPrediction): void {
    const { n, classes } = this.labels;
    const logits = checkMember(member, this.labels, this.#count);
    for (let x = 0; x < n; x++) {
      softmaxRow(logits, x, classes, this.#row);
      for (let c = 0; c < classes; c++) this.#sum[x * classes + c] += this.#row[c];
      const loss = member.losses[x];
      const m = this.#min[x];
      if (loss < m) {
        // A new smallest loss: rescale the sum to it (the first member lands here with s = 0).
        this.#scaled[x] = this.#scaled[x] * Math.exp(loss - m) + 1;
        this.#min[x] = loss;
      } else {
        this.#scaled[x] += Math.exp(m - loss);
      }
    }
    this.#count += 1;
  }

  /** The ensemble of the members added so far. */
  result(): EnsembleResult {
    const { n, classes, y } = this.labels;
    const k = this.#count;
    if (k === 0) throw new ModeconnError('BAD_ARGUMENT', 'an ensemble needs at least one member');
    const probabilities = new Float64Array(n * classes);
    const losses = new Float32Array(n);
    const correct = new Uint8Array(n);
    let right = 0;
    for (let x = 0; x < n; x++) {
      for (let c = 0; c < classes; c++) probabilities[x * classes + c] = this.#sum[x * classes + c] / k;
      // k = 1: m − log(1) = m, the member's own loss.
      losses[x] = this.#min[x] - Math.log(this.#scaled[x] / k);
      correct[x] = argmaxFirst(probabilities, x * classes, classes) === y[x] ? 1 : 0;
      right += correct[x];
    }
    return { loss: meanOf(losses), accuracy: right / n, losses, correct, probabilities, members: k };
  }
}

/** The ensemble of `members` (each evaluated with `logits: true` on the same data) on `labels`; see the module header. */
export function combinePredictions(members: readonly MemberPrediction[], labels: Labels): EnsembleResult {
  const accumulator = new EnsembleAccumulator(labels);
  for (const member of members) accumulator.add(member);
  return accumulator.result();
}
