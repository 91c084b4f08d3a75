/**
 * The bound of Nguyen et al.'s path, checked segment by segment. Each waypoint computes a known
 * function (a network or one of its probes), whose loss L is measured on its own (the probes on
 * their own narrow plans), independently of the path. Along an 'output' segment the loss is convex
 * in t, so it must stay ≤ max(L(start), L(end)); along an 'unchanged' segment it must equal L(start).
 * Hence the whole path stays ≤ max(L_A, L_B, every probe's loss) — the theorem's bound, which with
 * linearly separable kept features (probe losses → 0) is max(L_A, L_B) up to an arbitrarily small ε.
 * The bound holds on any data set, train or test, with that set's losses of the functions.
 */
import type { DataSet } from '../data/dataset.js';
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import type { RunnerOption } from '../model/train.js';
import { evaluatePath } from '../paths/evaluate.js';
import { uniformTs, waypointPath } from '../paths/path.js';
import type { ConstructedPath, ConstructedSegmentKind, PathFunction } from './constructed-path.js';

/** Measured loss of each function on one data set: index 0 is the network, index ℓ its probe of layer ℓ. */
export type FunctionLosses = Record<'A' | 'B', readonly number[]>;

export interface SegmentCheck {
  segment: number;
  kind: ConstructedSegmentKind;
  step: string;
  from: PathFunction;
  to: PathFunction;
  /** Largest loss at the evaluated t's of the segment (its ends included). */
  maxLoss: number;
  /** max(L(from), L(to)). */
  bound: number;
  /** Largest |loss(t) − L(from)| ('unchanged' segments). */
  deviation?: number;
  holds: boolean;
}

export interface BoundCheck {
  segments: SegmentCheck[];
  /** max(L_A, L_B, every probe's loss): the theorem's bound for the whole path. */
  theoremBound: number;
  /** The largest loss on the path. */
  worst: number;
  /** Every segment within its bound (and so the path within the theorem's). */
  holds: boolean;
}

export interface BoundOptions {
  /** Slack for float rounding: a loss may exceed its bound by tolerance·(1 + bound) (default 1e-4). */
  tolerance?: number;
}

function lossOf(refs: FunctionLosses, f: PathFunction): number {
  const v = refs[f.net][f.probe];
  if (v === undefined || !Number.isFinite(v)) throw new ModeconnError('BAD_ARGUMENT', `no loss given for ${f.net}'s ${f.probe === 0 ? 'network' : `probe of layer ${f.probe}`}`);
  return v;
}

/**
 * Checks losses measured along the path at `ts` (waypoint j at t = j/S for S segments; a knot counts
 * in both segments it joins) against each segment's bound.
 */
export function checkSegmentBounds(path: ConstructedPath, ts: readonly number[], losses: readonly number[], references: FunctionLosses, options: BoundOptions = {}): BoundCheck {
  const { tolerance = 1e-4 } = options;
  const S = path.segments.length;
  if (ts.length !== losses.length || ts.length === 0) throw new ModeconnError('BAD_ARGUMENT', `${ts.length} t's for ${losses.length} losses`);
  const segments = path.segments.map((seg, s): SegmentCheck => {
    const inside = ts.map((t, i) => [t * S, losses[i]] as const).filter(([u]) => u >= s - 1e-9 && u <= s + 1 + 1e-9).map(([, l]) => l);
    if (inside.length === 0) throw new ModeconnError('BAD_ARGUMENT', `no evaluated t falls in segment ${s} (${s}/${S}..${s + 1}/${S})`);
    const start = lossOf(references, seg.from);
    const bound = Math.max(start, lossOf(references, seg.to));
    const maxLoss = Math.max(...inside);
    const deviation = seg.kind === 'unchanged' ? Math.max(...inside.map((l) => Math.abs(l - start))) : undefined;
    return {
      segment: s, kind: seg.kind, step: seg.step, from: seg.from, to: seg.to, maxLoss, bound,
      ...(deviation !== undefined ? { deviation } : {}),
      holds: maxLoss <= bound + tolerance * (1 + Math.abs(bound)),
    };
  });
  const all = [...references.A, ...references.B];
  return { segments, theoremBound: Math.max(...all), worst: Math.max(...losses), holds: segments.every((s) => s.holds) };
}

export interface PathBoundOptions extends BoundOptions, RunnerOption {
  /** Evaluated t's per segment, its start included (default 4; the last waypoint is added). */
  pointsPerSegment?: number;
  batchSize?: number;
}

/** The path evaluated on each set and checked against that set's function losses. */
export interface PathBoundReport {
  ts: number[];
  sets: Record<string, { losses: number[]; errors: number[]; check: BoundCheck }>;
}

/** Evaluates the path at `pointsPerSegment` t's per segment on every set and checks each set's bound. */
export async function checkPathBounds(arch: Arch, path: ConstructedPath, data: Record<string, DataSet>, references: Record<string, FunctionLosses>,
  options: PathBoundOptions = {}): Promise<PathBoundReport> {
  const { pointsPerSegment = 4 } = options;
  if (!Number.isInteger(pointsPerSegment) || pointsPerSegment < 1) throw new ModeconnError('BAD_ARGUMENT', `pointsPerSegment must be a positive integer, got ${pointsPerSegment}`);
  for (const name of Object.keys(data)) if (!references[name]) throw new ModeconnError('BAD_ARGUMENT', `no function losses given for data set ${name}`);
  const S = path.segments.length;
  const knots = uniformTs(S + 1);
  const ts = uniformTs(pointsPerSegment * S + 1);
  const report = await evaluatePath(waypointPath(path.points, knots), arch, data, { ts, bn: 'blend', runner: options.runner, batchSize: options.batchSize });
  const sets: PathBoundReport['sets'] = {};
  for (const [name, curve] of Object.entries(report.sets)) {
    const losses = curve.points.map((p) => p.loss);
    sets[name] = { losses, errors: curve.points.map((p) => p.error), check: checkSegmentBounds(path, ts, losses, references[name], options) };
  }
  return { ts, sets };
}

/** The function losses of two probe reports on 'train' or 'test': [network, probe 1, …, probe d] per net. */
export function referenceLosses(a: ProbeLosses, b: ProbeLosses, set: 'train' | 'test'): FunctionLosses {
  const of = (r: ProbeLosses, net: string) => {
    const own = r.network[set];
    if (!own) throw new ModeconnError('BAD_ARGUMENT', `${net}'s probe report has no ${set} losses`);
    const sorted = [...r.layers].sort((x, y) => x.layer - y.layer);
    return [own.loss, ...sorted.map((p) => {
      const v = p[set];
      if (!v) throw new ModeconnError('BAD_ARGUMENT', `${net}'s probe of layer ${p.layer} has no ${set} losses`);
      return v.loss;
    })];
  };
  return { A: of(a, 'A'), B: of(b, 'B') };
}

/** The parts of a ProbeReport that referenceLosses reads. */
export interface ProbeLosses {
  network: { train: { loss: number }; test?: { loss: number } };
  layers: ReadonlyArray<{ layer: number; train: { loss: number }; test?: { loss: number } }>;
}
