/**
 * What `path`, `curve` and `demo` share: the evaluation flags, evaluating the line (and curves) on
 * the train and test splits with bootstrap intervals of the barriers, report.json, the paths.svg/png
 * figure and the summary table.
 */
import { join } from 'node:path';
import type { DataSet } from '../data/dataset.js';
import { subsetDataSet } from '../data/dataset.js';
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import { allCells } from '../model/grid-cells.js';
import type { Runner } from '../model/runner.js';
import { assemblePathReport, hasBatchNorm, planPathCells, type BnMode, type PathCell, type PathPlan, type PathReport } from '../paths/evaluate.js';
import { bootstrapBarrier, type BootstrapInterval } from '../paths/metrics.js';
import type { Path } from '../paths/path.js';
import { pathPlotSpec } from '../plot/path-spec.js';
import type { FlagSpec } from './args.js';
import { describeData } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic, type RunInfo } from './manifest.js';
import { cancelOnSignals } from './signals.js';
import { ProgressBar } from './progress.js';
import { withRunner } from './runner.js';
import { withoutShardFlags, type GridJob } from './shard.js';
import { fixed4, formatTable, percent } from './table.js';

/** Flags every path-evaluating command takes. */
export const EVAL_FLAGS = {
  points: { kind: 'int', default: 25, min: 2, value: 'n', help: 'evenly spaced t\'s from 0 to 1 (odd counts include the midpoint)' },
  bn: { kind: 'string', choices: ['blend', 'recompute', 'batch-stats'], value: 'mode', help: 'BatchNorm statistics at each t: blend | recompute (over the train split) | batch-stats\n(default recompute for networks with BatchNorm; docs/PATHS.md)' },
  trainSamples: { kind: 'int', min: 1, value: 'n', help: 'evaluate (and recompute BatchNorm over) this many evenly spaced training samples (default all)' },
  bootstrap: { kind: 'int', default: 200, min: 0, value: 'n', help: 'bootstrap resamples for the barriers\' confidence intervals (0 = none)' },
  perSample: { kind: 'boolean', help: 'also write per-example losses and correctness at every t into report.json' },
  evalBatchSize: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'samples per evaluation call (the batch of --bn batch-stats)' },
  workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'evaluate the points on a pool of n worker threads (0 = this thread; same bits either way)' },
  quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
} as const satisfies Record<string, FlagSpec>;

export interface EvalFlags {
  points: number;
  bn?: string;
  trainSamples?: number;
  bootstrap: number;
  perSample: boolean;
  evalBatchSize: number;
  workers: number;
  quiet: boolean;
}

/** A path to evaluate: key in report.json, label in the figure and table. */
export interface NamedPath {
  key: string;
  label: string;
  path: Path;
}

/** One path's results in report.json. */
export interface PathJson extends Omit<PathReport, 'sets'> {
  label: string;
  sets: Record<string, {
    data: PathReport['sets'][string]['data'];
    points: PathReport['sets'][string]['points'];
    metrics: PathReport['sets'][string]['metrics'];
    bootstrap?: { loss: BootstrapInterval; error: BootstrapInterval };
    perSample?: { losses: number[][]; correct: number[][] };
  }>;
  seconds: number;
}

/** report.json. */
export interface PathsReport extends RunInfo {
  status: 'completed';
  data: { spec: string; train: ReturnType<typeof describeData>; test: ReturnType<typeof describeData>; trainEvaluated: ReturnType<typeof describeData> };
  arch: { label: string; parameters: number; value: Arch };
  inputs: Record<string, unknown>;
  options: { points: number; bn: BnMode; bootstrap: number; perSample: boolean; evalBatchSize: number; workers: number; trainSamples: number | null };
  paths: Record<string, PathJson>;
  files: Record<string, string>;
  [extra: string]: unknown;
}

/** The training samples to evaluate: all, or n evenly spaced ones (deterministic). */
export function trainSubset(train: DataSet, n: number | undefined): DataSet {
  if (n === undefined || n >= train.n) return train;
  const indices = Array.from({ length: n }, (_, i) => Math.floor((i * train.n) / n));
  return subsetDataSet(train, indices, `${train.name}[${n} of ${train.n}]`);
}

/** What evaluateAndReport needs. */
export interface PathRunInit {
  argv: string[];
  out: string;
  arch: Arch;
  archLabel: string;
  dataSpec: string;
  train: DataSet;
  test: DataSet;
  paths: NamedPath[];
  flags: EvalFlags;
  inputs: Record<string, unknown>;
  seeds?: Record<string, number>;
  extra?: Record<string, unknown>;
  extraFiles?: Record<string, string>;
}

