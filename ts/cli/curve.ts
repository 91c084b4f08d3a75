/**
 * `modeconn curve`: fits the bends of a Bezier curve or polygonal chain between two saved models
 * (Garipov et al. 2018: SGD on E_t L(θ(t)), t ~ U[0,1] per batch), saves it as <out>/curve.safetensors
 * + curve.json, then evaluates the line and the curve as `modeconn path` does.
 */
import { join } from 'node:path';
import type { DataSet } from '../data/dataset.js';
import type { Arch } from '../model/arch.js';
import type { OptimizerConfig } from '../model/training-options.js';
import { saveCurve } from '../paths/curve-files.js';
import { fitCurve, type FitEpochLog } from '../paths/fit.js';
import { bezierCurve, linearPath, polyChainCurve, type Path } from '../paths/path.js';
import { type CommandSpec, type FlagSpec } from './args.js';
import { IO_FLAGS } from './data-spec.js';
import { ensureDir } from './manifest.js';
import { cancelOnSigint, describeArch, evaluateAndReport, EVAL_FLAGS } from './path-run.js';
import { ProgressBar, formatDuration, formatLoss } from './progress.js';
import { parallelFlags, shardCount, withRunner } from './runner.js';
import { ARCH_FLAGS, startPairCommand } from './resolve-arch.js';
import { formatPairs, percent } from './table.js';

/** The curve-fitting flags (shared with `demo`). */
export const FIT_FLAGS = {
  kind: { kind: 'string', default: 'bezier', choices: ['bezier', 'polychain'], value: 'bezier|polychain', help: 'the curve\'s basis' },
  bends: { kind: 'int', default: 1, min: 1, max: 16, value: 'n', help: 'bends between the endpoints (a Bezier curve of degree n + 1)' },
  epochs: { kind: 'int', default: 5, min: 1, value: 'n', help: 'passes over the training split while fitting the curve' },
  lr: { kind: 'number', min: 0, value: 'lr', help: 'learning rate of the fit (default 0.05 for sgd, 0.001 for adam)' },
  optimizer: { kind: 'string', default: 'sgd', choices: ['sgd', 'adam'], value: 'sgd|adam', help: 'optimiser of the fit (SGD with momentum 0.9)' },
  batchSize: { kind: 'int', default: 128, min: 1, value: 'n', help: 'samples per step of the fit (one t per step)' },
  seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, value: 'seed', help: 'seed of the fit: shuffling, t draws, dropout' },
  l2: { kind: 'number', default: 0, min: 0, help: 'L2 coefficient on the bends (weight decay)' },
} as const satisfies Record<string, FlagSpec>;

export interface FitFlags {
  kind: string;
  bends: number;
  epochs: number;
  lr?: number;
  optimizer: string;
  batchSize: number;
  seed: number;
  l2: number;
  /** Data-parallel fitting (`parallelFlags`; absent: this thread, one shard). */
  workers?: number;
  shards?: number;
  bnStatistics?: string;
}

export const spec = {
  name: 'curve',
  summary: 'Fit a low-loss curve (Bezier or polygonal chain) between two models, save it and evaluate it.',
  usage: 'modeconn curve <A.safetensors> <B.safetensors> --data <spec> --out <dir> [options]',
  description:
    'The bends start on the line and are fitted with BatchNorm in train mode; the endpoints stay fixed.\n' +
    'Writes <out>/curve.safetensors + curve.json (load with `modeconn path --curve` or loadCurve),\n' +
    'and evaluates the line and the curve like `modeconn path` (report.json, paths.svg, paths.png).',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    ...FIT_FLAGS,
    ...parallelFlags('fit', 'workers'),
    ...EVAL_FLAGS,
  },
  examples: [
    'modeconn curve runs/a/model.safetensors runs/b/model.safetensors --data mnist --epochs 5 --out runs/curve',
    'modeconn curve a.safetensors b.safetensors --data fashion-mnist --kind polychain --bends 2 --lr 0.02 --out runs/chain',
    'modeconn curve a.safetensors b.safetensors --data fashion-mnist --workers 2 --out runs/curve-parallel',
  ],
} as const satisfies CommandSpec;

