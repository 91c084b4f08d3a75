// Metric definitions on hand-made curves with known answers, and the seeded percentile bootstrap.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  barrier, barrierMaxMinusMean, bootstrapBarrier, curveMetrics, lengthWeightedMean, midpointDeficit,
} from '../../ts/paths/metrics.js';
import { LIBRARY_VERSION, createManifest, hashParams } from '../../ts/paths/manifest.js';
import { uniformTs } from '../../ts/paths/path.js';
import { twoMoons } from '../../ts/data/synthetic.js';
import { mlp } from '../../ts/model/builders.js';
import { below, seedState } from '../../ts/reference/rng.js';

describe('path metrics', () => {
  it('barrier = sup v(t) − linear interpolation of the endpoints; max-minus-mean and midpoint differ from it', () => {
    // Endpoints 1 and 3, bump of height 2 above the chord at t = 0.25.
    const ts = [0, 0.25, 0.5, 0.75, 1];
    const v = [1, 1.5 + 2, 2, 2.5, 3];
    expect(barrier(ts, v)).toEqual({ value: 2, t: 0.25 });
    expect(barrierMaxMinusMean(ts, v)).toBe(3.5 - 2); // max 3.5 − mean(1, 3)
    expect(midpointDeficit(ts, v)).toBe(0); // v(0.5) = 2 = mean of the endpoints
    // A monotone curve on the chord has no barrier, but max-minus-mean is half the endpoint gap.
    expect(barrier(ts, [1, 1.5, 2, 2.5, 3]).value).toBe(0);
    expect(barrierMaxMinusMean(ts, [1, 1.5, 2, 2.5, 3])).toBe(1);
    // A convex dip: barrier 0 (reached at an endpoint), negative midpoint deficit (better than the ends).
    expect(barrier(ts, [1, 0.5, 0.2, 0.5, 1]).value).toBe(0);
    expect(midpointDeficit(ts, [1, 0.5, 0.2, 0.5, 1])).toBeCloseTo(-0.8, 12);
    // Midpoint not on the grid: linear interpolation between its neighbours.
    expect(midpointDeficit([0, 0.4, 0.6, 1], [0, 1, 3, 0])).toBeCloseTo(2, 12);
  });

  it('the parabola v(t) = 4t(1 − t) has barrier 1 at t = 0.5 on an odd grid', () => {
    const ts = uniformTs(25);
    const v = ts.map((t) => 4 * t * (1 - t));
    const m = curveMetrics(ts, v, ts);
    expect(m.barrier).toBeCloseTo(1, 12);
    expect(m.barrierT).toBe(0.5);
    expect(m.midpointDeficit).toBeCloseTo(1, 12);
    expect(m.max).toBeCloseTo(1, 12);
    expect(m.min).toBe(0);
    // Trapezoid rule on ∫ 4t(1−t) dt = 2/3: error (h²/12)·∫v'' = −8h²/12 exactly for a parabola (h = 1/24).
    expect(m.lengthWeightedMean).toBeCloseTo(2 / 3 - (8 / 12) / 24 ** 2, 12);
  });

  it('length weighting follows the arc, not t', () => {
    // All the length is in the second half, where the value is 4: the weighted mean is 4.
    expect(lengthWeightedMean([0, 4, 4], [0, 0, 10])).toBe(4);
    expect(lengthWeightedMean([1, 3], [0, 2])).toBe(2);
    expect(lengthWeightedMean([1, 3], [0, 0])).toBe(2); // zero length: plain mean
  });

  it('rejects curves without both endpoints', () => {
    expect(() => barrier([0.1, 1], [1, 2])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => barrier([0, 1], [1])).toThrow(expect.objectContaining({ code: 'BAD_SHAPE' }));
  });
});

