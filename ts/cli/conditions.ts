/**
 * `modeconn conditions A B`: Nguyen et al.'s conditions on two trained networks — the width
 * report, the probe of every hidden layer (experiment A) beside pruning without retraining
 * (experiment B), and their piecewise-linear path from A to B with the bound checked on every
 * segment, evaluated next to the straight line; report.json, conditions.svg/png, paths.svg/png and
 * summary tables.
 */
import { ModeconnError } from '../errors.js';
import { checkSegmentBounds, referenceLosses, type BoundCheck } from '../conditions/bound.js';
import { constructPath, type ConstructedPath } from '../conditions/constructed-path.js';
import { probeNetwork, type ProbeReport } from '../conditions/probe.js';
import { comparePruning, type PruningComparison } from '../conditions/pruning.js';
import { hiddenLayers, keptCount } from '../conditions/units.js';
import { widthConditions } from '../conditions/widths.js';
import { linearPath, uniformTs, waypointPath } from '../paths/path.js';
import { conditionsPlotSpec } from '../plot/conditions-spec.js';
import { type CommandSpec } from './args.js';
import { conditionsTables, probeJson } from './conditions-tables.js';
import { IO_FLAGS } from './data-spec.js';
import { writeFigure } from './figure.js';
import { writeJsonAtomic } from './manifest.js';
import { describeArch, evaluateAndReport, EVAL_FLAGS, trainSubset } from './path-run.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, startPairCommand } from './resolve-arch.js';
import { withRunner } from './runner.js';
import { formatPairs } from './table.js';

const { points: _points, ...PATH_FLAGS } = EVAL_FLAGS;

export const spec = {
  name: 'conditions',
  summary: 'Nguyen et al.\'s conditions on two networks: feature probes, pruning, their path and its bound.',
  usage: 'modeconn conditions <A.safetensors> <B.safetensors> --data <spec> --out <dir> [options]',
  description:
    'Reports the hidden widths against √N and N (N = training samples). For each network and hidden layer ℓ:\n' +
    'keeps a random fraction of ℓ\'s units (the best of --draws subsets) and trains the narrower network\n' +
    'above them from scratch (a linear softmax classifier above the last hidden layer: the kept features are\n' +
    'linearly separable when it reaches zero training error), beside the loss of dropping half of layers\n' +
    'ℓ..d with the rest × 2 and no retraining (Kuditipudi et al.\'s dropout networks). Then builds the\n' +
    'piecewise-linear path of Nguyen, Bréchet and Mondelli 2021 from A through the probes to B, evaluates it\n' +
    'with the line A → B beside it, and checks on every segment that the loss stays within the bound the\n' +
    'theorem gives (the larger of the functions\' own losses at its ends). Probes work on MLPs and VGG-style\n' +
    'convnets (channels as units); pruning and the path on ReLU MLPs. docs/CONDITIONS.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    fraction: { kind: 'number', default: 0.5, min: 0, max: 0.5, value: 'f', help: 'fraction of each hidden layer\'s units the probes keep (the path needs ≤ 1/2)' },
    draws: { kind: 'int', default: 4, min: 1, value: 'n', help: 'random subsets tried per layer; the best is kept' },
    probeSteps: { kind: 'int', default: 3000, min: 1, value: 'n', help: 'optimiser steps of each probe (epochs = ⌈steps·batch/N⌉)' },
    probeBatchSize: { kind: 'int', default: 64, min: 1, value: 'n', help: 'probe minibatch size' },
    probeLr: { kind: 'number', default: 0.002, min: 0, value: 'lr', help: 'probe learning rate (Adam, cosine schedule)' },
    trials: { kind: 'int', default: 16, min: 0, value: 'n', help: 'random halves per layer of the dropout search (pruning)' },
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of the subsets, the probes and the dropout halves' },
    pointsPerSegment: { kind: 'int', default: 4, min: 1, value: 'n', help: 'evaluated t\'s per path segment (its start; the end is the next one\'s start)' },
    ...PATH_FLAGS,
  },
  examples: [
    'modeconn conditions runs/a/model.safetensors runs/b/model.safetensors --data mnist --out runs/cond',
    'modeconn conditions runs/a/model.safetensors runs/b/model.safetensors --data fashion-mnist --train-samples 10000 --workers 2 --out runs/cond',
  ],
} as const satisfies CommandSpec;

