/**
 * `modeconn demo`: the main job end to end. Trains two MLPs from different seeds, fits a one-bend
 * Bezier curve between them, aligns B to A by weight matching, evaluates the line, the curve and the
 * line after alignment on train and test, and writes the
 * models, the curve, report.json and paths.svg/png; prints the barriers and where the files are.
 */
import { join } from 'node:path';
import type { DataSet } from '../data/dataset.js';
import { saveModel } from '../io/model-files.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import { trainModel } from '../model/train.js';
import type { TrainResult } from '../model/training-options.js';
import { linearPath } from '../paths/path.js';
import { weightMatching } from '../align/weight-matching.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { curveLabel, fitAndSave } from './curve.js';
import { DATA_HELP, loadSplits } from './data-spec.js';
import { ensureDir } from './manifest.js';
import { cancelOnSigint, evaluateAndReport, EVAL_FLAGS, type PathsReport } from './path-run.js';
import { ProgressBar, formatDuration, formatLoss } from './progress.js';
import { parseArchSpec } from './specs.js';
import { formatPairs, percent } from './table.js';

export const spec = {
  name: 'demo',
  summary: 'The main job: train two MLPs from different seeds, fit a Bezier curve between them, report the barriers.',
  usage: 'modeconn demo [--data mnist] [--out runs/demo] [--quick] [options]',
  description:
    'On the bundled MNIST digits (8,004 train / 1,996 test) by default. --quick shrinks everything\n' +
    '(1 epoch each, 2,000 training samples evaluated, 11 points) for a smoke test of a few seconds.\n' +
    'Also evaluates the line from A to B aligned by weight matching (`modeconn explain` for the full\n' +
    'barrier decomposition).',
  flags: {
    data: { kind: 'string', value: 'spec', default: 'mnist', help: DATA_HELP },
    out: { kind: 'string', value: 'dir', default: 'runs/demo', help: 'output directory (created if needed)' },
    quick: { kind: 'boolean', help: 'a small, fast run (smoke test)' },
    arch: { kind: 'string', value: 'spec', help: 'the MLP (default mlp:<features>-256-<classes>; --quick: 64 hidden units)' },
    epochs: { kind: 'int', min: 1, value: 'n', help: 'training epochs of each model (default 3; --quick 1)' },
    lr: { kind: 'number', default: 0.05, min: 0, help: 'SGD learning rate of training and fitting (momentum 0.9)' },
    seeds: { kind: 'string', default: '1,2', value: 'a,b', help: 'the two training seeds' },
    fitEpochs: { kind: 'int', min: 1, value: 'n', help: 'epochs of the curve fit (default 4; --quick 1)' },
    fitSeed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, value: 'seed', help: 'seed of the curve fit' },
    ...EVAL_FLAGS,
    points: { kind: 'int', min: 2, value: 'n', help: 'evenly spaced t\'s from 0 to 1 (default 25; --quick 11)' },
  },
  examples: ['modeconn demo', 'modeconn demo --quick --out /tmp/demo', 'modeconn demo --data fashion-mnist --epochs 2 --train-samples 10000 --out runs/fashion'],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  const started = performance.now();
  const quick = flags.quick;
  const seeds = flags.seeds.split(',').map((s) => Number(s));
  if (seeds.length !== 2 || seeds.some((s) => !Number.isInteger(s) || s < 0 || s > 0xffffffff) || seeds[0] === seeds[1]) {
    throw new UsageError(`--seeds needs two different u32 seeds like 1,2, got ${JSON.stringify(flags.seeds)}`);
  }
  const epochs = flags.epochs ?? (quick ? 1 : 3);
  const fitEpochs = flags.fitEpochs ?? (quick ? 1 : 4);
  const points = flags.points ?? (quick ? 11 : 25);
  const trainSamples = flags.trainSamples ?? (quick ? 2000 : undefined);
  const bootstrap = quick ? Math.min(flags.bootstrap, 50) : flags.bootstrap;
  const progress = new ProgressBar({ label: 'demo', quiet: flags.quiet });
  const { train, test } = await loadSplits(flags.data);
  const features = train.shape.reduce((a, b) => a * b, 1);
  const archSpec = flags.arch ?? `mlp:${features}-${quick ? 64 : 256}-${train.classes}`;
  const arch = parseArchSpec(archSpec, train);
  const out = flags.out;
  ensureDir(out);
  progress.note(`demo: ${archSpec} (${compiledOf(arch).paramCount.toLocaleString('en-US')} parameters) on ${flags.data}: ` +
    `${train.n} train, ${test.n} test; seeds ${seeds.join(' and ')}, ${epochs} epoch${epochs === 1 ? '' : 's'} each`);

  const models: TrainResult[] = [];
  const modelFiles: string[] = [];
  for (const [i, seed] of seeds.entries()) {
    const name = i === 0 ? 'a' : 'b';
    models.push(await trainOne(arch, train, test, { seed, epochs, lr: flags.lr, name, quiet: flags.quiet }));
    const file = join(out, `model-${name}.safetensors`);
    await saveModel(models[i], file, {
      metadata: { 'modeconn.seed': String(seed), 'modeconn.data': flags.data, 'modeconn.data_hash': train.hash },
    });
    modelFiles.push(file);
  }
  const fitFlags = { kind: 'bezier', bends: 1, epochs: fitEpochs, lr: flags.lr, optimizer: 'sgd', batchSize: 128, seed: flags.fitSeed, l2: 0 };
  const fit = await fitAndSave(arch, models[0].params, models[1].params, train, fitFlags, out, flags.quiet);
  const label = curveLabel('bezier', 1);
  progress.note('aligning B to A by weight matching');
  const alignment = await weightMatching(models[0], models[1], { check: test });
  const { report, summary } = await evaluateAndReport({
    argv: ['demo', ...argv], out, arch, archLabel: archSpec, dataSpec: flags.data, train, test,
    paths: [{ key: 'line', label: 'line', path: linearPath(models[0].params, models[1].params) }, { key: 'curve', label, path: fit.path },
      { key: 'aligned', label: 'line after weight matching', path: linearPath(models[0].params, alignment.aligned.params) }],
    flags: { ...flags, points, trainSamples, bootstrap },
    inputs: { a: { file: modelFiles[0], seed: seeds[0] }, b: { file: modelFiles[1], seed: seeds[1] } },
    seeds: { a: seeds[0], b: seeds[1], fit: flags.fitSeed },
    extra: {
      training: models.map((m, i) => ({ seed: seeds[i], epochs, optimizer: { type: 'sgd', lr: flags.lr, momentum: 0.9 }, batchSize: 128, log: m.log })),
      fit: { ...fitFlags, optimizer: fit.optimizer, log: fit.log, seconds: fit.seconds },
      quick,
      alignment: { method: 'weight', objective: alignment.objective },
    },
    extraFiles: { modelA: modelFiles[0], modelB: modelFiles[1], curve: fit.files.json, curveWeights: fit.files.safetensors },
  });
  process.stdout.write(`${summary}\n${headline(report, label)}\n${formatPairs([...Object.entries(report.files), ['time', formatDuration((performance.now() - started) / 1000)]])}`);
  return 0;
}

