/**
 * Normalisation returning the statistics it used, so a test set gets the training set's numbers:
 * standardise x' = (x − mean_c) / std_c (one channel, or per channel c = shape[0]), or scale to [0,1].
 */
import { ModeconnError } from '../errors.js';
import { createDataSet, sampleSize, type DataSet } from './dataset.js';

/** Mean and population standard deviation, one entry (global) or one per channel. */
export interface NormStats {
  mean: number[];
  std: number[];
}

/** Options of `normalizeDataSet`. */
export interface NormalizeOptions {
  /** Per channel (channel = first sample axis, as in [c, h, w]) instead of one global pair. */
  perChannel?: boolean;
  /** Use these statistics instead of computing them (e.g. the training set's, for a test set). */
  stats?: NormStats;
}

/** Computes mean and population std in f64, globally or per channel (shape[0]). */
export function computeNormStats(data: DataSet, perChannel = false): NormStats {
  const channels = perChannel ? data.shape[0] : 1;
  const plane = sampleSize(data.shape) / channels;
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  const x = data.x;
  for (let i = 0, at = 0; i < data.n; i++) {
    for (let c = 0; c < channels; c++) {
      let s = 0;
      let q = 0;
      for (let k = 0; k < plane; k++, at++) {
        const v = x[at];
        s += v;
        q += v * v;
      }
      sum[c] += s;
      sumSq[c] += q;
    }
  }
  const count = data.n * plane;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = count > 0 ? sum[c] / count : 0;
    mean.push(m);
    std.push(count > 0 ? Math.sqrt(Math.max(0, sumSq[c] / count - m * m)) : 0);
  }
  return { mean, std };
}

/**
 * Standardises a copy of the data set. A channel with std 0 is only centred (divided by 1).
 * Returns the new set and the statistics used.
 */
export function normalizeDataSet(data: DataSet, options: NormalizeOptions = {}): { data: DataSet; stats: NormStats } {
  const stats = options.stats ?? computeNormStats(data, options.perChannel);
  const channels = stats.mean.length;
  if (channels !== stats.std.length || (channels !== 1 && channels !== data.shape[0])) {
    throw new ModeconnError('BAD_ARGUMENT', `normalisation of ${data.name}: ${stats.mean.length} means and ${stats.std.length} stds for samples of shape [${data.shape}]`);
  }
  const plane = sampleSize(data.shape) / channels;
  const x = new Float32Array(data.x.length);
  for (let i = 0, at = 0; i < data.n; i++) {
    for (let c = 0; c < channels; c++) {
      const m = stats.mean[c];
      const inv = stats.std[c] > 0 ? 1 / stats.std[c] : 1;
      for (let k = 0; k < plane; k++, at++) x[at] = (data.x[at] - m) * inv;
    }
  }
  return { data: createDataSet({ name: data.name, x, y: data.y.slice(), shape: data.shape, classes: data.classes }), stats };
}

/** The range `scaleToUnit` mapped to [0, 1]. */
export interface ScaleStats {
  min: number;
  max: number;
}

/**
 * Maps [min, max] (default: the observed range) linearly onto [0, 1] in a copy; a constant set
 * becomes zeros. Returns the new set and the range used.
 */
export function scaleToUnit(data: DataSet, range?: ScaleStats): { data: DataSet; stats: ScaleStats } {
  let min = Infinity;
  let max = -Infinity;
  if (range) {
    ({ min, max } = range);
    if (!(max >= min)) throw new ModeconnError('BAD_ARGUMENT', `scaleToUnit of ${data.name}: max ${max} is below min ${min}`);
  } else {
    for (const v of data.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (data.x.length === 0) min = max = 0;
  }
  const span = max - min;
  const x = new Float32Array(data.x.length);
  if (span > 0) for (let i = 0; i < x.length; i++) x[i] = (data.x[i] - min) / span;
  return { data: createDataSet({ name: data.name, x, y: data.y.slice(), shape: data.shape, classes: data.classes }), stats: { min, max } };
}
