/**
 * `modeconn trajectory`: trains a network keeping θ snapshots along the run, takes the PCA of the
 * trajectory (top two directions from the snapshots' Gram matrix), evaluates the loss on the plane of
 * the two directions through the final θ and draws the trajectory on it (Li et al. 2018, Figure 9),
 * with the explained variance on the axes. Writes model.safetensors, report.json, trajectory.svg/png,
 * and loss-landscape's files: directions.h5 (PCA directions and statistics), surface.h5, projection.h5.
 */
import { join } from 'node:path';
import { saveModel } from '../io/model-files.js';
import { writeDirectionsH5, writeProjectionH5, writeSurfaceH5 } from '../io/landscape-h5.js';
import { evaluateSurface } from '../landscape/surface.js';
import { trajectoryPca } from '../landscape/trajectory.js';
import { compiledOf } from '../model/model.js';
import { trainModel } from '../model/train.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { hasBatchNorm, type BnMode } from '../paths/evaluate.js';
import { landscapePlotSpec } from '../plot/landscape-spec.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { describeArch, trainSubset } from './path-run.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, resolveArch } from './resolve-arch.js';
import { withRunner } from './runner.js';
import { parseSchedule } from './specs.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'trajectory',
  summary: 'Train with snapshots; PCA of the trajectory; loss on the PCA plane with the path drawn (Li et al. Fig. 9).',
  usage: 'modeconn trajectory --arch <spec> --data <spec> --out <dir> [options]',
  description:
    'Trains as `modeconn train` does, keeping θ at the start and every --every steps or epochs. The\n' +
    'snapshots are centred and their top two principal directions found from the k × k Gram matrix (no\n' +
    'P × P covariance); the loss is evaluated on a --grid × --grid plane through the final θ spanned by\n' +
    'them, covering the projected trajectory with a --margin, and the trajectory is drawn on the contour.\n' +
    'Also writes the directions, surface and projection as loss-landscape\'s HDF5 files. docs/LANDSCAPE.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    seed: { kind: 'int', default: 1, min: 0, value: 'n', help: 'seed for initialisation, shuffling and dropout' },
    epochs: { kind: 'int', default: 5, min: 1, value: 'n', help: 'passes over the training split' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per optimiser step' },
    optimizer: { kind: 'string', default: 'sgd', choices: ['sgd', 'adam'], value: 'sgd|adam', help: 'optimiser' },
    lr: { kind: 'number', min: 0, help: 'learning rate (default 0.05 for sgd, 0.001 for adam)' },
    momentum: { kind: 'number', default: 0.9, min: 0, max: 1, help: 'SGD momentum' },
    weightDecay: { kind: 'number', default: 0, min: 0, help: 'L2 weight decay' },
    schedule: { kind: 'string', default: 'constant', value: 'spec', help: 'constant | step:every=<epochs>,gamma=<g> | cosine[:min=<lr>] | cyclic:cycle=<epochs>,min=<lr>' },
    unit: { kind: 'string', default: 'epoch', choices: ['step', 'epoch'], value: 'step|epoch', help: 'snapshot cadence unit' },
    every: { kind: 'int', default: 1, min: 1, value: 'n', help: 'a snapshot every n steps or epochs (plus the initial θ)' },
    grid: { kind: 'int', default: 21, min: 3, max: 201, value: 'n', help: 'points along each axis of the plane' },
    margin: { kind: 'number', default: 0.2, min: 0, value: 'f', help: 'widen the trajectory\'s bounding box by this fraction on each side' },
    trainSamples: { kind: 'int', default: 2000, min: 1, value: 'n', help: 'evenly spaced training samples the plane is evaluated (and BatchNorm recomputed) on' },
    testSamples: { kind: 'int', default: 2000, min: 1, value: 'n', help: 'evenly spaced test samples the plane is evaluated on' },
    evalBatchSize: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'samples per evaluation call' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'evaluate the plane on a pool of n worker threads (0 = this thread; same bits)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn trajectory --arch mlp:784-64-10 --data fashion-mnist --epochs 5 --out runs/traj',
    'modeconn trajectory --arch mlp:784-64-10 --data mnist --unit step --every 50 --epochs 3 --grid 25 --workers 2 --out runs/traj',
  ],
} as const satisfies CommandSpec;

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  if (flags.arch === undefined && flags.archFile === undefined) throw new UsageError('--arch or --arch-file is required');
  const { train, test } = await loadSplits(flags.data);
  const arch = await resolveArch(flags, train);
  const compiled = compiledOf(arch);
  ensureDir(flags.out);
  const optimizer: OptimizerConfig = flags.optimizer === 'adam'
    ? { type: 'adam', lr: flags.lr ?? 0.001, weightDecay: flags.weightDecay }
    : { type: 'sgd', lr: flags.lr ?? 0.05, momentum: flags.momentum, weightDecay: flags.weightDecay };
  const progress = new ProgressBar({ label: 'trajectory', quiet: flags.quiet });
  progress.note(`training ${compiled.paramCount} parameters on ${train.name} (${train.n}), a snapshot every ${flags.every} ${flags.unit}(s)`);
  const started = performance.now();
  const result = await trainModel(arch, train, {
    seed: flags.seed, epochs: flags.epochs, batchSize: flags.batchSize, optimizer, schedule: parseSchedule(flags.schedule),
    snapshots: { unit: flags.unit as 'step' | 'epoch', every: flags.every, initial: true },
    onProgress: (p) => progress.update({ fraction: p.fraction, loss: p.loss, detail: `epoch ${p.epoch}/${flags.epochs}` }),
  });
  progress.done();
  const trainSeconds = (performance.now() - started) / 1000;
  const snapshots = [...(result.snapshots ?? [])];
  // The final θ is the plane's origin: keep it as the last snapshot when the cadence missed it.
  const last = snapshots[snapshots.length - 1];
  if (!last || last.params.some((x, i) => x !== result.params[i])) snapshots.push({ step: -1, epoch: flags.epochs, params: result.params });
  const pca = trajectoryPca(arch, snapshots.map((s) => s.params));
  const xsTraj = pca.coordinates.map((c) => c[0]);
  const ysTraj = pca.coordinates.map((c) => c[1]);
  const span = (values: number[]) => {
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    const pad = flags.margin * Math.max(hi - lo, 1e-6);
    return linspace(lo - pad, hi + pad, flags.grid);
  };
  const [xs, ys] = [span(xsTraj), span(ysTraj)];
  const trainEval = trainSubset(train, flags.trainSamples);
  const testEval = trainSubset(test, flags.testSamples);
  const bn: BnMode = hasBatchNorm(compiled) ? 'recompute' : 'blend';
  const surfaceStarted = performance.now();
  const bar = new ProgressBar({ label: 'plane', quiet: flags.quiet });
  const report = await withRunner(flags.workers, (runner) => evaluateSurface(arch, { origin: pca.origin, directions: pca.directions }, { train: trainEval, test: testEval }, {
    xs, ys, bn, batchSize: flags.evalBatchSize, runner,
    onProgress: ({ done, total }) => bar.update({ fraction: done / total }),
  }));
  bar.done();
  const surfaceSeconds = (performance.now() - surfaceStarted) / 1000;
  const files: Record<string, string> = {
    report: join(flags.out, 'report.json'), model: join(flags.out, 'model.safetensors'),
    directions: join(flags.out, 'directions.h5'), surface: join(flags.out, 'surface.h5'), projection: join(flags.out, 'projection.h5'),
  };
  await saveModel({ arch, params: result.params }, files.model);
  await writeDirectionsH5(files.directions, arch, pca.directions, pca);
  await writeSurfaceH5(files.surface, report, 'directions.h5');
  await writeProjectionH5(files.projection, xsTraj, ysTraj);
  const label = flags.arch ?? describeArch(arch);
  const pc = (j: 0 | 1) => `${['1st', '2nd'][j]} PC: ${(100 * pca.explainedVarianceRatio[j]).toFixed(1)} %`;
  const figure = await writeFigure(landscapePlotSpec(report, {
    title: 'Training trajectory on the PCA plane', subtitle: `${label} on ${train.name}; ${snapshots.length} snapshots; origin = final θ`,
    xTitle: pc(0), yTitle: pc(1), trajectory: pca.coordinates.map(([x, y]) => ({ x, y })),
    marks: [{ label: 'start', x: xsTraj[0], y: ysTraj[0] }, { label: 'end', x: 0, y: 0 }],
  }), flags.out, 'trajectory');
  Object.assign(files, figure.files);
  const final = result.log[result.log.length - 1];
  writeJsonAtomic(files.report, {
    ...runInfo(['trajectory', ...argv], 'trajectory'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test), trainEvaluated: describeData(trainEval), testEvaluated: describeData(testEval) },
    arch: { label, parameters: compiled.paramCount, value: arch },
    options: {
      seed: flags.seed, epochs: flags.epochs, batchSize: flags.batchSize, optimizer, unit: flags.unit, every: flags.every, grid: flags.grid, margin: flags.margin, bn,
      workers: flags.workers,
    },
    log: result.log,
    pca: {
      explainedVarianceRatio: pca.explainedVarianceRatio, explainedVariance: pca.explainedVariance, singularValues: pca.singularValues,
      snapshots: snapshots.map((s, j) => ({ step: s.step, epoch: s.epoch, x: xsTraj[j], y: ysTraj[j], inPlane: pca.inPlane[j] })),
    },
    surface: report,
    seconds: { train: trainSeconds, surface: surfaceSeconds },
    files,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  const lines = [
    formatTable(['epoch', 'train loss', 'train acc'], result.log.map((l) => [String(l.epoch), fixed4(l.trainLoss), percent(l.trainAccuracy)])),
    `explained variance: ${pc(0)}, ${pc(1)} (${snapshots.length} snapshots)`,
    `trajectory from (${xsTraj[0].toFixed(3)}, ${ysTraj[0].toFixed(3)}) to (0, 0); plane ${flags.grid} × ${flags.grid} on ${trainEval.n} train / ${testEval.n} test samples`,
    `final train loss ${fixed4(final?.trainLoss)}; train ${trainSeconds.toFixed(1)} s, plane ${surfaceSeconds.toFixed(1)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n${formatPairs(Object.entries(files))}`);
  return 0;
}
