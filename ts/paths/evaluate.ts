/**
 * Evaluation along a path: at each t of a grid, θ(t) (one WASM blend), then loss and accuracy on
 * each data set, the cumulative arc length, the path metrics and optionally per-sample results.
 * BatchNorm modes: 'blend' (the blended running statistics, eval mode), 'recompute' (statistics
 * recomputed over bnData at each t, Garipov's update_bn), 'batch-stats' (train-mode batch statistics).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { CompiledArch } from '../model/compile.js';
import { Engine } from '../model/engine.js';
import { evaluatePoints } from '../model/evaluate-points.js';
import { allCells, type CellPlan } from '../model/grid-cells.js';
import { resolveRunner } from '../model/inline-runner.js';
import { compiledOf } from '../model/model.js';
import type { Runner } from '../model/runner.js';
import { PathBlender, arcLength } from './blender.js';
import { createManifest, dataIdentity, type DataIdentity, type RunManifest } from './manifest.js';
import { curveMetrics, type CurveMetrics } from './metrics.js';
import { type Path, type PathKind, uniformTs } from './path.js';

/** How BatchNorm statistics are obtained at each point (see the module header). */
export type BnMode = 'blend' | 'recompute' | 'batch-stats';

/** Data sets by role (`{ train, test }`) or a list (named by DataSet.name). */
export type PathData = Record<string, DataSet | undefined> | DataSet[];

export interface EvaluatePathOptions {
  /** Evenly spaced points from 0 to 1 (default 25); ignored when `ts` is given. */
  points?: number;
  /** Explicit ascending t's; metrics need 0 and 1 among them. */
  ts?: number[];
  /** Default 'recompute' when the arch has BatchNorm and bnData (or a 'train' set) exists, else 'blend'. */
  bn?: BnMode;
  /** The set for 'recompute' (default: the 'train' role). */
  bnData?: DataSet;
  /** Samples per WASM call (default 1000; also the batch of 'batch-stats'). */
  batchSize?: number;
  /** Keep per-sample losses and correctness at every point. */
  perSample?: boolean;
  /** Per-class accuracy at every point. */
  perClass?: boolean;
  /** Seeds that produced the endpoints etc., recorded in the manifest. */
  seeds?: Record<string, number>;
  /** Where the points are evaluated (a worker pool, say; default this thread). */
  runner?: Runner;
  /** Applied to θ(t) at every point before BatchNorm recomputation and evaluation (e.g. REPAIR). */
  transform?: (theta: Float32Array, t: number) => Float32Array | Promise<Float32Array>;
  onProgress?: (progress: { done: number; total: number; t: number }) => void;
  signal?: AbortSignal;
}

/** One point of a path on one data set. */
export interface PathPoint {
  t: number;
  loss: number;
  accuracy: number;
  /** 1 − accuracy. */
  error: number;
  /** Arc length from θ(0) to θ(t) over the trainable parameters. */
  distance: number;
  perClassAccuracy?: number[];
}

/** A path evaluated on one data set. */
export interface PathCurve {
  name: string;
  data: DataIdentity;
  points: PathPoint[];
  /** Path metrics on loss and error (absent when ts lacks 0 or 1). */
  metrics?: { loss: CurveMetrics; error: CurveMetrics };
  /** Per point: per-sample cross-entropy and correctness (data set order). */
  perSample?: { losses: Float32Array[]; correct: Uint8Array[] };
}

export interface PathReport {
  kind: PathKind;
  degree: number;
  ts: number[];
  /** Cumulative arc length at each t (trainable parameters). */
  distance: number[];
  /** Total arc length. */
  length: number;
  bn: BnMode;
  /** Role or data set name → curve. */
  sets: Record<string, PathCurve>;
  manifest: RunManifest;
}

/** True when the compiled arch has BatchNorm running statistics. */
export function hasBatchNorm(compiled: CompiledArch): boolean {
  return compiled.layout.some((e) => e.kind === 'running_mean');
}