/** Runs `part`, or returns its NOT_SUPPORTED error as a value (the rest of the report still stands). */
async function unlessNotSupported<T>(part: () => Promise<T>): Promise<T | { notSupported: string }> {
  try {
    return await part();
  } catch (error) {
    if (error instanceof ModeconnError && error.code === 'NOT_SUPPORTED') return { notSupported: error.message };
    throw error;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { flags, train, test, a, b, arch, inputs } = await startPairCommand(spec, argv);
  const trainEval = trainSubset(train, flags.trainSamples);
  // Everything that can be refused is refused before anything is trained or written.
  for (const set of [trainEval, test]) if (set.n === 0) throw new ModeconnError('EMPTY_DATA', `data set ${set.name} has no samples`);
  const hidden = hiddenLayers(arch);
  if (!(flags.fraction > 0)) throw new ModeconnError('BAD_ARGUMENT', `--fraction must be above 0, got ${flags.fraction}`);
  hidden.forEach((h) => keptCount(h.units, flags.fraction, h.layer));
  const widths = widthConditions(arch, trainEval.n, flags.fraction);
  const progress = new ProgressBar({ label: 'conditions', quiet: flags.quiet });
  const probeOptions = {
    fraction: flags.fraction, draws: flags.draws, seed: flags.seed, steps: flags.probeSteps, batchSize: flags.probeBatchSize,
    optimizer: { type: 'adam', lr: flags.probeLr } as const, evalBatchSize: flags.evalBatchSize,
  };
  const steps = 2 * hidden.length * flags.draws;
  const { probes, pruning } = await withRunner(flags.workers, async (runner) => {
    const probes: ProbeReport[] = [];
    for (const [i, model] of [a, b].entries()) {
      progress.note(`probing ${i === 0 ? 'A' : 'B'}: ${hidden.length} layers × ${flags.draws} subsets of ${flags.fraction} of the units, on ${trainEval.name} (${trainEval.n})`);
      probes.push(await probeNetwork(arch, model.params, trainEval, test, {
        ...probeOptions, runner,
        onProgress: ({ done, layer }) => progress.update({ fraction: (i * steps / 2 + done) / steps, detail: `${i === 0 ? 'A' : 'B'} layer ${layer}` }),
      }));
    }
    const pruning = await unlessNotSupported(async () => {
      const out: PruningComparison[] = [];
      const pruning = { trials: flags.trials, seed: flags.seed, batchSize: flags.evalBatchSize, runner };
      for (const [i, model] of [a, b].entries()) out.push(await comparePruning(arch, model.params, probes[i], trainEval, test, pruning));
      return out;
    });
    return { probes, pruning };
  });
  progress.done();
  const constructed = await unlessNotSupported(async () => constructPath(arch, a.params, b.params, probes[0].layers, probes[1].layers));
  const built = 'points' in constructed ? (constructed as ConstructedPath) : undefined;
  const segments = built?.segments.length ?? 1;
  const points = flags.pointsPerSegment * segments + 1;
  const { report } = await evaluateAndReport({
    argv: ['conditions', ...argv], out: flags.out, arch, archLabel: flags.arch ?? describeArch(arch), dataSpec: flags.data,
    train, test,
    paths: [
      ...(built ? [{ key: 'constructed', label: `constructed path (${segments} segments)`, path: waypointPath(built.points, uniformTs(segments + 1)) }] : []),
      { key: 'line', label: 'line', path: linearPath(a.params, b.params) },
    ],
    flags: { ...flags, points },
    inputs,
    seeds: { probes: flags.seed },
  });
  const bound: Record<string, BoundCheck> = {};
  if (built) {
    const path = report.paths.constructed;
    for (const set of ['train', 'test'] as const) {
      const losses = path.sets[set].points.map((p) => p.loss);
      bound[set] = checkSegmentBounds(built, path.ts, losses, referenceLosses(probes[0], probes[1], set));
    }
  }
  const nets = ['A', 'B'].map((label, i) => ({
    label,
    network: { train: probes[i].network.train.loss, test: probes[i].network.test!.loss },
    layers: probes[i].layers.map((p) => {
      const row = Array.isArray(pruning) ? pruning[i].rows.find((r) => r.layer === p.layer) : undefined;
      return { layer: p.layer, probe: { train: p.train.loss, test: p.test!.loss }, ...(row ? { pruned: { train: row.pruned.train.loss, test: row.pruned.test!.loss } } : {}) };
    }),
  }));
  const figure = await writeFigure(conditionsPlotSpec(nets, { fraction: flags.fraction, subtitle: `${flags.arch ?? describeArch(arch)} on ${flags.data}` }), flags.out, 'conditions');
  Object.assign(report.files, figure.files);
  Object.assign(report, {
    widths,
    probes: { options: { ...probeOptions, optimizer: probeOptions.optimizer }, a: probeJson(probes[0]), b: probeJson(probes[1]) },
    pruning: Array.isArray(pruning) ? { trials: flags.trials, a: pruning[0], b: pruning[1] } : pruning,
    constructedPath: built ? { segments: built.segments, bound } : constructed,
  });
  writeJsonAtomic(report.files.report, JSON.parse(JSON.stringify(report, (_, v) => (v instanceof Uint32Array ? Array.from(v) : v))));
  process.stdout.write(`${conditionsTables({ widths, probes, pruning, built, bound, report })}\n${formatPairs(Object.entries(report.files))}`);
  return 0;
}
