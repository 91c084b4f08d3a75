// The lab's pure analysis helpers against brute force: the decision-region grid and its pixels,
// flipped samples, and the correlation matrices before and after a permutation.
import { describe, expect, it } from 'vitest';
import { createDataSet } from 'modeconn';
import { findFlips, countRightAtBothEnds } from '../../web/src/analysis/flips.js';
import { measureBounds, makeRegionGrid, colorRegions } from '../../web/src/analysis/regions.js';
import { permuteColumns } from '../../web/src/analysis/symmetry.js';
import { CLASS_RGB } from '../../web/src/charts/style.js';

describe('decision regions', () => {
  it('bounds pad the data by 10 %, and the grid puts pixel centres row by row from the top', () => {
    const data = createDataSet({ name: 'd', x: Float32Array.from([0, 0, 2, 1, 1, 0.5]), y: new Uint32Array(3), shape: [2], classes: 2 });
    const bounds = measureBounds(data);
    expect(bounds.x0).toBeCloseTo(-0.2, 6);
    expect(bounds.x1).toBeCloseTo(2.2, 6);
    expect(bounds.y0).toBeCloseTo(-0.1, 6);
    expect(bounds.y1).toBeCloseTo(1.1, 6);
    const grid = makeRegionGrid({ x0: 0, x1: 4, y0: 0, y1: 2 }, 2, 4);
    expect(grid.set.n).toBe(16);
    expect(Array.from(grid.set.x.subarray(0, 4))).toEqual([0.5, 1.75, 1.5, 1.75]);
    expect(Array.from(grid.set.x.subarray(2 * 15))).toEqual([3.5, 0.25]);
  });

  it('each pixel takes its arg-max class colour, strong where the softmax is sure, pale where it is not', () => {
    // Pixel 0: class 2 certain; pixel 1: a tie between classes 0 and 1 (arg-max 0), the third far below.
    const logits = Float32Array.from([0, 0, 40, 5, 5, -40, 0, 0, 0, 1, 0, 0]);
    const { rgba, argmax } = colorRegions(logits, 3, 2);
    expect(Array.from(argmax)).toEqual([2, 0, 0, 0]);
    const blend = (rgb: readonly number[], alpha: number) => rgb.map((v) => Math.round(255 * (1 - alpha) + v * alpha));
    expect(Array.from(rgba.subarray(0, 3))).toEqual(blend(CLASS_RGB[2], 0.73));
    // p_max = 1/2 of 3 classes: strength (1/2 − 1/3) / (2/3) = 1/4.
    const tie = blend(CLASS_RGB[0], 0.18 + 0.55 * 0.25);
    Array.from(rgba.subarray(4, 7)).forEach((v, k) => expect(Math.abs(v - tie[k])).toBeLessThanOrEqual(1));
    // Uniform logits: the palest colour.
    expect(Array.from(rgba.subarray(8, 11))).toEqual(blend(CLASS_RGB[0], 0.18));
    expect(rgba[15]).toBe(255);
  });
});

describe('flipped samples', () => {
  it('keeps the samples right at both ends and wrong at t, with the class read at t', () => {
    const atA = Uint8Array.from([1, 1, 0, 1, 1]);
    const atB = Uint8Array.from([1, 1, 1, 0, 1]);
    const atT = Uint8Array.from([0, 1, 0, 0, 0]);
    const labels = Uint32Array.from([2, 0, 1, 1, 0]);
    const logits = Float32Array.from([9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    expect(findFlips(atA, atB, atT, labels, logits, 3)).toEqual([{ index: 0, label: 2, predicted: 0 }, { index: 4, label: 0, predicted: 2 }]);
    expect(countRightAtBothEnds(atA, atB)).toBe(3);
  });
});

describe('correlations before and after matching', () => {
  it('column j after matching is column perm[j] before; the diagonal means follow', () => {
    const n = 3;
    const matrix = Float64Array.from([0.1, 0.9, 0, 0.8, 0, 0.2, 0, 0.3, 0.7]);
    const layer = permuteColumns({ group: 'P_0', size: n, matrix, observations: 10 }, Uint32Array.from([1, 0, 2]));
    expect(Array.from(layer.after)).toEqual([0.9, 0.1, 0, 0, 0.8, 0.2, 0.3, 0, 0.7]);
    expect(layer.diagonalBefore).toBeCloseTo((0.1 + 0 + 0.7) / 3, 12);
    expect(layer.diagonalAfter).toBeCloseTo((0.9 + 0.8 + 0.7) / 3, 12);
  });
});
