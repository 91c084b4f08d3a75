/**
 * `modeconn stability A B`: how dropout stable each of two ReLU MLPs is (Kuditipudi et al. 2019),
 * and their explicit piecewise-linear path through the dropout networks, evaluated next to the
 * straight line; report.json, paths.svg/png and a summary table.
 */
import { linearPath, waypointPath } from '../paths/path.js';
import { dropoutPath, dropoutStability, type StabilityResult } from '../stability/dropout.js';
import { noiseStability } from '../stability/noise.js';
import { type CommandSpec } from './args.js';
import { IO_FLAGS } from './data-spec.js';
import { describeArch, evaluateAndReport, EVAL_FLAGS, trainSubset } from './path-run.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, startPairCommand } from './resolve-arch.js';
import { fixed4, formatPairs, formatTable } from './table.js';

const { points: _points, ...PATH_FLAGS } = EVAL_FLAGS;

export const spec = {
  name: 'stability',
  summary: 'Dropout stability of two MLPs and the path of Kuditipudi et al. through their dropout networks.',
  usage: 'modeconn stability <A.safetensors> <B.safetensors> --data <spec> --out <dir> [options]',
  description:
    'For each model, searches for the half of each hidden layer\'s units whose dropout (the rest × 2)\n' +
    'raises the training loss least, top layer first, and reports ε = the largest rise. Then builds the\n' +
    'piecewise-linear path of Kuditipudi et al. 2019 (Theorem 1) from A to B\' (B with its hidden units\n' +
    'permuted; the same function) and evaluates it at every waypoint and segment midpoint, with the line\n' +
    'from A to B for comparison. Also reports each hidden layer\'s noise sensitivity (Arora et al.).\n' +
    'ReLU MLPs only (dense, relu, dropout layers). docs/STABILITY.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    stabilitySamples: { kind: 'int', default: 2000, min: 1, value: 'n', help: 'training samples (evenly spaced) the dropout halves are chosen on' },
    trials: { kind: 'int', default: 16, min: 0, value: 'n', help: 'random halves tried per layer, besides the largest-outgoing-norm half' },
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of the random halves and of the injected noise' },
    noiseScale: { kind: 'number', default: 1, min: 0, value: 'σ', help: 'noise stability: Gaussian noise of norm about σ × the layer\'s output is injected (0 = skip)' },
    ...PATH_FLAGS,
  },
  examples: [
    'modeconn stability runs/a/model.safetensors runs/b/model.safetensors --data mnist --out runs/stab',
    'modeconn stability runs/a/model.safetensors runs/b/model.safetensors --data fashion-mnist --train-samples 10000 --workers 2 --out runs/stab',
  ],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { flags, train, test, a, b, arch, inputs } = await startPairCommand(spec, argv);
  const sample = trainSubset(train, flags.stabilitySamples);
  const progress = new ProgressBar({ label: 'stability', quiet: flags.quiet });
  progress.note(`searching dropout halves on ${sample.name} (${sample.n}), ${flags.trials} random halves per layer`);
  const options = { trials: flags.trials, seed: flags.seed, batchSize: flags.evalBatchSize };
  const stabA = await dropoutStability(arch, a.params, sample, options);
  progress.update({ fraction: 0.5, detail: 'A done' });
  const stabB = await dropoutStability(arch, b.params, sample, options);
  const noiseOptions = { scale: flags.noiseScale, seed: flags.seed, samples: Math.min(1000, sample.n) };
  const noise = flags.noiseScale > 0
    ? { a: await noiseStability(arch, a.params, sample, noiseOptions), b: await noiseStability(arch, b.params, sample, noiseOptions) }
    : undefined;
  progress.done();
  const path = dropoutPath(arch, a.params, b.params, stabA.kept, stabB.kept);
  const segments = path.kinds.length;
  const knots = path.points.map((_, j) => j / segments);
  const points = 2 * segments + 1; // every waypoint and every segment's midpoint
  const { report } = await evaluateAndReport({
    argv: ['stability', ...argv], out: flags.out, arch, archLabel: flags.arch ?? describeArch(arch), dataSpec: flags.data,
    train, test,
    paths: [
      { key: 'dropout', label: `dropout path (${segments} segments)`, path: waypointPath(path.points, knots) },
      { key: 'line', label: 'line', path: linearPath(a.params, b.params) },
    ],
    flags: { ...flags, points },
    inputs,
    seeds: { halves: flags.seed },
    extra: {
      stability: { samples: sample.n, trials: flags.trials, a: stabilityJson(stabA), b: stabilityJson(stabB) },
      ...(noise ? { noise: { scale: flags.noiseScale, samples: noiseOptions.samples, a: noise.a.layers, b: noise.b.layers } } : {}),
      dropoutPath: { kinds: path.kinds, knots, dropoutA: knots[path.dropoutA], dropoutB: knots[path.dropoutB], permutation: path.permutation.map((p) => Array.from(p)) },
    },
  });
  const d = stabA.levels.length;
  const rows: string[][] = [];
  for (const [label, s] of [['A', stabA], ['B', stabB]] as const) {
    rows.push([label, 'none', fixed4(s.loss), '-']);
    for (const l of s.levels) rows.push([label, `layers ${l.from}..${d}`, fixed4(l.loss), fixed4(l.loss - s.loss)]);
  }
  const table = `${formatTable(['model', 'dropout at', 'train loss', 'rise'], rows)}\nε_A = ${fixed4(stabA.epsilon)}, ε_B = ${fixed4(stabB.epsilon)} (on ${sample.name})`;
  const excess = (key: 'dropout' | 'line', role: 'train' | 'test') => {
    const m = report.paths[key].sets[role].metrics!.loss;
    return `max ${role} loss ${fixed4(m.max)} (endpoints ${fixed4(Math.max(...m.endpoints))} + ${fixed4(m.max - Math.max(...m.endpoints))})`;
  };
  const noiseLine = noise
    ? `noise sensitivity ψ per hidden layer at σ = ${flags.noiseScale} (σ² = ${fixed4(flags.noiseScale ** 2)}): A ${noise.a.layers.map((l) => fixed4(l.sensitivity)).join(', ')}; B ${noise.b.layers.map((l) => fixed4(l.sensitivity)).join(', ')}`
    : 'noise stability skipped (--noise-scale 0)';
  const lines = [
    table,
    noiseLine,
    '',
    `dropout path: ${excess('dropout', 'train')}, ${excess('dropout', 'test')}`,
    `line:         ${excess('line', 'train')}, ${excess('line', 'test')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n\n${formatPairs(Object.entries(report.files))}`);
  return 0;
}

function stabilityJson(s: StabilityResult) {
  return { loss: s.loss, epsilon: s.epsilon, levels: s.levels, kept: s.kept.map((k) => Array.from(k)) };
}