describe('bootstrapBarrier', () => {
  // 400 examples at 5 t's; the middle point is worse for a random ~half of the examples.
  const ts = uniformTs(5);
  const n = 400;
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const perSample = ts.map((t) => Float32Array.from({ length: n }, () => (rand() < 0.1 + 0.6 * Math.sin(Math.PI * t) ? 1 : 0)));

  it('covers the point estimate, is seeded, and narrows with the level', () => {
    const ci = bootstrapBarrier(ts, perSample, { seed: 3, resamples: 500 });
    expect(ci.lower).toBeLessThanOrEqual(ci.estimate);
    expect(ci.upper).toBeGreaterThanOrEqual(ci.estimate);
    expect(ci.upper - ci.lower).toBeGreaterThan(0);
    expect(ci.estimate).toBeGreaterThan(0.4); // ~0.6 by construction
    expect(bootstrapBarrier(ts, perSample, { seed: 3, resamples: 500 })).toEqual(ci);
    const other = bootstrapBarrier(ts, perSample, { seed: 4, resamples: 500 });
    expect(other.lower === ci.lower && other.upper === ci.upper).toBe(false);
    const narrow = bootstrapBarrier(ts, perSample, { seed: 3, resamples: 500, level: 0.5 });
    expect(narrow.upper - narrow.lower).toBeLessThan(ci.upper - ci.lower);
    // Binomial standard error of the mid value ≈ sqrt(.7·.3/400) ≈ 0.023: a 95% interval is ~0.05–0.2 wide.
    expect(ci.upper - ci.lower).toBeGreaterThan(0.04);
    expect(ci.upper - ci.lower).toBeLessThan(0.25);
    const mid = bootstrapBarrier(ts, perSample, { seed: 3, resamples: 200, statistic: 'midpoint-deficit' });
    expect(mid.lower).toBeLessThanOrEqual(mid.estimate);
    expect(mid.upper).toBeGreaterThanOrEqual(mid.estimate);
  });

  it('its bounds are the exact quantiles of the resampled statistics, recomputed here', () => {
    // Resample r draws n example indices with below(state, n) from (seed, stream 0x42), as documented;
    // the statistic of the count-weighted mean curve is recomputed from its definition, and the
    // bounds are the sorted values' linear-interpolation quantiles at (1 ± level)/2, h = q·(R − 1).
    const small = perSample.map((a) => a.subarray(0, 60));
    const m = 60;
    const exactQuantile = (sorted: number[], q: number) => {
      const h = q * (sorted.length - 1);
      const below = Math.floor(h);
      return below + 1 < sorted.length ? sorted[below] + (h - below) * (sorted[below + 1] - sorted[below]) : sorted[below];
    };
    const stats = {
      barrier: (v: number[]) => Math.max(...v.map((x, i) => x - ((1 - ts[i]) * v[0] + ts[i] * v[v.length - 1]))),
      'max-minus-mean': (v: number[]) => Math.max(...v) - (v[0] + v[v.length - 1]) / 2,
      'midpoint-deficit': (v: number[]) => v[2] - (v[0] + v[v.length - 1]) / 2, // ts[2] = 0.5
    } as const;
    // R − 1 = 40 puts 0.05·40 = 2 on a grid point; R − 1 = 36 puts 0.25·36 = 9 and 0.75·36 = 27 on
    // them, 0.05·36 = 1.8 between two.
    for (const [statistic, resamples, level, seed] of [['barrier', 41, 0.9, 5], ['max-minus-mean', 37, 0.5, 6], ['midpoint-deficit', 37, 0.9, 7]] as const) {
      const state = new Uint32Array(4);
      seedState(seed, 0x42, state);
      const values: number[] = [];
      for (let r = 0; r < resamples; r++) {
        const counts = new Array<number>(m).fill(0);
        for (let k = 0; k < m; k++) counts[below(state, m)] += 1;
        const curve = small.map((a) => a.reduce((s, x, k) => s + counts[k] * x, 0) / m);
        values.push(stats[statistic](curve));
      }
      values.sort((a, b) => a - b);
      const ci = bootstrapBarrier(ts, small, { seed, resamples, level, statistic });
      expect(ci.lower, statistic).toBeCloseTo(exactQuantile(values, (1 - level) / 2), 12);
      expect(ci.upper, statistic).toBeCloseTo(exactQuantile(values, (1 + level) / 2), 12);
      expect(ci.estimate, statistic).toBeCloseTo(stats[statistic](small.map((a) => a.reduce((s, x) => s + x, 0) / m)), 12);
      // The interval is informative here: its ends are different resamples.
      expect(ci.upper - ci.lower, statistic).toBeGreaterThan(0.01);
    }
  });

  it('checks its input', () => {
    expect(() => bootstrapBarrier(ts, perSample.slice(1))).toThrow(expect.objectContaining({ code: 'BAD_SHAPE' }));
    expect(() => bootstrapBarrier(ts, perSample, { level: 1 })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});

describe('run manifest', () => {
  it('records the library version of package.json, data identity and parameter hashes, and stays JSON-safe', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(LIBRARY_VERSION).toBe(pkg.version);
    const data = twoMoons({ n: 20, seed: 1 });
    const theta = new Float32Array([1, 2, 3]);
    const m = createManifest({
      operation: 'test', arch: mlp({ input: 2, hidden: [4], classes: 2 }), points: [theta], data: { train: data },
      seeds: { a: 1 }, sampleOrder: 'as given', options: { points: 5, bnData: data, onProgress: () => 0, theta, nested: { lr: 0.1 } },
    });
    expect(m.library.version).toBe(pkg.version);
    expect(m.data.train).toEqual({ name: data.name, n: 20, shape: [2], classes: 2, hash: data.hash });
    expect(m.params).toEqual([hashParams(theta)]);
    expect(m.options).toEqual({ points: 5, nested: { lr: 0.1 } });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});
