/**
 * Hutchinson's estimator of tr(H): E[vᵀHv] = tr(H) for v with independent Rademacher (±1) entries.
 * Probes go to the runner `perCall` at a time (one call computes their H·v together). The same
 * probes give every block's trace: E[v_bᵀ(Hv)_b] = tr(H_bb), since the cross terms have mean 0.
 * Reports the mean, its standard error and every probe's value.
 */
import { ModeconnError } from '../errors.js';
import { nextU32, rngState } from '../kernels/xoshiro.js';
import type { HessianOperator } from './operator.js';

/** A seeded Rademacher vector (±1 entries). */
export function rademacherVector(n: number, seed: number, stream: number): Float64Array {
  const s = rngState(seed, stream);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 32) {
    const bits = nextU32(s);
    for (let b = 0; b < 32 && i + b < n; b++) out[i + b] = (bits >>> b) & 1 ? 1 : -1;
  }
  return out;
}

/** Mean, standard error of the mean and the samples. */
export interface TraceEstimate {
  trace: number;
  stderr: number;
  samples: number[];
}

export interface HutchinsonOptions {
  /** Probes (default 50). */
  probes?: number;
  /** Probes per runner call (default 10). */
  perCall?: number;
  seed?: number;
  /** Index sets (into the operator's vectors) whose traces are wanted as well (per-layer blocks). */
  groups?: readonly Uint32Array[];
  onProbe?: (done: number, total: number) => void;
}

function summarise(samples: number[]): TraceEstimate {
  const n = samples.length;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { trace: mean, stderr: Math.sqrt(variance / n), samples };
}

/** tr(H) of `op` and of each group (see the module header). */
export async function hutchinsonTrace(op: HessianOperator, options: HutchinsonOptions = {}): Promise<TraceEstimate & { groups: TraceEstimate[] }> {
  const { probes = 50, perCall = 10, seed = 0, groups = [] } = options;
  if (!Number.isInteger(probes) || probes < 1) throw new ModeconnError('BAD_ARGUMENT', `probes must be a positive integer, got ${probes}`);
  const whole: number[] = [];
  const parts: number[][] = groups.map(() => []);
  for (let first = 0; first < probes; first += perCall) {
    const vs = Array.from({ length: Math.min(perCall, probes - first) }, (_, j) => rademacherVector(op.dim, seed, 0x5452 + first + j));
    const hvs = await op.apply(vs);
    vs.forEach((v, j) => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i] * hvs[j][i];
      whole.push(s);
      groups.forEach((g, k) => {
        let t = 0;
        for (const i of g) t += v[i] * hvs[j][i];
        parts[k].push(t);
      });
    });
    options.onProbe?.(whole.length, probes);
  }
  return { ...summarise(whole), groups: parts.map(summarise) };
}
