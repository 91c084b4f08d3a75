/**
 * `modeconn landscape`: loss and accuracy over a grid around one model (1-D or 2-D, seeded
 * filter-normalised random directions; Li et al. 2018), along the line through two models
 * (extrapolated past both ends) or over the plane through three (Garipov et al. 2018); writes
 * report.json and landscape.svg/png, or with --shard one part of the grid (docs/CLUSTER.md).
 */
import { join } from 'node:path';
import { hessianDirections } from '../hessian/along-path.js';
import { writeDirectionsH5, writeSurfaceH5 } from '../io/landscape-h5.js';
import { planeThrough, randomDirection, type Normalization } from '../landscape/directions.js';
import { assembleSurfaceReport, planSurfaceCells, type Surface, type SurfaceCell, type SurfacePlan, type SurfaceReport } from '../landscape/surface.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import { hasBatchNorm, type BnMode } from '../paths/evaluate.js';
import { landscapePlotSpec } from '../plot/landscape-spec.js';
import { withRunner } from './runner.js';
import { parseArgs, UsageError, type CommandSpec, type ParsedFlags } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic, type RunInfo } from './manifest.js';
import { describeArch, EVAL_FLAGS, trainSubset } from './path-run.js';
import { splitPositionals } from './positionals.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, readModels } from './resolve-arch.js';
import { describePart, resolveShard, runGridJob, SHARD_FLAGS, withoutShardFlags } from './shard.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

const { points: _points, bootstrap: _bootstrap, perSample: _perSample, ...EVAL_ONLY } = EVAL_FLAGS;

export const spec = {
  name: 'landscape',
  summary: 'Loss over a grid: around one model (random directions), along two, or on the plane through three.',
  usage: 'modeconn landscape <A.safetensors> [<B.safetensors> [<C.safetensors>]] --data <spec> --out <dir> [options]',
  description:
    'One model: a 2-D grid (or --dims 1) along seeded Gaussian directions normalised per filter, so the\n' +
    'picture does not depend on each unit\'s scale (Li et al. 2018). Two models: the line through A and B,\n' +
    'extrapolated past both ends (t = 0 is A, 1 is B). Three models: the plane through them, with\n' +
    'coordinates in parameter distance (Garipov et al. 2018). Writes <out>/report.json (grid, losses and\n' +
    'accuracies on train and test, each model\'s coordinates, run manifest) and <out>/landscape.svg/png.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    grid: { kind: 'int', min: 2, max: 401, value: 'n', help: 'points along each axis (default 21 for 2-D grids, 41 for 1-D)' },
    range: { kind: 'string', value: 'lo,hi', help: 'coordinates covered on each axis (default -1,1 around one model, -0.5,1.5 along two;\nthe plane: the three models\' bounding box widened by --margin)' },
    margin: { kind: 'number', default: 0.25, min: 0, value: 'f', help: 'plane: widen the bounding box by this fraction of its size on each side' },
    dims: { kind: 'int', default: 2, min: 1, max: 2, value: 'n', help: 'one model: a 1-D or 2-D grid' },
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of the random directions (one model)' },
    normalization: { kind: 'string', default: 'filter', choices: ['filter', 'layer', 'none'], value: 'kind', help: 'scaling of the random directions to the model' },
    directions: { kind: 'string', default: 'random', choices: ['random', 'hessian'], value: 'kind', help: 'one model: seeded random directions, or the Hessian\'s top eigenvectors (unit vectors;\nLanczos over --hessian-samples training samples, eval-mode BatchNorm)' },
    hessianSamples: { kind: 'int', default: 2000, min: 1, value: 'n', help: '--directions hessian: evenly spaced training samples of the Hessian' },
    h5: { kind: 'string', value: 'file', help: 'also write the surface as loss-landscape\'s HDF5 (and <file>_directions.h5 beside it)' },
    ...EVAL_ONLY,
    ...SHARD_FLAGS,
  },
  examples: [
    'modeconn landscape runs/a/model.safetensors --data mnist --out runs/land-a',
    'modeconn landscape runs/a/model.safetensors runs/b/model.safetensors --data mnist --grid 61 --out runs/land-ab',
    'modeconn landscape runs/a/model.safetensors runs/b/model.safetensors runs/c/model.safetensors --data mnist --grid 25 --workers 2 --out runs/plane',
    'modeconn landscape runs/a/model.safetensors --data mnist --directions hessian --range -0.5,0.5 --h5 runs/la/surface.h5 --out runs/la',
    'modeconn landscape runs/a/model.safetensors --data mnist --grid 41 --shard 0/4 --out runs/land-a   # then 1/4 … 3/4, then merge-shards',
  ],
} as const satisfies CommandSpec;

