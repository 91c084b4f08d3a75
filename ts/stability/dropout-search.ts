/**
 * Stronger searches for the kept half of one layer (the definition of dropout stability asks
 * whether *some* half exists). `rankByLoss` drops each unit alone and keeps the ⌊h/2⌋ whose loss
 * rises most (h evaluations); `swapSearch` then exchanges one kept unit for one dropped unit at a
 * time, `batch` seeded proposals per round, and keeps the best exchange while the loss falls.
 */
import type { EvalResult } from '../model/engine.js';
import { xoshiroKernels } from '../kernels/xoshiro.js';
import { scaleOutgoing, type UnitStack } from './units.js';

type Evaluate = (params: Float32Array[]) => Promise<EvalResult[]>;

/** Candidates evaluated per call (bounds the memory of the θ copies). */
const CHUNK = 32;

/** The k units of hidden layer m whose lone removal from `theta` raises the loss most, increasing. */
export async function rankByLoss(stack: UnitStack, theta: Float32Array, m: number, k: number, evaluate: Evaluate): Promise<Uint32Array> {
  const h = stack.widths[m - 1];
  const losses: number[] = [];
  for (let start = 0; start < h; start += CHUNK) {
    const nets = Array.from({ length: Math.min(CHUNK, h - start) }, (_, i) => {
      const scale = new Float32Array(h).fill(1);
      scale[start + i] = 0;
      const net = theta.slice();
      scaleOutgoing(stack, net, m, scale);
      return net;
    });
    for (const r of await evaluate(nets)) losses.push(r.loss);
  }
  return Uint32Array.from(losses.map((l, u) => [l, u]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map((x) => x[1])).sort();
}

export interface Half {
  units: Uint32Array;
  loss: number;
  accuracy: number;
}

/** Local search from `start`: seeded one-for-one exchanges, at most `budget` evaluated, best improving exchange per round. */
export async function swapSearch(start: Half, h: number, budget: number, state: Uint32Array, evaluateHalves: (halves: Uint32Array[]) => Promise<EvalResult[]>, batch = 16): Promise<Half> {
  let best = start;
  let left = budget;
  const pick = new Uint32Array(2);
  while (left > 0) {
    const inK = new Uint8Array(h);
    for (const u of best.units) inK[u] = 1;
    const dropped = Array.from({ length: h }, (_, u) => u).filter((u) => !inK[u]);
    const n = Math.min(batch, left);
    const proposals: Uint32Array[] = [];
    for (let i = 0; i < n; i++) {
      xoshiroKernels.rngU32(state, pick);
      const out = pick[0] % best.units.length;
      const into = dropped[pick[1] % dropped.length];
      const units = best.units.slice();
      units[out] = into;
      proposals.push(units.sort());
    }
    left -= n;
    const results = await evaluateHalves(proposals);
    results.forEach((r, i) => {
      if (r.loss < best.loss) {
        best = { units: proposals[i], loss: r.loss, accuracy: r.accuracy };
      }
    });
  }
  return best;
}
