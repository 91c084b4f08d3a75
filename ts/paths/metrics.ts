/**
 * Path metrics, each under its own name because the literature's definitions disagree. Inputs are
 * a curve of values v(t_i) (loss or error) on ascending t's from 0 to 1, endpoints v0 = v(0), v1 = v(1):
 *   barrier              sup_i v(t_i) − ((1 − t_i)·v0 + t_i·v1)       (Frankle et al. 2020; Entezari et al. 2021)
 *   barrierMaxMinusMean  max_i v(t_i) − (v0 + v1)/2                  (Ainsworth et al. 2022, Git Re-Basin)
 *   midpointDeficit      v(0.5) − (v0 + v1)/2, positive = the midpoint is worse (REPAIR, Jordan et al. 2022)
 *   lengthWeightedMean   Σ_i ½(v_i + v_{i+1})·Δd_i / Σ_i Δd_i over the arc length d (Garipov's eval_curve)
 */
import { ModeconnError } from '../errors.js';
import { below, seedState } from '../kernels/xoshiro.js';

function checkCurve(ts: readonly number[], values: readonly number[]): void {
  if (ts.length !== values.length) throw new ModeconnError('BAD_SHAPE', `${ts.length} t's for ${values.length} values`);
  if (ts.length < 2 || ts[0] !== 0 || ts[ts.length - 1] !== 1 || ts.some((t, i) => i > 0 && !(t > ts[i - 1]))) {
    throw new ModeconnError('BAD_ARGUMENT', 'path metrics need ascending t\'s that start at 0 and end at 1 (the endpoints)');
  }
}

/** sup_t v(t) − ((1 − t)·v0 + t·v1), and the t where it is reached; 0 at worst (the endpoints). */
export function barrier(ts: readonly number[], values: readonly number[]): { value: number; t: number } {
  checkCurve(ts, values);
  const v0 = values[0];
  const v1 = values[values.length - 1];
  let best = { value: -Infinity, t: 0 };
  ts.forEach((t, i) => {
    const excess = values[i] - ((1 - t) * v0 + t * v1);
    if (excess > best.value) best = { value: excess, t };
  });
  return best;
}

/** max_t v(t) − (v0 + v1)/2. */
export function barrierMaxMinusMean(ts: readonly number[], values: readonly number[]): number {
  checkCurve(ts, values);
  return Math.max(...values) - (values[0] + values[values.length - 1]) / 2;
}

/** v(0.5) − (v0 + v1)/2 (v(0.5) linearly interpolated when 0.5 is not on the grid); positive = worse. */
export function midpointDeficit(ts: readonly number[], values: readonly number[]): number {
  checkCurve(ts, values);
  let i = 0;
  while (ts[i + 1] < 0.5) i++;
  const u = (0.5 - ts[i]) / (ts[i + 1] - ts[i]);
  const mid = ts[i] === 0.5 ? values[i] : (1 - u) * values[i] + u * values[i + 1];
  return mid - (values[0] + values[values.length - 1]) / 2;
}