/** `n` evenly spaced values from lo to hi. */
function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
}

function parseRange(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x)) || !(parts[1] > parts[0])) {
    throw new UsageError(`--range needs lo,hi with lo < hi, got ${JSON.stringify(text)}`);
  }
  return [parts[0], parts[1]];
}

/** What the grid is laid over, and how the figure labels it. */
interface Layout {
  kind: 'random' | 'line' | 'plane';
  surface: Surface;
  xs: number[];
  ys?: number[];
  marks: { label: string; x: number; y?: number }[];
  xTitle: string;
  yTitle?: string;
  details: Record<string, unknown>;
}

function layoutOf(models: { file: string; params: Float32Array }[], arch: Arch, flags: ParsedFlags<typeof spec.flags>,
  hessian?: { directions: [Float32Array, Float32Array]; eigenvalues: number[] }): Layout {
  const range = parseRange(flags.range);
  const label = (file: string, fallback: string) => file.replace(/^.*\//, '').replace(/\.safetensors$/, '').replace(/^model$/, fallback);
  if (models.length === 1) {
    const [lo, hi] = range ?? [-1, 1];
    const n = flags.grid ?? (flags.dims === 1 ? 41 : 21);
    const normalization = flags.normalization as Normalization;
    const dirs = hessian
      ? hessian.directions.slice(0, flags.dims)
      : Array.from({ length: flags.dims }, (_, stream) => randomDirection(arch, models[0].params, { seed: flags.seed, stream, normalization }));
    const axis = (k: number) => (hessian
      ? `Hessian eigenvector ${k} (λ${k} = ${hessian.eigenvalues[k - 1].toPrecision(4)})`
      : `direction ${k} (${normalization === 'none' ? 'raw' : `${normalization}-normalised`}, seed ${flags.seed})`);
    return {
      kind: 'random',
      surface: { origin: models[0].params, directions: dirs as [Float32Array] | [Float32Array, Float32Array] },
      xs: linspace(lo, hi, n),
      ys: flags.dims === 2 ? linspace(lo, hi, n) : undefined,
      marks: [{ label: 'A', x: 0, y: flags.dims === 2 ? 0 : undefined }],
      xTitle: axis(1),
      yTitle: flags.dims === 2 ? axis(2) : undefined,
      details: hessian ? { directions: 'hessian', eigenvalues: hessian.eigenvalues } : { seed: flags.seed, normalization, ignore: 'biasbn' },
    };
  }
  if (models.length === 2) {
    const [lo, hi] = range ?? [-0.5, 1.5];
    const [a, b] = models.map((m) => m.params);
    return {
      kind: 'line',
      surface: { origin: a, directions: [b.map((x, i) => x - a[i])] },
      xs: linspace(lo, hi, flags.grid ?? 41),
      marks: [{ label: 'A', x: 0 }, { label: 'B', x: 1 }],
      xTitle: 't (A at 0, B at 1)',
      details: {},
    };
  }
  const plane = planeThrough(arch, [models[0].params, models[1].params, models[2].params]);
  const n = flags.grid ?? 21;
  const span = (k: 0 | 1): number[] => {
    const values = plane.coordinates.map((c) => c[k]);
    const [min, max] = [Math.min(...values), Math.max(...values)];
    const pad = flags.margin * (max - min);
    return range ? linspace(range[0], range[1], n) : linspace(min - pad, max + pad, n);
  };
  const names = ['A', 'B', 'C'];
  return {
    kind: 'plane',
    surface: { origin: plane.origin, directions: [plane.u, plane.v] },
    xs: span(0),
    ys: span(1),
    marks: plane.coordinates.map(([x, y], j) => ({ label: label(models[j].file, names[j]), x, y })),
    xTitle: 'distance along A → B',
    yTitle: 'distance orthogonal, towards C',
    details: { coordinates: plane.coordinates },
  };
}

/** The grid value nearest each mark, and each set's minimum, for the summary. */
function summary(report: SurfaceReport, marks: Layout['marks']): string {
  const nearest = (values: readonly number[], v: number) => values.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(values[best] - v) ? i : best), 0);
  const rows: string[][] = [];
  for (const [role, set] of Object.entries(report.sets)) {
    for (const m of marks) {
      const r = report.ys ? nearest(report.ys, m.y ?? 0) : 0;
      const c = nearest(report.xs, m.x);
      rows.push([role, `${m.label} (nearest grid point)`, fixed4(set.loss[r][c]), percent(1 - set.accuracy[r][c])]);
    }
    const flat = set.loss.flat();
    const k = flat.reduce((best, l, i) => (l < flat[best] ? i : best), 0);
    const [r, c] = [Math.floor(k / report.xs.length), k % report.xs.length];
    const where = report.ys ? `(${report.xs[c].toFixed(3)}, ${report.ys[r].toFixed(3)})` : `${report.xs[c].toFixed(3)}`;
    rows.push([role, `grid minimum at ${where}`, fixed4(flat[k]), percent(1 - set.accuracy[r][c])]);
    rows.push([role, 'grid maximum', fixed4(Math.max(...flat)), '-']);
  }
  return formatTable(['set', 'where', 'loss', 'error'], rows);
}