/** The label of a fitted curve in figures and tables, e.g. `bezier (1 bend)`. */
export function curveLabel(kind: string, bends: number): string {
  return `${kind} (${bends} bend${bends === 1 ? '' : 's'})`;
}

/** Fits the curve between paramsA and paramsB and saves it as <out>/curve.*; returns the fitted path and log. */
export async function fitAndSave(arch: Arch, paramsA: Float32Array, paramsB: Float32Array, train: DataSet, flags: FitFlags, out: string, quiet: boolean):
  Promise<{ path: Path; log: FitEpochLog[]; files: { safetensors: string; json: string }; seconds: number; optimizer: OptimizerConfig }> {
  const started = performance.now();
  const initial = flags.kind === 'bezier' ? bezierCurve(paramsA, paramsB, { degree: flags.bends + 1 }) : polyChainCurve(paramsA, paramsB, { bends: flags.bends });
  const optimizer: OptimizerConfig = flags.optimizer === 'adam'
    ? { type: 'adam', lr: flags.lr ?? 0.001 }
    : { type: 'sgd', lr: flags.lr ?? 0.05, momentum: 0.9 };
  const progress = new ProgressBar({ label: 'fit', quiet });
  progress.note(`fitting a ${curveLabel(flags.kind, flags.bends)} on ${train.name} (${train.n}): ${flags.epochs} epochs, ${optimizer.type} lr ${optimizer.lr}, seed ${flags.seed}`);
  const sigint = cancelOnSigint(progress);
  try {
    const workers = flags.workers ?? 0;
    const fit = await withRunner(workers, (runner) => fitCurve(initial, arch, train, {
      runner,
      shards: shardCount({ shards: flags.shards, workers }, 'workers'),
      bnStatistics: (flags.bnStatistics ?? 'batch') as 'batch' | 'shard',
      seed: flags.seed,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      optimizer,
      l2: flags.l2,
      signal: sigint.signal,
      onProgress: (p) => progress.update({ fraction: p.fraction, loss: p.loss, detail: `fit epoch ${p.epoch}/${flags.epochs}` }),
      onEpoch: (log) => progress.note(`fit epoch ${log.epoch}/${flags.epochs}  E_t loss ${formatLoss(log.trainLoss)} acc ${percent(log.trainAccuracy)}  ${formatDuration(log.seconds)}`),
    }));
    progress.done();
    ensureDir(out);
    const files = await saveCurve(fit.path, join(out, 'curve'), { arch, manifest: fit.manifest, log: fit.log });
    return { path: fit.path, log: fit.log, files, seconds: (performance.now() - started) / 1000, optimizer };
  } finally {
    sigint.dispose();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { flags, train, test, a, b, arch, inputs } = await startPairCommand(spec, argv);
  const fit = await fitAndSave(arch, a.params, b.params, train, flags, flags.out, flags.quiet);
  const label = curveLabel(flags.kind, flags.bends);
  const { report, summary } = await evaluateAndReport({
    argv: ['curve', ...argv], out: flags.out, arch, archLabel: flags.arch ?? describeArch(arch), dataSpec: flags.data, train, test,
    paths: [{ key: 'line', label: 'line', path: linearPath(a.params, b.params) }, { key: 'curve', label, path: fit.path }],
    flags,
    inputs,
    seeds: { fit: flags.seed },
    extra: {
      fit: { kind: flags.kind, bends: flags.bends, epochs: flags.epochs, batchSize: flags.batchSize, optimizer: fit.optimizer, l2: flags.l2, seed: flags.seed,
        shards: shardCount(flags, 'workers'), workers: flags.workers, log: fit.log, seconds: fit.seconds },
    },
    extraFiles: { curve: fit.files.json, curveWeights: fit.files.safetensors },
  });
  process.stdout.write(`${summary}\n${formatPairs(Object.entries(report.files))}`);
  return 0;
}
