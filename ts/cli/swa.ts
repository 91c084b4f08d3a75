/**
 * `modeconn swa [model]`: stochastic weight averaging (Izmailov et al. 2018) from a trained model or a
 * pretraining run — the averaging tail (constant or sawtooth learning rate), update_bn, θ_SWA against
 * the last SGD iterate on train and test, and the two geometry measurements (random rays from each,
 * the line through both); report.json, swa.safetensors, sgd.safetensors, swa.svg/png and a table.
 */
import { join } from 'node:path';
import { measureSwaGeometry } from '../ensembles/swa-geometry.js';
import { stochasticWeightAveraging, type SwaSchedule } from '../ensembles/swa.js';
import { saveModel } from '../io/model-files.js';
import { compiledOf } from '../model/model.js';
import { evaluateMany } from '../model/train.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { swaGeometryPlotSpec } from '../plot/swa-spec.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { resolveEnsembleStart, START_FLAGS } from './ensemble-start.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { cancelOnSigint, describeArch, trainSubset } from './path-run.js';
import { splitPositionals } from './positionals.js';
import { ProgressBar, formatDuration } from './progress.js';
import { ARCH_FLAGS } from './resolve-arch.js';
import { withRunner } from './runner.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'swa',
  summary: 'Stochastic weight averaging against the SGD iterate, with the width and line geometry.',
  usage: 'modeconn swa [<model.safetensors>] --data <spec> --out <dir> [options]   (or --arch <spec> --pretrain <epochs>)',
  description:
    'From the model (or a network pretrained for --pretrain epochs) trains --epochs more epochs of SGD at\n' +
    'the constant rate --lr (or, with --cycle, the sawtooth --lr → --lr-min over each cycle) and averages θ\n' +
    'after every epoch (at each cycle\'s end with --cycle); the average\'s BatchNorm statistics are then\n' +
    'recomputed (update_bn). Compares θ_SWA with the last SGD iterate on train and test, then measures\n' +
    'the loss along --directions random filter-normalised rays from each and along the line from the SGD\n' +
    'iterate through θ_SWA and beyond (BatchNorm recomputed at every point). docs/ENSEMBLES.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    ...START_FLAGS,
    epochs: { kind: 'int', default: 5, min: 1, value: 'n', help: 'epochs of the averaging tail' },
    lr: { kind: 'number', default: 0.01, min: 0, value: 'lr', help: 'α1, the SWA learning rate' },
    cycle: { kind: 'number', min: 0, value: 'epochs', help: 'cyclic SWA: the sawtooth cycle length (default: constant lr)' },
    lrMin: { kind: 'number', min: 0, value: 'lr', help: 'cyclic SWA: α2 at each cycle\'s end (default lr/10)' },
    weightDecay: { kind: 'number', default: 0, min: 0, value: 'wd', help: 'L2 weight decay' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per step' },
    trainSize: { kind: 'int', min: 1, value: 'n', help: 'train (and recompute BatchNorm) on n evenly spaced training samples (default all)' },
    trainSamples: { kind: 'int', default: 10000, min: 1, value: 'n', help: 'evaluate on this many evenly spaced training samples' },
    directions: { kind: 'int', default: 5, min: 0, value: 'n', help: 'random rays from each point (0: no geometry)' },
    normalization: { kind: 'string', default: 'filter', choices: ['filter', 'unit'], value: 'kind', help: 'rays filter-normalised to their origin, or unit vectors (the paper\'s)' },
    distance: { kind: 'number', default: 1, min: 0, value: 'r', help: 'the rays\' length (11 points): filter-normalised units, or for unit rays a fraction of ‖θ_SWA‖' },
    rise: { kind: 'number', default: 0.1, min: 0, value: 'nats', help: 'the width is where the mean train loss first rises this much' },
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, value: 'seed', help: 'seed of the tail (and of pretraining); the rays use seed + 1' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'run on a pool of n worker threads (same bits)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn swa runs/a/model.safetensors --data fashion-mnist --epochs 5 --lr 0.01 --out runs/swa',
    'modeconn swa --arch mlp:784-200-200-10 --pretrain 6 --data fashion-mnist --epochs 4 --cycle 1 --lr 0.02 --lr-min 0.002 --out runs/swa-cyclic',
  ],
} as const satisfies CommandSpec;