/** Everything report.json and the figure need besides the cells (JSON-safe; the same in every shard). */
export interface LandscapePlan {
  info: RunInfo;
  data: Record<string, unknown>;
  arch: { label: string; parameters: number; value: Arch };
  inputs: Record<string, unknown>;
  kind: Layout['kind'];
  details: Record<string, unknown>;
  marks: Layout['marks'];
  options: Record<string, unknown>;
  plot: { title: string; subtitle: string; xTitle: string; yTitle?: string };
  surface: SurfacePlan;
  /** --h5: the surface's file (written with the report) and the directions' (written by the run or shard 0). */
  h5?: { file: string; directions: string };
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  if (positionals.length < 1 || positionals.length > 3) {
    throw new UsageError(`give one, two or three model files; usage: ${spec.usage}`);
  }
  if (positionals.length > 1 && flagArgs.some((f) => f === '--dims' || f.startsWith('--dims='))) {
    throw new UsageError('--dims applies to one model: two models give the line, three the plane');
  }
  const shard = resolveShard(flags.shard, flags.shardCount);
  const { train, test } = await loadSplits(flags.data);
  const models = await readModels(positionals, flags, train);
  const arch = models[0].model.arch;
  const compiled = compiledOf(arch);
  if (flags.directions === 'hessian' && models.length !== 1) throw new UsageError('--directions hessian applies to one model');
  const hessian = flags.directions === 'hessian'
    ? await withRunner(flags.workers, (runner) => hessianDirections(arch, models[0].model.params, trainSubset(train, flags.hessianSamples), { runner, seed: flags.seed }))
    : undefined;
  const layout = layoutOf(models.map((m) => ({ file: m.file, params: m.model.params })), arch, flags, hessian);
  const bn = (flags.bn ?? (hasBatchNorm(compiled) ? 'recompute' : 'blend')) as BnMode;
  const trainEval = trainSubset(train, flags.trainSamples);
  ensureDir(flags.out);

