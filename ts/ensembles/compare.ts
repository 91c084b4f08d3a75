/**
 * Ensembles compared at equal training budget (budget.ts has the plan): independent networks, FGE,
 * SWA, points of a fitted curve and interior points of a fitted simplex, each given k·E epochs for
 * k in `ks`, reporting per k the ensemble's test accuracy, NLL, expected calibration error and its
 * members' diversity (Garipov et al. 2018's Table 2 question at small scale). Every member's BatchNorm
 * statistics are recomputed over the training data (or `bnData`) before it is evaluated.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import { rngState } from '../kernels/xoshiro.js';
import type { Arch } from '../model/arch.js';
import type { EvalResult } from '../model/engine.js';
import { stepsPerEpoch } from '../model/epochs.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf, type Model } from '../model/model.js';
import { cycleMinimum, type Schedule } from '../model/schedule.js';
import { trainModel, type RunnerOption } from '../model/train.js';
import type { OptimizerConfig, TrainResult } from '../model/training-options.js';
import { pointAt } from '../paths/blender.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { fitCurve } from '../paths/fit.js';
import { createManifest, type RunManifest } from '../paths/manifest.js';
import { bezierCurve } from '../paths/path.js';
import { fitSimplex, sampleWeights } from '../simplex/fit.js';
import { getCore } from '../wasm/kernel.js';
import { wasmKernels } from '../wasm/kernels/index.js';
import { ENSEMBLE_METHODS, planBudget, type Allotment, type BudgetPlan, type EnsembleMethod } from './budget.js';
import { evaluateMembers } from './evaluate.js';
import { fastGeometricEnsemble } from './fge.js';
import { ensembleGrowth, type GrowthPoint } from './growth.js';
import { averageParams } from './average.js';

export interface CompareEnsemblesOptions extends RunnerOption {
  /** u32 seed: network j uses seed + j, FGE's cycles seed + 1000, the curve fit at budget k seed + 2000 + k, the simplex seed + 3000. */
  seed: number;
  /** E, the epochs of one network: the budget unit. */
  epochs: number;
  /** Budgets in networks (default [2, 4, 8]). */
  ks?: readonly number[];
  methods?: readonly EnsembleMethod[];
  batchSize?: number;
  /** The networks' optimiser (default SGD, lr 0.05, momentum 0.9); FGE, curve and simplex use it with their own learning rates. */
  optimizer?: OptimizerConfig;
  /** The networks' schedule (default cosine). */
  schedule?: Schedule;
  /** FGE: cycle length in epochs (default 2), α1 (default lr/2), α2 (default lr/100), shape. */
  fge?: { cycle?: number; lr?: number; lrMin?: number; shape?: 'triangle' | 'cosine' };
  /** Curve fitting's learning rate (default lr/2; Bezier with one bend). */
  curve?: { lr?: number };
  /** Simplex fitting: learning rate (default lr/2) and the volume weight λ (default 0.01). */
  simplex?: { lr?: number; volume?: number };
  /** BatchNorm recomputation data (default the training data when the arch has BatchNorm). */
  bnData?: DataSet;
  /** ECE bins (default 15). */
  bins?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { stage: string; fraction: number }) => void;
}

/** One row of the comparison: a method at a budget, its ensemble's test metrics. */
export interface ComparisonRow extends Allotment, Partial<Omit<GrowthPoint, 'members'>> {}

export interface EnsembleComparison {
  epochs: number;
  ks: number[];
  /** Network 0 alone (E epochs). */
  single: GrowthPoint;
  rows: ComparisonRow[];
  /** Accuracy etc. after each added member: the independent networks and FGE's snapshots. */
  growth: { independent?: GrowthPoint[]; fge?: GrowthPoint[] };
  plan: BudgetPlan;
  /** Wall-clock seconds per stage. */
  seconds: Record<string, number>;
  manifest: RunManifest;
}

