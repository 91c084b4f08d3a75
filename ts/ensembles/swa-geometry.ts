/**
 * The two geometry measurements of Izmailov et al. (2018, §3.4, Figs. 4–5) for θ_SWA and an SGD
 * solution θ_SGD: (1) width — loss and accuracy along rays θ + r·d_i from each point in D seeded random
 * directions (filter-normalised to the point it leaves from, Li et al. 2018; or the paper's unit-sphere
 * rays over the trainable parameters), with the basin width as the distance where the mean train loss
 * over directions first rises `rise` above the centre's (linear interpolation; null if it never does
 * within the grid); (2) the line θ(t) = θ_SGD + t·(θ_SWA − θ_SGD), t = 0 at SGD and 1 at SWA, and
 * beyond. BatchNorm statistics recomputed at every point by default (evaluateSurface).
 */
import { ModeconnError } from '../errors.js';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import type { RunnerOption } from '../model/train.js';
import { randomDirection } from '../landscape/directions.js';
import { evaluateSurface } from '../landscape/surface.js';
import { namedSets, type BnMode, type PathData } from '../paths/evaluate.js';
import { createManifest, type RunManifest } from '../paths/manifest.js';

export interface SwaGeometryOptions extends RunnerOption {
  /** Random directions per point (default 5; the same seeded draws for both points). */
  directions?: number;
  /** Seed of the directions (default 0); direction i uses stream i. */
  seed?: number;
  /** 'filter' (default): r in units of the point's own filter norms; 'unit': r in L2 units along unit vectors. */
  normalization?: 'filter' | 'unit';
  /** Distances along each ray (default 0, 0.1, …, 1; for 'unit' those fractions of ‖θ_SWA‖). */
  distances?: readonly number[];
  /** Line coordinates t (default −1 … 2 in steps of 0.125: SGD at 0, SWA at 1). */
  ts?: readonly number[];
  /** The rise of the mean train loss that ends the basin (default 0.1 nats). */
  rise?: number;
  bn?: BnMode;
  bnData?: DataSet;
  batchSize?: number;
  signal?: AbortSignal;
  /** Points evaluated so far of all of them. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** Loss and accuracy along the rays from one point, per data set: [direction][distance]. */
export type Rays = Record<string, { loss: number[][]; accuracy: number[][] }>;

export interface SwaGeometry {
  distances: number[];
  normalization: 'filter' | 'unit';
  rays: { swa: Rays; sgd: Rays };
  /** Mean over directions of the width set's loss at each distance. */
  meanLoss: { swa: number[]; sgd: number[] };
  /** The data set the width is read on ('train' when given). */
  widthSet: string;
  rise: number;
  width: { swa: number | null; sgd: number | null };
  line: {
    ts: number[];
    /** ‖θ_SWA − θ_SGD‖ over the trainable parameters. */
    distance: number;
    sets: Record<string, { loss: number[]; accuracy: number[] }>;
  };
  bn: BnMode;
  manifest: RunManifest;
}

const range = (from: number, to: number, step: number) => Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => from + i * step);

/** Where the curve `values` over `xs` first exceeds `level` (linear interpolation), or null. */
export function firstCrossing(xs: readonly number[], values: readonly number[], level: number): number | null {
  for (let i = 1; i < xs.length; i++) {
    if (values[i] > level) {
      const [x0, x1, v0, v1] = [xs[i - 1], xs[i], values[i - 1], values[i]];
      return v0 >= level ? x0 : x0 + ((level - v0) / (v1 - v0)) * (x1 - x0);
    }
  }
  return null;
}

/** The L2 norm of θ's trainable prefix. */
function trainableNorm(theta: Float32Array, P: number): number {
  let s = 0;
  for (let i = 0; i < P; i++) s += theta[i] * theta[i];
  return Math.sqrt(s);
}