  const points = layout.xs.length * (layout.ys?.length ?? 1);
  const progress = new ProgressBar({ label: 'landscape', quiet: flags.quiet });
  progress.note(`evaluating ${shard ? `shard ${shard.index} of ${shard.count} of ` : ''}${points} grid points (${layout.kind}) on ${trainEval.name} (${trainEval.n}) and ${test.name} (${test.n}), BatchNorm ${bn}`);
  const archLabel = flags.arch ?? describeArch(arch);
  const result = await withRunner(flags.workers, async (runner) => {
    const cells = await planSurfaceCells(arch, layout.surface, { train: trainEval, test }, {
      xs: layout.xs, ys: layout.ys, bn, batchSize: flags.evalBatchSize, runner,
      seeds: layout.kind === 'random' ? { directions: flags.seed } : undefined,
      onProgress: ({ done, total }) => progress.update({ fraction: done / total, detail: `${Math.floor(done / 2)}/${total / 2} points` }),
    });
    const plan: LandscapePlan = {
      info: runInfo(['landscape', ...withoutShardFlags(argv)], 'landscape'),
      data: { spec: flags.data, train: describeData(train), test: describeData(test), trainEvaluated: describeData(trainEval) },
      arch: { label: archLabel, parameters: compiled.paramCount, value: arch },
      inputs: Object.fromEntries(models.map((m, j) => [['a', 'b', 'c'][j], { file: m.file, metadata: m.metadata }])),
      kind: layout.kind,
      details: layout.details,
      marks: layout.marks,
      options: { grid: layout.xs.length, bn, evalBatchSize: flags.evalBatchSize, workers: flags.workers, trainSamples: flags.trainSamples ?? null },
      plot: {
        title: layout.kind === 'plane' ? 'Loss on the plane through three models' : layout.kind === 'line' ? 'Loss along the line through A and B' : 'Loss around A',
        subtitle: `${archLabel} on ${flags.data}; ${hasBatchNorm(compiled) ? `BatchNorm ${bn}; ` : ''}${points} points`,
        xTitle: layout.xTitle, yTitle: layout.yTitle,
      },
      surface: cells.plan,
      ...(flags.h5 !== undefined ? { h5: { file: flags.h5, directions: `${flags.h5.replace(/\.h5$/, '')}_directions.h5` } } : {}),
    };
    // The directions' file is the same for every shard: shard 0 (or the single run) writes it.
    if (plan.h5 && (!shard || shard.index === 0)) await writeDirectionsH5(plan.h5.directions, arch, layout.surface.directions);
    const job = {
      command: 'landscape', plan, count: cells.count,
      evaluate: async (indices: readonly number[]) => {
        const started = performance.now();
        const values = await cells.evaluate(indices);
        return { cells: values, timing: (performance.now() - started) / 1000 };
      },
    };
    return { plan, run: await runGridJob(job, shard, flags.out) };
  });
  progress.done();
  if (result.run.part !== undefined) {
    process.stdout.write(describePart(result.run.part, shard!, flags.out));
    return 0;
  }
  process.stdout.write(await writeLandscapeReport(result.plan, result.run.cells, [result.run.timing], flags.out));
  return 0;
}

/**
 * Writes report.json and the figure into `out` from the plan and every cell in grid order (a single
 * run, or merge-shards with each shard's seconds); returns the summary to print.
 */
export async function writeLandscapeReport(plan: LandscapePlan, cells: readonly SurfaceCell[], timings: readonly number[], out: string): Promise<string> {
  const surface = assembleSurfaceReport(plan.surface, cells);
  const spec = landscapePlotSpec(surface, { ...plan.plot, marks: plan.marks });
  const files: Record<string, string> = { report: join(out, 'report.json') };
  if (plan.h5) {
    await writeSurfaceH5(plan.h5.file, surface, plan.h5.directions.replace(/^.*\//, ''));
    Object.assign(files, { h5: plan.h5.file, h5Directions: plan.h5.directions });
  }
  const figure = await writeFigure(spec, out, 'landscape');
  Object.assign(files, figure.files);
  writeJsonAtomic(files.report, {
    ...plan.info,
    status: 'completed',
    data: plan.data,
    arch: plan.arch,
    inputs: plan.inputs,
    kind: plan.kind,
    ...plan.details,
    marks: plan.marks,
    options: plan.options,
    surface,
    // Evaluation time, summed over the shards of a split run.
    seconds: timings.reduce((a, b) => a + b, 0),
    files,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  return `${summary(surface, plan.marks)}\n${formatPairs(Object.entries(files))}`;
}