/** Runs the comparison; see the module header and budget.ts. */
export async function compareEnsembles(arch: Arch, train: DataSet, test: DataSet, options: CompareEnsemblesOptions): Promise<EnsembleComparison> {
  const { seed, epochs: E, batchSize = 128, schedule = { type: 'cosine' }, signal } = options;
  const ks = [...(options.ks ?? [2, 4, 8])];
  const methods = [...(options.methods ?? ENSEMBLE_METHODS)];
  const optimizer = options.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9 };
  const lr = optimizer.lr;
  const compiled = compiledOf(arch);
  const runner = await resolveRunner(options.runner);
  const perEpoch = stepsPerEpoch(train.n, Math.min(batchSize, train.n));
  const fgeOptions = { cycle: options.fge?.cycle ?? 2, lr: options.fge?.lr ?? lr / 2, lrMin: options.fge?.lrMin ?? lr / 100, shape: options.fge?.shape ?? 'triangle' };
  const cycle = cycleMinimum({ type: 'cyclic', cycle: fgeOptions.cycle, lrMin: fgeOptions.lrMin, shape: fgeOptions.shape }, perEpoch);
  const plan = planBudget({ epochs: E, ks, stepsPerEpoch: perEpoch, cycle }, methods);
  const bnData = options.bnData ?? (hasBatchNorm(compiled) ? train : undefined);
  const u32 = (x: number) => x >>> 0;
  // Progress in epochs of training across every stage.
  const totalEpochs = plan.networks * E + ((plan.cycles ? (plan.cycles - 1) * cycle.steps + cycle.offset : 0) / perEpoch)
    + plan.curveFits.reduce((s, f) => s + f.epochs, 0) + plan.vertices * E;
  let doneEpochs = 0;
  const report = (stage: string, fraction: number, epochs: number) => options.onProgress?.({ stage, fraction: Math.min(1, (doneEpochs + fraction * epochs) / totalEpochs) });
  const seconds: Record<string, number> = {};
  const timed = async <T>(stage: string, epochs: number, body: (progress: (fraction: number) => void) => Promise<T>): Promise<T> => {
    const started = performance.now();
    const out = await body((fraction) => report(stage, fraction, epochs));
    seconds[stage] = (seconds[stage] ?? 0) + (performance.now() - started) / 1000;
    doneEpochs += epochs;
    return out;
  };
  const evaluate = (params: readonly Float32Array[]): Promise<EvalResult[]> =>
    evaluateMembers(params.map((p): Model => ({ arch, params: p })), test, { runner, bnData, signal });
  const common = { batchSize, runner, signal };

  const nets: TrainResult[] = [];
  for (let j = 0; j < plan.networks; j++) {
    nets.push(await timed('networks', E, (progress) => trainModel(arch, train, {
      ...common, seed: u32(seed + j), epochs: E, optimizer, schedule, returnState: j === 0, onProgress: (p) => progress(p.fraction),
    })));
  }
  const started = performance.now();
  const netResults = await evaluate(nets.map((n) => n.params));
  seconds.evaluation = (performance.now() - started) / 1000;
  const single = ensembleGrowth([netResults[0]], test, { bins: options.bins })[0];
  const growth: EnsembleComparison['growth'] = {};
  if (methods.includes('independent')) growth.independent = ensembleGrowth(netResults, test, { bins: options.bins });

  let snapshots: Float32Array[] = [];
  if (plan.cycles > 0) {
    const fge = await timed('fge', ((plan.cycles - 1) * cycle.steps + cycle.offset) / perEpoch, (progress) => fastGeometricEnsemble(arch, train, {
      ...common, seed: u32(seed + 1000), start: { model: { params: nets[0].params, state: nets[0].state, batchesTracked: nets[0].batchesTracked } },
      cycles: plan.cycles, ...fgeOptions, optimizer, bnData: null, onProgress: (p) => progress(p.fraction),
    }));
    snapshots = fge.snapshots.map((s) => s.params);
  }
  const snapshotResults = methods.includes('fge') && snapshots.length ? await evaluate(snapshots) : [];
  if (snapshotResults.length) growth.fge = ensembleGrowth(snapshotResults, test, { bins: options.bins });

  const kernels = wasmKernels(await getCore());
  const curvePoints = new Map<number, EvalResult[]>();
  for (const fit of plan.curveFits) {
    const fitted = await timed('curve', fit.epochs, (progress) => fitCurve(bezierCurve(nets[0].params, nets[1].params), arch, train, {
      ...common, seed: u32(seed + 2000 + fit.k), epochs: fit.epochs, optimizer: { ...optimizer, lr: options.curve?.lr ?? lr / 2 },
      onProgress: (p) => progress(p.fraction),
    }));
    curvePoints.set(fit.k, await evaluate(Array.from({ length: fit.k }, (_, i) => pointAt(fitted.path, i / (fit.k - 1), kernels))));
  }

  let vertices: Float32Array[] = [];
  if (plan.vertices > 0) {
    const simplex = await timed('simplex', plan.vertices * E, (progress) => fitSimplex(arch, [nets[0].params], train, {
      ...common, seed: u32(seed + 3000), epochs: E, add: plan.vertices, volume: options.simplex?.volume ?? 0.01,
      optimizer: { ...optimizer, lr: options.simplex?.lr ?? lr / 2 }, onProgress: (p) => progress(p.fraction),
    }));
    vertices = simplex.vertices;
  }

  const rows: ComparisonRow[] = [];
  for (const allotment of plan.allotments) {
    if (allotment.skipped) {
      rows.push(allotment);
      continue;
    }
    const { method, k } = allotment;
    let results: EvalResult[];
    switch (method) {
      case 'independent':
        results = netResults.slice(0, k);
        break;
      case 'fge':
        results = snapshotResults.slice(0, allotment.snapshots);
        break;
      case 'swa':
        results = await evaluate([averageParams(snapshots.slice(0, allotment.snapshots))]);
        break;
      case 'curve':
        results = curvePoints.get(k)!;
        break;
      case 'simplex': {
        const state = rngState(seed, 0x70000 + k);
        const points = Array.from({ length: k }, () => {
          const theta = new Float32Array(compiled.totalLength);
          kernels.vecBlend(sampleWeights(state, k), vertices.slice(0, k), theta);
          return theta;
        });
        results = await evaluate(points);
        break;
      }
    }
    rows.push({ ...allotment, ...ensembleGrowth(results, test, { bins: options.bins, ks: [results.length] })[0] });
  }
  if (rows.every((r) => r.skipped)) throw new ModeconnError('BAD_ARGUMENT', 'no method can run at these budgets', { advice: 'raise ks or the epochs per network' });
  return {
    epochs: E,
    ks,
    single,
    rows,
    growth,
    plan,
    seconds,
    manifest: createManifest({
      operation: 'compareEnsembles', arch, points: nets.map((n) => n.params), data: { train, test, ...(bnData ? { bn: bnData } : {}) },
      seeds: { networks: seed, fge: u32(seed + 1000), curve: u32(seed + 2000), simplex: u32(seed + 3000), simplexPoints: seed },
      sampleOrder: 'training shuffled per epoch by each run\'s seed; evaluation in data set order; simplex points from (seed, stream 0x70000 + k)',
      options: { epochs: E, ks, methods, batchSize, optimizer, schedule, fge: fgeOptions, curve: { lr: options.curve?.lr ?? lr / 2, bends: 1 },
        simplex: { lr: options.simplex?.lr ?? lr / 2, volume: options.simplex?.volume ?? 0.01 }, bins: options.bins ?? 15 },
    }),
  };
}