/** Everything report.json and the figure need besides the cells (JSON-safe; the same in every shard). */
export interface PathRunPlan {
  info: RunInfo;
  data: PathsReport['data'];
  arch: PathsReport['arch'];
  inputs: Record<string, unknown>;
  options: PathsReport['options'];
  extra: Record<string, unknown>;
  extraFiles: Record<string, string>;
  subtitle: string;
  /** Path p owns cells offset … offset + plan.ts.length − 1 (cell i is its i-th t). */
  paths: Array<{ key: string; label: string; offset: number; plan: PathPlan }>;
}

/** Seconds spent on each path (in plan order). */
export type PathRunTiming = number[];

/**
 * Plans the evaluation of every path as one grid of cells (the paths' points, path after path) on
 * `runner`; call free() when done. The argv recorded is without the shard flags.
 */
export async function planPathRun(init: PathRunInit, runner: Runner | undefined, progress: ProgressBar):
  Promise<GridJob<PathRunPlan, PathCell, PathRunTiming> & { free(): void }> {
  const { arch, flags } = init;
  const compiled = compiledOf(arch);
  const bn = (flags.bn ?? (hasBatchNorm(compiled) ? 'recompute' : 'blend')) as BnMode;
  const trainEval = trainSubset(init.train, flags.trainSamples);
  let current = 0;
  let fraction = (done: number, total: number) => done / total;
  const planned: Array<Awaited<ReturnType<typeof planPathCells>>> = [];
  const free = () => planned.forEach((p) => p.free());
  try {
    for (const [index, named] of init.paths.entries()) {
      planned.push(await planPathCells(named.path, arch, { train: trainEval, test: init.test }, {
        points: flags.points, bn, batchSize: flags.evalBatchSize, perSample: true, seeds: init.seeds, runner,
        onProgress: ({ done, total, t }) => progress.update({ fraction: fraction(done, total), detail: `${init.paths[index].key} t=${t.toFixed(2)}` }),
      }));
    }
  } catch (error) {
    free();
    throw error;
  }
  let offset = 0;
  const paths = init.paths.map((named, p) => {
    const entry = { key: named.key, label: named.label, offset, plan: planned[p].plan };
    offset += planned[p].count;
    return entry;
  });
  const plan: PathRunPlan = {
    info: runInfo(withoutShardFlags(init.argv), 'paths'),
    data: { spec: init.dataSpec, train: describeData(init.train), test: describeData(init.test), trainEvaluated: describeData(trainEval) },
    arch: { label: init.archLabel, parameters: compiled.paramCount, value: arch },
    inputs: init.inputs,
    options: { points: flags.points, bn, bootstrap: flags.bootstrap, perSample: flags.perSample, evalBatchSize: flags.evalBatchSize, workers: flags.workers, trainSamples: flags.trainSamples ?? null },
    extra: init.extra ?? {},
    extraFiles: init.extraFiles ?? {},
    subtitle: `${init.archLabel} on ${init.dataSpec}; BatchNorm ${bn}; ${flags.points} points; barriers on test`,
    paths,
  };
  const evaluate = async (indices: readonly number[]) => {
    const cells: PathCell[] = [];
    const timing: PathRunTiming = [];
    for (const [p, entry] of paths.entries()) {
      const mine = indices.filter((c) => c >= entry.offset && c < entry.offset + planned[p].count).map((c) => c - entry.offset);
      const started = performance.now();
      current = p;
      fraction = (done, total) => (current + done / total) / paths.length;
      if (mine.length > 0) {
        progress.note(`evaluating the ${entry.label} at ${mine.length === planned[p].count ? '' : `${mine.length} of `}${flags.points} points on ${trainEval.name} (${trainEval.n}) and ${init.test.name} (${init.test.n}), BatchNorm ${bn}`);
        cells.push(...await planned[p].evaluate(mine));
      }
      timing.push((performance.now() - started) / 1000);
    }
    return { cells, timing };
  };
  return { command: 'path', plan, count: offset, evaluate, free };
}

/** Evaluates every path on train and test; fills report.json, writes the figure; returns the report and summary. */
export async function evaluateAndReport(init: PathRunInit): Promise<{ report: PathsReport; summary: string }> {
  // A bar of its own, so its ETA and 10% lines start afresh after training or fitting.
  const progress = new ProgressBar({ label: 'eval', quiet: init.flags.quiet });
  ensureDir(init.out);
  const { plan, cells, timing } = await withRunner(init.flags.workers, async (runner) => {
    const job = await planPathRun(init, runner, progress);
    try {
      return { plan: job.plan, ...await job.evaluate(allCells(job.count)) };
    } finally {
      job.free();
    }
  });
  progress.done();
  return writePathRunReport(plan, cells, [timing], init.out);
}

/**
 * Writes report.json and paths.svg/png into `out` from the plan and every cell in order (a single
 * run, or merge-shards with each shard's timing); returns the report and the summary table.
 */
