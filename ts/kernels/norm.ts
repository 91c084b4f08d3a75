/**
 * BatchNorm kernels over `[n, c, s]` memory (PyTorch semantics): `s = 1` is BatchNorm1d on
 * `[n, c]`, `s = h·w` is BatchNorm2d on `[n, c, h, w]`. `y = (x − mean)/√(var + eps)·gamma + beta`.
 * Train mode uses the batch's mean and biased variance and folds the unbiased variance into the
 * running statistics; eval mode uses the running statistics.
 */
import { ModeconnError, expectDims, expectLength } from '../errors.js';

/** The logical shape `[n, c, s]` of a BatchNorm input (every dimension ≥ 1). */
export interface BatchNormShape {
  n: number;
  c: number;
  s: number;
}

/**
 * How a train-mode forward updates the running statistics (`batch` = batch mean, and unbiased
 * batch variance; with one value per channel the variance is 0):
 * - `momentum`: `running = (1 − momentum)·running + momentum·batch` (PyTorch uses 0.1);
 * - `average`: exact sample-weighted average when recomputing statistics over a data set
 *   (Garipov's `update_bn`): `seen` samples are already averaged in, this batch adds `n`;
 *   `seen = 0` overwrites the running statistics;
 * - `frozen`: leaves them untouched (the running arrays may then be empty).
 */
export type RunningUpdate =
  | { kind: 'momentum'; momentum: number }
  | { kind: 'average'; seen: number }
  | { kind: 'frozen' };

export interface BatchNormTrainParams extends BatchNormShape {
  eps: number;
  update: RunningUpdate;
}

export interface BatchNormEvalParams extends BatchNormShape {
  eps: number;
}

/**
 * BatchNorm kernels; every output array is overwritten. `x`, `y`, `dy`, `dx` have `n·c·s` values,
 * the rest `c`. `gamma`/`beta` may be null (PyTorch's `affine=False`: gamma 1, beta 0), and a null
 * `dgamma`/`dbeta` skips that output.
 */
export interface NormKernels {
  /** Train forward: writes `y`, the batch mean `saveMean` and `saveInvstd = 1/√(var + eps)`, and updates the running statistics in place. */
  batchnormForwardTrain(
    p: BatchNormTrainParams,
    x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
    y: Float32Array, saveMean: Float32Array, saveInvstd: Float32Array,
    runningMean: Float32Array, runningVar: Float32Array,
  ): void;
  /** Eval forward with the running statistics. */
  batchnormForwardEval(
    p: BatchNormEvalParams,
    x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null,
    runningMean: Float32Array, runningVar: Float32Array,
    y: Float32Array,
  ): void;
  /** Train backward through the batch statistics, from the forward's `saveMean`/`saveInvstd`. */
  batchnormBackward(
    p: BatchNormShape,
    x: Float32Array, dy: Float32Array, gamma: Float32Array | null,
    saveMean: Float32Array, saveInvstd: Float32Array,
    dx: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null,
  ): void;
  /** Eval backward: the running statistics are constants. */
  batchnormBackwardEval(
    p: BatchNormEvalParams,
    x: Float32Array, dy: Float32Array, gamma: Float32Array | null,
    runningMean: Float32Array, runningVar: Float32Array,
    dx: Float32Array, dgamma: Float32Array | null, dbeta: Float32Array | null,
  ): void;
}

/** Checks the lengths of whole-tensor arrays (`n·c·s`) and of present per-channel arrays (`c`). */
export function checkBatchNormArrays(
  p: BatchNormShape, arrays: Record<string, Float32Array>, perChannel: Record<string, Float32Array | null>,
): void {
  const len = checkBatchNormShape(p);
  for (const [name, a] of Object.entries(arrays)) expectLength(name, a, len);
  for (const [name, a] of Object.entries(perChannel)) if (a !== null) expectLength(name, a, p.c);
}

/** Validates a BatchNorm shape (BAD_ARGUMENT / BAD_SHAPE) and returns `n·c·s`. */
export function checkBatchNormShape(p: BatchNormShape): number {
  expectDims({ n: p.n, c: p.c, s: p.s });
  for (const [name, v] of [['n', p.n], ['c', p.c], ['s', p.s]] as const) {
    if (v === 0) throw new ModeconnError('BAD_SHAPE', `BatchNorm ${name} must be at least 1`);
  }
  const len = p.n * p.c * p.s;
  if (len > 0x3fffffff) throw new ModeconnError('BAD_SHAPE', `BatchNorm input of ${len} values is too large`);
  return len;
}

/** Validates `eps` (finite, ≥ 0). */
export function checkEps(eps: number): void {
  if (!Number.isFinite(eps) || eps < 0) {
    throw new ModeconnError('BAD_ARGUMENT', `BatchNorm eps must be finite and >= 0, got ${eps}`);
  }
}

/** Validates a running-statistics update and the running arrays it needs. */
export function checkRunningUpdate(u: RunningUpdate, c: number, runningMean: Float32Array, runningVar: Float32Array): void {
  if (u.kind === 'momentum') {
    if (!(u.momentum >= 0 && u.momentum <= 1)) {
      throw new ModeconnError('BAD_ARGUMENT', `BatchNorm momentum must be in [0, 1], got ${u.momentum}`);
    }
  } else if (u.kind === 'average') {
    expectDims({ seen: u.seen });
  } else if (u.kind !== 'frozen') {
    throw new ModeconnError('BAD_ARGUMENT', `unknown running-statistics update ${(u as { kind: string }).kind}`);
  }
  if (u.kind !== 'frozen') {
    expectLength('runningMean', runningMean, c);
    expectLength('runningVar', runningVar, c);
  }
}
