/**
 * `modeconn path`: evaluates the straight line between two saved models (or a saved curve and the
 * line between its endpoints) on the train and test splits; writes report.json and paths.svg/png, or
 * with --shard one part of the points (docs/CLUSTER.md).
 */
import { loadCurve } from '../paths/curve-files.js';
import { linearPath } from '../paths/path.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { IO_FLAGS, loadSplits } from './data-spec.js';
import { ensureDir } from './manifest.js';
import { describeArch, evaluateAndReport, EVAL_FLAGS, planPathRun, type NamedPath, type PathRunInit } from './path-run.js';
import { ProgressBar } from './progress.js';
import { withRunner } from './runner.js';
import { describePart, resolveShard, runGridJob, SHARD_FLAGS } from './shard.js';
import { expectPositionals, splitPositionals } from './positionals.js';
import { ARCH_FLAGS, readModelPair, resolveArch } from './resolve-arch.js';
import { formatPairs } from './table.js';

export const spec = {
  name: 'path',
  summary: 'Evaluate the line between two models (or a saved curve): loss, error and barriers along t.',
  usage: 'modeconn path <A.safetensors> <B.safetensors> --data <spec> --out <dir> [options]\n       modeconn path --curve <curve.json> --data <spec> --out <dir> [options]',
  description:
    'Writes <out>/report.json (run manifest, per-point results, every metric under its name, bootstrap\n' +
    'intervals of the barriers) and <out>/paths.svg and paths.png (loss and error versus t).\n' +
    'With --curve, the curve and the line between its endpoints are evaluated.',
  flags: {
    curve: { kind: 'string', value: 'file', help: 'a curve saved by `modeconn curve` (curve.json or curve.safetensors)' },
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    ...EVAL_FLAGS,
    ...SHARD_FLAGS,
  },
  examples: [
    'modeconn path runs/a/model.safetensors runs/b/model.safetensors --data mnist --out runs/line',
    'modeconn path runs/a/model.safetensors runs/b/model.safetensors --data fashion-mnist --bn blend --points 11 --out runs/blend',
    'modeconn path --curve runs/curve/curve.json --data mnist --out runs/curve-eval',
    'modeconn path runs/a/model.safetensors runs/b/model.safetensors --data mnist --points 101 --shard 0/4 --out runs/line   # then merge-shards',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  const shard = resolveShard(flags.shard, flags.shardCount);
  const { train, test } = await loadSplits(flags.data);
  let paths: NamedPath[];
  let inputs: Record<string, unknown>;
  let arch;
  if (flags.curve !== undefined) {
    if (positionals.length > 0) throw new UsageError('give either two model files or --curve, not both');
    const { path, description } = await loadCurve(flags.curve);
    arch = (await resolveArch(flags, train, false)) ?? description.arch;
    if (!arch) throw new UsageError(`${flags.curve} stores flat tensors without an arch; pass --arch or --arch-file`);
    const k = path.points.length;
    paths = [
      { key: 'line', label: 'line', path: linearPath(path.points[0], path.points[k - 1]) },
      { key: 'curve', label: `${path.kind} (${k - 2} bend${k === 3 ? '' : 's'})`, path },
    ];
    inputs = { curve: flags.curve, kind: description.kind, degree: description.degree, points: k, fitManifest: description.manifest ?? null };
  } else {
    const [fileA, fileB] = expectPositionals(positionals, ['A.safetensors', 'B.safetensors'], spec.usage.split('\n')[0]);
    const pair = await readModelPair(fileA, fileB, flags, train);
    arch = pair.arch;
    paths = [{ key: 'line', label: 'line', path: linearPath(pair.a.params, pair.b.params) }];
    inputs = pair.inputs;
  }
  const init: PathRunInit = {
    argv: ['path', ...argv], out: flags.out, arch, archLabel: flags.arch ?? describeArch(arch), dataSpec: flags.data,
    train, test, paths, flags, inputs,
  };
  if (shard) {
    ensureDir(flags.out);
    const progress = new ProgressBar({ label: 'eval', quiet: flags.quiet });
    const result = await withRunner(flags.workers, async (runner) => {
      const job = await planPathRun(init, runner, progress);
      try {
        return await runGridJob(job, shard, flags.out);
      } finally {
        job.free();
      }
    });
    progress.done();
    process.stdout.write(describePart(result.part!, shard, flags.out));
    return 0;
  }
  const { report, summary } = await evaluateAndReport(init);
  process.stdout.write(`${summary}\n${formatPairs(Object.entries(report.files))}`);
  return 0;
}
