/**
 * Ensemble metrics on tiny inputs against hand-computed values: ECE (equal-width bins, ties and the
 * bin edges), disagreement and KL, the averaged-probability ensemble (its NLL against
 * −log((p_A(y) + p_B(y))/2)), the parameter average (identical vectors average to themselves, bit for
 * bit), the budget plan's counts, and the width read off a loss curve.
 */
import { describe, expect, it } from 'vitest';
import { averageParams } from '../../ts/ensembles/average.js';
import { planBudget, snapshotsWithin } from '../../ts/ensembles/budget.js';
import { calibrationOf } from '../../ts/ensembles/calibration.js';
import { diversityOf, pairwiseDiversity } from '../../ts/ensembles/diversity.js';
import { ensembleGrowth } from '../../ts/ensembles/growth.js';
import { combinePredictions } from '../../ts/ensembles/predictions.js';
import { firstCrossing } from '../../ts/ensembles/swa-geometry.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** A member from its logits: per-sample losses −log softmax(z)_y in f64, stored as f32 as the engine does. */
function member(logits: number[][], y: number[]) {
  const losses = Float32Array.from(logits.map((z, x) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[y[x]]));
  return { losses, logits: Float32Array.from(logits.flat()) };
}

describe('calibrationOf', () => {
  it('ECE and MCE of four samples in two bins, by hand', () => {
    // conf .9 right, .8 wrong, .6 wrong → bin (½, 1]: acc ⅓, conf 2.3/3; conf .5 (a tie, argmax 0, right) → bin (0, ½].
    const p = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.5, 0.5];
    const labels = { n: 4, classes: 2, y: Uint32Array.of(0, 0, 1, 0) };
    const { ece, mce, bins } = calibrationOf(p, labels, { bins: 2 });
    const high = Math.abs(1 / 3 - 2.3 / 3);
    expect(ece).toBeCloseTo((3 / 4) * high + (1 / 4) * 0.5, 12);
    expect(mce).toBeCloseTo(0.5, 12);
    expect(bins.map((b) => b.count)).toEqual([1, 3]);
    expect(bins[1].confidence).toBeCloseTo(2.3 / 3, 12);
    // 15 bins: a confidence of exactly 1 lands in the last bin, 1/15 in the first; empty bins are NaN.
    const edge = calibrationOf([1, 0, 1 / 15, 14 / 15], { n: 2, classes: 2, y: Uint32Array.of(0, 1) });
    expect(edge.bins[14].count).toBe(1);
    expect(edge.bins[13].count).toBe(1);
    expect(Number.isNaN(edge.bins[5].accuracy)).toBe(true);
    expect(edge.ece).toBeCloseTo((1 / 2) * 0 + (1 / 2) * (1 - 14 / 15), 12);
    expect(() => calibrationOf([1, 0], { n: 2, classes: 2, y: Uint32Array.of(0, 0) })).toThrow(/probabilities have 2 values/);
  });
});

describe('pairwiseDiversity', () => {
  it('disagreement and KL of two members on three samples, by hand', () => {
    const y = [0, 0, 0];
    const a = member([[0, 0], [1, 0], [0, 2]], y);
    const b = member([[0, Math.log(3)], [1, 0], [2, 0]], y);
    const pairs = pairwiseDiversity([a.logits, b.logits], { n: 3, classes: 2 });
    // Predictions A: 0 (tie), 0, 1; B: 1, 0, 0 → two of three differ.
    expect(pairs.disagreement[0][1]).toBeCloseTo(2 / 3, 12);
    const s = 1 / (1 + Math.exp(2));
    const x2 = 2 * (1 - 2 * s);
    const ab = (0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75) + x2) / 3;
    const ba = (0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5) + x2) / 3;
    expect(pairs.kl[0][1]).toBeCloseTo(ab, 6);
    expect(pairs.kl[1][0]).toBeCloseTo(ba, 6);
    expect(pairs.kl[0][0]).toBe(0);
    const d = diversityOf(pairs);
    expect(d.disagreement).toBeCloseTo(2 / 3, 12);
    expect(d.kl).toBeCloseTo((ab + ba) / 2, 6);
    const one = diversityOf(pairs, 1);
    expect(Number.isNaN(one.disagreement) && Number.isNaN(one.kl)).toBe(true);
  });
});

