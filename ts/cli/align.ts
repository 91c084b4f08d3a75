/**
 * `modeconn align A B`: permutes B's hidden units to match A (weight or activation matching) and
 * writes the aligned B (the same function as B) in B's format and under B's tensor names (a .pt
 * checkpoint stays a .pt that loads into the user's module), plus report.json.
 */
import { join } from 'node:path';
import { activationMatching } from '../align/activation-matching.js';
import { checkSample, logitGap } from '../align/check.js';
import { weightMatching, type AlignmentResult } from '../align/weight-matching.js';
import { steMatching } from '../align/ste-matching.js';
import { sinkhornMatching } from '../align/sinkhorn-matching.js';
import { saveModel } from '../io/model-files.js';
import { readFileBytes } from '../io/node-files.js';
import { isLegacyPt } from '../io/pt.js';
import { isZip } from '../io/pt-zip.js';
import { Engine } from '../model/engine.js';
import { compiledOf } from '../model/model.js';
import { type CommandSpec, parseArgs } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { describeArch } from './path-run.js';
import { expectPositionals, splitPositionals } from './positionals.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, readModelPair } from './resolve-arch.js';
import { formatPairs } from './table.js';
import { parallelFlags, shardCount, withRunner } from './runner.js';

export const spec = {
  name: 'align',
  summary: 'Permute B\'s hidden units to match A (weight or activation matching); write the aligned B.',
  usage: 'modeconn align <A.safetensors> <B.safetensors> --data <spec> --out <dir> [--method weight|activation] [options]',
  description:
    'Writes <out>/aligned.safetensors (B permuted: the same function as B, checked on test samples; \n' +
    'aligned.pt under B\'s own tensor names when B is a PyTorch .pt checkpoint) and\n' +
    '<out>/report.json (method, objective per iteration, one permutation per group, the logit check).\n' +
    'Weight matching needs no data except for the check; activation matching correlates post-ReLU\n' +
    'features over the first --samples training samples; ste and sinkhorn learn the permutation on the\n' +
    'training split (loss at the midpoint or a random t; docs/MERGING.md).',
  flags: {
    method: { kind: 'string', default: 'weight', choices: ['weight', 'activation', 'ste', 'sinkhorn'], value: 'm',
      help: 'weight matching (Ainsworth et al. Alg. 1), activation matching, or a learned permutation: straight-through estimator, Sinkhorn re-basin' },
    steps: { kind: 'int', default: 100, min: 1, value: 'n', help: 'ste/sinkhorn: optimiser steps' },
    lr: { kind: 'number', min: 0, value: 'lr', help: 'ste/sinkhorn: Adam learning rate (default 1e-3 / 0.1)' },
    t: { kind: 'string', default: 'midpoint', choices: ['midpoint', 'random'], value: 'm', help: 'ste/sinkhorn: loss at t = ½ or at t ~ U[0, 1] per step' },
    batchSize: { kind: 'int', default: 256, min: 1, value: 'n', help: 'ste/sinkhorn: samples per step' },
    init: { kind: 'string', default: 'uniform', choices: ['uniform', 'weight-matching'], value: 'm', help: 'sinkhorn: start from uniform logits or from weight matching' },
    ...parallelFlags('ste/sinkhorn: learn', 'workers'),
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of weight matching\'s layer order' },
    samples: { kind: 'int', default: 1000, min: 1, value: 'n', help: 'training samples for activation matching' },
    maxIterations: { kind: 'int', default: 100, min: 1, value: 'n', help: 'weight matching: passes over the groups at most' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn align runs/a/model.safetensors runs/b/model.safetensors --data mnist --out runs/b-aligned',
    'modeconn align runs/a/model.safetensors runs/b/model.safetensors --data fashion-mnist --method activation --out runs/b-act',
  ],
} as const satisfies CommandSpec;

