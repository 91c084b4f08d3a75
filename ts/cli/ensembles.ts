/**
 * `modeconn ensembles`: every ensemble modeconn makes, compared at equal training budget
 * (compareEnsembles): independent networks, FGE, SWA, curve points and simplex interior points at
 * budgets of k networks; report.json, ensembles.svg/png (against members) and ensembles-budget.svg/png,
 * and the table of test accuracy, NLL, ECE and diversity per budget.
 */
import { join } from 'node:path';
import { ENSEMBLE_METHODS, type EnsembleMethod } from '../ensembles/budget.js';
import { compareEnsembles, type EnsembleComparison } from '../ensembles/compare.js';
import { compiledOf } from '../model/model.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { ensemblePlotSpec, type PlotEnsemblePoint } from '../plot/ensembles-spec.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { cancelOnSigint, describeArch, trainSubset } from './path-run.js';
import { ProgressBar, formatDuration } from './progress.js';
import { ARCH_HELP, resolveArch } from './resolve-arch.js';
import { withRunner } from './runner.js';
import { parseSchedule } from './specs.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'ensembles',
  summary: 'Compare independent, FGE, SWA, curve and simplex ensembles at equal training budget.',
  usage: 'modeconn ensembles (--arch <spec> | --arch-file <file>) --data <spec> --out <dir> [options]',
  description:
    'The budget unit is --epochs, what one network trains for; at budget k every method gets k × epochs\n' +
    'epochs of training (curve and simplex fitting counted): k independent networks; network 0 then FGE\n' +
    'cycles (a snapshot at each cycle minimum); SWA, the average of those snapshots; networks 0 and 1 and\n' +
    'a Bezier bend fitted for the rest, k points; network 0 and k − 1 simplex vertices, k interior points.\n' +
    'Every member\'s BatchNorm statistics are recomputed. docs/ENSEMBLES.md.',
  flags: {
    arch: { kind: 'string', value: 'spec', help: ARCH_HELP },
    archFile: { kind: 'string', value: 'file', help: 'architecture as JSON' },
    ...IO_FLAGS,
    epochs: { kind: 'int', default: 3, min: 1, value: 'n', help: 'epochs of one network: the budget unit' },
    ks: { kind: 'string', default: '2,4,8', value: 'list', help: 'budgets in networks, increasing' },
    methods: { kind: 'string', default: ENSEMBLE_METHODS.join(','), value: 'list', help: 'methods to compare' },
    lr: { kind: 'number', default: 0.05, min: 0, value: 'lr', help: 'the networks\' learning rate (SGD, momentum 0.9)' },
    weightDecay: { kind: 'number', default: 0, min: 0, value: 'wd', help: 'L2 weight decay of every run' },
    schedule: { kind: 'string', default: 'cosine', value: 'spec', help: 'the networks\' schedule (see modeconn train)' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per step' },
    fgeCycle: { kind: 'number', default: 2, min: 0, value: 'epochs', help: 'FGE cycle length' },
    fgeLr: { kind: 'number', min: 0, value: 'lr', help: 'FGE α1 (default lr/2)' },
    fgeLrMin: { kind: 'number', min: 0, value: 'lr', help: 'FGE α2 (default lr/100)' },
    fgeShape: { kind: 'string', default: 'triangle', choices: ['triangle', 'cosine'], value: 'shape', help: 'FGE cycle shape' },
    curveLr: { kind: 'number', min: 0, value: 'lr', help: 'curve fitting learning rate (default lr/2)' },
    simplexLr: { kind: 'number', min: 0, value: 'lr', help: 'simplex fitting learning rate (default lr/2)' },
    volume: { kind: 'number', default: 0.01, min: 0, value: 'λ', help: 'simplex volume weight' },
    trainSize: { kind: 'int', min: 1, value: 'n', help: 'train (and recompute BatchNorm) on n evenly spaced training samples (default all)' },
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, value: 'seed', help: 'network j uses seed + j (docs/ENSEMBLES.md lists every seed)' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'run on a pool of n worker threads (same bits)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn ensembles --arch mlp:784-200-200-10 --data fashion-mnist --epochs 4 --out runs/ens-mlp',
    'modeconn ensembles --arch vgg:16-M-32-M+bn --data fashion-mnist --epochs 3 --train-size 20000 --ks 2,4 --out runs/ens-cnn',
  ],
} as const satisfies CommandSpec;

