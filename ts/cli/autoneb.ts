/**
 * `modeconn autoneb A B`: a minimum-energy path between two models by AutoNEB (Draxler et al. 2018),
 * saved as a waypoint curve and evaluated next to the line like `modeconn path`.
 */
import { join } from 'node:path';
import { saveCurve } from '../paths/curve-files.js';
import { autoNeb } from '../paths/autoneb.js';
import { linearPath } from '../paths/path.js';
import { type CommandSpec } from './args.js';
import { IO_FLAGS } from './data-spec.js';
import { cancelOnSigint, describeArch, evaluateAndReport, EVAL_FLAGS, trainSubset } from './path-run.js';
import { ensureDir } from './manifest.js';
import { ProgressBar } from './progress.js';
import { parallelFlags, shardCount, withRunner } from './runner.js';
import { ARCH_FLAGS, startPairCommand } from './resolve-arch.js';
import { fixed4, formatPairs } from './table.js';

export const spec = {
  name: 'autoneb',
  summary: 'Find a minimum-energy path between two models by AutoNEB; save and evaluate it.',
  usage: 'modeconn autoneb <A.safetensors> <B.safetensors> --data <spec> --out <dir> [options]',
  description:
    'A nudged elastic band of pivots between A and B (endpoints fixed): each step moves every pivot along\n' +
    'the loss gradient without its component along the band, plus a spring that keeps pivots evenly\n' +
    'spaced; after each cycle, pivots are added at the segments whose midpoints have the highest loss.\n' +
    'Writes <out>/curve.safetensors + curve.json (a waypoint path; `modeconn path --curve` reads it) and\n' +
    'evaluates the line and the band like `modeconn path`. docs/PATHS.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    pivots: { kind: 'int', default: 2, min: 0, value: 'n', help: 'interior pivots to start with, evenly on the line' },
    cycles: { kind: 'int', default: 3, min: 1, value: 'n', help: 'cycles of steps; pivots are added after each' },
    insert: { kind: 'int', default: 2, min: 0, value: 'n', help: 'pivots added after each cycle, at the worst segments' },
    steps: { kind: 'int', default: 100, min: 1, value: 'n', help: 'steps per cycle (each moves every pivot once)' },
    lr: { kind: 'number', default: 0.05, min: 0, value: 'lr', help: 'learning rate of the pivots (SGD, momentum 0.9)' },
    spring: { kind: 'number', default: 1, min: 0, value: 'k', help: 'spring constant along the band' },
    batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per gradient' },
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, value: 'seed', help: 'seed of the minibatch order' },
    ...parallelFlags('move the pivots', 'one'),
    ...EVAL_FLAGS,
  },
  examples: [
    'modeconn autoneb runs/a/model.safetensors runs/b/model.safetensors --data mnist --out runs/neb',
    'modeconn autoneb a.safetensors b.safetensors --data fashion-mnist --workers 2 --out runs/neb   # the pivots\' gradients spread over 2 threads',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { flags, train, test, a, b, arch, inputs } = await startPairCommand(spec, argv);
  const progress = new ProgressBar({ label: 'autoneb', quiet: flags.quiet });
  progress.note(`${flags.cycles} cycles of ${flags.steps} steps from ${flags.pivots} pivots, +${flags.insert} per cycle, on ${train.name} (${train.n})`);
  const started = performance.now();
  const sigint = cancelOnSigint(progress);
  const shards = shardCount(flags, 'one');
  const neb = await withRunner(flags.workers, (runner) => autoNeb(arch, a.params, b.params, train, {
    seed: flags.seed, pivots: flags.pivots, cycles: flags.cycles, insert: flags.insert, steps: flags.steps,
    lr: flags.lr, spring: flags.spring, batchSize: flags.batchSize,
    runner, shards, bnStatistics: flags.bnStatistics as 'batch' | 'shard', signal: sigint.signal,
    onCycle: (c) => progress.update({ fraction: c.cycle / flags.cycles, detail: `cycle ${c.cycle}: ${c.pivots} pivots, worst midpoint ${fixed4(Math.max(...c.midpointLosses))}` }),
  })).finally(() => sigint.dispose());
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  ensureDir(flags.out);
  const files = await saveCurve(neb.path, join(flags.out, 'curve'), { arch, manifest: neb.manifest });
  const { report, summary } = await evaluateAndReport({
    argv: ['autoneb', ...argv], out: flags.out, arch, archLabel: flags.arch ?? describeArch(arch), dataSpec: flags.data,
    train: trainSubset(train, flags.trainSamples), test,
    paths: [
      { key: 'line', label: 'line', path: linearPath(a.params, b.params) },
      { key: 'autoneb', label: `AutoNEB (${neb.path.points.length - 2} pivots)`, path: neb.path },
    ],
    flags, inputs, seeds: { neb: flags.seed },
    extra: { autoneb: { log: neb.log, knots: neb.path.knots, shards, workers: flags.workers, seconds } },
    extraFiles: files,
  });
  process.stdout.write(`${summary}\n${formatPairs(Object.entries(report.files))}`);
  return 0;
}
