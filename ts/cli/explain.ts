/**
 * `modeconn explain A B`: the barrier decomposition (ts/align/explain.ts) as one table on stdout,
 * one figure (<out>/explain.svg and .png: loss and error along every path) and <out>/report.json.
 */
import { join } from 'node:path';
import { explainBarrier, type ExplainRow } from '../align/explain.js';
import { compiledOf } from '../model/model.js';
import { pathPlotSpec } from '../plot/path-spec.js';
import { type CommandSpec, parseArgs } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { describeArch, trainSubset } from './path-run.js';
import { expectPositionals, splitPositionals } from './positionals.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, readModelPair } from './resolve-arch.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'explain',
  summary: 'How much of the barrier between A and B each symmetry explains: scale, permutation, BatchNorm, REPAIR.',
  usage: 'modeconn explain <A.safetensors> <B.safetensors> --data <spec> --out <dir> [options]',
  description:
    'Test-set loss and accuracy barriers of the naive line; after scale normalisation; after weight\n' +
    'matching; after activation matching; after matching + scale normalisation; + BatchNorm reset;\n' +
    '+ REPAIR; and (with --fit-epochs) a fitted Bezier curve to the matched B. Writes <out>/report.json\n' +
    'and <out>/explain.svg, explain.png. docs/ALIGN.md explains each row.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    points: { kind: 'int', default: 11, min: 2, value: 'n', help: 'evenly spaced t\'s from 0 to 1' },
    samples: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'training samples for activation matching and REPAIR statistics' },
    trainSamples: { kind: 'int', min: 1, value: 'n', help: 'recompute BatchNorm over this many evenly spaced training samples (default all)' },
    fitEpochs: { kind: 'int', default: 0, min: 0, value: 'n', help: 'epochs of fitting a quadratic Bezier curve (0 = no curve row)' },
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of weight matching and curve fitting' },
    evalBatchSize: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'samples per evaluation call' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn explain runs/a/model.safetensors runs/b/model.safetensors --data fashion-mnist --out runs/explain',
    'modeconn explain runs/a/model.safetensors runs/b/model.safetensors --data mnist --fit-epochs 2 --out runs/explain',
  ],
} as const satisfies CommandSpec;

function rowJson(r: ExplainRow) {
  const { report, ...rest } = r;
  return { ...rest, points: report?.sets.test.points ?? null, metrics: report?.sets.test.metrics ?? null };
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  const [fileA, fileB] = expectPositionals(positionals, ['A.safetensors', 'B.safetensors'], spec.usage);
  const progress = new ProgressBar({ label: 'explain', quiet: flags.quiet });
  const started = performance.now();
  const { train, test } = await loadSplits(flags.data);
  const { a, b, arch, inputs } = await readModelPair(fileA, fileB, flags, train);
  const archLabel = flags.arch ?? describeArch(arch);
  const result = await explainBarrier(a, b, { train, test }, {
    points: flags.points, samples: flags.samples, fitEpochs: flags.fitEpochs, seed: flags.seed, batchSize: flags.evalBatchSize,
    bnData: trainSubset(train, flags.trainSamples),
    onStage: (stage, done, total) => progress.update({ fraction: done / total, detail: stage }),
  });
  progress.done();
  ensureDir(flags.out);
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  const reports = Object.fromEntries(result.rows.filter((r) => r.report).map((r) => [r.label, r.report!]));
  const plot = pathPlotSpec(reports, { title: 'What explains the barrier', subtitle: `${archLabel} on ${flags.data}; test set; ${flags.points} points` });
  const figure = await writeFigure(plot, flags.out, 'explain');
  Object.assign(files, figure.files);
  const warnings = figure.warnings;
  const report = {
    ...runInfo(['explain', ...argv], 'explain'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { label: archLabel, parameters: compiledOf(arch).paramCount, value: arch },
    inputs,
    options: { points: flags.points, samples: flags.samples, trainSamples: flags.trainSamples ?? null, fitEpochs: flags.fitEpochs, seed: flags.seed },
    best: result.best,
    alignment: {
      weight: { objective: result.weight.objective },
      activation: { objective: result.activation.objective },
    },
    rows: result.rows.map(rowJson),
    files,
    ...(warnings.length ? { warnings } : {}),
    seconds: (performance.now() - started) / 1000,
  };
  writeJsonAtomic(files.report, report);
  const table = formatTable(['path', 'BN', 'loss barrier', 'removed', 'accuracy barrier', 'note'], result.rows.map((r) => [
    r.label, r.bn, fixed4(r.lossBarrier ?? undefined), r.lossBarrierRemoved === null ? '-' : percent(r.lossBarrierRemoved),
    percent(r.accuracyBarrier ?? undefined), r.note ?? '',
  ]));
  process.stdout.write(`${table}\n${formatPairs(Object.entries(files))}`);
  return 0;
}