/** True when the file's bytes are a PyTorch checkpoint (zip or legacy), not safetensors. */
async function isPtFile(path: string): Promise<boolean> {
  const bytes = await readFileBytes(path);
  return isZip(bytes) || isLegacyPt(bytes);
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  const [fileA, fileB] = expectPositionals(positionals, ['A.safetensors', 'B.safetensors'], spec.usage);
  const progress = new ProgressBar({ label: 'align', quiet: flags.quiet });
  const started = performance.now();
  const { train, test } = await loadSplits(flags.data);
  const { a, b, arch, inputs } = await readModelPair(fileA, fileB, flags, train);
  const engine = await Engine.local();
  progress.note(`${flags.method} matching of ${fileB} to ${fileA}`);
  const learned = { steps: flags.steps, batchSize: flags.batchSize, t: flags.t as 'midpoint' | 'random', seed: flags.seed, ...(flags.lr !== undefined ? { lr: flags.lr } : {}),
    onProgress: ({ step, steps, loss }: { step: number; steps: number; loss: number }) => progress.update({ fraction: step / steps, loss }) };
  const result: AlignmentResult = flags.method === 'weight'
    ? await weightMatching(a, b, { seed: flags.seed, maxIterations: flags.maxIterations, check: test })
    : flags.method === 'activation' ? await activationMatching(a, b, train, { samples: flags.samples, check: test })
      : await withRunner(flags.workers, (runner) => {
        const parallel = { ...learned, runner, shards: shardCount(flags, 'workers') };
        return flags.method === 'ste' ? steMatching(a, b, train, parallel) : sinkhornMatching(a, b, train, { ...parallel, init: flags.init as 'uniform' | 'weight-matching' });
      });
  progress.done();
  const check = logitGap(engine, compiledOf(arch), b.params, result.aligned.params, checkSample(arch, test, 256));
  ensureDir(flags.out);
  const modelPath = join(flags.out, (await isPtFile(fileB)) ? 'aligned.pt' : 'aligned.safetensors');
  await saveModel(result.aligned, modelPath, { metadata: { 'modeconn.aligned_to': fileA, 'modeconn.aligned_from': fileB, 'modeconn.align_method': flags.method } });
  const reportPath = join(flags.out, 'report.json');
  const report = {
    ...runInfo(['align', ...argv], 'align'),
    status: 'completed',
    method: flags.method,
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { label: flags.arch ?? describeArch(arch), value: arch },
    inputs,
    options: { seed: flags.seed, samples: flags.samples, maxIterations: flags.maxIterations, ...(flags.method === 'ste' || flags.method === 'sinkhorn' ? { steps: flags.steps, lr: flags.lr ?? null, t: flags.t, batchSize: flags.batchSize, init: flags.init, shards: shardCount(flags, 'workers'), workers: flags.workers } : {}) },
    ...('losses' in result ? { losses: result.losses } : {}),
    objective: result.objective,
    permutations: Object.fromEntries(Object.entries(result.permutations).map(([k, p]) => [k, Array.from(p)])),
    moved: Object.fromEntries(Object.entries(result.permutations).map(([k, p]) => [k, p.reduce((n, v, i) => n + (v !== i ? 1 : 0), 0)])),
    check: { samples: Math.min(256, test.n), maxLogitGap: check.gap, logitScale: check.scale },
    files: { model: modelPath, report: reportPath },
    seconds: (performance.now() - started) / 1000,
  };
  writeJsonAtomic(reportPath, report);
  process.stdout.write(formatPairs([
    ['method', flags.method],
    ['objective', result.objective.length ? result.objective.map((v) => v.toPrecision(6)).join(' → ') : '(learned)'],
    ['units moved', Object.entries(report.moved).map(([k, n]) => `${k} ${n}/${result.permutations[k].length}`).join(', ')],
    ['logit check', `max |Δ| ${check.gap.toExponential(2)} on ${report.check.samples} test samples`],
    ['seconds', report.seconds.toFixed(2)],
    ['model', modelPath],
    ['report', reportPath],
  ]));
  return 0;
}