/** Data sets as (role, set) pairs; lists are named by DataSet.name (suffixed when repeated). */
export function namedSets(data: PathData): [string, DataSet][] {
  if (Array.isArray(data)) {
    const seen = new Map<string, number>();
    return data.map((d) => {
      const k = (seen.get(d.name) ?? 0) + 1;
      seen.set(d.name, k);
      return [k === 1 ? d.name : `${d.name}#${k}`, d];
    });
  }
  return Object.entries(data).filter((e): e is [string, DataSet] => e[1] !== undefined);
}

/** Checks that every point of `path` is a θ for `compiled`. */
export function checkPath(path: Path, compiled: CompiledArch): void {
  path.points.forEach((p, j) => {
    if (p.length !== compiled.totalLength) {
      throw new ModeconnError('BAD_SHAPE', `path point ${j} has ${p.length} values; the architecture needs ${compiled.totalLength}`);
    }
  });
}

/** The BN mode and data evaluatePath will use. */
export function resolveBn(compiled: CompiledArch, sets: [string, DataSet][], bn?: BnMode, bnData?: DataSet): { bn: BnMode; bnData?: DataSet } {
  const fallback = bnData ?? sets.find(([role]) => role === 'train')?.[1];
  const mode = bn ?? (hasBatchNorm(compiled) && fallback ? 'recompute' : 'blend');
  if (mode !== 'blend' && mode !== 'recompute' && mode !== 'batch-stats') {
    throw new ModeconnError('BAD_ARGUMENT', `bn must be 'blend', 'recompute' or 'batch-stats', got ${String(mode)}`);
  }
  if (mode === 'recompute' && !fallback) {
    throw new ModeconnError('BAD_ARGUMENT', "bn: 'recompute' needs bnData (or a 'train' data set)", { advice: 'pass bnData: trainSet' });
  }
  return { bn: mode, bnData: mode === 'recompute' ? fallback : undefined };
}


/** What a path evaluation knows before any point is evaluated (JSON-safe; every shard of a split run computes the same). */
export interface PathPlan {
  kind: PathKind;
  degree: number;
  ts: number[];
  /** Cumulative arc length at each t. */
  distance: number[];
  bn: BnMode;
  /** The data sets in evaluation order. */
  sets: Array<{ role: string; data: DataIdentity }>;
  perSample: boolean;
  manifest: RunManifest;
}

/** One point of a path: its results on each set of the plan, in order. */
export type PathCell = Array<{ loss: number; accuracy: number; perClassAccuracy?: number[]; losses?: Float32Array; correct?: Uint8Array }>;

/**
 * Plans the evaluation of `path` (checks, t grid, arc length, manifest) and returns its points as
 * cells: evaluate any subset, then assemblePathReport(plan, all cells in order) = evaluatePath's report.
 * Call free() when done.
 */