/** The rows of one method as plot points. */
function points(comparison: EnsembleComparison, method: EnsembleMethod): PlotEnsemblePoint[] {
  return comparison.rows.filter((r) => r.method === method && !r.skipped).map((r) => ({ members: r.members, k: r.k, accuracy: r.accuracy!, nll: r.nll! }));
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  const ks = flags.ks.split(',').map((s) => Number(s.trim()));
  if (ks.some((k, i) => !Number.isInteger(k) || k < 1 || (i > 0 && k <= ks[i - 1]))) throw new UsageError(`--ks: expected increasing positive integers, got ${flags.ks}`);
  const methods = flags.methods.split(',').map((s) => s.trim()) as EnsembleMethod[];
  for (const m of methods) if (!ENSEMBLE_METHODS.includes(m)) throw new UsageError(`--methods: unknown method ${JSON.stringify(m)}; use ${ENSEMBLE_METHODS.join(', ')}`);
  const schedule = parseSchedule(flags.schedule);
  const { train: fullTrain, test } = await loadSplits(flags.data);
  const train = trainSubset(fullTrain, flags.trainSize);
  const arch = await resolveArch(flags, train);
  const optimizer: OptimizerConfig = { type: 'sgd', lr: flags.lr, momentum: 0.9, weightDecay: flags.weightDecay };
  ensureDir(flags.out);
  const progress = new ProgressBar({ label: 'ensembles', quiet: flags.quiet });
  progress.note(`ensembles: ${describeArch(arch)} on ${train.name} (${train.n}); ${flags.epochs} epochs a network; budgets ${ks.join(', ')}; ${methods.join(', ')}`);
  const sigint = cancelOnSigint(progress);
  const started = performance.now();
  let comparison: EnsembleComparison;
  try {
    comparison = await withRunner(flags.workers, (runner) => compareEnsembles(arch, train, test, {
      seed: flags.seed, epochs: flags.epochs, ks, methods, batchSize: flags.batchSize, optimizer, schedule, runner, signal: sigint.signal,
      fge: { cycle: flags.fgeCycle, lr: flags.fgeLr, lrMin: flags.fgeLrMin, shape: flags.fgeShape as 'triangle' | 'cosine' },
      curve: { lr: flags.curveLr }, simplex: { lr: flags.simplexLr, volume: flags.volume },
      onProgress: ({ stage, fraction }) => progress.update({ fraction, detail: stage }),
    }));
  } finally {
    sigint.dispose();
    progress.done();
  }
  const archLabel = flags.arch ?? describeArch(arch);
  const subtitle = `${archLabel} on ${flags.data} (${train.n} train, ${test.n} test); ${flags.epochs} epochs a network`;
  const budgets = Object.fromEntries(methods.map((m) => [m, points(comparison, m)]).filter(([, p]) => p.length));
  const growth = Object.fromEntries(Object.entries(comparison.growth).map(([m, g]) => [m, g!.map((p) => ({ members: p.members, accuracy: p.accuracy, nll: p.nll }))]));
  const references = { [`one network (${flags.epochs} epochs)`]: comparison.single };
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  const warnings: string[] = [];
  for (const [name, x] of [['ensembles', 'members'], ['ensembles-budget', 'k']] as const) {
    const figure = await writeFigure(ensemblePlotSpec({ budgets, growth, references }, { subtitle, x }), flags.out, name);
    Object.assign(files, Object.fromEntries(Object.entries(figure.files).map(([ext, path]) => [`${name}.${ext}`, path])));
    warnings.push(...figure.warnings);
  }
  const seconds = (performance.now() - started) / 1000;
  writeJsonAtomic(files.report, {
    ...runInfo(['ensembles', ...argv], 'ensembles'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { label: archLabel, parameters: compiledOf(arch).paramCount, value: arch },
    options: { epochs: flags.epochs, ks, methods, optimizer, schedule, batchSize: flags.batchSize, seed: flags.seed, workers: flags.workers },
    ece: { bins: 15, binning: 'equal-width bins of the top probability, (b/15, (b+1)/15]' },
    comparison,
    seconds,
    files,
    ...(warnings.length ? { warnings } : {}),
  });
  process.stdout.write(`${summaryTable(comparison)}\n${formatPairs([...Object.entries(files), ['time', formatDuration(seconds)]])}`);
  return 0;
}

/** The table: one network, then each budget's methods. */
export function summaryTable(comparison: EnsembleComparison): string {
  const s = comparison.single;
  const rows = [['1', 'one network', String(comparison.epochs), '1', percent(s.accuracy), fixed4(s.nll), fixed4(s.ece), '-', '-']];
  for (const r of comparison.rows) {
    rows.push(r.skipped
      ? [String(r.k), r.method, '-', '-', '-', '-', '-', '-', `(${r.skipped})`]
      : [String(r.k), r.method, String(Number(r.epochs.toFixed(2))), String(r.members), percent(r.accuracy), fixed4(r.nll), fixed4(r.ece),
        Number.isFinite(r.disagreement) ? fixed4(r.disagreement) : '-', Number.isFinite(r.kl) ? fixed4(r.kl) : '-']);
  }
  return formatTable(['k', 'method', 'epochs', 'members', 'test acc', 'NLL', 'ECE', 'disagree', 'KL'], rows);
}
