/**
 * `modeconn train`: trains one network with trainModel, evaluating the test split after every
 * epoch, and writes <out>/model.safetensors and <out>/train.json (the run manifest, rewritten
 * atomically after every epoch so a cancelled or failed run still leaves a valid log).
 */
import { join } from 'node:path';
import { ModeconnError } from '../errors.js';
import { saveModel } from '../io/model-files.js';
import type { Arch } from '../model/arch.js';
import type { Schedule } from '../model/schedule.js';
import { compiledOf } from '../model/model.js';
import { trainModel } from '../model/train.js';
import type { EpochLog, OptimizerConfig } from '../model/training-options.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, parseDataSpec } from './data-spec.js';
import { ensureDir, runInfo, writeJsonAtomic, type RunInfo } from './manifest.js';
import { ProgressBar, formatDuration, formatLoss } from './progress.js';
import { parallelFlags, shardCount, withRunner } from './runner.js';
import { cancelOnSignals } from './signals.js';
import { ARCH_HELP, resolveArch } from './resolve-arch.js';
import { parseSchedule } from './specs.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'train',
  summary: 'Train a network and write its weights (safetensors) and a run manifest (train.json).',
  usage: 'modeconn train (--arch <spec> | --arch-file <file>) --data <spec> --out <dir> [options]',
  description:
    'The test split is evaluated after every epoch. train.json is rewritten after each epoch;\n' +
    'Ctrl-C (SIGINT) or SIGTERM stops after the current batch and leaves it with status "cancelled"\n' +
    '(exit code 130 for SIGINT, 143 for SIGTERM).',
  flags: {
    arch: { kind: 'string', value: 'spec', help: ARCH_HELP },
    archFile: { kind: 'string', value: 'file', help: 'architecture as JSON ({ input, classes, layers }, see docs/ARCH.md)' },
    ...IO_FLAGS,
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, help: 'seed for initialisation, shuffling and dropout' },
    epochs: { kind: 'int', default: 5, min: 1, help: 'passes over the training split' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per optimiser step' },
    optimizer: { kind: 'string', default: 'sgd', choices: ['sgd', 'adam'], value: 'sgd|adam', help: 'optimiser' },
    lr: { kind: 'number', min: 0, help: 'base learning rate (default 0.05 for sgd, 0.001 for adam)' },
    momentum: { kind: 'number', default: 0.9, min: 0, max: 1, help: 'SGD momentum' },
    nesterov: { kind: 'boolean', help: 'Nesterov momentum (SGD)' },
    weightDecay: { kind: 'number', default: 0, min: 0, help: 'L2 weight decay' },
    schedule: { kind: 'string', default: 'constant', value: 'spec', help: 'constant | step:every=<epochs>,gamma=<g> | cosine[:min=<lr>] | cyclic:cycle=<epochs>,min=<lr>' },
    warmup: { kind: 'number', default: 0, min: 0, value: 'epochs', help: 'linear learning-rate warm-up (may be fractional)' },
    ...parallelFlags('train', 'workers'),
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn train --arch mlp:784-128-10 --data mnist --epochs 3 --out runs/a',
    'modeconn train --arch mlp:784-512-512-10 --data fashion-mnist --workers 2 --out runs/parallel',
    'modeconn train --arch mlp:784-512-512-10+bn --data fashion-mnist --optimizer adam --lr 0.001 --schedule cosine --out runs/b',
    'modeconn train --arch vgg:16-M-32-M+bn --data mnist --seed 2 --schedule step:every=2,gamma=0.1 --out runs/c',
    'modeconn train --arch mlp:2-64-64-2 --data moons:n=2000 --epochs 20 --out runs/moons',
  ],
} as const satisfies CommandSpec;

/** The JSON written to train.json. */
export interface TrainManifest extends RunInfo {
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  seed: number;
  data: { spec: string; train: ReturnType<typeof describeData>; test: ReturnType<typeof describeData> };
  arch: { spec?: string; file?: string; parameters: number; values: number; value: Arch };
  options: { epochs: number; batchSize: number; optimizer: OptimizerConfig; schedule: Schedule; warmupEpochs: number; shards: number; workers: number };
  epochs: EpochLog[];
  final: { trainLoss: number; trainAccuracy: number; testLoss?: number; testAccuracy?: number } | null;
  files: { model: string | null; manifest: string };
  timings: { loadSeconds: number; trainSeconds: number; saveSeconds: number; totalSeconds: number };
  error?: { code: string; message: string };
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  const started = performance.now();
  const seconds = (from: number) => (performance.now() - from) / 1000;
  const source = parseDataSpec(flags.data);
  const schedule = parseSchedule(flags.schedule);
  const optimizer: OptimizerConfig = flags.optimizer === 'adam'
    ? { type: 'adam', lr: flags.lr ?? 0.001, weightDecay: flags.weightDecay }
    : { type: 'sgd', lr: flags.lr ?? 0.05, momentum: flags.momentum, nesterov: flags.nesterov, weightDecay: flags.weightDecay };
  if (flags.nesterov && (flags.optimizer !== 'sgd' || flags.momentum === 0)) throw new UsageError('--nesterov needs --optimizer sgd with --momentum > 0');
  const shards = shardCount(flags, 'workers');
  if (flags.arch === undefined && flags.archFile === undefined) throw new UsageError('--arch or --arch-file is required');

