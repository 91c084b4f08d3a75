/**
 * Loss and accuracy over a 1-D or 2-D grid of parameter vectors θ(x, y) = origin + x·d1 + y·d2
 * (one `vec_blend` call each), on one or more data sets; BatchNorm statistics recomputed at every
 * point by default (as along paths). On a worker pool the grid goes out in chunks and the numbers
 * are the same bits as on this thread.
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { evaluatePoints } from '../model/evaluate-points.js';
import { allCells, type CellPlan } from '../model/grid-cells.js';
import { resolveRunner } from '../model/inline-runner.js';
import type { RunnerOption } from '../model/train.js';
import { compiledOf } from '../model/model.js';
import { createManifest, dataIdentity, type DataIdentity, type RunManifest } from '../paths/manifest.js';
import { hasBatchNorm, namedSets, resolveBn, type BnMode, type PathData } from '../paths/evaluate.js';
import { getCore } from '../wasm/kernel.js';
import { wasmKernels } from '../wasm/kernels/index.js';

/** Where the grid lives: origin plus one or two directions (all of θ's length). */
export interface Surface {
  origin: Float32Array;
  directions: readonly [Float32Array] | readonly [Float32Array, Float32Array];
}

export interface SurfaceOptions extends RunnerOption {
  /** Coordinates along the first direction. */
  xs: readonly number[];
  /** Coordinates along the second direction (2-D surfaces only). */
  ys?: readonly number[];
  /** BatchNorm statistics at each point (default 'recompute' when the arch has BatchNorm and a train set is given). */
  bn?: BnMode;
  /** The set for 'recompute' (default: the 'train' role). */
  bnData?: DataSet;
  /** Samples per WASM call (default 1000). */
  batchSize?: number;
  /** Grid points per runner call (default 1 inline, 4 per worker on a pool); results do not depend on it. */
  chunk?: number;
  /** Seeds that made the directions, recorded in the manifest. */
  seeds?: Record<string, number>;
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/** One data set over the grid: row r is ys[r] (a single row for 1-D), column c is xs[c]. */
export interface SurfaceSet {
  data: DataIdentity;
  loss: number[][];
  accuracy: number[][];
}

export interface SurfaceReport {
  xs: number[];
  /** Absent for 1-D surfaces. */
  ys?: number[];
  bn: BnMode;
  sets: Record<string, SurfaceSet>;
  manifest: RunManifest;
}

function checkCoordinates(name: string, values: readonly number[]): void {
  if (values.length === 0 || values.some((x) => !Number.isFinite(x))) {
    throw new ModeconnError('BAD_ARGUMENT', `${name} must be a non-empty list of finite numbers`);
  }
}

/** What a surface evaluation knows before any grid point is evaluated (JSON-safe; the same in every shard of a split run). */
export interface SurfacePlan {
  xs: number[];
  /** Absent for 1-D surfaces. */
  ys?: number[];
  bn: BnMode;
  /** The data sets in evaluation order. */
  sets: Array<{ role: string; data: DataIdentity }>;
  manifest: RunManifest;
}

/** One grid point (row-major: k = r·xs.length + c): its loss and accuracy on each set of the plan, in order. */
export type SurfaceCell = Array<{ loss: number; accuracy: number }>;

/**
 * Plans the evaluation of `surface` (checks, grid, manifest) and returns its grid points as cells:
 * evaluate any subset, then assembleSurfaceReport(plan, all cells in order) = evaluateSurface's report.
 */
export async function planSurfaceCells(arch: Arch, surface: Surface, data: PathData, options: SurfaceOptions): Promise<CellPlan<SurfacePlan, SurfaceCell>> {
  const compiled = compiledOf(arch);
  const dims = surface.directions.length;
  const vectors = [surface.origin, ...surface.directions];
  vectors.forEach((p, j) => {
    if (!(p instanceof Float32Array) || p.length !== compiled.totalLength) {
      throw new ModeconnError('BAD_SHAPE', `${j === 0 ? 'origin' : `direction ${j - 1}`} has ${p?.length} values; the architecture needs ${compiled.totalLength}`);
    }
  });
  checkCoordinates('xs', options.xs);
  if (dims === 2) checkCoordinates('ys', options.ys ?? []);
  else if (options.ys) throw new ModeconnError('BAD_ARGUMENT', 'ys needs a second direction');
  const sets = namedSets(data);
  if (sets.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'evaluateSurface needs at least one data set');
  const { bn, bnData } = resolveBn(compiled, sets, options.bn, options.bnData);
  const batchSize = options.batchSize ?? 1000;
  const mode = bn === 'batch-stats' ? 'batch-stats' : 'eval';
  const recompute = bn === 'recompute' && hasBatchNorm(compiled);
  const runner = await resolveRunner(options.runner);
  const kernels = wasmKernels(await getCore());

  const xs = [...options.xs];
  const ys = dims === 2 ? [...options.ys!] : [0];
  const grid = ys.flatMap((y) => xs.map((x) => [x, y] as const));
  const theta = (x: number, y: number): Float32Array => {
    const out = new Float32Array(compiled.totalLength);
    kernels.vecBlend(Float32Array.from(dims === 2 ? [1, x, y] : [1, x]), vectors, out);
    return out;
  };
  const roles: Record<string, DataSet> = Object.fromEntries(sets);
  if (bnData) roles.bn = bnData;
  const plan: SurfacePlan = {
    xs,
    ...(dims === 2 ? { ys } : {}),
    bn,
    sets: sets.map(([role, set]) => ({ role, data: dataIdentity(set) })),
    manifest: createManifest({
      operation: 'evaluateSurface',
      arch,
      points: vectors,
      data: roles,
      seeds: options.seeds,
      sampleOrder: `data set order; batches of ${batchSize} consecutive samples${recompute ? '; BatchNorm recomputed over the bn set in order' : ''}`,
      options: { xs, ys: dims === 2 ? ys : undefined, bn, batchSize, dims },
    }),
  };
  const evaluate = async (indices: readonly number[]): Promise<SurfaceCell[]> => {
    const total = indices.length * sets.length;
    // results[s][j]: set s at grid point indices[j].
    const results = await evaluatePoints(runner, arch, indices.length, (j) => theta(...grid[indices[j]]), sets.map(([, set]) => set), {
      mode, batchSize, bnData: recompute ? bnData : undefined, chunk: options.chunk, signal: options.signal, activity: 'landscape evaluation',
      onChunk: (done) => options.onProgress?.({ done: done * sets.length, total }),
    });
    return indices.map((_, j) => sets.map((_set, s) => ({ loss: results[s][j].loss, accuracy: results[s][j].accuracy })));
  };
  return { plan, count: grid.length, evaluate };
}

/** The report of a planned surface from all its cells in grid order (see planSurfaceCells). */
export function assembleSurfaceReport(plan: SurfacePlan, cells: readonly SurfaceCell[]): SurfaceReport {
  const { xs } = plan;
  const ys = plan.ys ?? [0];
  if (cells.length !== xs.length * ys.length) throw new ModeconnError('BAD_ARGUMENT', `a grid of ${xs.length * ys.length} points needs as many cells, got ${cells.length}`);
  const rows = <T>(values: T[]): T[][] => ys.map((_, r) => values.slice(r * xs.length, (r + 1) * xs.length));
  const out: Record<string, SurfaceSet> = {};
  plan.sets.forEach(({ role, data }, s) => {
    out[role] = { data, loss: rows(cells.map((c) => c[s].loss)), accuracy: rows(cells.map((c) => c[s].accuracy)) };
  });
  return { xs, ...(plan.ys ? { ys: plan.ys } : {}), bn: plan.bn, sets: out, manifest: plan.manifest };
}

/** Evaluates `surface` on a grid; see the module header. */
export async function evaluateSurface(arch: Arch, surface: Surface, data: PathData, options: SurfaceOptions): Promise<SurfaceReport> {
  const cells = await planSurfaceCells(arch, surface, data, options);
  return assembleSurfaceReport(cells.plan, await cells.evaluate(allCells(cells.count)));
}
