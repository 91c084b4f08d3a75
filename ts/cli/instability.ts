/**
 * `modeconn instability`: instability analysis (Frankle et al. 2020) — a parent run trained to each
 * spawn step k, two children from its state with different data orders trained to the end, and the
 * barrier on the line between them against k; report.json, instability.svg/png and a table.
 */
import { join } from 'node:path';
import { defaultSpawnSteps, instabilityAnalysis } from '../instability/instability.js';
import { stepsPerEpoch } from '../model/epochs.js';
import { compiledOf } from '../model/model.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { instabilityPlotSpec } from '../plot/instability-spec.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { trainSubset } from './path-run.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, resolveArch } from './resolve-arch.js';
import { withRunner } from './runner.js';
import { parseSchedule } from './specs.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'instability',
  summary: 'Instability analysis: the barrier between two children spawned at step k, against k (Frankle et al. 2020).',
  usage: 'modeconn instability --arch <spec> --data <spec> --out <dir> [--epochs n] [--spawn k1,k2,…] [options]',
  description:
    'Trains a parent run (--seed) and, at every spawn step k, resumes it twice from its exact state with\n' +
    'seeds --child-seeds (only the data order after k differs) to the end; evaluates the line between the\n' +
    'two children on the test split and reports the error barrier max_t E(t) − ½(E(0) + E(1)) against k.\n' +
    'k = 0 is the same initialisation; k = the last step gives two identical children (barrier 0).\n' +
    'Children train at once on a pool (--workers 2). Writes <out>/report.json and <out>/instability.svg/png.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, help: 'seed of the parent run (initialisation and data order up to k)' },
    childSeeds: { kind: 'string', default: '1001,1002', value: 'a,b', help: 'seeds of the two children\'s data order after k' },
    spawn: { kind: 'string', value: 'k1,k2,…', help: 'spawn steps (default 0 and total·2^−j for j = 4 … 0)' },
    epochs: { kind: 'int', default: 2, min: 1, help: 'epochs of every run' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per optimiser step' },
    optimizer: { kind: 'string', default: 'sgd', choices: ['sgd', 'adam'], value: 'sgd|adam', help: 'optimiser' },
    lr: { kind: 'number', min: 0, help: 'base learning rate (default 0.05 for sgd, 0.001 for adam)' },
    momentum: { kind: 'number', default: 0.9, min: 0, max: 1, help: 'SGD momentum' },
    schedule: { kind: 'string', default: 'constant', value: 'spec', help: 'constant | step:every=<epochs>,gamma=<g> | cosine[:min=<lr>] | cyclic:cycle=<epochs>,min=<lr>' },
    warmup: { kind: 'number', default: 0, min: 0, value: 'epochs', help: 'linear learning-rate warm-up' },
    trainSamples: { kind: 'int', min: 1, value: 'n', help: 'train on this many evenly spaced training samples (default all)' },
    points: { kind: 'int', default: 11, min: 2, value: 'n', help: 'evenly spaced points of each line, ends included' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'run the children and the points on a pool of n worker threads (same bits either way)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn instability --arch mlp:784-128-128-10 --data fashion-mnist --epochs 2 --workers 2 --out runs/instability',
    'modeconn instability --arch vgg:16-M-32-M --data fashion-mnist --spawn 0,50,200,800 --out runs/instability-conv',
  ],
} as const satisfies CommandSpec;

/** `1,2,3` → integers ≥ 0; a UsageError naming the flag otherwise. */
function parseIntList(text: string, flag: string): number[] {
  return text.split(',').map((part) => {
    if (!/^\d+$/.test(part.trim())) throw new UsageError(`--${flag}: ${JSON.stringify(part)} is not a non-negative integer`);
    return Number(part);
  });
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  if (flags.arch === undefined && flags.archFile === undefined) throw new UsageError('--arch or --arch-file is required');
  const childSeeds = parseIntList(flags.childSeeds, 'child-seeds');
  if (childSeeds.length !== 2 || childSeeds[0] === childSeeds[1]) throw new UsageError('--child-seeds: needs two different seeds, e.g. 1001,1002');
  const started = performance.now();
  const { train: fullTrain, test } = await loadSplits(flags.data);
  const train = trainSubset(fullTrain, flags.trainSamples);
  const arch = await resolveArch(flags, train);
  const total = stepsPerEpoch(train.n, Math.min(flags.batchSize, train.n)) * flags.epochs;
  const spawnSteps = flags.spawn !== undefined ? parseIntList(flags.spawn, 'spawn') : defaultSpawnSteps(total, 6);
  const bad = spawnSteps.find((k) => k > total);
  if (bad !== undefined) throw new UsageError(`--spawn: step ${bad} is past the run's last step ${total}`);
  const optimizer: OptimizerConfig = flags.optimizer === 'adam'
    ? { type: 'adam', lr: flags.lr ?? 0.001 }
    : { type: 'sgd', lr: flags.lr ?? 0.05, momentum: flags.momentum };
  const schedule = parseSchedule(flags.schedule);
  const progress = new ProgressBar({ label: 'instability', quiet: flags.quiet });
  progress.note(`instability: ${compiledOf(arch).paramCount} parameters, ${total} steps, spawn at ${spawnSteps.join(', ')}; children seeds ${childSeeds.join(', ')}`);
  const report = await withRunner(flags.workers, (runner) => instabilityAnalysis(arch, train, test, {
    seed: flags.seed, childSeeds: [childSeeds[0], childSeeds[1]], spawnSteps, points: flags.points, epochs: flags.epochs,
    batchSize: flags.batchSize, optimizer, schedule, warmupEpochs: flags.warmup, runner,
    onProgress: ({ fraction, detail }) => progress.update({ fraction, detail }),
  }));
  progress.done();
  ensureDir(flags.out);
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  const figure = await writeFigure(instabilityPlotSpec(report, { subtitle: `${flags.arch ?? flags.archFile} on ${flags.data}; ${flags.epochs} epochs` }), flags.out, 'instability');
  Object.assign(files, figure.files);
  writeJsonAtomic(files.report, {
    ...runInfo(['instability', ...argv], 'instability'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { label: flags.arch ?? flags.archFile, parameters: compiledOf(arch).paramCount, value: arch },
    options: { seed: flags.seed, childSeeds, epochs: flags.epochs, batchSize: flags.batchSize, optimizer, schedule, warmupEpochs: flags.warmup, points: flags.points, workers: flags.workers },
    result: report,
    seconds: (performance.now() - started) / 1000,
    files,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  const rows = report.spawns.map((s) => [String(s.step), s.epoch.toFixed(2), percent(s.error[0]), percent(s.error[s.error.length - 1]),
    percent(s.errorBarrier), fixed4(s.lossBarrier), s.distance.toPrecision(4)]);
  process.stdout.write(`${formatTable(['spawn step', 'epoch', 'error child 1', 'error child 2', 'error barrier', 'loss barrier', '‖θ₁ − θ₂‖'], rows)}\n\n`);
  process.stdout.write(formatPairs([['stable from (barrier ≤ 2%)', report.stableFrom === null ? 'never' : `step ${report.stableFrom}`], ...Object.entries(files)]));
  return 0;
}
