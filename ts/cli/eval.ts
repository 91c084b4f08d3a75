/**
 * `modeconn eval`: loss and accuracy of a saved model on a data split, overall and per class, as a
 * table on stdout and as JSON (<out>/eval.json, or stdout with --json).
 */
import { join } from 'node:path';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import { evaluateModel, recomputeBatchNorm } from '../model/train.js';
import { parseArgs, type CommandSpec } from './args.js';
import { DATA_HELP, describeData, parseDataSpec } from './data-spec.js';
import { ensureDir, runInfo, writeJsonAtomic, type RunInfo } from './manifest.js';
import { ProgressBar } from './progress.js';
import { withRunner } from './runner.js';
import { ARCH_FLAGS, readModel } from './resolve-arch.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'eval',
  summary: 'Evaluate a saved model: loss and accuracy, overall and per class.',
  usage: 'modeconn eval --model <file.safetensors|file.pt> --data <spec> [--split test|train] [--out <dir> | --json] [options]',
  description:
    'The architecture comes from --arch / --arch-file, else the model file\'s metadata (files written\n' +
    'by `modeconn train`), else it is inferred from a PyTorch state_dict\'s names and shapes (docs/IO.md).',
  flags: {
    model: { kind: 'string', value: 'file', required: true, help: 'model weights (safetensors or a PyTorch .pt checkpoint)' },
    ...ARCH_FLAGS,
    data: { kind: 'string', value: 'spec', required: true, help: DATA_HELP },
    split: { kind: 'string', default: 'test', choices: ['test', 'train'], value: 'test|train', help: 'which split to evaluate' },
    bnRecompute: { kind: 'boolean', help: 'recompute BatchNorm statistics over the training split first (exact average)' },
    batchSize: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'samples per evaluation call' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'shard the samples over n worker threads (0 = this thread; same bits either way)' },
    out: { kind: 'string', value: 'dir', help: 'write <dir>/eval.json' },
    json: { kind: 'boolean', help: 'print the JSON report on stdout instead of tables' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn eval --model runs/a/model.safetensors --data mnist',
    'modeconn eval --model runs/b/model.safetensors --data fashion-mnist --bn-recompute --out runs/b',
    'modeconn eval --model torch.safetensors --arch mlp:784-512-512-10 --data mnist --json',
  ],
} as const satisfies CommandSpec;

/** One row of the per-class report. */
export interface ClassResult {
  class: number;
  n: number;
  loss: number | null;
  accuracy: number | null;
}

/** The JSON written to eval.json. */
export interface EvalReport extends RunInfo {
  model: { file: string; parameters: number; arch: Arch; metadata: Record<string, string> };
  data: { spec: string; split: string } & ReturnType<typeof describeData>;
  bnRecompute: boolean;
  loss: number;
  accuracy: number;
  perClass: ClassResult[];
  seconds: number;
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  const started = performance.now();
  const source = parseDataSpec(flags.data);
  const progress = new ProgressBar({ label: 'eval', quiet: flags.quiet || flags.json });
  const data = await source.load(flags.split as 'test' | 'train');
  const { model: loaded, metadata } = await readModel(flags.model, flags, data);
  let model = loaded;
  const hasBatchNorm = compiledOf(model.arch).layout.some((e) => e.kind === 'running_mean');
  if (flags.bnRecompute) {
    if (hasBatchNorm) {
      progress.note('recomputing BatchNorm statistics over the training split');
      model = await recomputeBatchNorm(model, await source.load('train'));
    } else {
      progress.note('--bn-recompute: the model has no BatchNorm layers; nothing to recompute');
    }
  }
  const result = await withRunner(flags.workers, (runner) => evaluateModel(model, data, { batchSize: flags.batchSize, runner }));
  const report: EvalReport = {
    ...runInfo(['eval', ...argv], 'eval'),
    model: { file: flags.model, parameters: compiledOf(model.arch).paramCount, arch: model.arch, metadata },
    data: { spec: flags.data, split: flags.split, ...describeData(data) },
    bnRecompute: flags.bnRecompute && hasBatchNorm,
    loss: result.loss,
    accuracy: result.accuracy,
    perClass: perClass(data.y, data.classes, result.losses, result.correct),
    seconds: (performance.now() - started) / 1000,
  };
  if (flags.out !== undefined) {
    ensureDir(flags.out);
    writeJsonAtomic(join(flags.out, 'eval.json'), report);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const rows = report.perClass.map((c) => [String(c.class), String(c.n), fixed4(c.loss ?? undefined), percent(c.accuracy ?? undefined)]);
  rows.push(['all', String(data.n), fixed4(report.loss), percent(report.accuracy)]);
  process.stdout.write(formatTable([{ header: 'class', align: 'right' }, 'n', 'loss', 'accuracy'], rows));
  process.stdout.write(`\n${formatPairs([
    ['model', flags.model],
    ['data', `${flags.data} (${flags.split}, ${data.n} samples, hash ${data.hash})`],
    ['loss', fixed4(report.loss)],
    ['accuracy', percent(report.accuracy)],
    ...(flags.out !== undefined ? [['report', join(flags.out, 'eval.json')] as [string, string]] : []),
  ])}`);
  return 0;
}

/** Mean loss and accuracy per class (null for a class with no samples). */
export function perClass(labels: Uint32Array, classes: number, losses: Float32Array, correct: Uint8Array): ClassResult[] {
  const n = new Array<number>(classes).fill(0);
  const loss = new Array<number>(classes).fill(0);
  const right = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    n[c] += 1;
    loss[c] += losses[i];
    right[c] += correct[i];
  }
  return n.map((count, c) => ({ class: c, n: count, loss: count ? loss[c] / count : null, accuracy: count ? right[c] / count : null }));
}