/** Measures both; see the module header. */
export async function measureSwaGeometry(arch: Arch, points: { swa: Float32Array; sgd: Float32Array }, data: PathData, options: SwaGeometryOptions = {}): Promise<SwaGeometry> {
  const { directions = 5, seed = 0, normalization = 'filter', rise = 0.1 } = options;
  const compiled = compiledOf(arch);
  const P = compiled.paramCount;
  for (const [name, p] of Object.entries(points)) {
    if (!(p instanceof Float32Array) || p.length !== compiled.totalLength) {
      throw new ModeconnError('BAD_SHAPE', `θ_${name.toUpperCase()} has ${p?.length} values; the architecture needs ${compiled.totalLength}`);
    }
  }
  if (!Number.isInteger(directions) || directions < 1) throw new ModeconnError('BAD_ARGUMENT', `directions must be a positive integer, got ${directions}`);
  if (normalization !== 'filter' && normalization !== 'unit') throw new ModeconnError('BAD_ARGUMENT', `normalization must be 'filter' or 'unit', got ${String(normalization)}`);
  const sets = namedSets(data);
  if (sets.length === 0) throw new ModeconnError('BAD_ARGUMENT', 'measureSwaGeometry needs at least one data set');
  const scale = normalization === 'unit' ? trainableNorm(points.swa, P) : 1;
  const distances = [...(options.distances ?? range(0, 1, 0.1).map((r) => r * scale))];
  const ts = [...(options.ts ?? range(-1, 2, 0.125))];
  const widthSet = sets.some(([role]) => role === 'train') ? 'train' : sets[0][0];
  const total = 2 * directions * distances.length + ts.length;
  let done = 0;
  const surfaceOptions = (xs: number[]) => ({
    xs, bn: options.bn, bnData: options.bnData, batchSize: options.batchSize, runner: options.runner, signal: options.signal,
    onProgress: ({ done: d, total: t }: { done: number; total: number }) => options.onProgress?.({ done: done + (d * xs.length) / t, total }),
  });
  const direction = (origin: Float32Array, i: number): Float32Array => {
    if (normalization === 'filter') return randomDirection(arch, origin, { seed, stream: i });
    const d = randomDirection(arch, origin, { seed, stream: i, normalization: 'none', ignore: 'none' });
    const n = trainableNorm(d, P);
    for (let j = 0; j < P; j++) d[j] = Math.fround(d[j] / n);
    return d;
  };
  let bn: BnMode = 'blend';
  const raysFrom = async (origin: Float32Array): Promise<Rays> => {
    const out: Rays = Object.fromEntries(sets.map(([role]) => [role, { loss: [], accuracy: [] }]));
    for (let i = 0; i < directions; i++) {
      const report = await evaluateSurface(arch, { origin, directions: [direction(origin, i)] }, data, surfaceOptions(distances));
      bn = report.bn;
      for (const [role] of sets) {
        out[role].loss.push(report.sets[role].loss[0]);
        out[role].accuracy.push(report.sets[role].accuracy[0]);
      }
      done += distances.length;
    }
    return out;
  };
  const swaRays = await raysFrom(points.swa);
  const sgdRays = await raysFrom(points.sgd);
  const delta = new Float32Array(compiled.totalLength);
  for (let i = 0; i < delta.length; i++) delta[i] = points.swa[i] - points.sgd[i];
  const lineReport = await evaluateSurface(arch, { origin: points.sgd, directions: [delta] }, data, surfaceOptions(ts));
  options.onProgress?.({ done: total, total });
  const mean = (rays: Rays) => distances.map((_, r) => rays[widthSet].loss.reduce((s, row) => s + row[r], 0) / directions);
  const meanLoss = { swa: mean(swaRays), sgd: mean(sgdRays) };
  const width = {
    swa: firstCrossing(distances, meanLoss.swa, meanLoss.swa[0] + rise),
    sgd: firstCrossing(distances, meanLoss.sgd, meanLoss.sgd[0] + rise),
  };
  const roles: Record<string, DataSet> = Object.fromEntries(sets);
  return {
    distances,
    normalization,
    rays: { swa: swaRays, sgd: sgdRays },
    meanLoss,
    widthSet,
    rise,
    width,
    line: {
      ts,
      distance: trainableNorm(delta, P),
      sets: Object.fromEntries(sets.map(([role]) => [role, { loss: lineReport.sets[role].loss[0], accuracy: lineReport.sets[role].accuracy[0] }])),
    },
    bn,
    manifest: createManifest({
      operation: 'measureSwaGeometry', arch, points: [points.swa, points.sgd], data: roles, seeds: { directions: seed },
      sampleOrder: 'data set order; BatchNorm recomputed over the bn set in order at every point',
      options: { directions, seed, normalization, distances, ts, rise, bn, batchSize: options.batchSize ?? 1000 },
    }),
  };
}
