/**
 * The four noise-stability properties against closed forms on nets built for them:
 * - layer cushion: W = diag(s)·H (H an orthogonal Hadamard matrix), inputs the rows of H, so
 *   ‖W h_k‖ = s_k and μ = min_k s_k / ‖s‖;
 * - interlayer cushion: z_1 fixed by the bias at H's first column (all units on), so J^{1,2} = W_2 and
 *   μ_{1,2} = s_1 / ‖s‖; and ‖J‖_F of a random 3-hidden-layer net against finite differences;
 * - activation contraction: z_1 = (3, −4, 0, 0) gives 5/3;
 * - interlayer smoothness: one unit switched off by η has remainder W_2·(2, 0), ratio by hand;
 * - ε from its formula on the closed-form net.
 */
import { describe, expect, it } from 'vitest';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';
import { initParams } from '../../ts/model/init.js';
import { createDataSet } from '../../ts/data/dataset.js';
import { denseMatrices, interlayerJacobian, measureCushions, noiseStabilityEpsilon, preActivations, smoothnessRatio, forwardFrom } from '../../ts/stability/cushion.js';
import { randomData } from '../align/helpers.js';

const H = [
  [1, 1, 1, 1],
  [1, -1, 1, -1],
  [1, 1, -1, -1],
  [1, -1, -1, 1],
].map((r) => r.map((v) => v / 2));
const S = [3, 2, 1.5, 0.5];
const normS = Math.hypot(...S);

/** A 4-4-4 MLP with W_1, b_1, W_2, b_2 given. */
function net(w1: number[][], b1: number[], w2: number[][], b2 = [0, 0, 0, 0]) {
  const arch = mlp({ input: 4, hidden: [4], classes: 4 });
  const compiled = compileArch(arch);
  const theta = new Float32Array(compiled.totalLength);
  const put = (name: string, values: number[]) => theta.set(values, compiled.layout.find((e) => e.name === name)!.offset);
  put('0.weight', w1.flat());
  put('0.bias', b1);
  put('2.weight', w2.flat());
  put('2.bias', b2);
  return { arch, theta };
}
const data = (rows: number[][]) => createDataSet({ name: 'rows', shape: [4], classes: 4, x: Float32Array.from(rows.flat()), y: new Uint32Array(rows.length) });
const diagTimesH = S.map((s, r) => H[r].map((v) => s * v)); // diag(s)·H; H symmetric and orthogonal