/** Trapezoid average along the arc: Σ ½(v_i + v_{i+1})·(d_{i+1} − d_i) / d_last (mean of values for a zero-length path). */
export function lengthWeightedMean(values: readonly number[], distance: readonly number[]): number {
  if (distance.length !== values.length) throw new ModeconnError('BAD_SHAPE', `${distance.length} distances for ${values.length} values`);
  let sum = 0;
  let total = 0;
  for (let i = 0; i + 1 < values.length; i++) {
    const dl = distance[i + 1] - distance[i];
    sum += 0.5 * (values[i] + values[i + 1]) * dl;
    total += dl;
  }
  return total > 0 ? sum / total : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Every metric of one curve of values. */
export interface CurveMetrics {
  /** v(0), v(1). */
  endpoints: [number, number];
  barrier: number;
  /** t where `barrier` is reached. */
  barrierT: number;
  barrierMaxMinusMean: number;
  midpointDeficit: number;
  min: number;
  max: number;
  /** Plain mean over the grid. */
  mean: number;
  lengthWeightedMean: number;
}

/** All metrics of a curve; `distance` is the cumulative arc length at each t. */
export function curveMetrics(ts: readonly number[], values: readonly number[], distance: readonly number[]): CurveMetrics {
  const b = barrier(ts, values);
  return {
    endpoints: [values[0], values[values.length - 1]],
    barrier: b.value,
    barrierT: b.t,
    barrierMaxMinusMean: barrierMaxMinusMean(ts, values),
    midpointDeficit: midpointDeficit(ts, values),
    min: Math.min(...values),
    max: Math.max(...values),
    mean: values.reduce((a, c) => a + c, 0) / values.length,
    lengthWeightedMean: lengthWeightedMean(values, distance),
  };
}

/** Which statistic a bootstrap resamples. */
export type BarrierStatistic = 'barrier' | 'max-minus-mean' | 'midpoint-deficit';

export interface BootstrapOptions {
  /** u32 seed of the resampling (default 0). */
  seed?: number;
  /** Resamples (default 1000). */
  resamples?: number;
  /** Coverage of the percentile interval (default 0.95). */
  level?: number;
  statistic?: BarrierStatistic;
}

/** A percentile bootstrap interval. */
export interface BootstrapInterval {
  /** The statistic on all examples. */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  resamples: number;
  seed: number;
  statistic: BarrierStatistic;
}

const STATISTICS: Record<BarrierStatistic, (ts: readonly number[], v: readonly number[]) => number> = {
  barrier: (ts, v) => barrier(ts, v).value,
  'max-minus-mean': barrierMaxMinusMean,
  'midpoint-deficit': midpointDeficit,
};

/**
 * Percentile bootstrap CI of a barrier statistic over examples: `perSample[i][s]` is example s's
 * value (loss, or 1 − correct for error) at ts[i]. Each resample draws n examples with replacement
 * (the same examples at every t, seeded xoshiro128** stream), recomputes the mean curve and the
 * statistic; the interval is the (1 ± level)/2 quantiles of the resampled statistics.
 */
export function bootstrapBarrier(ts: readonly number[], perSample: readonly ArrayLike<number>[], options: BootstrapOptions = {}): BootstrapInterval {
  const { seed = 0, resamples = 1000, level = 0.95, statistic = 'barrier' } = options;
  if (perSample.length !== ts.length) throw new ModeconnError('BAD_SHAPE', `${perSample.length} per-sample arrays for ${ts.length} t's`);
  const n = perSample[0]?.length ?? 0;
  if (n === 0) throw new ModeconnError('EMPTY_DATA', 'bootstrap needs at least one example');
  perSample.forEach((a, i) => {
    if (a.length !== n) throw new ModeconnError('BAD_SHAPE', `per-sample array ${i} has ${a.length} values, array 0 has ${n}`);
  });
  if (!Number.isInteger(resamples) || resamples < 1) throw new ModeconnError('BAD_ARGUMENT', `resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new ModeconnError('BAD_ARGUMENT', `level must be in (0, 1), got ${level}`);
  const stat = STATISTICS[statistic];
  if (!stat) throw new ModeconnError('BAD_ARGUMENT', `unknown statistic ${statistic}`);
  const meanCurve = (weights: Uint32Array | null) =>
    perSample.map((a) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += (weights ? weights[k] : 1) * a[k];
      return s / n;
    });
  const estimate = stat(ts, meanCurve(null));
  const state = new Uint32Array(4);
  seedState(seed, 0x42, state);
  const counts = new Uint32Array(n);
  const values = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[below(state, n)] += 1;
    values[r] = stat(ts, meanCurve(counts));
  }
  values.sort();
  const quantile = (q: number) => {
    const pos = q * (resamples - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, resamples - 1);
    return values[lo] + (pos - lo) * (values[hi] - values[lo]);
  };
  return { estimate, lower: quantile((1 - level) / 2), upper: quantile((1 + level) / 2), level, resamples, seed, statistic };
}
