/**
 * `modeconn merge A B C …`: merges N models of one architecture — MergeMany (weight matching to the
 * running average), the naive average, or a uniform/greedy model soup — and reports the merged
 * model's test loss/accuracy against every member and the naive average; merged.safetensors,
 * report.json, merge.svg/png and a table.
 */
import { join } from 'node:path';
import { saveModel } from '../io/model-files.js';
import { subsetDataSet } from '../data/dataset.js';
import { averageParams } from '../merge/average.js';
import { evaluateMerge } from '../merge/evaluate-merge.js';
import { mergeMany, type MergeResult } from '../merge/merge-many.js';
import { cycleConsistentMerge } from '../merge/cycle-consistent.js';
import { cycleError, pairsFromUniverse, pairwiseWeightMatching } from '../merge/cycle-error.js';
import { specOf } from '../align/spec.js';
import { greedySoup, type GreedySoup } from '../merge/soup.js';
import { compiledOf } from '../model/model.js';
import { mergePlotSpec, type PlotMergeReport } from '../plot/merge-spec.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic } from './manifest.js';
import { describeArch } from './path-run.js';
import { splitPositionals } from './positionals.js';
import { ProgressBar } from './progress.js';
import { ARCH_FLAGS, readModels } from './resolve-arch.js';
import { withRunner } from './runner.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'merge',
  summary: 'Merge N models: MergeMany (weight matching to the running average), naive average or model soups.',
  usage: 'modeconn merge <A.safetensors> <B.safetensors> [<C.safetensors> …] --data <spec> --out <dir> [--method many|cycle|naive|uniform-soup|greedy-soup] [options]',
  description:
    'many: MergeMany (Ainsworth et al. 2022, Alg. 3): each model weight-matched to the average of the\n' +
    'others until no permutation changes, then averaged. cycle: cycle-consistent matching to a shared\n' +
    'universe, all layers and pairs jointly by Frank–Wolfe (after Crisostomi et al. 2024), then averaged.\n' +
    'With 3 or more models, many and cycle also report the cycle-consistency error of pairwise weight\n' +
    'matching (units moved by A→B→C→A) next to their own (0). naive: the plain average. uniform-soup /\n' +
    'greedy-soup (Wortsman et al. 2022): for models fine-tuned from one initialisation; greedy keeps an\n' +
    'ingredient when the held-out accuracy (the last --held-out training samples) does not drop.\n' +
    'BatchNorm statistics of averaged models are recomputed on the training split. Writes\n' +
    '<out>/merged.safetensors, <out>/report.json and <out>/merge.svg/png. docs/MERGING.md.',
  flags: {
    method: { kind: 'string', default: 'many', choices: ['many', 'cycle', 'naive', 'uniform-soup', 'greedy-soup'], value: 'm', help: 'how to merge' },
    ...ARCH_FLAGS,
    ...IO_FLAGS,
    seed: { kind: 'int', default: 0, min: 0, value: 'n', help: 'seed of MergeMany\'s model order and weight matching\'s layer order' },
    iterations: { kind: 'int', default: 30, min: 1, value: 'n', help: 'cycle: Frank–Wolfe iterations at most' },
    maxRounds: { kind: 'int', default: 20, min: 1, value: 'n', help: 'MergeMany: rounds over the models at most' },
    repair: { kind: 'boolean', help: 'also evaluate the merged model after REPAIR (statistics of the aligned members, averaged)' },
    heldOut: { kind: 'int', default: 5000, min: 1, value: 'n', help: 'greedy-soup: the last n training samples are the held-out set' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'evaluate on a pool of n worker threads (0 = this thread; same bits either way)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn merge runs/s1/model.safetensors runs/s2/model.safetensors runs/s3/model.safetensors --data fashion-mnist --out runs/merged',
    'modeconn merge runs/ft*/model.safetensors --data fashion-mnist --method greedy-soup --out runs/soup',
  ],
} as const satisfies CommandSpec;

