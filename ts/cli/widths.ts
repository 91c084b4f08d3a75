/**
 * `modeconn widths`: the width sweep of Nguyen et al. 2021 — MLPs input-w-…-w-classes trained from
 * two seeds at widths from below √N to above N on a fixed N, and at one width for several N; per
 * configuration the line barrier, the barrier after weight matching, the constructed path's worst
 * loss, the probe losses and the dropout-stability ε. report.json, widths.svg/png and a table.
 */
import { join } from 'node:path';
import { widthSweep, type SweepConfig, type SweepRow } from '../conditions/width-sweep.js';
import { widthSweepPlotSpec } from '../plot/widths-spec.js';
import { parseArgs, UsageError, type CommandSpec } from './args.js';
import { describeData, IO_FLAGS, loadSplits } from './data-spec.js';
import { writeFigure } from './figure.js';
import { ensureDir, runInfo, writeJsonAtomic, type RunInfo } from './manifest.js';
import { trainSubset } from './path-run.js';
import { formatDuration, ProgressBar } from './progress.js';
import { withRunner } from './runner.js';
import { describePart, resolveShard, runGridJob, SHARD_FLAGS, withoutShardFlags, type GridJob } from './shard.js';
import { fixed4, formatPairs, formatTable, percent } from './table.js';