describe('combinePredictions and ensembleGrowth', () => {
  const y = [0, 1, 1];
  const a = member([[2, 0], [0, 1], [3, 0]], y);
  const b = member([[0, 1], [0, 4], [0, 0.5]], y);
  const labels = { n: 3, classes: 2, y: Uint32Array.from(y) };

  it('averages probabilities: p̄ and −log p̄(y) against the hand formula; argmax of p̄', () => {
    const result = combinePredictions([a, b], labels);
    const sm = (z: number[]) => z.map((v) => Math.exp(v) / z.reduce((s, u) => s + Math.exp(u), 0));
    const za = [[2, 0], [0, 1], [3, 0]];
    const zb = [[0, 1], [0, 4], [0, 0.5]];
    za.forEach((z, x) => {
      const pbar = sm(z).map((p, c) => (p + sm(zb[x])[c]) / 2);
      expect(result.probabilities[2 * x]).toBeCloseTo(pbar[0], 6);
      expect(result.losses[x]).toBeCloseTo(-Math.log(pbar[y[x]]), 5);
    });
    // Sample 2: p_A(1) = 1/(1+e³) ≈ .047, p_B(1) = e^.5/(1+e^.5) ≈ .62 → p̄(1) ≈ .335 < ½, wrong.
    expect(Array.from(result.correct)).toEqual([1, 1, 0]);
    expect(result.accuracy).toBeCloseTo(2 / 3, 12);
    expect(result.members).toBe(2);
  });

  it('one member gives its own losses back bit for bit; growth reports each prefix', () => {
    const one = combinePredictions([a], labels);
    expect(bits(one.losses)).toBe(bits(a.losses));
    const growth = ensembleGrowth([a, b], labels, { bins: 2 });
    expect(growth.map((g) => g.members)).toEqual([1, 2]);
    expect(growth[1].nll).toBe(combinePredictions([a, b], labels).loss);
    // A predicts 0, 1, 0 and B 1, 1, 1: two of three differ.
    expect(growth[1].disagreement).toBeCloseTo(2 / 3, 12);
    expect(() => combinePredictions([{ losses: a.losses }], labels)).toThrow(/has no logits/);
  });
});

describe('averageParams', () => {
  it('identical vectors average to themselves exactly; the average of two is their f32 midpoint', () => {
    const theta = Float32Array.from({ length: 257 }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 9) - 4));
    for (const m of [1, 2, 3, 5, 7]) expect(bits(averageParams(Array.from({ length: m }, () => theta)))).toBe(bits(theta));
    const other = Float32Array.from(theta, (v, i) => v + i / 8);
    const mid = averageParams([theta, other]);
    mid.forEach((v, i) => expect(v).toBeCloseTo((theta[i] + other[i]) / 2, 5));
    expect(() => averageParams([theta, theta.subarray(1)])).toThrow(/has 256 values/);
  });
});

describe('planBudget', () => {
  it('counts snapshots, members and epochs per method at each budget', () => {
    // 10 steps an epoch, 2-epoch cycles of 20 steps with the minimum at step 10.
    expect(snapshotsWithin(9, { steps: 20, offset: 10 })).toBe(0);
    expect(snapshotsWithin(10, { steps: 20, offset: 10 })).toBe(1);
    expect(snapshotsWithin(30, { steps: 20, offset: 10 })).toBe(2);
    const plan = planBudget({ epochs: 2, ks: [2, 4], stepsPerEpoch: 10, cycle: { steps: 20, offset: 10 } });
    const row = (m: string, k: number) => plan.allotments.find((a) => a.method === m && a.k === k)!;
    expect(row('independent', 4)).toMatchObject({ members: 4, epochs: 8 });
    // k = 4: 6 epochs = 60 steps of cycles hold minima at 10, 30, 50 → 3 snapshots, spending 2 + 5 epochs.
    expect(row('fge', 4)).toMatchObject({ members: 3, epochs: 7, snapshots: 3 });
    expect(row('swa', 4)).toMatchObject({ members: 1, epochs: 7, snapshots: 3 });
    expect(row('fge', 2)).toMatchObject({ members: 1, epochs: 3 });
    expect(row('curve', 2).skipped).toMatch(/none is left/);
    expect(row('curve', 4)).toMatchObject({ members: 4, epochs: 8 });
    expect(row('simplex', 4)).toMatchObject({ members: 4, epochs: 8 });
    expect(plan).toMatchObject({ networks: 4, cycles: 3, vertices: 3, curveFits: [{ k: 4, epochs: 4 }] });
    for (const a of plan.allotments) expect(a.epochs).toBeLessThanOrEqual(a.k * 2);
    expect(() => planBudget({ epochs: 2, ks: [4, 2], stepsPerEpoch: 10, cycle: { steps: 20, offset: 10 } })).toThrow(/increasing/);
  });
});

describe('firstCrossing', () => {
  it('interpolates where a curve first rises above a level', () => {
    expect(firstCrossing([0, 1, 2, 3], [0, 0.05, 0.3, 0.1], 0.1)).toBeCloseTo(1 + 0.05 / 0.25, 12);
    expect(firstCrossing([0, 1, 2], [0, 0.05, 0.08], 0.1)).toBeNull();
  });
});