/** Units each group's permutation moves (not fixed points). */
function countMoved(perms: Record<string, Uint32Array>): Record<string, number> {
  return Object.fromEntries(Object.entries(perms).map(([k, v]) => [k, v.reduce((n, x, i) => n + (x !== i ? 1 : 0), 0)]));
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, flags: flagArgs } = splitPositionals(spec, argv);
  const flags = parseArgs(spec, flagArgs);
  if (positionals.length < 2) throw new UsageError(`give at least two model files; usage: ${spec.usage}`);
  const started = performance.now();
  const progress = new ProgressBar({ label: 'merge', quiet: flags.quiet });
  const { train, test } = await loadSplits(flags.data);
  const inputs = await readModels(positionals, flags, train);
  const models = inputs.map((m) => m.model);
  const arch = models[0].arch;
  const members = models.map((m) => m.params);
  progress.note(`${flags.method}: ${models.length} models, ${compiledOf(arch).paramCount} parameters each`);
  let many: MergeResult | undefined;
  let soup: GreedySoup | undefined;
  let cycleObjective: { relaxed: number[]; gaps: number[]; rounded: number } | undefined;
  let cycles: { pairwise: ReturnType<typeof cycleError>; merged: ReturnType<typeof cycleError> } | undefined;
  let merged: Float32Array = new Float32Array(0);
  let aligned: readonly Float32Array[] = members;
  const ev = await withRunner(flags.workers, async (runner) => {
    if (flags.method === 'many') {
      many = await mergeMany(models, {
        seed: flags.seed, maxRounds: flags.maxRounds, runner,
        onProgress: ({ round, model }) => progress.update({ fraction: (0.7 * round) / flags.maxRounds, detail: `round ${round} of at most ${flags.maxRounds}, model ${model}` }),
      });
      merged = many.merged.params;
      aligned = many.aligned;
    } else if (flags.method === 'cycle') {
      const cc = await cycleConsistentMerge(models, {
        seed: flags.seed, iterations: flags.iterations, runner,
        onProgress: ({ iteration, iterations, objective }) => progress.update({ fraction: (0.7 * iteration) / iterations, detail: `Frank–Wolfe ${iteration}, F ${objective.toPrecision(6)}` }),
      });
      many = cc;
      cycleObjective = { relaxed: cc.objective, gaps: cc.gaps, rounded: cc.roundedObjective };
      merged = cc.merged.params;
      aligned = cc.aligned;
    } else if (flags.method === 'greedy-soup') {
      const n = Math.min(flags.heldOut, train.n);
      const heldOut = subsetDataSet(train, Array.from({ length: n }, (_, i) => train.n - n + i), `${train.name}[last ${n}]`);
      soup = await greedySoup(arch, members, heldOut, { bnData: train, runner });
      merged = soup.params;
    } else {
      merged = averageParams(members);
    }
    if (many && models.length >= 3) {
      progress.update({ fraction: 0.75, detail: 'pairwise weight matching (cycle error)' });
      const spec = specOf(arch);
      cycles = {
        pairwise: cycleError(spec, await pairwiseWeightMatching(models, { seed: flags.seed, runner }), models.length),
        merged: cycleError(spec, pairsFromUniverse(spec, many.permutations), models.length),
      };
    }
    progress.update({ fraction: 0.85, detail: 'evaluating' });
    return evaluateMerge(arch, members, merged, test, { bnData: train, repair: flags.repair, aligned, runner });
  });
  progress.done();
  ensureDir(flags.out);
  const files: Record<string, string> = { model: join(flags.out, 'merged.safetensors'), report: join(flags.out, 'report.json') };
  const final = ev.repairedParams ?? merged;
  await saveModel({ arch, params: final }, files.model, { metadata: { 'modeconn.merge_method': flags.method, 'modeconn.merge_members': String(models.length), 'modeconn.repaired': String(Boolean(ev.repairedParams)) } });
  const rows: PlotMergeReport['rows'][number][] = [
    ...ev.members.map((m, i) => ({ label: `member ${i}`, kind: 'member' as const, ...m })),
    { label: 'naive average', kind: 'naive', ...ev.naive },
    { label: flags.method === 'naive' ? 'merged (= naive)' : `merged (${flags.method})`, kind: 'merged', ...ev.merged },
    ...(ev.repaired ? [{ label: 'merged + REPAIR', kind: 'merged' as const, ...ev.repaired }] : []),
  ];
  const archLabel = flags.arch ?? describeArch(arch);
  const figure = await writeFigure(mergePlotSpec({ rows }, { subtitle: `${models.length} × ${archLabel} on ${flags.data}; ${flags.method}` }), flags.out, 'merge');
  Object.assign(files, figure.files);
  const { repairedParams: _dropped, ...scores } = ev;
  writeJsonAtomic(files.report, {
    ...runInfo(['merge', ...argv], 'merge'),
    status: 'completed',
    method: flags.method,
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    arch: { label: archLabel, parameters: compiledOf(arch).paramCount, value: arch },
    inputs: inputs.map((m) => ({ file: m.file, metadata: m.metadata })),
    options: { seed: flags.seed, maxRounds: flags.maxRounds, repair: Boolean(flags.repair), heldOut: flags.heldOut, workers: flags.workers },
    evaluation: scores,
    ...(many && flags.method === 'many' ? { mergeMany: { changes: many.changes, converged: many.converged, moved: many.permutations.map(countMoved) } } : {}),
    ...(cycleObjective ? { cycleConsistent: { ...cycleObjective, moved: many!.permutations.map(countMoved) } } : {}),
    ...(cycles ? { cycleError: cycles } : {}),
    ...(soup ? { greedySoup: { ingredients: soup.ingredients, heldOutAccuracy: soup.heldOut, soupAccuracy: soup.accuracy } } : {}),
    seconds: (performance.now() - started) / 1000,
    files,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  process.stdout.write(`${formatTable(['model', 'test loss', 'test error'], rows.map((r) => [r.label, fixed4(r.loss), percent(1 - r.accuracy)]))}\n\n`);
  const notes: Array<[string, string]> = [];
  if (cycleObjective) notes.push(['Frank–Wolfe', `${cycleObjective.gaps.length} iterations, F ${cycleObjective.relaxed[0].toPrecision(6)} → ${cycleObjective.rounded.toPrecision(6)} (rounded)`]);
  if (cycles) notes.push(['cycle error', `pairwise weight matching ${percent(cycles.pairwise.mean)} of units over ${cycles.pairwise.triples} triples; ${flags.method} ${percent(cycles.merged.mean)}`]);
  if (many && flags.method === 'many') notes.push(['MergeMany', `${many.changes.length} rounds, permutations changed per round ${many.changes.join(' ')}${many.converged ? ' (converged)' : ''}`]);
  if (soup) notes.push(['greedy soup', `ingredients ${soup.ingredients.join(', ')}; held-out accuracy ${percent(soup.accuracy)}`]);
  notes.push(['BatchNorm', ev.bnRecomputed ? 'recomputed for the averages' : 'none']);
  process.stdout.write(formatPairs([...notes, ...Object.entries(files)]));
  return 0;
}
