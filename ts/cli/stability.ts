/**
 * `modeconn stability A B`: how dropout stable each of two nets is (Kuditipudi et al. 2019; dense
 * units or conv channels), the noise-stability properties of Arora et al. per layer (MLPs), and the
 * explicit paths of Theorem 1 (through the dropout nets level by level) and Theorem 2 (a constant
 * number of segments), evaluated next to the straight line; report.json, paths.svg/png and tables.
 */
import { linearPath, waypointPath } from '../paths/path.js';
import { measureCushions, type CushionResult } from '../stability/cushion.js';
import { dropoutPath, dropoutStability, type StabilityResult } from '../stability/dropout.js';
import { noisePath } from '../stability/noise-path.js';
import { noiseStability } from '../stability/noise.js';
import { denseStack } from '../stability/dropout.js';
import { type CommandSpec } from './args.js';
import { IO_FLAGS } from './data-spec.js';
import { describeArch, evaluateAndReport, EVAL_FLAGS, trainSubset } from './path-run.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, startPairCommand } from './resolve-arch.js';
import { fixed4, formatPairs, formatTable } from './table.js';

const { points: _points, ...PATH_FLAGS } = EVAL_FLAGS;

export const spec = {
  name: 'stability',
  summary: 'Dropout and noise stability of two nets and the paths of Kuditipudi et al. (Theorems 1 and 2) between them.',
  usage: 'modeconn stability <A.safetensors> <B.safetensors> --data <spec> --out <dir> [options]',
  description:
    'For each model, searches for the half of each hidden layer\'s units (dense outputs or conv channels)\n' +
    'whose dropout (the rest × 2) raises the training loss least, top layer first, and reports ε = the\n' +
    'largest rise. Then builds the piecewise-linear paths of Kuditipudi et al. 2019: Theorem 1\'s from A to\n' +
    'B\' (B with its hidden units permuted; the same function; 4d + 1 segments) and Theorem 2\'s from A to B\n' +
    '(at most 7 segments at any depth), and evaluates both densely (every waypoint included) with the line.\n' +
    'For MLPs also reports each layer\'s noise sensitivity ψ and the four noise-stability properties of\n' +
    'Arora et al. (layer and interlayer cushion, activation contraction, interlayer smoothness) with the ε\n' +
    'they give. Dense/conv nets with BatchNorm, pooling and dropout layers; not residual nets. docs/STABILITY.md.',
  flags: {
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    stabilitySamples: { kind: 'int', default: 2000, min: 1, value: 'n', help: 'training samples (evenly spaced) the dropout halves are chosen on' },
    trials: { kind: 'int', default: 16, min: 0, value: 'n', help: 'random halves tried per layer, besides the largest-outgoing-norm half' },
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of the random halves and of the injected noise' },
    search: { kind: 'string', default: 'random', choices: ['random', 'greedy'], value: 'kind', help: 'halves: random (best of --trials and the norm half) or greedy (also the units whose lone\nremoval hurts most, then --swaps local exchanges)' },
    swaps: { kind: 'int', default: 64, min: 0, value: 'n', help: 'exchange proposals per layer for --search greedy' },
    noiseScale: { kind: 'number', default: 1, min: 0, value: 'σ', help: 'noise stability: Gaussian noise of norm about σ × the layer\'s output is injected (0 = skip)' },
    cushionSamples: { kind: 'int', default: 200, min: 0, value: 'n', help: 'samples the four noise-stability properties are measured on (0 = skip; MLPs only)' },
    segmentPoints: { kind: 'int', default: 4, min: 1, value: 'n', help: 'evaluation intervals per segment of the longer path (every waypoint is evaluated)' },
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
  progress.note(`searching dropout halves on ${sample.name} (${sample.n}), ${flags.trials} random halves per layer, search ${flags.search}`);
  const options = { trials: flags.trials, seed: flags.seed, batchSize: flags.evalBatchSize, search: flags.search as 'random' | 'greedy', swaps: flags.swaps };
  const timed = async (theta: Float32Array) => {
    const started = performance.now();
    const result = await dropoutStability(arch, theta, sample, options);
    return { ...result, seconds: (performance.now() - started) / 1000 };
  };
  const stabA = await timed(a.params);
  progress.update({ fraction: 0.3, detail: 'A done' });
  const stabB = await timed(b.params);
  progress.update({ fraction: 0.6, detail: 'B done' });
  const isMlp = (() => {
    try {
      denseStack(arch);
      return true;
    } catch {
      return false;
    }
  })();
  const noiseOptions = { scale: flags.noiseScale, seed: flags.seed, samples: Math.min(1000, sample.n) };
  const noise = flags.noiseScale > 0 && isMlp
    ? { a: await noiseStability(arch, a.params, sample, noiseOptions), b: await noiseStability(arch, b.params, sample, noiseOptions) }
    : undefined;
  const cushionOptions = { samples: flags.cushionSamples, scale: flags.noiseScale > 0 ? flags.noiseScale : 1, seed: flags.seed };
  const cushions = flags.cushionSamples > 0 && isMlp
    ? { a: measureCushions(arch, a.params, sample, cushionOptions), b: measureCushions(arch, b.params, sample, cushionOptions) }
    : undefined;
  progress.done();
  const t1 = dropoutPath(arch, a.params, b.params, stabA.kept, stabB.kept);
  const t2 = noisePath(arch, a.params, b.params, stabA.kept, stabB.kept);
  const intervals = flags.segmentPoints * Math.max(t1.kinds.length, t2.kinds.length);
  const points = intervals + 1;
  // Knots on the evaluation grid, so every waypoint is evaluated and every segment gets ≥ segmentPoints intervals.
  const knotsOf = (n: number) => Array.from({ length: n + 1 }, (_, j) => Math.round((j * intervals) / n) / intervals);
  const knots1 = knotsOf(t1.kinds.length);
  const knots2 = knotsOf(t2.kinds.length);
  const { report } = await evaluateAndReport({
    argv: ['stability', ...argv], out: flags.out, arch, archLabel: flags.arch ?? describeArch(arch), dataSpec: flags.data,
    train, test,
    paths: [
      { key: 'noise', label: `Theorem 2 path (${t2.kinds.length} segments)`, path: waypointPath(t2.points, knots2) },
      { key: 'dropout', label: `Theorem 1 path (${t1.kinds.length} segments)`, path: waypointPath(t1.points, knots1) },
      { key: 'line', label: 'line', path: linearPath(a.params, b.params) },
    ],
    // The paths' guarantees hold with each θ's own BatchNorm statistics (eval mode): blend them by default.
    flags: { ...flags, points, bn: flags.bn ?? 'blend' },
    inputs,
    seeds: { halves: flags.seed },
    extra: {
      stability: { samples: sample.n, trials: flags.trials, search: flags.search, swaps: flags.swaps, a: stabilityJson(stabA), b: stabilityJson(stabB) },
      ...(noise ? { noise: { scale: flags.noiseScale, samples: noiseOptions.samples, a: noise.a.layers, b: noise.b.layers } } : {}),
      ...(cushions ? { cushions: { samples: cushions.a.samples, scale: cushions.a.scale, a: cushions.a, b: cushions.b } } : {}),
      dropoutPath: { kinds: t1.kinds, knots: knots1, dropoutA: knots1[t1.dropoutA], dropoutB: knots1[t1.dropoutB], permutation: t1.permutation.map((p) => Array.from(p)) },
      noisePath: { kinds: t2.kinds, roles: t2.roles, knots: knots2, dropoutA: knots2[t2.dropoutA], dropoutB: knots2[t2.dropoutB] },
    },
  });
  const d = stabA.levels.length;
  const rows: string[][] = [];
  for (const [label, s] of [['A', stabA], ['B', stabB]] as const) {
    rows.push([label, 'none', fixed4(s.loss), '-']);
    for (const l of s.levels) rows.push([label, `layers ${l.from}..${d}`, fixed4(l.loss), fixed4(l.loss - s.loss)]);
  }
  const table = `${formatTable(['model', 'dropout at', 'train loss', 'rise'], rows)}\nε_A = ${fixed4(stabA.epsilon)}, ε_B = ${fixed4(stabB.epsilon)} (on ${sample.name}; search ${flags.search}: ${stabA.evaluations + stabB.evaluations} nets evaluated in ${(stabA.seconds + stabB.seconds).toFixed(1)} s)`;
  const lines = [table];
  if (noise) lines.push(`noise sensitivity ψ per hidden layer at σ = ${flags.noiseScale} (σ² = ${fixed4(flags.noiseScale ** 2)}): A ${noise.a.layers.map((l) => fixed4(l.sensitivity)).join(', ')}; B ${noise.b.layers.map((l) => fixed4(l.sensitivity)).join(', ')}`);
  if (cushions) lines.push('', cushionTable(cushions));
  // Per segment of the Theorem 2 path: its role and its worst point on each set.
  const segmentRows = t2.kinds.map((kind, s) => {
    const worst = (role: 'train' | 'test') => Math.max(...report.paths.noise.sets[role].points.filter((p) => p.t >= knots2[s] - 1e-9 && p.t <= knots2[s + 1] + 1e-9).map((p) => p.loss));
    return [String(s + 1), kind, t2.roles[s], fixed4(worst('train')), fixed4(worst('test'))];
  });
  lines.push('', formatTable(['segment', 'kind', 'role', 'max train loss', 'max test loss'], segmentRows));
  const maxOf = (key: 'noise' | 'dropout' | 'line', role: 'train' | 'test') => report.paths[key].sets[role].metrics!.loss;
  const pathRows = (['noise', 'dropout', 'line'] as const).map((key) => {
    const [tr, te] = [maxOf(key, 'train'), maxOf(key, 'test')];
    const segments = key === 'noise' ? t2.kinds.length : key === 'dropout' ? t1.kinds.length : 1;
    return [report.paths[key].label, String(segments), fixed4(tr.max), fixed4(tr.max - Math.max(...tr.endpoints)), fixed4(te.max), fixed4(te.max - Math.max(...te.endpoints))];
  });
  lines.push('', formatTable(['path', 'segments', 'max train loss', 'above endpoints', 'max test loss', 'above endpoints'], pathRows));
  const trainEnds = maxOf('noise', 'train');
  const endpoint = Math.max(...trainEnds.endpoints);
  const epsDrop = Math.max(0, stabA.levels[d - 1].loss - stabA.loss, stabB.levels[d - 1].loss - stabB.loss);
  const bound = [`Theorem 2 bound on the train set: worst ${fixed4(trainEnds.max)} vs max(L_A, L_B) = ${fixed4(endpoint)}`, `+ ε of dropping every layer at once ${fixed4(epsDrop)} = ${fixed4(endpoint + epsDrop)}`];
  if (cushions) {
    const epsNoise = Math.max(cushions.a.epsilon, cushions.b.epsilon);
    bound.push(`+ noise-stability ε ${formatEps(epsNoise)} = ${formatEps(endpoint + epsNoise)} (${trainEnds.max <= endpoint + epsNoise ? 'holds' : 'violated'}; ρ ≥ 3d ${cushions.a.smoothEnough && cushions.b.smoothEnough ? 'holds' : 'fails'})`);
  }
  lines.push(bound.join(', '));
  process.stdout.write(`${lines.join('\n')}\n\n${formatPairs(Object.entries(report.files))}`);
  return 0;
}

function formatEps(v: number): string {
  return Number.isFinite(v) && Math.abs(v) < 1e4 ? fixed4(v) : v.toExponential(2);
}

/** One row per dense layer of A and B: μ_l, μ_{l→}, c_l, ρ_l; then the ε each gives. */
function cushionTable(c: { a: CushionResult; b: CushionResult }): string {
  const rows: string[][] = [];
  for (const [label, r] of [['A', c.a], ['B', c.b]] as const) {
    for (const l of r.layers) {
      rows.push([label, String(l.layer), String(l.units), fixed4(l.layerCushion), fixed4(l.layerCushionMean), fixed4(l.interlayerCushion),
        l.activationContraction === undefined ? '-' : fixed4(l.activationContraction), l.interlayerSmoothness === undefined ? '-' : formatEps(l.interlayerSmoothness)]);
    }
  }
  const eps = (r: CushionResult) => `c = ${fixed4(r.activationContraction)}, ρ = ${formatEps(r.interlayerSmoothness)}, max‖f‖ = ${fixed4(r.maxOutputNorm)}, ε = ${formatEps(r.epsilon)}`;
  return `${formatTable(['model', 'layer', 'units', 'μ (min)', 'μ (mean)', 'μ→ (min)', 'c', 'ρ'], rows)}\nA: ${eps(c.a)}; B: ${eps(c.b)} (on ${c.a.samples} samples)`;
}

function stabilityJson(s: StabilityResult & { seconds: number }) {
  return { loss: s.loss, epsilon: s.epsilon, levels: s.levels, kept: s.kept.map((k) => Array.from(k)), evaluations: s.evaluations, seconds: s.seconds };
}
