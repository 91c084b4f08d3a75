import { describe, expect, it } from 'vitest';
import { gaussianBlobs, spirals, twoMoons } from '../../ts/data/synthetic.js';
import { expectCode } from '../io/helpers.js';

const classCounts = (y: Uint32Array, classes: number) => {
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c]++;
  return counts;
};

describe('synthetic data sets', () => {
  it('two moons: seeded, balanced, shuffled, on the moons when noise = 0', () => {
    const a = twoMoons({ n: 101, seed: 3 });
    expect(a.shape).toEqual([2]);
    expect(a.classes).toBe(2);
    expect(classCounts(a.y, 2)).toEqual([51, 50]);
    expect(twoMoons({ n: 101, seed: 3 }).hash).toBe(a.hash);
    expect(twoMoons({ n: 101, seed: 4 }).hash).not.toBe(a.hash);
    expect(Array.from(a.y.subarray(0, 20))).not.toEqual(Array.from(a.y.subarray(0, 20)).sort());
    const clean = twoMoons({ n: 40, noise: 0 });
    for (let i = 0; i < clean.n; i++) {
      const [px, py] = [clean.x[2 * i], clean.x[2 * i + 1]];
      const [cx, cy] = clean.y[i] === 0 ? [0, 0] : [1, 0.5];
      expect(Math.hypot(px - cx, py - cy)).toBeCloseTo(1, 5);
      expect(clean.y[i] === 0 ? py >= -1e-6 : py <= 0.5 + 1e-6).toBe(true);
    }
  });

  it('spirals: K arms, radii in [0, 1] without noise', () => {
    const s = spirals({ n: 50, classes: 3, turns: 1.5, noise: 0, seed: 1 });
    expect(s.classes).toBe(3);
    expect(classCounts(s.y, 3)).toEqual([17, 17, 16]);
    for (let i = 0; i < s.n; i++) expect(Math.hypot(s.x[2 * i], s.x[2 * i + 1])).toBeLessThanOrEqual(1 + 1e-6);
    expect(spirals({ n: 50, classes: 3, seed: 1 }).hash).toBe(spirals({ n: 50, classes: 3, seed: 1 }).hash);
  });

  it('Gaussian blobs in any dimension, centred where asked, with the asked spread', () => {
    const centers = [
      [0, 0, 0, 0, 0],
      [10, -10, 10, -10, 10],
    ];
    const b = gaussianBlobs({ n: 4000, centers, std: 0.5, seed: 9 });
    expect(b.shape).toEqual([5]);
    expect(b.classes).toBe(2);
    for (let c = 0; c < 2; c++) {
      for (let k = 0; k < 5; k++) {
        let sum = 0;
        let sq = 0;
        let m = 0;
        for (let i = 0; i < b.n; i++) {
          if (b.y[i] !== c) continue;
          const v = b.x[i * 5 + k];
          sum += v;
          sq += v * v;
          m++;
        }
        const mean = sum / m;
        expect(mean).toBeCloseTo(centers[c][k], 1);
        expect(Math.sqrt(sq / m - mean * mean)).toBeCloseTo(0.5, 1);
      }
    }
    const r = gaussianBlobs({ n: 30, classes: 4, dims: 3, seed: 2 });
    expect(r.shape).toEqual([3]);
    expect(classCounts(r.y, 4)).toEqual([8, 8, 7, 7]);
  });

  it('rejects bad arguments', () => {
    expectCode(() => twoMoons({ n: 1 }), 'BAD_ARGUMENT');
    expectCode(() => spirals({ n: 10, classes: 1 }), 'BAD_ARGUMENT');
    expectCode(() => gaussianBlobs({ n: 10, classes: 2, centers: [[0, 0]] }), 'BAD_ARGUMENT');
  });
});