describe('noise-stability properties', () => {
  it('layer cushion: min_k s_k/‖s‖ when the inputs are right singular vectors', () => {
    const { arch, theta } = net(diagTimesH, [0, 0, 0, 0], H);
    const r = measureCushions(arch, theta, data(H), { draws: 1 });
    expect(r.layers[0].layerCushion).toBeCloseTo(Math.min(...S) / normS, 6);
    expect(r.layers[0].layerCushionMean).toBeCloseTo(S.reduce((a, s) => a + s / normS, 0) / 4, 6);
  });

  it('interlayer cushion: J^{1,2} = W_2 when every unit is on, μ_{1,2} = s_1/‖s‖', () => {
    const zero = [0, 0, 0, 0].map(() => [0, 0, 0, 0]);
    const { arch, theta } = net(zero, H.map((r) => r[0]), diagTimesH);
    const r = measureCushions(arch, theta, data([[1, 2, 3, 4]]), { draws: 1 });
    expect(r.layers[0].interlayerCushions[2]).toBeCloseTo(S[0] / normS, 6);
    expect(r.layers[0].interlayerCushion).toBeCloseTo(S[0] / normS, 6);
    // The output layer's input is x_1 = z_1 too: the same ratio as its layer cushion; nothing follows it.
    expect(r.layers[1].layerCushion).toBeCloseTo(S[0] / normS, 6);
    expect(r.layers[1].interlayerCushion).toBe(1);
  });

  it('interlayer Jacobians match finite differences of the forward map', () => {
    const arch = mlp({ input: 5, hidden: [7, 6, 5], classes: 3 });
    const theta = initParams(compileArch(arch), { seed: 4 });
    const m = denseMatrices(arch, theta);
    const x = randomData([5], 1, 9, 3).x;
    const z = preActivations(m, x);
    const h = 1e-6;
    for (const [i, j] of [[1, 2], [1, 4], [2, 4], [3, 4], [1, 3]]) {
      const J = interlayerJacobian(m, z, i, j);
      const hi = m.rows[i - 1];
      for (let k = 0; k < hi; k++) {
        const plus = z[i - 1].slice();
        const minus = z[i - 1].slice();
        plus[k] += h;
        minus[k] -= h;
        const [fp, fm] = [forwardFrom(m, i, j, plus), forwardFrom(m, i, j, minus)];
        for (let r = 0; r < fp.length; r++) expect(J[r * hi + k]).toBeCloseTo((fp[r] - fm[r]) / (2 * h), 5);
      }
    }
  });

  it('activation contraction: ‖(3, −4)‖ / ‖(3, 0)‖ = 5/3', () => {
    const zero = [0, 0, 0, 0].map(() => [0, 0, 0, 0]);
    const { arch, theta } = net(zero, [3, -4, 0, 0], H);
    const r = measureCushions(arch, theta, data([[1, 1, 1, 1]]), { draws: 1 });
    expect(r.layers[0].activationContraction).toBeCloseTo(5 / 3, 6);
    expect(r.activationContraction).toBeCloseTo(5 / 3, 6);
  });

  it('interlayer smoothness: the remainder of switching one unit off, by hand', () => {
    const zero = [0, 0, 0, 0].map(() => [0, 0, 0, 0]);
    const w2 = [[2, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
    const { arch, theta } = net(zero, [1, 5, 0.5, 0.5], w2);
    const m = denseMatrices(arch, theta);
    const z = preActivations(m, [0, 0, 0, 0]);
    // η = (−3, 0, 0, 0): relu(z + η) − relu(z) = (−1, 0, ..), J η = W_2 (−3, 0, ..), so R = W_2 (2, 0, ..) = (4, 0, 0, 0).
    const { remainder, ratio } = smoothnessRatio(m, z, 1, 2, Float64Array.from([-3, 0, 0, 0]));
    expect(Array.from(remainder)).toEqual([4, 0, 0, 0]);
    const zi = Math.hypot(1, 5, 0.5, 0.5);
    const zj = Math.hypot(2 + 5, 5);
    expect(ratio).toBeCloseTo((3 * zj) / (zi * 4), 9);
    // No unit crosses zero: the map is linear there and the remainder vanishes up to rounding (ρ → ∞).
    expect(smoothnessRatio(m, z, 1, 2, Float64Array.from([0.1, -0.2, 0.1, 0.1])).ratio).toBeGreaterThan(1e12);
  });

  it('ε follows its formula, and grows when the layer cushion shrinks', () => {
    const zero = [0, 0, 0, 0].map(() => [0, 0, 0, 0]);
    const { arch, theta } = net(zero, H.map((r) => r[0]), diagTimesH);
    const r = measureCushions(arch, theta, data([[1, 2, 3, 4]]), { draws: 1 });
    // One hidden layer: c = 1 (all on), d = 1, h_min = 4, μ_2 μ_{2→} = s_1/‖s‖ · 1, ‖f‖ = ‖W_2 z_1‖ = s_1.
    const expected = (Math.SQRT2 * S[0]) / (2 * (S[0] / normS));
    expect(r.epsilon).toBeCloseTo(expected, 5);
    expect(noiseStabilityEpsilon({ ...r, layers: r.layers.map((l) => ({ ...l, layerCushion: l.layerCushion / 2 })) })).toBeCloseTo(2 * expected, 5);
    expect(r.depth).toBe(1);
    expect(r.minWidth).toBe(4);
  });
});
