/**
 * Assignment, WASM vs twin vs brute force. Both sides run the same algorithm with the same tie
 * rule, so assignments and costs agree exactly; brute force over every injective map checks
 * optimality for min(rows, cols) ≤ 6 (cost within 1e-9 relative: different summation order).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Kernels } from '../../ts/kernels/types.js';
import { UNASSIGNED } from '../../ts/kernels/lsa.js';
import { referenceKernels as ref } from '../../ts/reference/index.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { linearSumAssignment } from '../../ts/align/lsa.js';
import { type ModeconnError } from '../../ts/errors.js';

let wasm: Kernels;
beforeAll(async () => {
  wasm = wasmKernels(await getCore());
});

/** Best total over every injective map of the smaller side into the larger; null if none is finite. */
function brute(cost: Float64Array, rows: number, cols: number, maximize: boolean): number | null {
  const tr = rows > cols;
  const [nr, nc] = tr ? [cols, rows] : [rows, cols];
  const at = (r: number, c: number) => (tr ? cost[c * cols + r] : cost[r * cols + c]);
  const used = new Array<boolean>(nc).fill(false);
  let best: number | null = null;
  const rec = (r: number, acc: number) => {
    if (r === nr) {
      if (Number.isFinite(acc) && (best === null || (maximize ? acc > best : acc < best))) best = acc;
      return;
    }
    for (let c = 0; c < nc; c++) {
      if (used[c]) continue;
      used[c] = true;
      rec(r + 1, acc + at(r, c));
      used[c] = false;
    }
  };
  rec(0, 0);
  return best;
}

const problem = fc.record({
  rows: fc.integer({ min: 0, max: 7 }),
  cols: fc.integer({ min: 0, max: 7 }),
  maximize: fc.boolean(),
  levels: fc.constantFrom(0, 3, 1000), // 0: continuous; else few distinct values (ties)
  forbidden: fc.constantFrom(0, 0, 0.3),
  seed: fc.nat(),
}).filter((p) => Math.min(p.rows, p.cols) <= 6);

function makeCost(p: { rows: number; cols: number; maximize: boolean; levels: number; forbidden: number; seed: number }): Float64Array {
  let s = p.seed + 1;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  return Float64Array.from({ length: p.rows * p.cols }, () => {
    const u = next();
    if (next() < p.forbidden) return p.maximize ? -Infinity : Infinity;
    return p.levels ? Math.floor(u * p.levels) : u * 20 - 5;
  });
}

/**
 * Solves on WASM and on the twin and expects the same assignment and the same total (or both
 * INFEASIBLE, then null).
 */
function solveBoth(p: { rows: number; cols: number; maximize: boolean }, cost: Float64Array): { cost: number; colForRow: Uint32Array } | null {
  const a = new Uint32Array(p.rows);
  const b = new Uint32Array(p.rows);
  let total: number;
  try {
    total = wasm.lsaSolve(p, cost, a);
  } catch (e) {
    expect((e as ModeconnError).code).toBe('INFEASIBLE');
    expect(() => ref.lsaSolve(p, cost, b)).toThrow(/no assignment/);
    return null;
  }
  expect(ref.lsaSolve(p, cost, b)).toBe(total);
  expect(a).toEqual(b);
  return { cost: total, colForRow: a };
}

