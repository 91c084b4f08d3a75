/**
 * `modeconn path`: evaluates the straight line between two saved models (or a saved curve and the
 * line between its endpoints) on the train and test splits; writes report.json and paths.svg/png.
 */
import { loadCurve } from '../paths/curve-files.js';
import { linearPath } from '../paths/path.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { IO_FLAGS, loadSplits } from './data-spec.js';
import { describeArch, evaluateAndReport, EVAL_FLAGS, type NamedPath } from './path-run.js';
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
  },
  examples: [
    'modeconn path runs/a/model.safetensors runs/b/model.safetensors --data mnist --out runs/line',
    'modeconn path runs/a/model.safetensors runs/b/model.safetensors --data fashion-mnist --bn blend --points 11 --out runs/blend',
    'modeconn path --curve runs/curve/curve.json --data mnist --out runs/curve-eval',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
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
  const { report, summary } = await evaluateAndReport({
    argv: ['path', ...argv], out: flags.out, arch, archLabel: flags.arch ?? describeArch(arch), dataSpec: flags.data,
    train, test, paths, flags, inputs,
  });
  process.stdout.write(`${summary}\n${formatPairs(Object.entries(report.files))}`);
  return 0;
}
