/**
 * Diversity of ensemble members from their logits `[n, classes]`: the disagreement of Fort et al.
 * (2019, arXiv 1912.02757), D_ij = (1/n)·Σ_x [ŷ_i(x) ≠ ŷ_j(x)] with ŷ = argmax (first on ties), and
 * the KL divergence KL_ij = (1/n)·Σ_x Σ_c p_i(c|x)·(log p_i(c|x) − log p_j(c|x)), log-softmax in f64.
 * Summaries average over the pairs of the first k members: D over unordered pairs, KL over ordered
 * pairs (both directions, so it is symmetric); one member has no pairs (NaN).
 */
import { ModeconnError } from '../errors.js';
import { argmaxFirst, type Labels } from './predictions.js';

/** Pairwise matrices of a list of members (k × k, zero diagonal). */
export interface PairwiseDiversity {
  disagreement: number[][];
  kl: number[][];
}

/** Mean pairwise disagreement and KL of the first members. */
export interface Diversity {
  /** Mean over pairs i < j of D_ij (NaN for one member). */
  disagreement: number;
  /** Mean over pairs i ≠ j of KL_ij, in nats (NaN for one member). */
  kl: number;
}

/** Log-softmax of every row of `logits` (f64). */
function logSoftmax(logits: Float32Array, n: number, classes: number): Float64Array {
  const out = new Float64Array(n * classes);
  for (let x = 0; x < n; x++) {
    const base = x * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[base + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[base + c] - max);
    const lse = max + Math.log(sum);
    for (let c = 0; c < classes; c++) out[base + c] = logits[base + c] - lse;
  }
  return out;
}

/** The k × k disagreement and KL matrices of members given by their logits; see the module header. */
export function pairwiseDiversity(logits: readonly Float32Array[], labels: Pick<Labels, 'n' | 'classes'>): PairwiseDiversity {
  const { n, classes } = labels;
  if (n === 0) throw new ModeconnError('EMPTY_DATA', 'diversity needs at least one sample');
  logits.forEach((z, i) => {
    if (z.length !== n * classes) throw new ModeconnError('BAD_SHAPE', `member ${i} has ${z.length} logits; ${n} samples of ${classes} classes need ${n * classes}`);
  });
  const k = logits.length;
  const logp = logits.map((z) => logSoftmax(z, n, classes));
  const predicted = logits.map((z) => Uint32Array.from({ length: n }, (_, x) => argmaxFirst(z, x * classes, classes)));
  const disagreement = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const kl = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      if (j > i) {
        let differ = 0;
        for (let x = 0; x < n; x++) if (predicted[i][x] !== predicted[j][x]) differ += 1;
        disagreement[i][j] = disagreement[j][i] = differ / n;
      }
      const [a, b] = [logp[i], logp[j]];
      let sum = 0;
      for (let v = 0; v < n * classes; v++) {
        const p = Math.exp(a[v]);
        // p = 0 contributes 0 (the limit of p·log p), even against log q = −∞.
        if (p > 0) sum += p * (a[v] - b[v]);
      }
      kl[i][j] = sum / n;
    }
  }
  return { disagreement, kl };
}

/** Mean disagreement and KL among the first `k` members of pairwise matrices. */
export function diversityOf(pairs: PairwiseDiversity, k = pairs.kl.length): Diversity {
  if (!Number.isInteger(k) || k < 1 || k > pairs.kl.length) throw new ModeconnError('BAD_ARGUMENT', `k must be in 1..${pairs.kl.length}, got ${k}`);
  let d = 0;
  let kl = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      d += pairs.disagreement[i][j];
      kl += pairs.kl[i][j];
    }
  }
  const ordered = k * (k - 1);
  return { disagreement: ordered ? d / ordered : NaN, kl: ordered ? kl / ordered : NaN };
}