  const [train, test] = await Promise.all([source.load('train'), source.load('test')]);
  const arch = await resolveArch(flags, train);
  const compiled = compiledOf(arch);
  ensureDir(flags.out);
  const manifestPath = join(flags.out, 'train.json');
  const modelPath = join(flags.out, 'model.safetensors');
  const manifest: TrainManifest = {
    ...runInfo(['train', ...argv], 'train'),
    status: 'running',
    seed: flags.seed,
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { spec: flags.arch, file: flags.archFile, parameters: compiled.paramCount, values: compiled.totalLength, value: arch },
    options: { epochs: flags.epochs, batchSize: flags.batchSize, optimizer, schedule, warmupEpochs: flags.warmup, shards, workers: flags.workers },
    epochs: [],
    final: null,
    files: { model: null, manifest: 'train.json' },
    timings: { loadSeconds: seconds(started), trainSeconds: 0, saveSeconds: 0, totalSeconds: 0 },
  };
  const save = () => {
    manifest.timings.totalSeconds = seconds(started);
    writeJsonAtomic(manifestPath, manifest);
  };
  save();
  const progress = new ProgressBar({ label: 'train', quiet: flags.quiet });
  progress.note(`train: ${arch.layers.length} layers, ${compiled.paramCount.toLocaleString('en-US')} parameters; ` +
    `${train.name} (${train.n}) → ${test.name} (${test.n}); ${flags.epochs} epochs, seed ${flags.seed}`);

  const stop = cancelOnSignals(progress, (signal) => {
    manifest.status = 'cancelled';
    manifest.error = { code: 'CANCELLED', message: `${signal} received twice; stopped at once` };
    save();
  });
  const trainStarted = performance.now();
  try {
    const result = await withRunner(flags.workers, (runner) => trainModel(arch, train, {
      runner,
      shards,
      bnStatistics: flags.bnStatistics as 'batch' | 'shard',
      seed: flags.seed,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      optimizer,
      schedule,
      warmupEpochs: flags.warmup,
      evalData: test,
      signal: stop.signal,
      onProgress: (p) => progress.update({ fraction: p.fraction, loss: p.loss, detail: `epoch ${p.epoch}/${flags.epochs}` }),
      onEpoch: (log) => {
        manifest.epochs.push(log);
        manifest.timings.trainSeconds = seconds(trainStarted);
        save();
        progress.note(`epoch ${log.epoch}/${flags.epochs}  train loss ${formatLoss(log.trainLoss)} acc ${percent(log.trainAccuracy)}` +
          `  test loss ${formatLoss(log.testLoss ?? NaN)} acc ${percent(log.testAccuracy)}  ${formatDuration(log.seconds)}`);
      },
    }));
    progress.done();
    manifest.timings.trainSeconds = seconds(trainStarted);
    const last = result.log[result.log.length - 1];
    manifest.final = { trainLoss: last.trainLoss, trainAccuracy: last.trainAccuracy, testLoss: last.testLoss, testAccuracy: last.testAccuracy };
    const saveStarted = performance.now();
    await saveModel(result, modelPath, {
      metadata: {
        'modeconn.version': manifest.version,
        'modeconn.seed': String(flags.seed),
        'modeconn.data': flags.data,
        'modeconn.data_hash': train.hash,
        'modeconn.test_accuracy': String(last.testAccuracy),
      },
    });
    manifest.timings.saveSeconds = seconds(saveStarted);
    manifest.files.model = 'model.safetensors';
    manifest.status = 'completed';
    save();
  } catch (error) {
    progress.done();
    manifest.timings.trainSeconds = seconds(trainStarted);
    const code = error instanceof ModeconnError ? error.code : 'INTERNAL';
    manifest.status = code === 'CANCELLED' ? 'cancelled' : 'failed';
    manifest.error = { code, message: error instanceof Error ? error.message : String(error) };
    save();
    throw error;
  } finally {
    stop.dispose();
  }
  process.stdout.write(summary(manifest, flags.out));
  return 0;
}

function summary(m: TrainManifest, out: string): string {
  const rows = m.epochs.map((e) => [String(e.epoch), e.lr.toPrecision(3), fixed4(e.trainLoss), percent(e.trainAccuracy), fixed4(e.testLoss), percent(e.testAccuracy), e.seconds.toFixed(1)]);
  const table = formatTable(['epoch', 'lr', 'train loss', 'train acc', 'test loss', 'test acc', 'seconds'], rows);
  const pairs = formatPairs([
    ['model', join(out, 'model.safetensors')],
    ['manifest', join(out, 'train.json')],
    ['arch', `${m.arch.spec ?? m.arch.file} (${m.arch.parameters.toLocaleString('en-US')} parameters)`],
    ['data', `${m.data.spec}: ${m.data.train.n} train, ${m.data.test.n} test (hash ${m.data.train.hash})`],
    ['test accuracy', percent(m.final?.testAccuracy)],
    ['time', formatDuration(m.timings.totalSeconds)],
  ]);
  return `${table}\n${pairs}`;
}