/** ‖θ‖ over the first `count` (trainable) values. */
function trainableNorm(theta: Float32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += theta[i] * theta[i];
  return Math.sqrt(sum);
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  if (flags.lrMin !== undefined && flags.cycle === undefined) throw new UsageError('--lr-min needs --cycle (cyclic SWA)');
  const { train: fullTrain, test } = await loadSplits(flags.data);
  const train = trainSubset(fullTrain, flags.trainSize);
  const trainEval = trainSubset(train, Math.min(flags.trainSamples, train.n));
  const { arch, start, input } = await resolveEnsembleStart(positionals, flags, train, spec.usage);
  const optimizer: OptimizerConfig = { type: 'sgd', lr: flags.lr, momentum: 0.9, weightDecay: flags.weightDecay };
  const schedule: SwaSchedule = flags.cycle === undefined ? 'constant' : { cycle: flags.cycle, lrMin: flags.lrMin ?? flags.lr / 10 };
  ensureDir(flags.out);
  const progress = new ProgressBar({ label: 'swa', quiet: flags.quiet });
  progress.note(`swa: ${describeArch(arch)} on ${train.name} (${train.n}); ${flags.epochs} epochs at lr ${flags.lr}${flags.cycle ? ` (cycles of ${flags.cycle} epochs)` : ''}`);
  const sigint = cancelOnSigint(progress);
  const started = performance.now();
  const compiled = compiledOf(arch);
  const bnData = hasBatchNorm(compiled) ? train : undefined;
  const share = flags.directions > 0 ? 0.5 : 0.9;
  let out;
  try {
    out = await withRunner(flags.workers, async (runner) => {
      const swa = await stochasticWeightAveraging(arch, train, {
        seed: flags.seed, start, epochs: flags.epochs, lr: flags.lr, schedule, optimizer, batchSize: flags.batchSize, runner, signal: sigint.signal,
        onProgress: (p) => progress.update({ fraction: share * p.fraction, detail: `${p.phase} loss ${p.loss.toFixed(3)}` }),
      });
      progress.update({ fraction: share, detail: 'evaluating' });
      // The SGD iterate keeps its running statistics (as trained); θ_SWA has update_bn's.
      const sets = { train: trainEval, test };
      const evaluated = Object.fromEntries(await Promise.all(Object.entries(sets).map(async ([role, set]) => {
        const [swaResult, sgdResult, rawResult] = await evaluateMany(arch, [swa.swa, swa.last, swa.average.params], set, { runner });
        return [role, { swa: swaResult, sgd: sgdResult, averageWithoutUpdateBn: rawResult }] as const;
      })));
      const geometry = flags.directions > 0
        ? await measureSwaGeometry(arch, { swa: swa.swa, sgd: swa.last }, sets, {
          directions: flags.directions, seed: flags.seed + 1, normalization: flags.normalization as 'filter' | 'unit', rise: flags.rise,
          distances: Array.from({ length: 11 }, (_, i) => (i * flags.distance * (flags.normalization === 'unit' ? trainableNorm(swa.swa, compiled.paramCount) : 1)) / 10),
          bnData, runner, signal: sigint.signal,
          onProgress: ({ done, total }) => progress.update({ fraction: share + (1 - share) * (done / total), detail: 'geometry' }),
        })
        : undefined;
      return { swa, evaluated, geometry };
    });
  } finally {
    sigint.dispose();
    progress.done();
  }
  const { swa, evaluated, geometry } = out;
  const files: Record<string, string> = { report: join(flags.out, 'report.json'), swa: join(flags.out, 'swa.safetensors'), sgd: join(flags.out, 'sgd.safetensors') };
  await saveModel({ arch, params: swa.swa }, files.swa, { metadata: { 'modeconn.swa_averaged': String(swa.average.count) } });
  await saveModel({ arch, params: swa.last }, files.sgd, { metadata: { 'modeconn.swa_role': 'last SGD iterate' } });
  const archLabel = flags.arch ?? describeArch(arch);
  const warnings: string[] = [];
  if (geometry) {
    const figure = await writeFigure(swaGeometryPlotSpec(geometry, { subtitle: `${archLabel} on ${flags.data}; ${swa.average.count} iterates averaged over ${flags.epochs} epochs` }), flags.out, 'swa');
    Object.assign(files, figure.files);
    warnings.push(...figure.warnings);
  }
  const seconds = (performance.now() - started) / 1000;
  const metrics = (r: { loss: number; accuracy: number }) => ({ loss: r.loss, accuracy: r.accuracy });
  writeJsonAtomic(files.report, {
    ...runInfo(['swa', ...argv], 'swa'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test), trainEvaluated: describeData(trainEval) },
    arch: { label: archLabel, parameters: compiled.paramCount, value: arch },
    input,
    options: { epochs: flags.epochs, lr: flags.lr, normalization: flags.normalization, schedule: swa.schedule, cadence: swa.cadence, optimizer, batchSize: flags.batchSize, seed: flags.seed },
    epochs: swa.epochs,
    averaged: swa.average.count,
    results: Object.fromEntries(Object.entries(evaluated).map(([role, r]) => [role, { swa: metrics(r.swa), sgd: metrics(r.sgd), averageWithoutUpdateBn: metrics(r.averageWithoutUpdateBn) }])),
    ...(geometry ? { geometry } : {}),
    log: swa.log,
    manifest: swa.manifest,
    seconds,
    files,
    ...(warnings.length ? { warnings } : {}),
  });
  const rows = [
    ['SGD iterate (last)', ...['train', 'test'].flatMap((s) => [fixed4(evaluated[s].sgd.loss), percent(evaluated[s].sgd.accuracy)])],
    ['SWA (update_bn)', ...['train', 'test'].flatMap((s) => [fixed4(evaluated[s].swa.loss), percent(evaluated[s].swa.accuracy)])],
  ];
  if (hasBatchNorm(compiled)) rows.push(['SWA without update_bn', ...['train', 'test'].flatMap((s) => [fixed4(evaluated[s].averageWithoutUpdateBn.loss), percent(evaluated[s].averageWithoutUpdateBn.accuracy)])]);
  let text = formatTable(['model', 'train loss', 'train acc', 'test loss', 'test acc'], rows);
  if (geometry) {
    const width = (w: number | null) => (w === null ? `> ${geometry.distances[geometry.distances.length - 1]}` : fixed4(w));
    const line = geometry.line.sets.train.loss;
    const argmin = line.indexOf(Math.min(...line));
    text += `\nwidth (mean ${geometry.widthSet} loss rises ${flags.rise} over ${flags.directions} rays): SWA ${width(geometry.width.swa)}, SGD ${width(geometry.width.sgd)}` +
      `\nline SGD → SWA (‖Δ‖ = ${fixed4(geometry.line.distance)}): lowest train loss at t = ${geometry.line.ts[argmin]}`;
  }
  process.stdout.write(`${text}\n\n${formatPairs([...Object.entries(files), ['time', formatDuration(seconds)]])}`);
  return 0;
}
