/**
 * Assignment against scipy.optimize.linear_sum_assignment (tests/fixtures/scipy/lsa.json, made by
 * make-lsa.py): costs are regenerated from the fixture's seed with the project's xoshiro128**.
 * Costs must match to 1e-9 relative (different summation order); where the optimum is unique
 * (continuous costs) the assignment must match too. WASM and twin both run.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LsaKernels } from '../../ts/kernels/lsa.js';
import { lsaReference } from '../../ts/reference/lsa.js';
import { seedState, uniform } from '../../ts/reference/rng.js';
import { getCore } from '../../ts/wasm/kernel.js';
import { lsaKernels } from '../../ts/wasm/kernels/lsa.js';
import { solveAssignment } from '../../ts/align/lsa.js';

interface Case { seed: number; rows: number; cols: number; kind: string; maximize: boolean; cost: number; rowInd: number[]; colInd: number[] }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/scipy/lsa.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** The fixture's cost matrix (see make-lsa.py). */
function fixtureCost(c: Case): Float64Array {
  const s = new Uint32Array(4);
  seedState(c.seed, 0, s);
  const out = new Float64Array(c.rows * c.cols);
  for (let i = 0; i < out.length; i++) {
    const u = uniform(s);
    if (c.kind === 'uniform') out[i] = u;
    else if (c.kind === 'ties') out[i] = Math.floor(4 * u);
    else if (c.kind === 'forbidden') out[i] = u < 0.2 ? (c.maximize ? -Infinity : Infinity) : u;
    else if (c.kind === 'wide') out[i] = Math.floor(1000 * u) * 1000;
    else throw new Error(`unknown kind ${c.kind}`);
  }
  return out;
}

let wasm: LsaKernels;
beforeAll(async () => {
  wasm = lsaKernels(await getCore());
});

describe('scipy fixtures', () => {
  it('has cases up to 512 including rectangular, ties and forbidden entries', () => {
    expect(Math.max(...fixture.cases.map((c) => c.rows))).toBe(512);
    expect(fixture.cases.some((c) => c.rows > c.cols) && fixture.cases.some((c) => c.rows < c.cols)).toBe(true);
    expect(new Set(fixture.cases.map((c) => c.kind))).toEqual(new Set(['uniform', 'ties', 'forbidden', 'wide']));
  });

  for (const c of fixture.cases) {
    const label = `${c.rows}x${c.cols} ${c.kind}${c.maximize ? ' max' : ''}`;
    it(label, () => {
      const cost = fixtureCost(c);
      for (const [side, k] of [['wasm', wasm], ['twin', lsaReference]] as const) {
        const a = solveAssignment(k, cost, c.rows, c.cols, { maximize: c.maximize });
        expect(Math.abs(a.cost - c.cost), `${side} cost ${a.cost} vs scipy ${c.cost}`).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(c.cost)));
        expect(a.rowInd.length).toBe(c.rowInd.length);
        if (c.kind === 'uniform' || c.kind === 'forbidden') {
          expect([...a.rowInd]).toEqual(c.rowInd);
          expect([...a.colInd]).toEqual(c.colInd);
        }
      }
    });
  }
});
