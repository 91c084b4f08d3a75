/**
 * Pure-TS twin of the BatchNorm kernels (crate/src/norm.rs): plain per-channel loops in f64,
 * two passes for the variance. Index of `(i, ch, j)` in `[n, c, s]` is `(i·c + ch)·s + j`.
 */
import {
  type BatchNormEvalParams, type BatchNormShape, type BatchNormTrainParams, type NormKernels,
  checkBatchNormArrays, checkEps, checkRunningUpdate,
} from '../kernels/norm.js';


/** Per channel: batch mean and biased variance. */
function batchStats({ n, c, s }: BatchNormShape, x: Float32Array): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const count = n * s;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) sum += x[(i * c + ch) * s + j];
    const m = sum / count;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const d = x[(i * c + ch) * s + j] - m;
        sq += d * d;
      }
    }
    mean[ch] = m;
    variance[ch] = sq / count;
  }
  return { mean, variance };
}

function batchnormForwardTrain(
  p: BatchNormTrainParams, x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
  y: Float32Array, saveMean: Float32Array, saveInvstd: Float32Array,
  runningMean: Float32Array, runningVar: Float32Array,
): void {
  checkBatchNormArrays(p, { x, y }, { gamma, beta, saveMean, saveInvstd });
  checkEps(p.eps);
  checkRunningUpdate(p.update, p.c, runningMean, runningVar);
  const { n, c, s } = p;
  const { mean, variance } = batchStats(p, x);
  for (let ch = 0; ch < c; ch++) {
    const invstd = 1 / Math.sqrt(variance[ch] + p.eps);
    saveMean[ch] = mean[ch];
    saveInvstd[ch] = invstd;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const k = (i * c + ch) * s + j;
        y[k] = (x[k] - mean[ch]) * invstd * (gamma ? gamma[ch] : 1) + (beta ? beta[ch] : 0);
      }
    }
  }
  const u = p.update;
  if (u.kind === 'frozen') return;
  const count = n * s;
  // With one value per channel there is no Bessel correction; the biased variance (0) is used.
  const bessel = count > 1 ? count / (count - 1) : 1;
  const take = u.kind === 'momentum' ? u.momentum : n / (u.seen + n);
  const keep = u.kind === 'momentum' ? 1 - u.momentum : u.seen / (u.seen + n);
  for (let ch = 0; ch < c; ch++) {
    const unbiased = variance[ch] * bessel;
    // keep = 0 overwrites, so stale NaN running values do not survive 0·NaN.
    runningMean[ch] = keep === 0 ? take * mean[ch] : keep * runningMean[ch] + take * mean[ch];
    runningVar[ch] = keep === 0 ? take * unbiased : keep * runningVar[ch] + take * unbiased;
  }
}

function batchnormForwardEval(
  p: BatchNormEvalParams, x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
  runningMean: Float32Array, runningVar: Float32Array, y: Float32Array,
): void {
  checkBatchNormArrays(p, { x, y }, { gamma, beta, runningMean, runningVar });
  checkEps(p.eps);
  const { n, c, s } = p;
  for (let ch = 0; ch < c; ch++) {
    const invstd = 1 / Math.sqrt(runningVar[ch] + p.eps);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const k = (i * c + ch) * s + j;
        y[k] = (x[k] - runningMean[ch]) * invstd * (gamma ? gamma[ch] : 1) + (beta ? beta[ch] : 0);
      }
    }
  }
}

/** Shared backward: `dx = gamma·invstd·(dy − [train]·(dbeta + x̂·dgamma)/m)`. */
function backward(
  { n, c, s }: BatchNormShape, train: boolean, x: Float32Array, dy: Float32Array, gamma: Float32Array | null,
  mean: ArrayLike<number>, invstd: ArrayLike<number>, dx: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null,
): void {
  const m = n * s;
  for (let ch = 0; ch < c; ch++) {
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const k = (i * c + ch) * s + j;
        sumDy += dy[k];
        sumDyXhat += dy[k] * (x[k] - mean[ch]) * invstd[ch];
      }
    }
    if (dbeta) dbeta[ch] = sumDy;
    if (dgamma) dgamma[ch] = sumDyXhat;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s; j++) {
        const k = (i * c + ch) * s + j;
        const xhat = (x[k] - mean[ch]) * invstd[ch];
        const centred = train ? dy[k] - (sumDy + xhat * sumDyXhat) / m : dy[k];
        dx[k] = (gamma ? gamma[ch] : 1) * invstd[ch] * centred;
      }
    }
  }
}

function batchnormBackward(
  p: BatchNormShape, x: Float32Array, dy: Float32Array, gamma: Float32Array | null,
  saveMean: Float32Array, saveInvstd: Float32Array, dx: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null,
): void {
  checkBatchNormArrays(p, { x, dy, dx }, { gamma, saveMean, saveInvstd, dgamma, dbeta });
  backward(p, true, x, dy, gamma, saveMean, saveInvstd, dx, dgamma, dbeta);
}

function batchnormBackwardEval(
  p: BatchNormEvalParams, x: Float32Array, dy: Float32Array, gamma: Float32Array | null,
  runningMean: Float32Array, runningVar: Float32Array, dx: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null,
): void {
  checkBatchNormArrays(p, { x, dy, dx }, { gamma, runningMean, runningVar, dgamma, dbeta });
  checkEps(p.eps);
  const invstd = Array.from(runningVar, (v) => 1 / Math.sqrt(v + p.eps));
  backward(p, false, x, dy, gamma, runningMean, invstd, dx, dgamma, dbeta);
}

/** The BatchNorm twin. */
export const normReference: NormKernels = {
  batchnormForwardTrain,
  batchnormForwardEval,
  batchnormBackward,
  batchnormBackwardEval,
};
