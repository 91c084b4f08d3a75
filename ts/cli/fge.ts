/**
 * `modeconn fge [model]`: fast geometric ensembling (Garipov et al. 2018) from a trained model or a
 * pretraining run: cycles of a cyclic learning rate, a snapshot at each cycle's minimum (BatchNorm
 * recomputed), and the ensemble after each added snapshot on the test split; report.json,
 * snapshot-<i>.safetensors, fge.svg/png and the table of accuracy, NLL, ECE and diversity per member.
 */
import { join } from 'node:path';
import { evaluateMembers } from '../ensembles/evaluate.js';
import { fastGeometricEnsemble } from '../ensembles/fge.js';
import { ensembleGrowth } from '../ensembles/growth.js';
import { saveModel } from '../io/model-files.js';
import { compiledOf } from '../model/model.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { hasBatchNorm } from '../paths/evaluate.js';
import { ensemblePlotSpec } from '../plot/ensembles-spec.js';
import { parseArgs, type CommandSpec } from './args.js';
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
  name: 'fge',
  summary: 'Fast geometric ensembling: cyclic-lr snapshots of one network and their ensemble.',
  usage: 'modeconn fge [<model.safetensors>] --data <spec> --out <dir> [options]   (or --arch <spec> --pretrain <epochs>)',
  description:
    'From the model (or a network pretrained for --pretrain epochs) runs --cycles cycles of SGD whose\n' +
    'learning rate goes --lr → --lr-min at mid-cycle → --lr (the triangle of Garipov et al. 2018) and keeps\n' +
    'θ at each cycle\'s minimum; each snapshot\'s BatchNorm statistics are recomputed over the training\n' +
    'data. The table is the ensemble of the first k snapshots on the test split (averaged probabilities;\n' +
    'ECE with 15 equal-width confidence bins). docs/ENSEMBLES.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    ...START_FLAGS,
    cycles: { kind: 'int', default: 4, min: 1, value: 'n', help: 'cycles (one snapshot each)' },
    cycle: { kind: 'number', default: 2, min: 0, value: 'epochs', help: 'cycle length (at least 2 steps)' },
    lr: { kind: 'number', default: 0.025, min: 0, value: 'lr', help: 'α1, the largest learning rate of a cycle' },
    lrMin: { kind: 'number', default: 0.0005, min: 0, value: 'lr', help: 'α2, the smallest (at each snapshot)' },
    shape: { kind: 'string', default: 'triangle', choices: ['triangle', 'cosine'], value: 'shape', help: 'cycle shape' },
    weightDecay: { kind: 'number', default: 0, min: 0, value: 'wd', help: 'L2 weight decay' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per step' },
    trainSize: { kind: 'int', min: 1, value: 'n', help: 'train (and recompute BatchNorm) on n evenly spaced training samples (default all)' },
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, value: 'seed', help: 'seed of the cycles (and of pretraining)' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'run on a pool of n worker threads (same bits)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn fge runs/a/model.safetensors --data fashion-mnist --cycles 8 --cycle 1 --out runs/fge',
    'modeconn fge --arch mlp:784-200-200-10 --pretrain 4 --data fashion-mnist --cycles 4 --out runs/fge-scratch',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  const { train: fullTrain, test } = await loadSplits(flags.data);
  const train = trainSubset(fullTrain, flags.trainSize);
  const { arch, start, input } = await resolveEnsembleStart(positionals, flags, train, spec.usage);
  const optimizer: OptimizerConfig = { type: 'sgd', lr: flags.lr, momentum: 0.9, weightDecay: flags.weightDecay };
  ensureDir(flags.out);
  const progress = new ProgressBar({ label: 'fge', quiet: flags.quiet });
  progress.note(`fge: ${describeArch(arch)} on ${train.name} (${train.n}); ${flags.cycles} cycles of ${flags.cycle} epochs, lr ${flags.lr} → ${flags.lrMin}`);
  const sigint = cancelOnSigint(progress);
  const started = performance.now();
  const bnData = hasBatchNorm(compiledOf(arch)) ? train : undefined;
  let result;
  try {
    result = await withRunner(flags.workers, async (runner) => {
      const fge = await fastGeometricEnsemble(arch, train, {
        seed: flags.seed, start, cycles: flags.cycles, cycle: flags.cycle, lr: flags.lr, lrMin: flags.lrMin, shape: flags.shape as 'triangle' | 'cosine',
        optimizer, batchSize: flags.batchSize, runner, signal: sigint.signal,
        onProgress: (p) => progress.update({ fraction: 0.9 * p.fraction, detail: `${p.phase} loss ${p.loss.toFixed(3)}` }),
      });
      progress.update({ fraction: 0.9, detail: 'evaluating' });
      const startResult = await evaluateMembers([{ arch, params: fge.start }], test, { runner, bnData, signal: sigint.signal });
      const members = await evaluateMembers(fge.snapshots.map((s) => ({ arch, params: s.params })), test, { runner, signal: sigint.signal });
      return { fge, startResult: startResult[0], members };
    });
  } finally {
    sigint.dispose();
    progress.done();
  }
  const { fge, startResult, members } = result;
  const growth = ensembleGrowth(members, test);
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  for (const [i, s] of fge.snapshots.entries()) {
    files[`snapshot${i + 1}`] = join(flags.out, `snapshot-${i + 1}.safetensors`);
    await saveModel({ arch, params: s.params }, files[`snapshot${i + 1}`], { metadata: { 'modeconn.fge_cycle': String(s.cycle), 'modeconn.fge_step': String(s.step) } });
  }
  const archLabel = flags.arch ?? describeArch(arch);
  const figure = await writeFigure(ensemblePlotSpec(
    { growth: { fge: growth.map((g) => ({ members: g.members, accuracy: g.accuracy, nll: g.nll })) }, references: { start: { accuracy: startResult.accuracy, nll: startResult.loss } } },
    { title: 'FGE: the ensemble of the first k snapshots', subtitle: `${archLabel} on ${flags.data}; ${flags.cycles} cycles of ${flags.cycle} epochs` },
  ), flags.out, 'fge');
  Object.assign(files, figure.files);
  const seconds = (performance.now() - started) / 1000;
  writeJsonAtomic(files.report, {
    ...runInfo(['fge', ...argv], 'fge'),
    status: 'completed',
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { label: archLabel, parameters: compiledOf(arch).paramCount, value: arch },
    input,
    options: { cycles: flags.cycles, cycle: flags.cycle, lr: flags.lr, lrMin: flags.lrMin, shape: flags.shape, optimizer, batchSize: flags.batchSize, seed: flags.seed },
    ece: { bins: 15, binning: 'equal-width bins of the top probability, (b/15, (b+1)/15]' },
    epochs: fge.epochs,
    start: { loss: startResult.loss, accuracy: startResult.accuracy },
    snapshots: fge.snapshots.map((s, i) => ({ cycle: s.cycle, step: s.step, epoch: s.epoch, lr: s.lr, test: { loss: members[i].loss, accuracy: members[i].accuracy } })),
    growth,
    log: fge.log,
    manifest: fge.manifest,
    seconds,
    files,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  const rows = [['start', '-', percent(startResult.accuracy), fixed4(startResult.loss), '-', '-', '-', '-']];
  growth.forEach((g, i) => rows.push([`snapshot ${i + 1}`, percent(members[i].accuracy), percent(g.accuracy), fixed4(g.nll), fixed4(g.ece),
    Number.isFinite(g.disagreement) ? fixed4(g.disagreement) : '-', Number.isFinite(g.kl) ? fixed4(g.kl) : '-', String(fge.snapshots[i].step)]));
  process.stdout.write(`${formatTable(['member', 'its acc', 'ensemble acc', 'NLL', 'ECE', 'disagree', 'KL', 'step'], rows)}\n` +
    `epochs: ${fge.epochs.pretrain} pretraining + ${fixed4(fge.epochs.cycles)} of cycles\n\n${formatPairs([...Object.entries(files), ['time', formatDuration(seconds)]])}`);
  return 0;
}