describe('lsaSolve', () => {
  it('is optimal (brute force) and WASM equals the twin', () => {
    fc.assert(fc.property(problem, (p) => {
      const cost = makeCost(p);
      const best = brute(cost, p.rows, p.cols, p.maximize);
      const solved = solveBoth(p, cost);
      if (!solved) {
        expect(best).toBeNull();
        return;
      }
      const { cost: ca, colForRow: a } = solved;
      expect(best).not.toBeNull();
      expect(Math.abs(ca - best!)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(best!)));
      const cols = [...a].filter((c) => c !== UNASSIGNED);
      expect(cols.length).toBe(Math.min(p.rows, p.cols));
      expect(new Set(cols).size).toBe(cols.length);
    }), { numRuns: 400 });
  });

  it('WASM equals the twin exactly at sizes where the two-lane scans run (n up to 90, ties, forbidden entries)', () => {
    // The crate scans rows two and four columns at a time and merges lanes by (value, index); the
    // twin scans one column at a time. Ties and odd tails are where the two could part.
    const big = fc.record({
      rows: fc.integer({ min: 1, max: 90 }),
      cols: fc.integer({ min: 1, max: 90 }),
      maximize: fc.boolean(),
      levels: fc.constantFrom(0, 2, 5, 1000),
      forbidden: fc.constantFrom(0, 0, 0.2),
      seed: fc.nat(),
    });
    fc.assert(fc.property(big, (p) => {
      solveBoth(p, makeCost(p));
    }), { numRuns: 150 });
  });

  it('no swap of two assigned rows improves the cost (n up to 60)', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 2, max: 60 }), fc.nat(), (rows, cols, seed) => {
      const cost = makeCost({ rows, cols, maximize: false, levels: 0, forbidden: 0, seed });
      const col = new Uint32Array(rows);
      wasm.lsaSolve({ rows, cols }, cost, col);
      const assigned = [...col.keys()].filter((i) => col[i] !== UNASSIGNED);
      for (const i of assigned) {
        for (const k of assigned) {
          const delta = cost[i * cols + col[k]] + cost[k * cols + col[i]] - cost[i * cols + col[i]] - cost[k * cols + col[k]];
          expect(delta).toBeGreaterThanOrEqual(-1e-12);
        }
        // Nor does moving a row to a free column.
        if (rows < cols) {
          const used = new Set(col);
          for (let j = 0; j < cols; j++) if (!used.has(j)) expect(cost[i * cols + j]).toBeGreaterThanOrEqual(cost[i * cols + col[i]] - 1e-12);
        }
      }
    }), { numRuns: 60 });
  });

  it('regression cases: a 6×6 three-level and an 85×85 two-level problem', () => {
    // Issue 20's reviewer found counterexamples of these shapes with unseeded runs; the matrices
    // were not kept. These have the same structure and catch, every time, the tie-rule mutants we
    // tried by hand: in the twin (≤ for < in the column minima, the two smallest, the argmin of
    // the shortest path, the augmenting row reduction's tie test, one reduction pass instead of
    // two) and in the crate's odd-tail scans (two_smallest, relax), which random 6×6 three-level
    // cases catch only one time in eight.
    const square6 = { rows: 6, cols: 6, maximize: false, levels: 3, forbidden: 0, seed: 250 };
    const cost6 = makeCost(square6);
    expect(new Set(cost6)).toEqual(new Set([0, 1, 2]));
    const solved = solveBoth(square6, cost6)!;
    expect(solved.cost).toBe(brute(cost6, 6, 6, false));
    for (const maximize of [false, true]) {
      const square85 = { rows: 85, cols: 85, maximize, levels: 2, forbidden: 0, seed: 0 };
      const cost85 = makeCost(square85);
      expect(new Set(cost85)).toEqual(new Set([0, 1]));
      const { colForRow } = solveBoth(square85, cost85)!;
      expect(new Set(colForRow).size).toBe(85);
    }
  });

  it('typed errors: INFEASIBLE, NaN, wrong-signed infinity, shapes', async () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ModeconnError).code;
      }
      return 'none';
    };
    for (const k of [wasm, ref]) {
      expect(code(() => k.lsaSolve({ rows: 2, cols: 2 }, Float64Array.of(1, Infinity, 2, Infinity), new Uint32Array(2)))).toBe('INFEASIBLE');
      expect(code(() => k.lsaSolve({ rows: 1, cols: 2 }, Float64Array.of(1, NaN), new Uint32Array(1)))).toBe('BAD_ARGUMENT');
      expect(code(() => k.lsaSolve({ rows: 1, cols: 2, maximize: true }, Float64Array.of(1, Infinity), new Uint32Array(1)))).toBe('BAD_ARGUMENT');
      expect(code(() => k.lsaSolve({ rows: 2, cols: 2 }, new Float64Array(3), new Uint32Array(2)))).toBe('BAD_SHAPE');
      expect(code(() => k.lsaSolve({ rows: 2, cols: 2 }, new Float64Array(4), new Uint32Array(1)))).toBe('BAD_SHAPE');
    }
    const r = await linearSumAssignment(Float64Array.of(4, 1, 3, 2, 0, 5, 3, 2, 2), 3, 3);
    expect([...r.rowInd]).toEqual([0, 1, 2]);
    expect([...r.colInd]).toEqual([1, 0, 2]);
    expect(r.cost).toBe(5);
    await expect(linearSumAssignment(Float64Array.of(Infinity), 1, 1)).rejects.toMatchObject({ code: 'INFEASIBLE' });
  });
});
