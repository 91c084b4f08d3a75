/**
 * `modeconn simplex A [B …]`: grows a simplex of low loss from trained models (Benton et al. 2021),
 * saves its vertices, and evaluates the vertices, the centroid, random interior points and their
 * ensemble on train and test; report.json, simplex.svg/png and a summary table.
 */
import { join } from 'node:path';
import { saveModel } from '../io/model-files.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { compiledOf } from '../model/model.js';
import { hasBatchNorm, type BnMode } from '../paths/evaluate.js';
import { simplexPlotSpec } from '../plot/simplex-spec.js';
import { evaluateSimplex } from '../simplex/evaluate.js';
import { fitSimplex } from '../simplex/fit.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { describeArch, trainSubset } from './path-run.js';
import { splitPositionals } from './positionals.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, readModels } from './resolve-arch.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'simplex',
  summary: 'Grow a simplex of low loss from trained models; evaluate its interior and its ensemble.',
  usage: 'modeconn simplex <A.safetensors> [<B.safetensors> …] --data <spec> --out <dir> [options]',
  description:
    'Adds --add vertices one at a time, each trained (the others fixed) on the expected loss at uniform\n' +
    'random points of the simplex minus --volume × log(volume) (Benton et al. 2021). Writes\n' +
    '<out>/vertex-<j>.safetensors, <out>/report.json (fit log, every evaluated point, the ensemble,\n' +
    'manifests) and <out>/simplex.svg/png. docs/SIMPLEX.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    add: { kind: 'int', default: 2, min: 1, max: 16, value: 'n', help: 'vertices to add' },
    epochs: { kind: 'int', default: 2, min: 1, value: 'n', help: 'epochs of training per new vertex' },
    volume: { kind: 'number', default: 0.01, min: 0, value: 'λ', help: 'weight of −log(volume) in the objective' },
    lr: { kind: 'number', min: 0, value: 'lr', help: 'learning rate (default 0.05 for sgd, 0.001 for adam)' },
    optimizer: { kind: 'string', default: 'sgd', choices: ['sgd', 'adam'], value: 'sgd|adam', help: 'optimiser (SGD with momentum 0.9)' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per step (one random point per step)' },
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, value: 'seed', help: 'seed of the fit and of the evaluated points' },
    samples: { kind: 'int', default: 16, min: 0, value: 'n', help: 'random interior points evaluated (and ensembled)' },
    bn: { kind: 'string', choices: ['blend', 'recompute', 'batch-stats'], value: 'mode', help: 'BatchNorm statistics at each point (default recompute for networks with BatchNorm)' },
    trainSamples: { kind: 'int', min: 1, value: 'n', help: 'evaluate on this many evenly spaced training samples (default all)' },
    evalBatchSize: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'samples per evaluation call' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn simplex runs/a/model.safetensors --data mnist --out runs/simplex',
    'modeconn simplex runs/a/model.safetensors runs/b/model.safetensors --data fashion-mnist --add 1 --epochs 3 --out runs/simplex-ab',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  if (positionals.length === 0) throw new UsageError(`give at least one model file; usage: ${spec.usage}`);
  const { train, test } = await loadSplits(flags.data);
  const models = await readModels(positionals, flags, train);
  const arch = models[0].model.arch;
  const optimizer: OptimizerConfig = flags.optimizer === 'adam'
    ? { type: 'adam', lr: flags.lr ?? 0.001 }
    : { type: 'sgd', lr: flags.lr ?? 0.05, momentum: 0.9 };
  ensureDir(flags.out);
  const progress = new ProgressBar({ label: 'simplex', quiet: flags.quiet });
  progress.note(`adding ${flags.add} vertices to ${models.length}, ${flags.epochs} epochs each on ${train.name} (${train.n})`);
  const started = performance.now();
  const fit = await fitSimplex(arch, models.map((m) => m.model.params), train, {
    seed: flags.seed, epochs: flags.epochs, batchSize: flags.batchSize, optimizer, add: flags.add, volume: flags.volume,
    onProgress: ({ vertex, loss, fraction }) => progress.update({ fraction: 0.8 * fraction, detail: `vertex ${vertex} loss ${loss.toFixed(3)}` }),
  });
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  for (const [j, params] of fit.vertices.entries()) {
    files[`vertex${j}`] = join(flags.out, `vertex-${j}.safetensors`);
    await saveModel({ arch, params }, files[`vertex${j}`], { metadata: { 'modeconn.simplex_vertex': String(j) } });
  }
  const compiled = compiledOf(arch);
  const bn = (flags.bn ?? (hasBatchNorm(compiled) ? 'recompute' : 'blend')) as BnMode;
  const trainEval = trainSubset(train, flags.trainSamples);
  progress.update({ fraction: 0.8, detail: 'evaluating' });
  const report = await evaluateSimplex(arch, fit.vertices, { train: trainEval, test }, { samples: flags.samples, seed: flags.seed, bn, bnData: train, batchSize: flags.evalBatchSize });
  progress.done();
  const archLabel = flags.arch ?? describeArch(arch);
  const figure = await writeFigure(simplexPlotSpec(report, { subtitle: `${archLabel} on ${flags.data}; ${fit.vertices.length} vertices; ${flags.samples} random points` }), flags.out, 'simplex');
  Object.assign(files, figure.files);
  writeJsonAtomic(files.report, {
    ...runInfo(['simplex', ...argv], 'simplex'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test), trainEvaluated: describeData(trainEval) },
    arch: { label: archLabel, parameters: compiled.paramCount, value: arch },
    inputs: Object.fromEntries(models.map((m, j) => [`vertex${j}`, { file: m.file, metadata: m.metadata }])),
    options: { add: flags.add, epochs: flags.epochs, volume: flags.volume, optimizer, batchSize: flags.batchSize, seed: flags.seed, samples: flags.samples, bn },
    fit: { log: fit.log, manifest: fit.manifest },
    evaluation: report,
    seconds: (performance.now() - started) / 1000,
    files,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  const rows: string[][] = [];
  const label = (p: (typeof report.points)[number], i: number) => (p.kind === 'vertex' ? `vertex ${i}` : p.kind);
  const shown = report.points.filter((p) => p.kind !== 'sample');
  const samples = report.points.filter((p) => p.kind === 'sample');
  for (const role of ['train', 'test']) {
    shown.forEach((p, i) => rows.push([role, label(p, i), fixed4(p.sets[role].loss), percent(1 - p.sets[role].accuracy)]));
    if (samples.length) {
      rows.push([role, `random points (worst of ${samples.length})`, fixed4(Math.max(...samples.map((p) => p.sets[role].loss))), percent(1 - Math.min(...samples.map((p) => p.sets[role].accuracy)))]);
      rows.push([role, `ensemble of the ${samples.length}`, fixed4(report.ensemble[role].loss), percent(1 - report.ensemble[role].accuracy)]);
    }
  }
  process.stdout.write(`${formatTable(['set', 'point', 'loss', 'error'], rows)}\n\n${formatPairs(Object.entries(files))}`);
  return 0;
}
