/**
 * The counterexample's demonstration: between the staircase and the ground truth of the h-unit net,
 * the line, a fitted Bezier curve (fitCurve), AutoNEB (autoNeb) and the line after weight matching
 * all cross a barrier (sup of the squared loss along the path minus the endpoints' 0), which no path
 * can avoid; in the wider net the same methods, and the explicit 3-segment path, do not need to.
 * Every path is evaluated at `points` evenly spaced t on the squared-loss runner.
 */
import { weightMatching } from '../align/weight-matching.js';
import type { Arch } from '../model/arch.js';
import type { Runner } from '../model/runner.js';
import { autoNeb } from '../paths/autoneb.js';
import { fitCurve } from '../paths/fit.js';
import { bezierCurve, linearPath, waypointPath, type Path } from '../paths/path.js';
import { counterexample, wideCounterexample } from './counterexample.js';
import { createSquaredLossRunner } from './squared-loss-runner.js';

export interface CounterexampleOptions {
  /** Evenly spaced t per path (default 101). */
  points?: number;
  /** Bezier fitting: full-batch Adam steps (default 3000) and learning rate (default 0.01). */
  curveSteps?: number;
  curveLr?: number;
  /** AutoNEB cycles and steps per cycle (defaults 4 and 300), learning rate (default 0.01). */
  nebCycles?: number;
  nebSteps?: number;
  nebLr?: number;
  /** Width of the wider net (default 2h + 2). */
  width?: number;
  seed?: number;
  onProgress?: (detail: string, fraction: number) => void;
}

/** One path: its loss at each t, and its barrier (max − max of the endpoints). */
export interface CounterexamplePath {
  method: 'line' | 'bezier' | 'autoneb' | 'aligned' | 'explicit';
  ts: number[];
  losses: number[];
  /** Fraction of samples off their target by more than FIT_TOLERANCE (0.05), at each t. */
  unfitted: number[];
  barrier: number;
  seconds: number;
}

export interface CounterexampleNet {
  units: number;
  endpointLosses: [number, number];
  paths: CounterexamplePath[];
}

export interface CounterexampleReport {
  h: number;
  samples: number;
  narrow: CounterexampleNet;
  wide: CounterexampleNet;
}

/** Runs every path method on the h-unit pair and on the wider net's pair (see the module header). */
export async function demonstrateCounterexample(h: number, options: CounterexampleOptions = {}): Promise<CounterexampleReport> {
  const { points = 101, curveSteps = 3000, curveLr = 0.01, nebCycles = 4, nebSteps = 300, nebLr = 0.01, seed = 0 } = options;
  const c = counterexample(h);
  const wide = wideCounterexample(h, options.width);
  const runner = createSquaredLossRunner(c.data, c.targets);
  const ts = Array.from({ length: points }, (_, i) => i / (points - 1));
  const lossesAlong = async (arch: Arch, path: Path) => {
    const thetas = ts.map((t) => blend(path, t));
    const [results] = await runner.evaluate(arch, thetas, [c.data]);
    return { losses: results.map((r) => r.loss), unfitted: results.map((r) => 1 - r.accuracy) };
  };
  const run = async (arch: Arch, a: Float32Array, b: Float32Array, explicit: Float32Array[] | undefined, step: number): Promise<CounterexampleNet> => {
    const [[ra, rb]] = await runner.evaluate(arch, [a, b], [c.data]);
    const endpoint = Math.max(ra.loss, rb.loss);
    const paths: CounterexamplePath[] = [];
    const add = async (method: CounterexamplePath['method'], make: () => Promise<Path> | Path) => {
      options.onProgress?.(`${arch.layers[0].type === 'dense' ? (arch.layers[0] as { out: number }).out : '?'} units: ${method}`, (step + paths.length / 5) / 2);
      const started = performance.now();
      const path = await make();
      const { losses, unfitted } = await lossesAlong(arch, path);
      paths.push({ method, ts, losses, unfitted, barrier: Math.max(...losses) - endpoint, seconds: (performance.now() - started) / 1000 });
    };
    await add('line', () => linearPath(a, b));
    await add('bezier', async () => (await fitCurve(bezierCurve(a, b), arch, c.data, { seed, epochs: curveSteps, batchSize: c.data.n, runner: runner as Runner, optimizer: { type: 'adam', lr: curveLr } })).path);
    await add('autoneb', async () => (await autoNeb(arch, a, b, c.data, { seed, runner, batchSize: c.data.n, cycles: nebCycles, steps: nebSteps, lr: nebLr })).path);
    await add('aligned', async () => linearPath(a, (await weightMatching({ arch, params: a }, { arch, params: b }, { seed })).aligned.params));
    if (explicit) await add('explicit', () => waypointPath(explicit, explicit.map((_, j) => j / (explicit.length - 1))));
    return { units: (arch.layers[0] as { out: number }).out, endpointLosses: [ra.loss, rb.loss], paths };
  };
  const narrow = await run(c.arch, c.staircase, c.groundTruth, undefined, 0);
  const wideNet = await run(wide.arch, wide.staircase, wide.groundTruth, wide.path, 1);
  return { h, samples: c.data.n, narrow, wide: wideNet };
}

/** θ(t) = Σ_j c_j(t) θ_j in f64, rounded once. */
function blend(path: Path, t: number): Float32Array {
  const coeffs = path.coefficients(t);
  const out = new Float64Array(path.points[0].length);
  path.points.forEach((p, j) => {
    const c = coeffs[j];
    if (c !== 0) for (let i = 0; i < out.length; i++) out[i] += c * p[i];
  });
  return Float32Array.from(out);
}
