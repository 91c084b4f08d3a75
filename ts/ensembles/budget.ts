/**
 * The equal-budget plan of an ensemble comparison. The unit is E epochs, what one network trains
 * for; budget k allows k·E epochs (one epoch = one pass over the training set with one gradient per
 * batch, curve and simplex fitting included; BatchNorm recomputation passes are forward-only and not
 * counted). At budget k:
 *   independent  k networks of E epochs, k members;
 *   fge          network 0, then (k − 1)·E epochs of cycles: a snapshot at each cycle's minimum that
 *                falls within them (the cycles stop at the last one, so the spend may be below k·E);
 *   swa          the same run's snapshots averaged into one network (SWA with a cyclical schedule);
 *   curve        networks 0 and 1 and a Bezier bend fitted for (k − 2)·E epochs; k evenly spaced
 *                points of the curve, endpoints included (no budget is left for a fit at k = 2);
 *   simplex      network 0 and k − 1 vertices added one at a time, E epochs each; k random interior
 *                points of the k-vertex simplex.
 * One run per method serves every k where the method's run at a smaller k is a prefix of it (the
 * independent nets, FGE's cycles, the simplex's vertices); the curve is fitted once per k.
 */
import { ModeconnError } from '../errors.js';

export type EnsembleMethod = 'independent' | 'fge' | 'swa' | 'curve' | 'simplex';

/** Every method, in table order. */
export const ENSEMBLE_METHODS: readonly EnsembleMethod[] = ['independent', 'fge', 'swa', 'curve', 'simplex'];

/** What one method gets at one budget. */
export interface Allotment {
  method: EnsembleMethod;
  k: number;
  /** Networks in the ensemble (1 for SWA; 0 when not run). */
  members: number;
  /** Epochs of training spent (≤ k·E). */
  epochs: number;
  detail: string;
  /** Why the method cannot run at this budget. */
  skipped?: string;
  /** FGE and SWA: snapshots within the budget. */
  snapshots?: number;
}

export interface BudgetPlanInit {
  /** E. */
  epochs: number;
  ks: readonly number[];
  stepsPerEpoch: number;
  /** FGE's cycle length in steps and the 1-based step of its minimum. */
  cycle: { steps: number; offset: number };
}

export interface BudgetPlan {
  allotments: Allotment[];
  /** Independent networks needed (by every method that uses them). */
  networks: number;
  /** FGE cycles of the one cycle run (for the largest budget). */
  cycles: number;
  /** Curve fits: budget k → fit epochs. */
  curveFits: Array<{ k: number; epochs: number }>;
  /** Vertices added to network 0 by the one simplex run. */
  vertices: number;
}

/** FGE snapshots that fit in `steps` steps of cycles. */
export function snapshotsWithin(steps: number, cycle: { steps: number; offset: number }): number {
  return steps < cycle.offset ? 0 : Math.floor((steps - cycle.offset) / cycle.steps) + 1;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** The plan for `methods` at budgets `ks`; see the module header. */
export function planBudget(init: BudgetPlanInit, methods: readonly EnsembleMethod[] = ENSEMBLE_METHODS): BudgetPlan {
  const { epochs: E, stepsPerEpoch: spe, cycle } = init;
  const ks = [...init.ks];
  if (!Number.isInteger(E) || E < 1) throw new ModeconnError('BAD_ARGUMENT', `epochs must be a positive integer, got ${E}`);
  if (ks.length === 0 || ks.some((k, i) => !Number.isInteger(k) || k < 1 || (i > 0 && k <= ks[i - 1]))) {
    throw new ModeconnError('BAD_ARGUMENT', `ks must be increasing positive integers, got [${ks.join(', ')}]`);
  }
  for (const m of methods) if (!ENSEMBLE_METHODS.includes(m)) throw new ModeconnError('BAD_ARGUMENT', `unknown method ${JSON.stringify(m)}; use ${ENSEMBLE_METHODS.join(', ')}`);
  const K = ks[ks.length - 1];
  const allotments: Allotment[] = [];
  const fgeSteps = (k: number) => {
    const n = snapshotsWithin((k - 1) * E * spe, cycle);
    return { n, steps: n ? (n - 1) * cycle.steps + cycle.offset : 0 };
  };
  for (const k of ks) {
    for (const method of methods) {
      const base = { method, k };
      switch (method) {
        case 'independent':
          allotments.push({ ...base, members: k, epochs: k * E, detail: `${k} networks × ${E} epochs` });
          break;
        case 'fge':
        case 'swa': {
          const { n, steps } = fgeSteps(k);
          const spent = round(E + steps / spe);
          const cycles = `network 0 (${E} epochs) + ${round(steps / spe)} epochs of cycles`;
          if (n === 0) allotments.push({ ...base, members: 0, epochs: 0, detail: cycles, skipped: 'no cycle minimum within the budget', snapshots: 0 });
          else if (method === 'fge') allotments.push({ ...base, members: n, epochs: spent, detail: `${cycles}, ${n} snapshots`, snapshots: n });
          else allotments.push({ ...base, members: 1, epochs: spent, detail: `${cycles}, average of ${n} snapshots`, snapshots: n });
          break;
        }
        case 'curve':
          if (k < 3) allotments.push({ ...base, members: 0, epochs: 0, detail: '', skipped: 'two networks use the whole budget; none is left to fit a curve' });
          else allotments.push({ ...base, members: k, epochs: k * E, detail: `networks 0, 1 (${E} epochs each) + Bezier fit ${(k - 2) * E} epochs, ${k} points` });
          break;
        case 'simplex':
          if (k < 2) allotments.push({ ...base, members: 0, epochs: 0, detail: '', skipped: 'no budget for a vertex' });
          else allotments.push({ ...base, members: k, epochs: k * E, detail: `network 0 + ${k - 1} vertices × ${E} epochs, ${k} interior points` });
          break;
      }
    }
  }
  const uses = (m: EnsembleMethod) => methods.includes(m);
  const fge = uses('fge') || uses('swa');
  const curveKs = uses('curve') ? ks.filter((k) => k >= 3) : [];
  return {
    allotments,
    networks: Math.max(uses('independent') ? K : 0, curveKs.length ? 2 : 0, fge || uses('simplex') ? 1 : 0),
    cycles: fge ? fgeSteps(K).n : 0,
    curveFits: curveKs.map((k) => ({ k, epochs: (k - 2) * E })),
    vertices: uses('simplex') && K >= 2 ? K - 1 : 0,
  };
}