export async function writePathRunReport(plan: PathRunPlan, cells: readonly PathCell[], timings: readonly PathRunTiming[], out: string):
  Promise<{ report: PathsReport; summary: string }> {
  const paths: Record<string, PathJson> = {};
  const reports: Record<string, PathReport> = {};
  plan.paths.forEach((entry, p) => {
    const report = assemblePathReport(entry.plan, cells.slice(entry.offset, entry.offset + entry.plan.ts.length));
    reports[entry.label] = report;
    // Evaluation time, summed over the shards of a split run.
    paths[entry.key] = toJson(entry.label, report, plan.options, timings.reduce((sum, t) => sum + t[p], 0));
  });
  const files: Record<string, string> = { report: join(out, 'report.json'), ...plan.extraFiles };
  const spec = pathPlotSpec(reports, { subtitle: plan.subtitle });
  const figure = await writeFigure(spec, out, 'paths');
  Object.assign(files, figure.files);
  const warnings = figure.warnings;
  const report: PathsReport = {
    ...plan.info,
    status: 'completed',
    data: plan.data,
    arch: plan.arch,
    inputs: plan.inputs,
    options: plan.options,
    ...plan.extra,
    paths,
    files,
    ...(warnings.length ? { warnings } : {}),
  };
  writeJsonAtomic(files.report, report);
  return { report, summary: summaryTable(report) };
}

function toJson(label: string, report: PathReport, flags: { bootstrap: number; perSample: boolean }, seconds: number): PathJson {
  const sets: PathJson['sets'] = {};
  for (const [role, curve] of Object.entries(report.sets)) {
    const entry: PathJson['sets'][string] = { data: curve.data, points: curve.points, metrics: curve.metrics };
    const per = curve.perSample;
    if (per && flags.bootstrap > 0 && curve.metrics) {
      const errors = per.correct.map((c) => Float32Array.from(c, (v) => 1 - v));
      const options = { seed: 0, resamples: flags.bootstrap, level: 0.95 } as const;
      entry.bootstrap = { loss: bootstrapBarrier(report.ts, per.losses, options), error: bootstrapBarrier(report.ts, errors, options) };
    }
    if (per && flags.perSample) entry.perSample = { losses: per.losses.map((a) => Array.from(a)), correct: per.correct.map((a) => Array.from(a)) };
    sets[role] = entry;
  }
  const { sets: _sets, ...rest } = report;
  return { label, ...rest, sets, seconds };
}

/** One row per path, set and quantity: the endpoints and every metric, loss to 4 digits and error in %. */
export function summaryTable(report: PathsReport): string {
  const rows: string[][] = [];
  for (const p of Object.values(report.paths)) {
    for (const [role, set] of Object.entries(p.sets)) {
      if (!set.metrics) continue;
      for (const quantity of ['loss', 'error'] as const) {
        const m = set.metrics[quantity];
        const f = quantity === 'loss' ? fixed4 : percent;
        const ci = set.bootstrap?.[quantity];
        rows.push([p.label, role, quantity, f(m.endpoints[0]), f(m.endpoints[1]), f(m.barrier), ci ? `${f(ci.lower)}..${f(ci.upper)}` : '-',
          f(m.barrierMaxMinusMean), f(m.midpointDeficit), f(m.min), f(m.max), f(m.mean), f(m.lengthWeightedMean)]);
      }
    }
  }
  return formatTable(['path', 'set', 'value', 't=0', 't=1', 'barrier', 'barrier 95% CI', 'max-mean', 'midpoint', 'min', 'max', 'mean', 'len-weighted'], rows);
}

/** Throws unless the two models have the same architecture. */
export function expectSameArch(a: Arch, b: Arch, fileA: string, fileB: string): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new ModeconnError('BAD_ARGUMENT', `${fileA} and ${fileB} have different architectures; a path needs two models of one architecture`);
  }
}

/** A short label of an arch for figures: input, then conv widths, pools, BatchNorm and dense widths. */
export function describeArch(arch: Arch): string {
  const parts = [arch.input.join('x')];
  const walk = (layers: Arch['layers']) => {
    for (const l of layers) {
      if (l.type === 'dense') parts.push(String(l.out));
      else if (l.type === 'conv2d') parts.push(`conv${l.out}`);
      else if (l.type === 'maxpool') parts.push('M');
      else if (l.type === 'avgpool') parts.push('A');
      else if (l.type === 'batchnorm') parts.push('bn');
      else if (l.type === 'residual') parts.push('res');
    }
  };
  walk(arch.layers);
  return parts.join('-');
}

/** An AbortSignal that SIGINT or SIGTERM triggers (a second signal quits at once); call dispose() when done. */
export function cancelOnSigint(progress: ProgressBar): { signal: AbortSignal; dispose: () => void } {
  return cancelOnSignals(progress);
}