export const spec = {
  name: 'widths',
  summary: 'Width sweep: line, matched and constructed-path barriers, probes and dropout ε against width and N.',
  usage: 'modeconn widths --data <spec> --out <dir> [options]',
  description:
    'Trains two MLPs (seeds --seeds) per configuration on N evenly spaced training samples: every width of\n' +
    '--widths at N = --n, and width --fixed-width at every N of --sizes. Each network gets --steps optimiser\n' +
    'steps (epochs = ⌈steps·batch/N⌉). On its N samples each pair is measured: the loss barrier of the line,\n' +
    'of the line after weight matching, the worst loss of Nguyen et al.\'s constructed path through the\n' +
    'probes (with the theorem\'s bound), the probes\' losses and both networks\' dropout-stability ε.\n' +
    'The paper\'s claim: connectivity appears at widths of order √N, where dropout stability may not hold.\n' +
    'docs/CONDITIONS.md.',
  flags: {
    ...IO_FLAGS,
    n: { kind: 'int', default: 1000, min: 1, value: 'N', help: 'training samples of the width sweep' },
    widths: { kind: 'string', default: '8,16,32,64,128,256,512,1024', value: 'w,w,…', help: 'hidden widths at N = --n (none: skip this sweep)' },
    sizes: { kind: 'string', default: '250,1000,4000', value: 'N,N,…', help: 'training set sizes at width --fixed-width (none: skip this sweep)' },
    fixedWidth: { kind: 'int', default: 64, min: 2, value: 'w', help: 'the width of the N sweep' },
    depth: { kind: 'int', default: 2, min: 1, value: 'd', help: 'hidden layers' },
    seeds: { kind: 'string', default: '1,2', value: 's,s', help: 'the two training seeds' },
    steps: { kind: 'int', default: 1500, min: 1, value: 'n', help: 'optimiser steps per network' },
    batchSize: { kind: 'int', default: 64, min: 1, value: 'n', help: 'training minibatch size' },
    lr: { kind: 'number', default: 0.001, min: 0, value: 'lr', help: 'training learning rate (Adam)' },
    fraction: { kind: 'number', default: 0.5, min: 0, max: 0.5, value: 'f', help: 'fraction of units the probes keep' },
    draws: { kind: 'int', default: 2, min: 1, value: 'n', help: 'random subsets per probed layer' },
    probeSteps: { kind: 'int', default: 3000, min: 1, value: 'n', help: 'optimiser steps of each probe (batch 64)' },
    probeLr: { kind: 'number', default: 0.002, min: 0, value: 'lr', help: 'probe learning rate (Adam, cosine schedule)' },
    trials: { kind: 'int', default: 8, min: 0, value: 'n', help: 'random halves per layer of the dropout search' },
    testSamples: { kind: 'int', default: 2000, min: 1, value: 'n', help: 'evenly spaced test samples the networks are scored on' },
    workers: { kind: 'int', default: 0, min: 0, value: 'n', help: 'run on a pool of n worker threads (0 = this thread)' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
    ...SHARD_FLAGS,
  },
  examples: [
    'modeconn widths --data mnist --out runs/widths',
    'modeconn widths --data fashion-mnist --n 2000 --widths 16,45,128,512,2048 --sizes 500,2000,8000 --workers 2 --out runs/widths-fashion',
  ],
} as const satisfies CommandSpec;

/** `a,b,c` → integers ≥ min; 'none' → []; a UsageError naming the flag otherwise. */
export function parseIntList(text: string, flag: string, min: number): number[] {
  if (text.trim() === 'none') return [];
  return text.split(',').map((part) => {
    const v = Number(part);
    if (!/^\s*\d+\s*$/.test(part) || v < min) throw new UsageError(`${flag}: ${JSON.stringify(part)} is not an integer ≥ ${min}`);
    return v;
  });
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  const widths = parseIntList(flags.widths, '--widths', 2);
  const sizes = parseIntList(flags.sizes, '--sizes', 1);
  const seeds = parseIntList(flags.seeds, '--seeds', 0);
  if (seeds.length !== 2) throw new UsageError(`--seeds: needs exactly two seeds, got ${seeds.length}`);
  if (!(flags.fraction > 0)) throw new UsageError('--fraction must be above 0');
  // A configuration in both sweeps (N = --n at the fixed width) runs once and serves both panels.
  const configs: SweepConfig[] = [...widths.map((width) => ({ n: flags.n, width })), ...sizes.map((n) => ({ n, width: flags.fixedWidth }))]
    .filter((c, i, all) => all.findIndex((o) => o.n === c.n && o.width === c.width) === i);
  if (configs.length === 0) throw new UsageError('nothing to sweep: give --widths or --sizes');
  const { train, test: fullTest } = await loadSplits(flags.data);
  const test = trainSubset(fullTest, flags.testSamples);
  const tooBig = configs.find((c) => c.n > train.n);
  if (tooBig) throw new UsageError(`N = ${tooBig.n} is more than the ${train.n} training samples of ${flags.data}`);
  const shard = resolveShard(flags.shard, flags.shardCount);
  const progress = new ProgressBar({ label: 'widths', quiet: flags.quiet });
  // Every input is checked above; from here on report.json always holds a valid report (running,
  // completed or failed) with the rows finished so far (a shard writes only its part).
  ensureDir(flags.out);
  const { shard: _shard, shardCount: _shardCount, ...options } = flags;
  const plan: WidthsPlan = {
    info: runInfo(['widths', ...withoutShardFlags(argv)], 'widths'),
    data: { spec: flags.data, train: describeData(train), test: describeData(test) },
    options: { ...options, widths, sizes, seeds },
    plot: { fixedN: widths.length ? flags.n : undefined, fixedWidth: sizes.length ? flags.fixedWidth : undefined,
      subtitle: `${flags.depth} hidden layers on ${flags.data}; two seeds per point; losses on the N training samples` },
  };
  const files: Record<string, string> = { report: join(flags.out, 'report.json') };
  const done: SweepRow[] = [];
  const started = performance.now();
  const save = (status: 'running' | 'failed', extra: Record<string, unknown> = {}) => {
    if (!shard) writeJsonAtomic(files.report, { ...plan.info, status, data: plan.data, options: plan.options, rows: done, files, seconds: (performance.now() - started) / 1000, ...extra });
  };
  save('running');
  // Each configuration is a cell: trained and measured alone, so any split gives the same rows.
  const job: GridJob<WidthsPlan, SweepRow, number> = {
    command: 'widths', plan, count: configs.length,
    evaluate: async (indices) => {
      const begun = performance.now();
      const mine = indices.map((i) => configs[i]);
      const rows = await withRunner(flags.workers, (runner) => widthSweep(train, test, {
        configs: mine, depth: flags.depth, seeds: [seeds[0], seeds[1]], steps: flags.steps, batchSize: flags.batchSize,
        optimizer: { type: 'adam', lr: flags.lr }, trials: flags.trials, runner,
        probe: { fraction: flags.fraction, draws: flags.draws, steps: flags.probeSteps, optimizer: { type: 'adam', lr: flags.probeLr } },
        onProgress: ({ config, configs: total, stage }) => {
          const c = mine[config];
          progress.update({ fraction: config / total, detail: `N=${c.n} w=${c.width}: ${stage}` });
        },
        onRow: (row) => {
          done.push(row);
          save('running');
        },
      }));
      return { cells: rows, timing: (performance.now() - begun) / 1000 };
    },
  };
  let result;
  try {
    result = await runGridJob(job, shard, flags.out);
  } catch (error) {
    save('failed', { error: { code: (error as { code?: string }).code ?? 'INTERNAL', message: (error as Error).message } });
    throw error;
  }
  progress.done();
  if (result.part !== undefined) {
    process.stdout.write(describePart(result.part, shard!, flags.out));
    return 0;
  }
  process.stdout.write(await writeWidthsReport(plan, result.cells, [result.timing], flags.out));
  return 0;
}

/** Everything report.json and the figure need besides the rows (JSON-safe; the same in every shard). */
export interface WidthsPlan {
  info: RunInfo;
  data: Record<string, unknown>;
  options: Record<string, unknown>;
  plot: { fixedN?: number; fixedWidth?: number; subtitle: string };
}

/**
 * Writes the completed report.json and the figure into `out` from the plan and every row in order (a
 * single run, or merge-shards with each shard's seconds); returns the summary to print.
 */
export async function writeWidthsReport(plan: WidthsPlan, rows: readonly SweepRow[], timings: readonly number[], out: string): Promise<string> {
  const files: Record<string, string> = { report: join(out, 'report.json') };
  const figure = await writeFigure(widthSweepPlotSpec([...rows], plan.plot), out, 'widths');
  Object.assign(files, figure.files);
  // Computation time, summed over the shards of a split run.
  const seconds = timings.reduce((a, b) => a + b, 0);
  writeJsonAtomic(files.report, {
    ...plan.info, status: 'completed', data: plan.data, options: plan.options, rows, files, seconds,
    ...(figure.warnings.length ? { warnings: figure.warnings } : {}),
  });
  return `${sweepTable(rows)}\ntime ${formatDuration(seconds)}\n\n${formatPairs(Object.entries(files))}`;
}

/** One row per configuration. */
export function sweepTable(rows: readonly SweepRow[]): string {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return formatTable(
    ['N', 'w', 'w/√N', 'regime', 'train loss', 'test err', 'line barrier', 'matched barrier', 'path worst', 'path excess', 'bound', 'ok', 'probe loss (max)', 'separable', 'ε (mean)'],
    rows.map((r) => [
      String(r.n), String(r.width), fixed4(r.width / r.sqrtN), r.regime,
      fixed4(Math.max(...r.networks.map((x) => x.train.loss))), percent(mean(r.networks.map((x) => x.test.error))),
      fixed4(r.lineBarrier), fixed4(r.matchedBarrier), fixed4(r.path.worst), fixed4(r.path.excess), fixed4(r.path.bound), r.path.holds ? 'yes' : 'NO',
      fixed4(Math.max(...r.probes.flatMap((p) => p.losses))),
      `${r.probes.flatMap((p) => p.separable).filter(Boolean).length}/${r.probes.flatMap((p) => p.separable).length}`,
      fixed4(mean(r.epsilon)),
    ]),
  );
}
