/**
 * `modeconn subspace`: the intrinsic dimension of a network on a data set (Li et al. 2018). Trains the
 * full model, then the same θ₀ in random subspaces θ = θ₀ + P·z of each --dims dimension (P a Fastfood,
 * sparse or dense projection, never dense when large); reports each d's test accuracy and d_int90, the
 * smallest d reaching 90% of the full model's accuracy. Writes report.json and intrinsic.svg/png.
 */
import { join } from 'node:path';
import type { PlotSpec } from '../plot/spec.js';
import { compiledOf } from '../model/model.js';
import { intrinsicDimension } from '../subspace/intrinsic.js';
import type { ProjectionKind } from '../subspace/projection.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { describeArch, trainSubset } from './path-run.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, resolveArch } from './resolve-arch.js';
import { parallelFlags, shardCount, withRunner } from './runner.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'subspace',
  summary: 'Intrinsic dimension: train in random d-dimensional subspaces; the smallest d reaching 90% of the full model.',
  usage: 'modeconn subspace --arch <spec> --data <spec> --out <dir> [options]',
  description:
    'Trains the full network from a seeded θ₀ (SGD, lr 0.05, momentum 0.9), then, from the same θ₀, only\n' +
    'z in θ = θ₀ + P·z for each d of --dims (Adam on z, --lr), for --epochs each. P is a seeded random\n' +
    'projection with unit-norm columns: fastfood (H·G·Π·H·B, O(D log D) per step), sparse (√D entries\n' +
    'per column) or dense (small nets only). d_int90 is the smallest d whose test accuracy reaches\n' +
    '--threshold × the full model\'s (Li et al. 2018). docs/LANDSCAPE.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    dims: { kind: 'string', default: '10,50,100,200,400,800', value: 'd,d,...', help: 'subspace dimensions to try' },
    projection: { kind: 'string', default: 'fastfood', choices: ['fastfood', 'sparse', 'dense'], value: 'kind', help: 'the random projection P' },
    epochs: { kind: 'int', default: 3, min: 1, value: 'n', help: 'epochs for the full model and for each subspace' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per step' },
    lr: { kind: 'number', default: 0.01, min: 0, value: 'f', help: 'Adam learning rate of z' },
    threshold: { kind: 'number', default: 0.9, min: 0, max: 1, value: 'f', help: 'fraction of the full model\'s test accuracy that defines d_int' },
    trainSamples: { kind: 'int', min: 1, value: 'n', help: 'train on this many evenly spaced training samples (default all)' },
    seed: { kind: 'int', default: 1, min: 0, value: 'n', help: 'seed of θ₀, the projections, the shuffles and dropout' },
    ...parallelFlags('train', 'workers'),
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn subspace --arch mlp:784-64-10 --data mnist --dims 25,50,100,200,400 --out runs/intrinsic',
    'modeconn subspace --arch mlp:784-32-10 --data fashion-mnist --projection sparse --epochs 2 --out runs/intrinsic-fm',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  if (flags.arch === undefined && flags.archFile === undefined) throw new UsageError('--arch or --arch-file is required');
  const dims = flags.dims.split(',').map((t) => Number(t.trim()));
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new UsageError(`--dims needs positive integers separated by commas, got ${JSON.stringify(flags.dims)}`);
  const { train: full, test } = await loadSplits(flags.data);
  const train = trainSubset(full, flags.trainSamples);
  const arch = await resolveArch(flags, train);
  const compiled = compiledOf(arch);
  ensureDir(flags.out);
  const progress = new ProgressBar({ label: 'subspace', quiet: flags.quiet });
  progress.note(`D = ${compiled.paramCount} parameters; d ∈ {${dims.join(', ')}}, ${flags.projection} projections; ${train.name} (${train.n}) → ${test.name} (${test.n})`);
  const started = performance.now();
  const result = await withRunner(flags.workers, (runner) => intrinsicDimension(arch, train, test, {
    dims, seed: flags.seed, epochs: flags.epochs, batchSize: flags.batchSize, projection: flags.projection as ProjectionKind,
    optimizer: { type: 'adam', lr: flags.lr }, threshold: flags.threshold, runner,
    shards: shardCount(flags, 'workers'), bnStatistics: flags.bnStatistics as 'batch' | 'shard',
    onBaseline: (acc) => progress.note(`full model: test accuracy ${percent(acc)}`),
    onRow: (row) => progress.note(`d = ${row.d}: test accuracy ${percent(row.testAccuracy)} (${row.seconds.toFixed(1)} s)`),
  }));
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  const target = result.threshold * result.baseline.testAccuracy;
  const plot = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Accuracy of subspace training', subtitle: `${flags.arch ?? describeArch(arch)} on ${flags.data}; D = ${compiled.paramCount}; d_int${Math.round(100 * result.threshold)} = ${result.dInt ?? 'not reached'}` },
    width: 420,
    height: 260,
    layer: [
      { data: { values: result.rows.map((r) => ({ d: r.d, accuracy: r.testAccuracy })) }, mark: { type: 'line', point: true },
        encoding: { x: { field: 'd', type: 'quantitative', scale: { type: 'log' }, title: 'subspace dimension d' }, y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy', scale: { zero: false } } } },
      { data: { values: [{ y: result.baseline.testAccuracy, label: 'full model' }, { y: target, label: `${Math.round(100 * result.threshold)}% of it` }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          { mark: { type: 'text', align: 'left', dx: 4, dy: -5, x: 0 }, encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } } },
        ] },
    ],
  } as PlotSpec;
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  const figure = await writeFigure(plot, flags.out, 'intrinsic');
  Object.assign(files, figure.files);
  writeJsonAtomic(files.report, {
    ...runInfo(['subspace', ...argv], 'subspace'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { label: flags.arch ?? describeArch(arch), parameters: compiled.paramCount, value: arch },
    options: { dims, projection: flags.projection, epochs: flags.epochs, batchSize: flags.batchSize, lr: flags.lr, threshold: flags.threshold, seed: flags.seed, workers: flags.workers,
      shards: shardCount(flags, 'workers') },
    result,
    seconds,
    files,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  const rows = [['full', String(compiled.paramCount), percent(result.baseline.testAccuracy), fixed4(result.baseline.testLoss), result.baseline.seconds.toFixed(1)],
    ...result.rows.map((r) => [String(r.d), String(r.d), percent(r.testAccuracy), fixed4(r.testLoss), r.seconds.toFixed(1)])];
  const lines = [
    formatTable(['model', 'trained dims', 'test acc', 'test loss', 'seconds'], rows),
    `d_int${Math.round(100 * result.threshold)} = ${result.dInt ?? `not reached (target ${percent(target)})`}; ${seconds.toFixed(1)} s in all`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n${formatPairs(Object.entries(files))}`);
  return 0;
}