export async function planPathCells(path: Path, arch: Arch, data: PathData, options: EvaluatePathOptions = {}): Promise<CellPlan<PathPlan, PathCell> & { free(): void }> {
  const compiled = compiledOf(arch);
  checkPath(path, compiled);
  const sets = namedSets(data);
  if (sets.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'evaluatePath needs at least one data set');
  const ts = options.ts ? [...options.ts] : uniformTs(options.points ?? 25);
  if (ts.some((t, i) => !(t >= 0 && t <= 1) || (i > 0 && !(t > ts[i - 1])))) {
    throw new ModeconnError('BAD_ARGUMENT', 'ts must be ascending values in [0, 1]');
  }
  const { bn, bnData } = resolveBn(compiled, sets, options.bn, options.bnData);
  const batchSize = options.batchSize ?? 1000;
  const mode = bn === 'batch-stats' ? 'batch-stats' : 'eval';
  const recompute = bn === 'recompute' && hasBatchNorm(compiled);
  const runner = await resolveRunner(options.runner);
  const { ops } = await Engine.local();
  const distance = arcLength(ops, path, ts, compiled.paramCount);
  const roles: Record<string, DataSet> = Object.fromEntries(sets);
  if (bnData) roles.bn = bnData;
  const plan: PathPlan = {
    kind: path.kind,
    degree: path.degree,
    ts,
    distance,
    bn,
    sets: sets.map(([role, set]) => ({ role, data: dataIdentity(set) })),
    perSample: options.perSample ?? false,
    manifest: createManifest({
      operation: 'evaluatePath',
      arch,
      points: path.points,
      data: roles,
      seeds: options.seeds,
      sampleOrder: `data set order; batches of ${batchSize} consecutive samples${recompute ? '; BatchNorm recomputed over the bn set in order' : ''}`,
      options: { ...options, transform: options.transform ? 'custom' : undefined, ts, bn, batchSize, pathKind: path.kind, knots: path.knots, degree: path.degree },
    }),
  };
  const blender = new PathBlender(ops, path);
  const evaluate = async (indices: readonly number[]): Promise<PathCell[]> => {
    // results[s][j]: set s at ts[indices[j]].
    const results = await evaluatePoints(runner, arch, indices.length, async (j) => {
      const t = ts[indices[j]];
      const theta = blender.blend(t);
      return options.transform ? options.transform(theta, t) : theta;
    }, sets.map(([, set]) => set), {
      mode, batchSize, bnData: recompute ? bnData : undefined, signal: options.signal, activity: 'path evaluation',
      onChunk: (done, total, last) => options.onProgress?.({ done: done * sets.length, total: total * sets.length, t: ts[indices[last]] }),
    });
    return indices.map((_, j) => sets.map(([, set], s) => {
      const r = results[s][j];
      return {
        loss: r.loss, accuracy: r.accuracy,
        ...(options.perClass ? { perClassAccuracy: perClassAccuracy(set, r.correct) } : {}),
        ...(options.perSample ? { losses: r.losses, correct: r.correct } : {}),
      };
    }));
  };
  return { plan, count: ts.length, evaluate, free: () => blender.free() };
}

/** The report of a planned path from all its cells in t order (see planPathCells). */
export function assemblePathReport(plan: PathPlan, cells: readonly PathCell[]): PathReport {
  const { ts, distance } = plan;
  if (cells.length !== ts.length) throw new ModeconnError('BAD_ARGUMENT', `a path of ${ts.length} points needs ${ts.length} cells, got ${cells.length}`);
  const curves: Record<string, PathCurve> = {};
  plan.sets.forEach(({ role, data }, s) => {
    const points = ts.map((t, i): PathPoint => {
      const r = cells[i][s];
      const point: PathPoint = { t, loss: r.loss, accuracy: r.accuracy, error: 1 - r.accuracy, distance: distance[i] };
      if (r.perClassAccuracy) point.perClassAccuracy = r.perClassAccuracy;
      return point;
    });
    const ends = ts[0] === 0 && ts[ts.length - 1] === 1;
    const curve: PathCurve = {
      name: role,
      data,
      points,
      metrics: ends
        ? { loss: curveMetrics(ts, points.map((p) => p.loss), distance), error: curveMetrics(ts, points.map((p) => p.error), distance) }
        : undefined,
    };
    if (plan.perSample) curve.perSample = { losses: cells.map((c) => c[s].losses!), correct: cells.map((c) => c[s].correct!) };
    curves[role] = curve;
  });
  return { kind: plan.kind, degree: plan.degree, ts, distance, length: distance[distance.length - 1], bn: plan.bn, sets: curves, manifest: plan.manifest };
}

/** Loss, accuracy, arc length and metrics along `path` on every data set of `data`. */
export async function evaluatePath(path: Path, arch: Arch, data: PathData, options: EvaluatePathOptions = {}): Promise<PathReport> {
  const cells = await planPathCells(path, arch, data, options);
  try {
    return assemblePathReport(cells.plan, await cells.evaluate(allCells(cells.count)));
  } finally {
    cells.free();
  }
}

/** Accuracy per class (NaN for a class with no samples). */
export function perClassAccuracy(data: DataSet, correct: Uint8Array): number[] {
  const right = new Array<number>(data.classes).fill(0);
  const count = new Array<number>(data.classes).fill(0);
  for (let i = 0; i < data.n; i++) {
    count[data.y[i]] += 1;
    right[data.y[i]] += correct[i];
  }
  return right.map((r, c) => (count[c] ? r / count[c] : NaN));
}