async function trainOne(arch: Arch, train: DataSet, test: DataSet, o: { seed: number; epochs: number; lr: number; name: string; quiet: boolean }): Promise<TrainResult> {
  const progress = new ProgressBar({ label: `train ${o.name}`, quiet: o.quiet });
  const sigint = cancelOnSigint(progress);
  try {
    const result = await trainModel(arch, train, {
      seed: o.seed, epochs: o.epochs, batchSize: 128, optimizer: { type: 'sgd', lr: o.lr, momentum: 0.9 }, evalData: test, signal: sigint.signal,
      onProgress: (p) => progress.update({ fraction: p.fraction, loss: p.loss, detail: `model ${o.name} epoch ${p.epoch}/${o.epochs}` }),
    });
    progress.done();
    const last = result.log[result.log.length - 1];
    progress.note(`model ${o.name} (seed ${o.seed}): test loss ${formatLoss(last.testLoss ?? NaN)}, accuracy ${percent(last.testAccuracy)}`);
    return result;
  } finally {
    sigint.dispose();
  }
}

/** The acceptance sentence: the line's test barrier vs the curve's maximum against the endpoints' mean. */
export function headline(report: PathsReport, label: string): string {
  const line = report.paths.line.sets.test.metrics!.loss;
  const curve = report.paths.curve.sets.test.metrics!.loss;
  const aligned = report.paths.aligned?.sets.test.metrics!.loss;
  const mean = (curve.endpoints[0] + curve.endpoints[1]) / 2;
  const excess = (curve.max - mean) / mean;
  return [
    `test loss at the endpoints: ${formatLoss(line.endpoints[0])} and ${formatLoss(line.endpoints[1])} (mean ${formatLoss(mean)})`,
    `line:  max ${formatLoss(line.max)}, barrier ${formatLoss(line.barrier)} at t = ${line.barrierT.toFixed(2)}`,
    `${label}: max ${formatLoss(curve.max)} (${excess >= 0 ? '+' : ''}${(100 * excess).toFixed(1)}% over the endpoints' mean), barrier ${formatLoss(curve.barrier)}`,
    ...(aligned ? [`line after weight matching: max ${formatLoss(aligned.max)}, barrier ${formatLoss(aligned.barrier)} (modeconn explain decomposes it)`] : []),
    '',
  ].join('\n');
}
